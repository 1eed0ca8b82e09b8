// The poster's Prometheus metrics, labelled by destination (the Result Server host, with the port
// when the URL names one; "none" for calls without a configured Result Server). No personal data,
// client ids, paths or queries in any label. Every series of every configured destination exists
// from the start (at 0), so dashboards and alerts see them before the first delivery.
//
//   docval_result_deliveries_total{destination,outcome}        outcome: OutcomeLabel() values,
//                                                               "overloaded", "unavailable"
//   docval_result_delivery_attempts_total{destination,result}  result: 1xx..5xx, network, timeout,
//                                                               error
//   docval_result_delivery_duration_seconds{destination}       call arrival → report (histogram)
//   docval_result_delivery_attempt_duration_seconds{destination}  one HTTP attempt (histogram)
//   docval_result_delivery_queue_depth{destination}            deliveries waiting for a slot
//   docval_result_deliveries_in_flight{destination}            deliveries being attempted
#ifndef DOCVAL_POSTER_SERVICE_POSTER_METRICS_H_
#define DOCVAL_POSTER_SERVICE_POSTER_METRICS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "docval/v1/poster.pb.h"
#include "poster/delivery/retry_policy.h"

namespace prometheus {
class Registry;
template <typename T>
class Family;
class Counter;
class Gauge;
class Histogram;
}  // namespace prometheus

namespace docval::poster {

inline constexpr char kNoDestination[] = "none";

// "delivered", "rejected", "retries_exhausted", "deadline_reached", "cancelled", "shutting_down",
// "not_configured" ("unspecified" for the default value).
absl::string_view OutcomeLabel(v1::DeliveryOutcome outcome);

// "2xx", "4xx", ..., "network" (refused, reset, DNS), "timeout", "error" (TLS verification,
// protocol, URL, aborted).
std::string AttemptLabel(const AttemptOutcome& outcome);

class PosterMetrics {
 public:
  // `destinations`: every configured destination, for the series that exist from the start.
  PosterMetrics(prometheus::Registry& registry, const std::vector<std::string>& destinations);

  void Delivery(const std::string& destination, absl::string_view outcome, absl::Duration took);
  void Attempt(const std::string& destination, const AttemptOutcome& outcome, absl::Duration took);
  void Depth(const std::string& destination, size_t waiting, int running);

 private:
  prometheus::Family<prometheus::Counter>& deliveries_;
  prometheus::Family<prometheus::Counter>& attempts_;
  prometheus::Family<prometheus::Histogram>& duration_;
  prometheus::Family<prometheus::Histogram>& attempt_duration_;
  prometheus::Family<prometheus::Gauge>& queue_depth_;
  prometheus::Family<prometheus::Gauge>& in_flight_;
};

}  // namespace docval::poster

#endif  // DOCVAL_POSTER_SERVICE_POSTER_METRICS_H_
