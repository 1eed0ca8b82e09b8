#include "validator/emrtd/bytes.h"

#include "base/check.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace docval::emrtd {

std::string ToHex(ByteSpan bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0F]);
  }
  return out;
}

namespace {
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

absl::StatusOr<Bytes> FromHex(absl::string_view hex) {
  Bytes out;
  out.reserve(hex.size() / 2);
  int high = -1;
  for (size_t i = 0; i < hex.size(); ++i) {
    char c = hex[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':') {
      if (high >= 0) return absl::InvalidArgumentError(absl::StrCat("hex: separator inside a byte at ", i));
      continue;
    }
    int v = HexValue(c);
    if (v < 0) return absl::InvalidArgumentError(absl::StrCat("hex: not a hex digit at ", i));
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<uint8_t>((high << 4) | v));
      high = -1;
    }
  }
  if (high >= 0) return absl::InvalidArgumentError("hex: odd number of digits");
  return out;
}

Bytes HexOrDie(absl::string_view hex) {
  absl::StatusOr<Bytes> b = FromHex(hex);
  DOCVAL_CHECK_OK(b);
  return *std::move(b);
}

}  // namespace docval::emrtd
