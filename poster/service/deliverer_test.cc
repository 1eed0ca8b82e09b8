#include "poster/service/deliverer.h"

#include <deque>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace docval::poster {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A fake clock and a scripted HTTP client that advances it.
class FakeWorld : public http::HttpClient {
 public:
  absl::Time now = absl::FromUnixSeconds(1700000000);
  std::deque<absl::StatusOr<http::HttpResponse>> script;  // the last one repeats
  absl::Duration latency = absl::Milliseconds(50);
  std::vector<http::HttpRequest> requests;
  std::vector<absl::Duration> sleeps;
  bool cancel_on_sleep = false;
  bool cancelled = false;

  absl::StatusOr<http::HttpResponse> Post(const http::HttpRequest& request,
                                    const std::function<bool()>&) override {
    requests.push_back(request);
    absl::StatusOr<http::HttpResponse> r = script.front();
    if (script.size() > 1) script.pop_front();
    if (!r.ok() && r.status().code() == absl::StatusCode::kDeadlineExceeded) {
      now += request.timeout;  // a hanging server: the whole attempt time passes
    } else {
      now += latency;
    }
    return r;
  }

  Deliverer::Env Env() {
    Deliverer::Env env;
    env.now = [this] { return now; };
    env.sleep = [this](absl::Duration d) {
      sleeps.push_back(d);
      now += d;
      if (cancel_on_sleep) cancelled = true;
      return !cancelled;
    };
    env.random01 = [] { return 0.5; };
    env.cancelled = [this] { return cancelled; };
    return env;
  }

  static http::HttpResponse Status(int status, std::string retry_after = "") {
    http::HttpResponse r;
    r.status = status;
    if (!retry_after.empty()) r.headers.emplace_back("Retry-After", retry_after);
    return r;
  }
};

DeliveryJob Job(const FakeWorld& w, absl::Duration budget = absl::Seconds(30)) {
  DeliveryJob job;
  job.url = "https://results.example.com/hook";
  job.headers = {{"Authorization", "Bearer t"}};
  job.body = R"({"emrtd_passport":{},"client_validation_id":"v"})";
  job.deadline = w.now + budget;
  return job;
}

std::string HeaderOf(const http::HttpRequest& r, absl::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (absl::EqualsIgnoreCase(n, name)) return v;
  }
  return "<absent>";
}

TEST(DelivererTest, SuccessAtFirstAttempt) {
  FakeWorld w;
  w.script = {FakeWorld::Status(200)};
  Deliverer d(RetryPolicy(), &w, nullptr);
  std::vector<int> observed;
  Deliverer::Env env = w.Env();
  env.on_attempt = [&](int n, const AttemptOutcome& o, absl::Duration) {
    observed.push_back(n * 1000 + o.http_status);
  };
  DeliveryResult r = d.Deliver(Job(w), env);
  EXPECT_TRUE(r.delivered);
  EXPECT_EQ(r.stop, DeliveryStop::kDelivered);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(r.last_http_status, 200);
  EXPECT_EQ(r.error, "");
  EXPECT_THAT(observed, ElementsAre(1200));
  ASSERT_EQ(w.requests.size(), 1u);
  const http::HttpRequest& req = w.requests[0];
  EXPECT_EQ(req.url, "https://results.example.com/hook");
  EXPECT_EQ(req.body, Job(w).body);
  EXPECT_EQ(req.timeout, absl::Seconds(3));
  EXPECT_EQ(req.headers[0].first, "Content-Type");
  EXPECT_EQ(req.headers[0].second, "application/json");
  EXPECT_EQ(HeaderOf(req, "Authorization"), "Bearer t");
  EXPECT_EQ(HeaderOf(req, "Content-Digest"), ContentDigest(req.body));
  EXPECT_EQ(HeaderOf(req, "Signature"), "<absent>");
}

