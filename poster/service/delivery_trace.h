// The poster's part of a session's trace (docs/operations.md, "Traces"): the span `docval.delivery`
// (kind SERVER) under the gateway's session span, named by the `traceparent` metadata of the
// Poster/Deliver call, and one child span `docval.delivery_attempt` (kind CLIENT) per HTTP attempt.
//
// An attempt's span holds docval.attempt (1, 2, ...), http.response.status_code (0: no answer),
// docval.result (the attempt label of docval_result_delivery_attempts_total: `2xx`, `5xx`, `timeout`,
// `network`, ...) and, when the policy retries after it, docval.retry_reason (that label) and
// docval.retry_after when the server sent one. The delivery span holds docval.outcome (the
// DeliveryOutcome label) and docval.attempts. Never the Result Server's URL, headers or body.
//
// Thread-safe; inert when traces are off.
#ifndef DOCVAL_POSTER_SERVICE_DELIVERY_TRACE_H_
#define DOCVAL_POSTER_SERVICE_DELIVERY_TRACE_H_

#include <map>
#include <string>

#include <grpcpp/support/string_ref.h>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/tracing/span.h"
#include "poster/delivery/retry_policy.h"

namespace docval::poster {

class DeliveryTrace {
 public:
  DeliveryTrace(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata, absl::Time arrived);
  // One HTTP attempt that ended now and took `took`.
  void Attempt(int n, const AttemptOutcome& outcome, absl::Duration took);
  // The delivery is over. Idempotent.
  void End(absl::string_view outcome_label, int attempts);

 private:
  absl::Mutex mu_;
  tracing::Span span_ ABSL_GUARDED_BY(mu_);
};

}  // namespace docval::poster

#endif  // DOCVAL_POSTER_SERVICE_DELIVERY_TRACE_H_
