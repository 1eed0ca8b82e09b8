#include "poster/service/poster_metrics.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace docval::poster {
namespace {

const prometheus::Histogram::BucketBoundaries& DeliveryBuckets() {
  static const auto* b = new prometheus::Histogram::BucketBoundaries{
      0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30};
  return *b;
}

const prometheus::Histogram::BucketBoundaries& AttemptBuckets() {
  static const auto* b = new prometheus::Histogram::BucketBoundaries{
      0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5};
  return *b;
}

constexpr const char* kAttemptResults[] = {"1xx", "2xx", "3xx", "4xx", "5xx",
                                           "network", "timeout", "error"};
constexpr const char* kRefusals[] = {"overloaded", "unavailable"};

}  // namespace

absl::string_view OutcomeLabel(v1::DeliveryOutcome outcome) {
  switch (outcome) {
    case v1::DELIVERED: return "delivered";
    case v1::REJECTED: return "rejected";
    case v1::RETRIES_EXHAUSTED: return "retries_exhausted";
    case v1::DEADLINE_REACHED: return "deadline_reached";
    case v1::CANCELLED: return "cancelled";
    case v1::SHUTTING_DOWN: return "shutting_down";
    case v1::NOT_CONFIGURED: return "not_configured";
    default: return "unspecified";
  }
}

std::string AttemptLabel(const AttemptOutcome& o) {
  if (o.http_status > 0) {
    int cls = o.http_status / 100;
    return cls >= 1 && cls <= 5 ? absl::StrCat(cls, "xx") : "error";
  }
  switch (o.error.code()) {
    case absl::StatusCode::kDeadlineExceeded: return "timeout";
    case absl::StatusCode::kUnavailable: return "network";
    default: return "error";
  }
}

PosterMetrics::PosterMetrics(prometheus::Registry& registry,
                             const std::vector<std::string>& destinations)
    : deliveries_(prometheus::BuildCounter()
                      .Name("docval_result_deliveries_total")
                      .Help("Result deliveries to Result Servers, by destination host and outcome.")
                      .Register(registry)),
      attempts_(prometheus::BuildCounter()
                    .Name("docval_result_delivery_attempts_total")
                    .Help("HTTP attempts to deliver results, by destination host and result class.")
                    .Register(registry)),
      duration_(prometheus::BuildHistogram()
                    .Name("docval_result_delivery_duration_seconds")
                    .Help("Time from a Deliver call's arrival to its report, by destination host.")
                    .Register(registry)),
      attempt_duration_(prometheus::BuildHistogram()
                            .Name("docval_result_delivery_attempt_duration_seconds")
                            .Help("Duration of one HTTP attempt, by destination host.")
                            .Register(registry)),
      queue_depth_(prometheus::BuildGauge()
                       .Name("docval_result_delivery_queue_depth")
                       .Help("Deliveries waiting for a free slot of their destination host.")
                       .Register(registry)),
      in_flight_(prometheus::BuildGauge()
                     .Name("docval_result_deliveries_in_flight")
                     .Help("Deliveries being attempted, by destination host.")
                     .Register(registry)) {
  for (const std::string& d : destinations) {
    for (int o = v1::DELIVERED; o <= v1::NOT_CONFIGURED; ++o) {
      deliveries_.Add({{"destination", d},
                       {"outcome", std::string(OutcomeLabel(static_cast<v1::DeliveryOutcome>(o)))}});
    }
    for (const char* r : kRefusals) deliveries_.Add({{"destination", d}, {"outcome", r}});
    for (const char* r : kAttemptResults) attempts_.Add({{"destination", d}, {"result", r}});
    duration_.Add({{"destination", d}}, DeliveryBuckets());
    attempt_duration_.Add({{"destination", d}}, AttemptBuckets());
    queue_depth_.Add({{"destination", d}});
    in_flight_.Add({{"destination", d}});
  }
  deliveries_.Add({{"destination", kNoDestination},
                   {"outcome", std::string(OutcomeLabel(v1::NOT_CONFIGURED))}});
}

void PosterMetrics::Delivery(const std::string& destination, absl::string_view outcome,
                             absl::Duration took) {
  deliveries_.Add({{"destination", destination}, {"outcome", std::string(outcome)}}).Increment();
  if (destination != kNoDestination) {
    duration_.Add({{"destination", destination}}, DeliveryBuckets())
        .Observe(absl::ToDoubleSeconds(took));
  }
}

void PosterMetrics::Attempt(const std::string& destination, const AttemptOutcome& outcome,
                            absl::Duration took) {
  attempts_.Add({{"destination", destination}, {"result", AttemptLabel(outcome)}}).Increment();
  attempt_duration_.Add({{"destination", destination}}, AttemptBuckets())
      .Observe(absl::ToDoubleSeconds(took));
}

void PosterMetrics::Depth(const std::string& destination, size_t waiting, int running) {
  queue_depth_.Add({{"destination", destination}}).Set(static_cast<double>(waiting));
  in_flight_.Add({{"destination", destination}}).Set(static_cast<double>(running));
}

}  // namespace docval::poster
