#include "poster/delivery/retry_policy.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace docval::poster {
namespace {

using ::testing::HasSubstr;
using Action = RetryDecision::Action;
using GiveUp = RetryDecision::GiveUp;

const absl::Time kNow = absl::FromUnixSeconds(1700000000);  // 2023-11-14T22:13:20Z
const absl::Time kFarDeadline = kNow + absl::Seconds(60);

TEST(ClassifyTest, StatusesFollowTheProtocol) {
  for (int s : {200, 201, 202, 204, 299}) {
    EXPECT_EQ(Classify(AttemptOutcome::Http(s)), AttemptClass::kSuccess) << s;
  }
  for (int s : {408, 429, 500, 502, 503, 504, 599}) {
    EXPECT_EQ(Classify(AttemptOutcome::Http(s)), AttemptClass::kRetryable) << s;
  }
  for (int s : {100, 101, 300, 301, 302, 304, 400, 401, 403, 404, 409, 413, 422, 600}) {
    EXPECT_EQ(Classify(AttemptOutcome::Http(s)), AttemptClass::kFinal) << s;
  }
}

TEST(ClassifyTest, NetworkErrorsAndTimeoutsRetryOthersAreFinal) {
  EXPECT_EQ(Classify(AttemptOutcome::Error(absl::UnavailableError("refused"))),
            AttemptClass::kRetryable);
  EXPECT_EQ(Classify(AttemptOutcome::Error(absl::DeadlineExceededError("slow"))),
            AttemptClass::kRetryable);
  for (absl::Status s : {absl::FailedPreconditionError("tls"), absl::InvalidArgumentError("url"),
                         absl::InternalError("protocol"), absl::CancelledError("stop")}) {
    EXPECT_EQ(Classify(AttemptOutcome::Error(s)), AttemptClass::kFinal) << s;
  }
}

TEST(RetryPolicyTest, SuccessIsDelivered) {
  RetryPolicy p;
  EXPECT_EQ(p.Next(1, AttemptOutcome::Http(200), kNow, kFarDeadline, 0.5).action, Action::kDelivered);
  EXPECT_EQ(p.Next(4, AttemptOutcome::Http(204), kNow, kFarDeadline, 0.5).action, Action::kDelivered);
}

TEST(RetryPolicyTest, FinalStatusGivesUpAtOnce) {
  RetryPolicy p;
  RetryDecision d = p.Next(1, AttemptOutcome::Http(400), kNow, kFarDeadline, 0.5);
  EXPECT_EQ(d.action, Action::kGiveUp);
  EXPECT_EQ(d.give_up, GiveUp::kFinal);
  EXPECT_THAT(d.reason, HasSubstr("HTTP 400"));
  d = p.Next(1, AttemptOutcome::Error(absl::FailedPreconditionError("TLS verification failed")),
             kNow, kFarDeadline, 0.5);
  EXPECT_EQ(d.action, Action::kGiveUp);
  EXPECT_EQ(d.give_up, GiveUp::kFinal);
}

TEST(RetryPolicyTest, RetriesUpToFourAttempts) {
  RetryPolicy p;
  for (int made = 1; made <= 3; ++made) {
    EXPECT_EQ(p.Next(made, AttemptOutcome::Http(503), kNow, kFarDeadline, 0.5).action, Action::kRetry)
        << made;
  }
  RetryDecision d = p.Next(4, AttemptOutcome::Http(503), kNow, kFarDeadline, 0.5);
  EXPECT_EQ(d.action, Action::kGiveUp);
  EXPECT_EQ(d.give_up, GiveUp::kAttemptsExhausted);
  EXPECT_THAT(d.reason, HasSubstr("4 attempts"));
  EXPECT_THAT(d.reason, HasSubstr("HTTP 503"));
}

TEST(RetryPolicyTest, MaxAttemptsIsConfigurable) {
  RetryPolicy p({.max_attempts = 2});
  EXPECT_EQ(p.Next(1, AttemptOutcome::Http(500), kNow, kFarDeadline, 0).action, Action::kRetry);
  EXPECT_EQ(p.Next(2, AttemptOutcome::Http(500), kNow, kFarDeadline, 0).action, Action::kGiveUp);
}

TEST(RetryPolicyTest, BackoffGrowsExponentiallyWithJitterAndIsCapped) {
  RetryPolicy p({.initial_backoff = absl::Milliseconds(200), .backoff_multiplier = 2,
                 .max_backoff = absl::Milliseconds(500)});
  EXPECT_EQ(p.Backoff(1, 0.0), absl::Milliseconds(100));
  EXPECT_EQ(p.Backoff(1, 0.5), absl::Milliseconds(150));
  EXPECT_EQ(p.Backoff(2, 0.0), absl::Milliseconds(200));
  EXPECT_LT(p.Backoff(2, 0.999999), absl::Milliseconds(400));
  EXPECT_GT(p.Backoff(2, 0.999999), absl::Milliseconds(399));
  EXPECT_EQ(p.Backoff(3, 0.0), absl::Milliseconds(250));  // capped at 500
  EXPECT_EQ(p.Backoff(30, 1.0), absl::Milliseconds(500));
  EXPECT_EQ(p.Backoff(1, -3.0), absl::Milliseconds(100));  // clamped
  // The decision uses the same backoff.
  EXPECT_EQ(p.Next(2, AttemptOutcome::Error(absl::UnavailableError("x")), kNow, kFarDeadline, 0.0).delay,
            absl::Milliseconds(200));
}

TEST(RetryPolicyTest, DifferentRandomValuesGiveDifferentDelays) {
  RetryPolicy p;
  EXPECT_NE(p.Next(1, AttemptOutcome::Http(503), kNow, kFarDeadline, 0.1).delay,
            p.Next(1, AttemptOutcome::Http(503), kNow, kFarDeadline, 0.9).delay);
}

TEST(RetryPolicyTest, AttemptTimeoutIsBoundedByTheDeadline) {
  RetryPolicy p;
  EXPECT_EQ(p.AttemptTimeout(kNow, kFarDeadline), absl::Seconds(3));
  EXPECT_EQ(p.AttemptTimeout(kNow, kNow + absl::Milliseconds(1200)), absl::Milliseconds(1200));
  EXPECT_EQ(p.AttemptTimeout(kNow, kNow - absl::Seconds(1)), absl::ZeroDuration());
  EXPECT_EQ(p.AttemptTimeout(kNow, absl::InfiniteFuture()), absl::Seconds(3));
}

TEST(RetryPolicyTest, NoRetryWhenTooLittleTimeRemains) {
  RetryPolicy p({.min_attempt_time = absl::Milliseconds(500)});
  RetryDecision d = p.Next(1, AttemptOutcome::Http(503), kNow, kNow + absl::Milliseconds(400), 0.5);
  EXPECT_EQ(d.action, Action::kGiveUp);
  EXPECT_EQ(d.give_up, GiveUp::kOutOfTime);
  EXPECT_THAT(d.reason, HasSubstr("no time left"));
}

TEST(RetryPolicyTest, BackoffIsShortenedToLeaveRoomForAnAttempt) {
  RetryPolicy p({.initial_backoff = absl::Seconds(1), .max_backoff = absl::Seconds(1),
                 .min_attempt_time = absl::Milliseconds(500)});
  RetryDecision d = p.Next(1, AttemptOutcome::Http(503), kNow, kNow + absl::Milliseconds(700), 0.9);
  EXPECT_EQ(d.action, Action::kRetry);
  EXPECT_EQ(d.delay, absl::Milliseconds(200));
}

TEST(RetryPolicyTest, RetryAfterSecondsIsHonouredWhenItFits) {
  RetryPolicy p;
  RetryDecision d = p.Next(1, AttemptOutcome::Http(429, "2"), kNow, kFarDeadline, 0.5);
  EXPECT_EQ(d.action, Action::kRetry);
  EXPECT_EQ(d.delay, absl::Seconds(2));
  // Shorter than the backoff: the backoff wins (Retry-After is a minimum).
  d = p.Next(1, AttemptOutcome::Http(503, "0"), kNow, kFarDeadline, 0.0);
  EXPECT_EQ(d.delay, absl::Milliseconds(100));
}

TEST(RetryPolicyTest, RetryAfterDateIsHonouredWhenItFits) {
  RetryPolicy p;
  // kNow is Tue, 14 Nov 2023 22:13:20 GMT.
  RetryDecision d =
      p.Next(1, AttemptOutcome::Http(503, "Tue, 14 Nov 2023 22:13:25 GMT"), kNow, kFarDeadline, 0.5);
  EXPECT_EQ(d.action, Action::kRetry);
  EXPECT_EQ(d.delay, absl::Seconds(5));
}

TEST(RetryPolicyTest, RetryAfterBeyondTheDeadlineGivesUp) {
  RetryPolicy p;
  RetryDecision d = p.Next(1, AttemptOutcome::Http(429, "30"), kNow, kNow + absl::Seconds(10), 0.5);
  EXPECT_EQ(d.action, Action::kGiveUp);
  EXPECT_EQ(d.give_up, GiveUp::kOutOfTime);
  EXPECT_THAT(d.reason, HasSubstr("Retry-After"));
  EXPECT_THAT(d.reason, HasSubstr("HTTP 429"));
  // Retry-After of 9.6 s leaves less than min_attempt_time (0.5 s) of 10 s.
  d = p.Next(1, AttemptOutcome::Http(429, "10"), kNow, kNow + absl::Seconds(10), 0.5);
  EXPECT_EQ(d.action, Action::kGiveUp);
  d = p.Next(1, AttemptOutcome::Http(429, "9"), kNow, kNow + absl::Seconds(10), 0.5);
  EXPECT_EQ(d.action, Action::kRetry);
  EXPECT_EQ(d.delay, absl::Seconds(9));
}

TEST(RetryPolicyTest, MalformedRetryAfterFallsBackToBackoff) {
  RetryPolicy p;
  RetryDecision d = p.Next(1, AttemptOutcome::Http(503, "soon"), kNow, kFarDeadline, 0.0);
  EXPECT_EQ(d.action, Action::kRetry);
  EXPECT_EQ(d.delay, absl::Milliseconds(100));
}

TEST(RetryPolicyTest, RetryAfterOnAFinalStatusIsIgnored) {
  RetryPolicy p;
  EXPECT_EQ(p.Next(1, AttemptOutcome::Http(400, "1"), kNow, kFarDeadline, 0).action, Action::kGiveUp);
}

TEST(ParseRetryAfterTest, DeltaSeconds) {
  EXPECT_EQ(ParseRetryAfter("0", kNow), absl::ZeroDuration());
  EXPECT_EQ(ParseRetryAfter("120", kNow), absl::Seconds(120));
  EXPECT_EQ(ParseRetryAfter(" 3 ", kNow), absl::Seconds(3));
  EXPECT_EQ(ParseRetryAfter("99999999999999999999999", kNow), absl::InfiniteDuration());
}

TEST(ParseRetryAfterTest, HttpDates) {
  // All three forms of RFC 9110 §5.6.7 for 22:13:30 GMT, 10 s after kNow.
  EXPECT_EQ(ParseRetryAfter("Tue, 14 Nov 2023 22:13:30 GMT", kNow), absl::Seconds(10));
  EXPECT_EQ(ParseRetryAfter("Tuesday, 14-Nov-23 22:13:30 GMT", kNow), absl::Seconds(10));
  EXPECT_EQ(ParseRetryAfter("Tue Nov 14 22:13:30 2023", kNow), absl::Seconds(10));
  // A date in the past means "now".
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", kNow), absl::ZeroDuration());
}

TEST(ParseRetryAfterTest, Malformed) {
  for (const char* bad : {"", "  ", "-1", "1.5", "+3", "soon", "Tue, 14 Nov 2023", "3s",
                          "Tue, 32 Nov 2023 22:13:30 GMT"}) {
    EXPECT_EQ(ParseRetryAfter(bad, kNow), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace docval::poster
