// Fuzz target: the `traceparent` value a phone's handshake (or a gRPC peer) controls
// (common/tracing/trace_context.h). An accepted value must be valid, survive formatting and parsing
// again unchanged (ids and the sampled bit), and a version-00 value must format back to itself with
// the other flag bits cleared; a broken rule aborts (a finding).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "common/tracing/trace_context.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace docval::tracing;  // NOLINT: a fuzz target
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<SpanContext> c = ParseTraceparent(text);
  if (!c.ok()) return 0;
  if (!c->valid() || !c->remote) abort();
  const std::string formatted = FormatTraceparent(*c);
  if (formatted.size() != 55) abort();
  absl::StatusOr<SpanContext> again = ParseTraceparent(formatted);
  if (!again.ok() || again->trace_id != c->trace_id || again->span_id != c->span_id ||
      again->sampled() != c->sampled()) {
    abort();
  }
  absl::string_view t = text;
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  if (t.substr(0, 3) == "00-" && t.substr(0, 53) != absl::string_view(formatted).substr(0, 53)) abort();
  return 0;
}