TEST(DelivererTest, ThreeServiceUnavailableThenSuccess) {
  FakeWorld w;
  w.script = {FakeWorld::Status(503), FakeWorld::Status(503), FakeWorld::Status(503),
              FakeWorld::Status(200)};
  Deliverer d(RetryPolicy(), &w, nullptr);
  DeliveryResult r = d.Deliver(Job(w), w.Env());
  EXPECT_TRUE(r.delivered);
  EXPECT_EQ(r.attempts, 4);
  EXPECT_EQ(r.last_http_status, 200);
  // Backoffs with random 0.5: 150 ms, 300 ms, 600 ms (equal jitter of 200/400/800 ms).
  EXPECT_THAT(w.sleeps, ElementsAre(absl::Milliseconds(150), absl::Milliseconds(300),
                                    absl::Milliseconds(600)));
}

TEST(DelivererTest, AlwaysUnavailableGivesUpAfterFourAttempts) {
  FakeWorld w;
  w.script = {FakeWorld::Status(503)};
  Deliverer d(RetryPolicy(), &w, nullptr);
  DeliveryResult r = d.Deliver(Job(w), w.Env());
  EXPECT_FALSE(r.delivered);
  EXPECT_EQ(r.stop, DeliveryStop::kAttemptsExhausted);
  EXPECT_EQ(r.attempts, 4);
  EXPECT_EQ(r.last_http_status, 503);
  EXPECT_THAT(r.error, HasSubstr("4 attempts"));
  EXPECT_EQ(w.requests.size(), 4u);
}

TEST(DelivererTest, BadRequestIsFinal) {
  FakeWorld w;
  w.script = {FakeWorld::Status(400), FakeWorld::Status(200)};
  Deliverer d(RetryPolicy(), &w, nullptr);
  DeliveryResult r = d.Deliver(Job(w), w.Env());
  EXPECT_FALSE(r.delivered);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(r.last_http_status, 400);
  EXPECT_EQ(r.stop, DeliveryStop::kRejected);
  EXPECT_THAT(r.error, HasSubstr("HTTP 400"));
}

TEST(DelivererTest, RetryAfterIsWaited) {
  FakeWorld w;
  w.script = {FakeWorld::Status(429, "2"), FakeWorld::Status(200)};
  Deliverer d(RetryPolicy(), &w, nullptr);
  DeliveryResult r = d.Deliver(Job(w), w.Env());
  EXPECT_TRUE(r.delivered);
  EXPECT_EQ(r.attempts, 2);
  EXPECT_THAT(w.sleeps, ElementsAre(absl::Seconds(2)));
}

TEST(DelivererTest, RetryAfterBeyondTheDeadlineGivesUp) {
  FakeWorld w;
  w.script = {FakeWorld::Status(429, "60"), FakeWorld::Status(200)};
  Deliverer d(RetryPolicy(), &w, nullptr);
  DeliveryResult r = d.Deliver(Job(w, absl::Seconds(10)), w.Env());
  EXPECT_FALSE(r.delivered);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(r.stop, DeliveryStop::kOutOfTime);
  EXPECT_THAT(r.error, HasSubstr("Retry-After"));
  EXPECT_TRUE(w.sleeps.empty());
}

TEST(DelivererTest, HangingServerUsesFullAttemptTimeoutsBoundedByTheDeadline) {
  FakeWorld w;
  w.script = {absl::DeadlineExceededError("timed out")};
  Deliverer d(RetryPolicy(), &w, nullptr);
  DeliveryResult r = d.Deliver(Job(w, absl::Seconds(7)), w.Env());
  EXPECT_FALSE(r.delivered);
  EXPECT_EQ(r.last_http_status, 0);
  // 3 s, backoff 150 ms, 3 s, backoff 300 ms → 0.55 s left → third attempt limited to 0.55 s.
  ASSERT_EQ(r.attempts, 3);
  EXPECT_EQ(w.requests[0].timeout, absl::Seconds(3));
  EXPECT_EQ(w.requests[1].timeout, absl::Seconds(3));
  EXPECT_EQ(w.requests[2].timeout, absl::Milliseconds(550));
  EXPECT_EQ(r.stop, DeliveryStop::kOutOfTime);
  EXPECT_THAT(r.error, HasSubstr("timed out"));
}

