// Which traces are recorded: the samplers of the OpenTelemetry SDK specification, chosen the way the
// SDKs choose them (OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG, or `tracing.sampler` /
// `tracing.sampler_arg` in the configuration):
//
//   always_on                   every trace
//   always_off                  none
//   traceidratio                a fraction (the argument, 0..1, default 1) of the trace ids
//   parentbased_always_on       (the default) follow the parent's sampled flag; a root: always_on
//   parentbased_always_off      follow the parent; a root: always_off
//   parentbased_traceidratio    follow the parent; a root: traceidratio
//
// The ratio decision is a function of the trace id alone, so every process of a trace that samples by
// ratio decides alike: the trace id's last 7 bytes (the random part in W3C Trace Context Level 2), read
// as a big-endian number below 2^56, sampled when lower than ratio × 2^56.
//
// Unlike the SDKs, which fall back to the default on a value they do not know, DocVal refuses one at
// start-up (exit 2, like every bad configuration value): a typo must not silently record everything.
#ifndef DOCVAL_COMMON_TRACING_SAMPLER_H_
#define DOCVAL_COMMON_TRACING_SAMPLER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/tracing/trace_context.h"

namespace docval::tracing {

class Sampler {
 public:
  enum class Root { kAlwaysOn, kAlwaysOff, kRatio };

  // `name` as above (ASCII case-insensitive; empty: parentbased_always_on). `arg` is read only for the
  // ratio samplers: a decimal number from 0 to 1, empty meaning 1. kInvalidArgument names the variable
  // (OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG) and the accepted values.
  static absl::StatusOr<Sampler> Create(absl::string_view name, absl::string_view arg);

  // The decision for a new span of `trace_id`. `parent`: the span's parent, or nullptr for a root.
  bool ShouldSample(const SpanContext* parent, const TraceId& trace_id) const;

  // E.g. "parentbased_traceidratio:0.25", for the start-up log.
  std::string Description() const;

 private:
  Sampler(bool parent_based, Root root, double ratio);
  bool SampleRoot(const TraceId& trace_id) const;

  bool parent_based_;
  Root root_;
  double ratio_;
  uint64_t threshold_;  // sampled when the trace id's last 7 bytes are below this; 2^56: every one
};

}  // namespace docval::tracing

#endif  // DOCVAL_COMMON_TRACING_SAMPLER_H_
