#include "poster/delivery/retry_policy.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "base/check.h"

namespace docval::poster {

AttemptOutcome AttemptOutcome::Http(int status, std::string retry_after) {
  AttemptOutcome o;
  o.http_status = status;
  o.retry_after = std::move(retry_after);
  return o;
}

AttemptOutcome AttemptOutcome::Error(absl::Status error) {
  DOCVAL_CHECK(!error.ok());
  AttemptOutcome o;
  o.error = std::move(error);
  return o;
}

AttemptClass Classify(const AttemptOutcome& outcome) {
  if (outcome.http_status > 0) {
    const int s = outcome.http_status;
    if (s >= 200 && s <= 299) return AttemptClass::kSuccess;
    if (s == 408 || s == 429 || (s >= 500 && s <= 599)) return AttemptClass::kRetryable;
    return AttemptClass::kFinal;
  }
  switch (outcome.error.code()) {
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kUnavailable:
      return AttemptClass::kRetryable;
    default:
      return AttemptClass::kFinal;
  }
}

RetryPolicy::RetryPolicy(RetryPolicyOptions options) : options_(options) {
  DOCVAL_CHECK(options_.max_attempts >= 1);
  DOCVAL_CHECK(options_.attempt_timeout > absl::ZeroDuration());
  DOCVAL_CHECK(options_.initial_backoff >= absl::ZeroDuration());
  DOCVAL_CHECK(options_.max_backoff >= options_.initial_backoff);
  DOCVAL_CHECK(options_.backoff_multiplier >= 1.0);
  DOCVAL_CHECK(options_.min_attempt_time >= absl::ZeroDuration());
}

absl::Duration RetryPolicy::AttemptTimeout(absl::Time now, absl::Time deadline) const {
  return std::clamp(deadline - now, absl::ZeroDuration(), options_.attempt_timeout);
}

absl::Duration RetryPolicy::Backoff(int retry, double random01) const {
  DOCVAL_CHECK(retry >= 1);
  random01 = std::clamp(random01, 0.0, 1.0);
  absl::Duration nominal = options_.initial_backoff;
  for (int i = 1; i < retry && nominal < options_.max_backoff; ++i) {
    nominal = nominal * options_.backoff_multiplier;
  }
  nominal = std::min(nominal, options_.max_backoff);
  return nominal / 2 + (nominal / 2) * random01;
}

RetryDecision RetryPolicy::Next(int attempts_made, const AttemptOutcome& outcome, absl::Time now,
                                absl::Time deadline, double random01) const {
  DOCVAL_CHECK(attempts_made >= 1);
  RetryDecision d;
  const std::string what =
      outcome.http_status > 0 ? absl::StrCat("HTTP ", outcome.http_status)
                              : std::string(outcome.error.message());
  switch (Classify(outcome)) {
    case AttemptClass::kSuccess:
      d.action = RetryDecision::Action::kDelivered;
      return d;
    case AttemptClass::kFinal:
      d.reason = absl::StrCat("final answer: ", what);
      return d;
    case AttemptClass::kRetryable:
      break;
  }
  if (attempts_made >= options_.max_attempts) {
    d.give_up = RetryDecision::GiveUp::kAttemptsExhausted;
    d.reason = absl::StrCat("gave up after ", attempts_made, " attempts; last: ", what);
    return d;
  }
  const absl::Duration room = (deadline - now) - options_.min_attempt_time;
  if (room < absl::ZeroDuration()) {
    d.give_up = RetryDecision::GiveUp::kOutOfTime;
    d.reason = absl::StrCat("no time left for another attempt after ", attempts_made,
                            " attempts; last: ", what);
    return d;
  }
  absl::Duration delay = Backoff(attempts_made, random01);
  if (!outcome.retry_after.empty()) {
    std::optional<absl::Duration> ra = ParseRetryAfter(outcome.retry_after, now);
    if (ra.has_value()) {
      if (*ra > room) {
        d.give_up = RetryDecision::GiveUp::kOutOfTime;
        d.reason = absl::StrCat("Retry-After exceeds the remaining time after ", attempts_made,
                                " attempts; last: ", what);
        return d;
      }
      delay = std::max(delay, *ra);
    }
  }
  d.action = RetryDecision::Action::kRetry;
  d.delay = std::min(delay, room);
  return d;
}

namespace {

std::optional<absl::Time> ParseHttpDate(absl::string_view value) {
  // IMF-fixdate, RFC 850, asctime (RFC 9110 §5.6.7). Parsed in UTC; strptime-style in the C locale.
  static constexpr const char* kFormats[] = {
      "%a, %d %b %Y %H:%M:%S GMT",
      "%A, %d-%b-%y %H:%M:%S GMT",
      "%a %b %e %H:%M:%S %Y",
  };
  for (const char* format : kFormats) {
    absl::Time t;
    std::string err;
    if (absl::ParseTime(format, std::string(value), absl::UTCTimeZone(), &t, &err)) return t;
  }
  return std::nullopt;
}

}  // namespace

std::optional<absl::Duration> ParseRetryAfter(absl::string_view value, absl::Time now) {
  value = absl::StripAsciiWhitespace(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(),
                  [](char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); })) {
    int64_t seconds = 0;
    if (!absl::SimpleAtoi(value, &seconds) || seconds > (int64_t{1} << 40)) {
      return absl::InfiniteDuration();
    }
    return absl::Seconds(seconds);
  }
  std::optional<absl::Time> date = ParseHttpDate(value);
  if (!date.has_value()) return std::nullopt;
  return std::max(absl::ZeroDuration(), *date - now);
}

}  // namespace docval::poster
