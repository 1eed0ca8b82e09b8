// W3C Trace Context (https://www.w3.org/TR/trace-context/): the identity of a span as it crosses a
// process boundary, and the `traceparent` header that carries it (HTTP handshake, gRPC metadata).
//
//   traceparent: 00-<trace-id: 32 hex>-<parent-id: 16 hex>-<trace-flags: 2 hex>
//
// Parsing follows the specification's rules for a receiver, which treats anything else as absent
// (a new trace starts; the session itself never fails for a bad header):
//   - lower-case hex only; version "ff" is invalid; version "00" is exactly 55 characters;
//   - a later version is at least 55 characters, and when longer the 56th is '-' (the rest, defined
//     by that version, is ignored); the first four fields are read as version 00 defines them;
//   - an all-zero trace-id or parent-id is invalid;
//   - optional whitespace (space, tab) around the value is ignored, as HTTP allows; a value over
//     kMaxTraceparentSize characters is refused before it is looked at.
// A parsed context is marked remote. Formatting always writes version 00 with the sampled bit only.
#ifndef DOCVAL_COMMON_TRACING_TRACE_CONTEXT_H_
#define DOCVAL_COMMON_TRACING_TRACE_CONTEXT_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace docval::tracing {

using TraceId = std::array<uint8_t, 16>;
using SpanId = std::array<uint8_t, 8>;

inline constexpr uint8_t kSampledFlag = 0x01;
inline constexpr size_t kMaxTraceparentSize = 512;

// The header names, as sent (HTTP header names are case-insensitive; gRPC metadata keys are lower case).
inline constexpr char kTraceparentHeader[] = "traceparent";

struct SpanContext {
  TraceId trace_id{};
  SpanId span_id{};
  uint8_t flags = 0;    // W3C trace-flags; bit 0: sampled
  bool remote = false;  // came from another process

  // Non-zero trace and span ids.
  bool valid() const;
  bool sampled() const { return (flags & kSampledFlag) != 0; }
  bool operator==(const SpanContext&) const = default;
};

// kInvalidArgument (naming the rule broken, never echoing the value) when `value` is not a usable
// traceparent by the rules above.
absl::StatusOr<SpanContext> ParseTraceparent(absl::string_view value);

// "00-<trace-id>-<span-id>-<01|00>". `context` must be valid().
std::string FormatTraceparent(const SpanContext& context);

// Lower-case hex of an id (32 or 16 characters), as trace tools show them.
std::string ToHex(const TraceId& id);
std::string ToHex(const SpanId& id);

}  // namespace docval::tracing

#endif  // DOCVAL_COMMON_TRACING_TRACE_CONTEXT_H_
