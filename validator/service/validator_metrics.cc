#include "validator/service/validator_metrics.h"

namespace docval::validator {

ValidatorMetrics::ValidatorMetrics(prometheus::Registry& r)
    : sessions(prometheus::BuildCounter()
                   .Name("docval_validator_sessions_total")
                   .Help("Chip dialogs ended, by outcome (result or the failure reason)")
                   .Register(r)),
      active(prometheus::BuildGauge()
                 .Name("docval_validator_sessions_active")
                 .Help("Chip dialogs in progress")
                 .Register(r)
                 .Add({})),
      duration(prometheus::BuildHistogram()
                   .Name("docval_validator_session_duration_seconds")
                   .Help("Duration of chip dialogs")
                   .Register(r)
                   .Add({}, prometheus::Histogram::BucketBoundaries{0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60})),
      round_trips(prometheus::BuildHistogram()
                      .Name("docval_validator_round_trips")
                      .Help("Command APDUs per chip dialog")
                      .Register(r)
                      .Add({}, prometheus::Histogram::BucketBoundaries{5, 10, 15, 20, 30, 40, 60, 100, 200})),
      refused(prometheus::BuildCounter()
                  .Name("docval_validator_sessions_refused_total")
                  .Help("Sessions refused before any work: over_capacity (validator.max_sessions), draining")
                  .Register(r)),
      steps(prometheus::BuildCounter()
                .Name("docval_validator_steps_total")
                .Help("Dialog steps taken by a worker: run, or dropped because their session had ended")
                .Register(r)),
      queued_steps(prometheus::BuildGauge()
                       .Name("docval_validator_queued_steps")
                       .Help("Dialog steps waiting for a worker")
                       .Register(r)
                       .Add({})),
      busy_workers(prometheus::BuildGauge()
                       .Name("docval_validator_busy_workers")
                       .Help("Workers running a dialog step")
                       .Register(r)
                       .Add({})),
      workers(prometheus::BuildGauge()
                  .Name("docval_validator_workers")
                  .Help("Worker threads for dialog steps (validator.workers)")
                  .Register(r)
                  .Add({})),
      max_sessions(prometheus::BuildGauge()
                       .Name("docval_validator_max_sessions")
                       .Help("Sessions this validator accepts at once (validator.max_sessions)")
                       .Register(r)
                       .Add({})) {}

}  // namespace docval::validator
