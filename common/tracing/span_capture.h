// For tests of instrumented code: the process's tracer (tracer.h) replaced, for the life of a
// SpanCapture, by one that keeps every ended span in memory, and the spans as a collector would
// receive them (the OTLP request the exporter would POST, serialized), so that a test can assert on the
// exported bytes, not only on what the code meant to record.
//
// One SpanCapture at a time per process (it sets the global tracer); thread-safe otherwise.
#ifndef DOCVAL_COMMON_TRACING_SPAN_CAPTURE_H_
#define DOCVAL_COMMON_TRACING_SPAN_CAPTURE_H_

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/tracing/span.h"
#include "common/tracing/tracer.h"

namespace docval::tracing {

class SpanCapture final : public SpanSink {
 public:
  // `sampler`: an OTEL_TRACES_SAMPLER name ("" the default, parentbased_always_on).
  explicit SpanCapture(bool allow_diagnostics = true, absl::string_view sampler = "");
  ~SpanCapture() override;  // restores the disabled tracer
  SpanCapture(const SpanCapture&) = delete;
  SpanCapture& operator=(const SpanCapture&) = delete;

  void OnEnd(SpanData span) override;

  // The ended spans, in the order they ended.
  std::vector<SpanData> spans() const;
  // The spans named `name`.
  std::vector<SpanData> Named(absl::string_view name) const;
  // The serialized ExportTraceServiceRequest of every span so far (otlp_exporter.h's BuildExportRequest).
  std::string ExportBytes() const;

 private:
  mutable absl::Mutex mu_;
  std::vector<SpanData> spans_ ABSL_GUARDED_BY(mu_);
  Tracer tracer_;
};

// The value of attribute `key` of `span`, or nullptr.
const AttributeValue* FindAttribute(const SpanData& span, absl::string_view key);
// Shorthands: the value, or "<absent>" / -1 when the attribute is missing or of another type.
std::string StringAttribute(const SpanData& span, absl::string_view key);
int64_t IntAttribute(const SpanData& span, absl::string_view key);

}  // namespace docval::tracing

#endif  // DOCVAL_COMMON_TRACING_SPAN_CAPTURE_H_
