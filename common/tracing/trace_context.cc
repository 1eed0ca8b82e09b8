#include "common/tracing/trace_context.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/check.h"

namespace docval::tracing {
namespace {

constexpr size_t kVersion00Size = 55;  // 2 + 1 + 32 + 1 + 16 + 1 + 2

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case is invalid too
}

// Decodes exactly 2 * N lower-case hex digits.
template <size_t N>
bool DecodeHex(absl::string_view text, std::array<uint8_t, N>& out) {
  if (text.size() != 2 * N) return false;
  for (size_t i = 0; i < N; ++i) {
    int hi = HexValue(text[2 * i]);
    int lo = HexValue(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

template <size_t N>
std::string EncodeHex(const std::array<uint8_t, N>& in) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * N, '0');
  for (size_t i = 0; i < N; ++i) {
    out[2 * i] = kDigits[in[i] >> 4];
    out[2 * i + 1] = kDigits[in[i] & 0x0f];
  }
  return out;
}

template <size_t N>
bool AllZero(const std::array<uint8_t, N>& id) {
  return std::all_of(id.begin(), id.end(), [](uint8_t b) { return b == 0; });
}

absl::string_view StripOws(absl::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

}  // namespace

bool SpanContext::valid() const { return !AllZero(trace_id) && !AllZero(span_id); }

absl::StatusOr<SpanContext> ParseTraceparent(absl::string_view value) {
  if (value.size() > kMaxTraceparentSize) return absl::InvalidArgumentError("traceparent: too long");
  value = StripOws(value);
  if (value.size() < kVersion00Size) return absl::InvalidArgumentError("traceparent: too short");
  std::array<uint8_t, 1> version{};
  if (!DecodeHex(value.substr(0, 2), version)) return absl::InvalidArgumentError("traceparent: bad version");
  if (version[0] == 0xff) return absl::InvalidArgumentError("traceparent: version ff is invalid");
  if (version[0] == 0x00 && value.size() != kVersion00Size) {
    return absl::InvalidArgumentError("traceparent: version 00 must be 55 characters");
  }
  if (value.size() > kVersion00Size && value[kVersion00Size] != '-') {
    return absl::InvalidArgumentError("traceparent: a later version's fields must follow a '-'");
  }
  if (value[2] != '-' || value[35] != '-' || value[52] != '-') {
    return absl::InvalidArgumentError("traceparent: fields must be separated by '-'");
  }
  SpanContext c;
  if (!DecodeHex(value.substr(3, 32), c.trace_id)) return absl::InvalidArgumentError("traceparent: bad trace-id");
  if (!DecodeHex(value.substr(36, 16), c.span_id)) return absl::InvalidArgumentError("traceparent: bad parent-id");
  std::array<uint8_t, 1> flags{};
  if (!DecodeHex(value.substr(53, 2), flags)) return absl::InvalidArgumentError("traceparent: bad trace-flags");
  if (AllZero(c.trace_id)) return absl::InvalidArgumentError("traceparent: all-zero trace-id");
  if (AllZero(c.span_id)) return absl::InvalidArgumentError("traceparent: all-zero parent-id");
  c.flags = flags[0];
  c.remote = true;
  return c;
}

std::string FormatTraceparent(const SpanContext& context) {
  DOCVAL_CHECK(context.valid());
  return absl::StrCat("00-", ToHex(context.trace_id), "-", ToHex(context.span_id), context.sampled() ? "-01" : "-00");
}

std::string ToHex(const TraceId& id) { return EncodeHex(id); }
std::string ToHex(const SpanId& id) { return EncodeHex(id); }

}  // namespace docval::tracing