TEST(DelivererTest, ExpiredDeadlineMakesNoAttempt) {
  FakeWorld w;
  w.script = {FakeWorld::Status(200)};
  Deliverer d(RetryPolicy(), &w, nullptr);
  DeliveryJob job = Job(w);
  job.deadline = w.now - absl::Seconds(1);
  DeliveryResult r = d.Deliver(job, w.Env());
  EXPECT_FALSE(r.delivered);
  EXPECT_EQ(r.attempts, 0);
  EXPECT_EQ(r.stop, DeliveryStop::kOutOfTime);
  EXPECT_THAT(r.error, HasSubstr("before the first attempt"));
  EXPECT_TRUE(w.requests.empty());
}

TEST(DelivererTest, TlsVerificationFailureIsFinal) {
  FakeWorld w;
  w.script = {absl::FailedPreconditionError("TLS verification failed")};
  Deliverer d(RetryPolicy(), &w, nullptr);
  DeliveryResult r = d.Deliver(Job(w), w.Env());
  EXPECT_FALSE(r.delivered);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(r.stop, DeliveryStop::kRejected);
  EXPECT_THAT(r.error, HasSubstr("TLS verification failed"));
}

TEST(DelivererTest, CancellationDuringBackoffStops) {
  FakeWorld w;
  w.script = {FakeWorld::Status(503), FakeWorld::Status(200)};
  w.cancel_on_sleep = true;
  Deliverer d(RetryPolicy(), &w, nullptr);
  DeliveryResult r = d.Deliver(Job(w), w.Env());
  EXPECT_FALSE(r.delivered);
  EXPECT_EQ(r.stop, DeliveryStop::kCancelled);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(w.requests.size(), 1u);
}

// The HTTP client aborts an attempt when the job is cancelled meanwhile: the loop stops at once,
// with no retry, even though an aborted attempt looks like an error.
TEST(DelivererTest, CancellationDuringAnAttemptStopsWithoutRetry) {
  FakeWorld w;
  w.script = {absl::CancelledError("aborted")};
  Deliverer d(RetryPolicy(), &w, nullptr);
  Deliverer::Env env = w.Env();
  env.cancelled = [&w] { return !w.requests.empty(); };  // cancelled once the attempt started
  DeliveryResult r = d.Deliver(Job(w), env);
  EXPECT_EQ(r.stop, DeliveryStop::kCancelled);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_THAT(r.error, HasSubstr("cancelled during attempt 1"));
  EXPECT_EQ(w.requests.size(), 1u);
  EXPECT_TRUE(w.sleeps.empty());
}

TEST(DelivererTest, CancelledBeforeTheFirstAttemptMakesNone) {
  FakeWorld w;
  w.script = {FakeWorld::Status(200)};
  w.cancelled = true;
  Deliverer d(RetryPolicy(), &w, nullptr);
  DeliveryResult r = d.Deliver(Job(w), w.Env());
  EXPECT_EQ(r.stop, DeliveryStop::kCancelled);
  EXPECT_EQ(r.attempts, 0);
  EXPECT_TRUE(w.requests.empty());
}

TEST(DelivererTest, SignsEachAttemptWithItsCreationTime) {
  auto key = SigningKey::FromPem(
      "-----BEGIN PRIVATE KEY-----\n"
      "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
      "-----END PRIVATE KEY-----\n");
  ASSERT_TRUE(key.ok());
  FakeWorld w;
  w.script = {FakeWorld::Status(500, "3"), FakeWorld::Status(200)};
  Deliverer d(RetryPolicy(), &w, &*key);
  DeliveryResult r = d.Deliver(Job(w), w.Env());
  EXPECT_TRUE(r.delivered);
  ASSERT_EQ(w.requests.size(), 2u);
  EXPECT_THAT(HeaderOf(w.requests[0], "Signature-Input"), HasSubstr(";created=1700000000;"));
  // 50 ms latency + 3 s Retry-After later.
  EXPECT_THAT(HeaderOf(w.requests[1], "Signature-Input"), HasSubstr(";created=1700000003;"));
  EXPECT_THAT(HeaderOf(w.requests[1], "Signature"), HasSubstr("docval=:"));
  EXPECT_EQ(HeaderOf(w.requests[1], "Content-Digest"), ContentDigest(Job(w).body));
}

}  // namespace
}  // namespace docval::poster
