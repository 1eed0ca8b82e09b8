// The delivery retry policy of docs/protocol.md §4, as pure functions: no clock, no randomness, no I/O.
// The caller passes the current time, the overall deadline and a uniform random number.
//
//   - At most `max_attempts` (4) attempts, each at most `attempt_timeout` (3 s) and never past the
//     overall deadline (the gRPC call's deadline = the session's remaining time).
//   - 2xx is success. 408, 429 and 5xx are retried; every other status (1xx, 3xx, 4xx) is final.
//   - Network/connection errors and attempt timeouts are retried; TLS verification failures, bad
//     URLs, protocol errors and cancellation are final (see common/http/http_client.h).
//   - Before retry n (n = 1, 2, 3) the policy waits a jittered exponential backoff: nominal
//     min(max_backoff, initial_backoff * multiplier^(n-1)), drawn uniformly from
//     [nominal/2, nominal) ("equal jitter").
//   - A `Retry-After` (delta-seconds or HTTP-date) on a retryable answer is honoured: the next
//     attempt waits max(Retry-After, backoff). If waiting Retry-After would leave less than
//     `min_attempt_time` before the deadline, the policy gives up at once instead of retrying
//     early against the server's explicit request.
//   - A retry is only started if at least `min_attempt_time` remains after the wait (the backoff is
//     shortened to make room when possible).
#ifndef DOCVAL_POSTER_DELIVERY_RETRY_POLICY_H_
#define DOCVAL_POSTER_DELIVERY_RETRY_POLICY_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace docval::poster {

struct RetryPolicyOptions {
  int max_attempts = 4;
  absl::Duration attempt_timeout = absl::Seconds(3);
  absl::Duration initial_backoff = absl::Milliseconds(200);
  double backoff_multiplier = 2.0;
  absl::Duration max_backoff = absl::Seconds(2);
  absl::Duration min_attempt_time = absl::Milliseconds(500);
};

// What one attempt produced: an HTTP status, or the HTTP client's error.
struct AttemptOutcome {
  int http_status = 0;                 // > 0 when the server answered
  absl::Status error;                  // when http_status == 0: why there was no answer
  std::string retry_after;             // the raw Retry-After header value, "" when absent

  static AttemptOutcome Http(int status, std::string retry_after = "");
  static AttemptOutcome Error(absl::Status error);
};

enum class AttemptClass { kSuccess, kRetryable, kFinal };

// 2xx → kSuccess; 408, 429, 5xx → kRetryable; other statuses → kFinal. For errors:
// kDeadlineExceeded and kUnavailable → kRetryable, everything else → kFinal.
AttemptClass Classify(const AttemptOutcome& outcome);

struct RetryDecision {
  enum class Action { kDelivered, kRetry, kGiveUp };
  // Why the policy gave up (kGiveUp only).
  enum class GiveUp {
    kFinal,              // the outcome was final (Classify() == kFinal)
    kAttemptsExhausted,  // max_attempts retryable failures
    kOutOfTime,          // the deadline leaves no room for another attempt (or for Retry-After)
  };
  Action action = Action::kGiveUp;
  GiveUp give_up = GiveUp::kFinal;
  absl::Duration delay;  // kRetry: wait this long before the next attempt
  std::string reason;    // kGiveUp: why, for the report (no personal data)
};

class RetryPolicy {
 public:
  // Options must be sane (max_attempts >= 1, positive durations, multiplier >= 1): DOCVAL_CHECKed.
  explicit RetryPolicy(RetryPolicyOptions options = {});

  const RetryPolicyOptions& options() const { return options_; }

  // The timeout for an attempt starting at `now`: min(attempt_timeout, deadline - now), never
  // negative. Zero means no attempt can be made.
  absl::Duration AttemptTimeout(absl::Time now, absl::Time deadline) const;

  // Decides after attempt number `attempts_made` (1-based) ended with `outcome` at `now`.
  // `random01` is a uniform random number in [0, 1) (values outside are clamped).
  RetryDecision Next(int attempts_made, const AttemptOutcome& outcome, absl::Time now,
                     absl::Time deadline, double random01) const;

  // The jittered backoff before retry number `retry` (1-based).
  absl::Duration Backoff(int retry, double random01) const;

 private:
  RetryPolicyOptions options_;
};

// Parses a Retry-After value (RFC 9110 §10.2.3): delta-seconds, or an HTTP-date in IMF-fixdate,
// obsolete RFC 850 or asctime form. Returns the wait relative to `now` (zero for a date in the
// past, InfiniteDuration for absurdly large numbers), or nullopt when the value is malformed.
std::optional<absl::Duration> ParseRetryAfter(absl::string_view value, absl::Time now);

}  // namespace docval::poster

#endif  // DOCVAL_POSTER_DELIVERY_RETRY_POLICY_H_
