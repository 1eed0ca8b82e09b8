// The validator's Prometheus metrics (docs/operations.md lists each), registered once per service.
#ifndef DOCVAL_VALIDATOR_SERVICE_VALIDATOR_METRICS_H_
#define DOCVAL_VALIDATOR_SERVICE_VALIDATOR_METRICS_H_

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace docval::validator {

struct ValidatorMetrics {
  explicit ValidatorMetrics(prometheus::Registry& r);

  prometheus::Family<prometheus::Counter>& sessions;
  prometheus::Gauge& active;
  prometheus::Histogram& duration;
  prometheus::Histogram& round_trips;
  prometheus::Family<prometheus::Counter>& refused;
  prometheus::Family<prometheus::Counter>& steps;
  prometheus::Gauge& queued_steps;
  prometheus::Gauge& busy_workers;
  prometheus::Gauge& workers;
  prometheus::Gauge& max_sessions;
};

}  // namespace docval::validator

#endif  // DOCVAL_VALIDATOR_SERVICE_VALIDATOR_METRICS_H_
