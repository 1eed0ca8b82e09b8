// The tracer: starts spans (span.h) with fresh ids, under a parent or as a root, sampled by the
// configured sampler (sampler.h), and hands ended ones to its sink (the OTLP exporter).
//
// One tracer per process, set at start-up (SetGlobalTracer) and read by the instrumentation of every
// role (GlobalTracer), as OpenTelemetry's global tracer provider is: the roles' code takes no tracer
// argument, and a process (or a test) that sets none gets a disabled tracer whose spans are inert and
// whose contexts are invalid, so nothing is propagated.
//
// Diagnostics: a session whose start message enables diagnostics may add debugging data to its spans
// (docs/operations.md, "Traces"); `allow_diagnostics` false forbids that for the whole process
// (DiagnosticsAllowed()), whatever a client asks.
#ifndef DOCVAL_COMMON_TRACING_TRACER_H_
#define DOCVAL_COMMON_TRACING_TRACER_H_

#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/tracing/sampler.h"
#include "common/tracing/span.h"
#include "common/tracing/trace_context.h"

namespace docval::tracing {

class Tracer {
 public:
  // A disabled tracer.
  Tracer();
  // `sink` (not owned, outlives the tracer) receives ended spans; nullptr: disabled.
  Tracer(Sampler sampler, SpanSink* sink, bool allow_diagnostics);

  bool enabled() const { return sink_ != nullptr; }
  bool DiagnosticsAllowed() const { return enabled() && allow_diagnostics_; }

  // A span of `scope` ("docval.gateway", ...). `parent`: a valid context (local or remote) makes the
  // span its child in the same trace; nullptr or an invalid one starts a new trace. Thread-safe.
  Span StartSpan(absl::string_view scope, absl::string_view name, SpanKind kind, const SpanContext* parent,
                 absl::Time start = absl::Now()) const;

 private:
  Sampler sampler_;
  SpanSink* sink_ = nullptr;
  bool allow_diagnostics_ = false;
};

// The process's tracer; a disabled one until SetGlobalTracer. Thread-safe.
const Tracer& GlobalTracer();
// `tracer` (not owned) must outlive every later GlobalTracer() call; nullptr restores the disabled one.
void SetGlobalTracer(const Tracer* tracer);

}  // namespace docval::tracing

#endif  // DOCVAL_COMMON_TRACING_TRACER_H_
