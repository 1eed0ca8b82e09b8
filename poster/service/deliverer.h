// The delivery loop: attempts, waits and signing for one result, driven by the pure RetryPolicy.
// Time, waiting, randomness and cancellation come in through Deliverer::Env, so the loop is
// tested with a fake clock and a fake http::HttpClient; the service passes the real ones.
#ifndef DOCVAL_POSTER_SERVICE_DELIVERER_H_
#define DOCVAL_POSTER_SERVICE_DELIVERER_H_

#include <functional>
#include <string>

#include "absl/time/time.h"
#include "poster/delivery/message_signature.h"
#include "poster/delivery/retry_policy.h"
#include "common/http/http_client.h"

namespace docval::poster {

struct DeliveryJob {
  std::string url;  // normalized (http::NormalizeUrl)
  // Extra headers (already filtered: never Content-Type, Content-Digest, Signature*, Host,
  // Content-Length); sent after Content-Type and before the digest and signature headers.
  http::HeaderList headers;
  std::string body;     // the JSON document; never logged
  absl::Time deadline;  // nothing happens after it
};

// Why the delivery loop stopped.
enum class DeliveryStop {
  kDelivered,         // a 2xx answer
  kRejected,          // a final outcome: a non-2xx answer that is not retried (1xx, 3xx, 4xx but
                      // 408/429), or an error retrying cannot fix (TLS verification, bad URL,
                      // malformed answer)
  kAttemptsExhausted, // every allowed attempt failed with a retryable outcome
  kOutOfTime,         // job.deadline left no time for (another) attempt
  kCancelled,         // Env::cancelled became true (before, during or between attempts)
  kNotBuildable,      // the request could not be made (signing failed)
};

struct DeliveryResult {
  DeliveryStop stop = DeliveryStop::kOutOfTime;
  bool delivered = false;    // stop == kDelivered
  int attempts = 0;
  int last_http_status = 0;  // 0: no HTTP answer
  std::string error;         // why not delivered (no personal data)
};

class Deliverer {
 public:
  struct Env {
    std::function<absl::Time()> now;
    // Waits `d`; returns false if cancelled meanwhile (then the loop stops).
    std::function<bool(absl::Duration d)> sleep;
    std::function<double()> random01;  // uniform in [0, 1)
    std::function<bool()> cancelled;   // polled between and during attempts
    // Observes each finished attempt (1-based number, outcome, how long it took). Optional.
    std::function<void(int, const AttemptOutcome&, absl::Duration)> on_attempt;
  };

  // `http` must outlive the Deliverer; `signing_key` may be null (then requests are unsigned but
  // still carry Content-Digest).
  Deliverer(RetryPolicy policy, http::HttpClient* http, const SigningKey* signing_key);

  DeliveryResult Deliver(const DeliveryJob& job, const Env& env) const;

  const RetryPolicy& policy() const { return policy_; }

 private:
  absl::StatusOr<http::HttpRequest> BuildRequest(const DeliveryJob& job, absl::Time now,
                                           absl::Duration timeout) const;

  const RetryPolicy policy_;
  http::HttpClient* const http_;
  const SigningKey* const signing_key_;
};

}  // namespace docval::poster

#endif  // DOCVAL_POSTER_SERVICE_DELIVERER_H_
