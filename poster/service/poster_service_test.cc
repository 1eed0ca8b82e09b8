// Service-level tests: the Poster gRPC service runs in-process on 127.0.0.1:0 and delivers to the
// fake Result Server (a real HTTP/1.1 server) for each case of the delivery contract.
#include "poster/service/poster_service.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"
#include "tests/support/fake_result_server.h"
#include "tests/support/test_certs.h"

namespace docval::poster {
namespace {

using ::docval::testsupport::FakeAction;
using ::docval::testsupport::FakeResultServer;
using ::docval::testsupport::RecordedRequest;
using ::testing::HasSubstr;
using ::testing::Not;
using v1::DeliveryReport;
using v1::DeliveryRequest;

constexpr char kClient[] = "client-a";
constexpr char kClientB[] = "client-b";
constexpr char kSecretName[] = "MUSTERMANN";  // personal data that must never reach the logs

// A stand-in for the result JSON serializer: enough to show the body is what the builder made.
absl::StatusOr<std::string> MakeTestBody(const DeliveryRequest& r) {
  if (r.result().mrz_info().primary_identifier() == "FAIL") {
    return absl::InvalidArgumentError("cannot encode MUSTERMANN");
  }
  nlohmann::json body = {
      {"emrtd_passport", {{"mrz_info", {{"primary_identifier", r.result().mrz_info().primary_identifier()}}}}},
      {"client_validation_id", r.validation_id()}};
  return body.dump();
}

std::unique_ptr<FakeResultServer> StartServer(
    std::vector<FakeAction> script, const testsupport::TestCerts* tls = nullptr,
    std::function<void(const RecordedRequest&)> on_request = {}) {
  testsupport::FakeResultServerOptions options;
  options.script = std::move(script);
  options.on_request = std::move(on_request);
  if (tls != nullptr) {
    options.tls_cert_path = tls->server_cert;
    options.tls_key_path = tls->server_key;
  }
  auto server = FakeResultServer::Start(std::move(options));
  EXPECT_TRUE(server.ok()) << server.status();
  return *std::move(server);
}

class PosterServiceTest : public ::testing::Test {
 protected:
  // Starts the service and a gRPC server for it.
  void StartPoster(PosterOptions options) {
    PosterDeps deps;
    deps.log = [this](absl::string_view line) {
      absl::MutexLock lock(&log_mu_);
      log_lines_.emplace_back(line);
    };
    auto service = PosterService::Create(std::move(options), &MakeTestBody, registry_, std::move(deps));
    ASSERT_TRUE(service.ok()) << service.status();
    service_ = *std::move(service);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    grpc_server_ = builder.BuildAndStart();
    ASSERT_NE(grpc_server_, nullptr);
    ASSERT_GT(port, 0);
    stub_ = v1::Poster::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  }

  // kClient posts to `slow`, kClientB to `fast`; one slot per destination, long attempts.
  void StartTwoClients(const FakeResultServer& slow, const FakeResultServer& fast, int workers,
                       size_t max_queued) {
    PosterOptions options;
    options.result_server_urls[kClient] = slow.Url();
    options.result_server_urls[kClientB] = fast.Url();
    options.retry.attempt_timeout = absl::Seconds(25);
    options.scheduling.workers = workers;
    options.scheduling.per_destination = {.concurrency = 1, .max_queued = max_queued};
    StartPoster(std::move(options));
  }

  void StartPosterFor(const std::string& url, PosterOptions options = {}) {
    options.result_server_urls[kClient] = url;
    StartPoster(std::move(options));
  }

  void TearDown() override {
    if (service_) service_->Shutdown();
    if (grpc_server_) grpc_server_->Shutdown(std::chrono::system_clock::now());
    // Logs never contain the result, the body or header values.
    absl::MutexLock lock(&log_mu_);
    for (const std::string& line : log_lines_) {
      EXPECT_THAT(line, Not(HasSubstr(kSecretName)));
      EXPECT_THAT(line, Not(HasSubstr("emrtd_passport")));
      EXPECT_THAT(line, Not(HasSubstr("Bearer")));
      EXPECT_THAT(line, Not(HasSubstr(kClient)));
      auto json = nlohmann::json::parse(line, nullptr, false);
      ASSERT_FALSE(json.is_discarded()) << line;
      EXPECT_TRUE(json.contains("session_id")) << line;
    }
  }

  static DeliveryRequest Request(std::string client_id = kClient) {
    DeliveryRequest r;
    r.set_session_id("sess-42");
    r.set_client_id(std::move(client_id));
    r.set_validation_id("val-7");
    r.mutable_result()->mutable_mrz_info()->set_primary_identifier(kSecretName);
    auto* h = r.add_forwarded_headers();
    h->set_name("Authorization");
    h->set_value("Bearer secret-token");
    return r;
  }

  grpc::Status Call(const DeliveryRequest& request, DeliveryReport* report,
                    absl::Duration deadline = absl::Seconds(30)) {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
    return stub_->Deliver(&ctx, request, report);
  }

  // The value of the first series of `name` carrying label=value (and label2=value2 if given);
  // counters and gauges. -1 when there is none.
  double Metric(const std::string& name, const std::string& label, const std::string& value,
                const std::string& label2 = "", const std::string& value2 = "") {
    for (const auto& family : registry_.Collect()) {
      if (family.name != name) continue;
      for (const auto& m : family.metric) {
        bool first = false, second = label2.empty();
        for (const auto& l : m.label) {
          first |= l.name == label && l.value == value;
          second |= l.name == label2 && l.value == value2;
        }
        if (first && second) {
          return family.type == prometheus::MetricType::Gauge ? m.gauge.value : m.counter.value;
        }
      }
    }
    return -1;
  }
  // Polls Metric(...) until it reaches at least `target` or 10 s pass; the value last read.
  // Calls made with the asynchronous stub reach the service in no guaranteed order, so a test
  // that needs one of them queued waits for the queue to show it.
  double WaitForMetric(double target, const std::string& name, const std::string& label,
                       const std::string& value, const std::string& label2 = "",
                       const std::string& value2 = "") {
    const absl::Time limit = absl::Now() + absl::Seconds(10);
    double current = Metric(name, label, value, label2, value2);
    while (current < target && absl::Now() < limit) {
      absl::SleepFor(absl::Milliseconds(5));
      current = Metric(name, label, value, label2, value2);
    }
    return current;
  }
  uint64_t HistogramCount() {
    for (const auto& family : registry_.Collect()) {
      if (family.name == "docval_result_delivery_duration_seconds") {
        return family.metric.at(0).histogram.sample_count;
      }
    }
    return 0;
  }
  std::vector<std::string> Logs() {
    absl::MutexLock lock(&log_mu_);
    return log_lines_;
  }

  prometheus::Registry registry_;
  std::unique_ptr<PosterService> service_;
  std::unique_ptr<grpc::Server> grpc_server_;
  std::unique_ptr<v1::Poster::Stub> stub_;
  absl::Mutex log_mu_;
  std::vector<std::string> log_lines_ ABSL_GUARDED_BY(log_mu_);
};

TEST_F(PosterServiceTest, DeliversOnFirst200) {
  auto server = StartServer({FakeAction::Respond(200)});
  StartPosterFor(server->Url("/hook"));
  DeliveryReport report;
  grpc::Status status = Call(Request(), &report);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(report.delivered());
  EXPECT_EQ(report.attempts(), 1u);
  EXPECT_EQ(report.last_http_status(), 200);
  EXPECT_EQ(report.error(), "");
  EXPECT_EQ(report.outcome(), v1::DELIVERED);

  ASSERT_EQ(server->request_count(), 1u);
  RecordedRequest req = server->requests()[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/hook");
  EXPECT_EQ(req.Header("Content-Type"), "application/json");
  EXPECT_EQ(req.Header("Authorization"), "Bearer secret-token");
  auto body = nlohmann::json::parse(req.body);
  EXPECT_EQ(body["client_validation_id"], "val-7");
  EXPECT_EQ(body["emrtd_passport"]["mrz_info"]["primary_identifier"], kSecretName);
  EXPECT_EQ(req.Header("Content-Digest"), ContentDigest(req.body));
  EXPECT_FALSE(req.HasHeader("Signature"));

  EXPECT_EQ(Metric("docval_result_deliveries_total", "outcome", "delivered"), 1);
  EXPECT_EQ(Metric("docval_result_deliveries_total", "outcome", "retries_exhausted"), 0);
  EXPECT_EQ(Metric("docval_result_delivery_attempts_total", "result", "2xx"), 1);
  EXPECT_EQ(HistogramCount(), 1u);
  // The destination host is the only part of the URL in a label; no path, client id or personal
  // data in any label or value.
  std::string text = prometheus::TextSerializer().Serialize(registry_.Collect());
  const std::string destination = absl::StrCat("127.0.0.1:", server->port());
  EXPECT_THAT(text, HasSubstr(absl::StrCat(
      "docval_result_deliveries_total{destination=\"", destination, "\",outcome=\"delivered\"} 1")));
  EXPECT_THAT(text, Not(HasSubstr("/hook")));
  EXPECT_THAT(text, Not(HasSubstr(kClient)));
  EXPECT_THAT(text, Not(HasSubstr(kSecretName)));
}

TEST_F(PosterServiceTest, ThreeTimes503Then200IsDeliveredInFourAttempts) {
  auto server = StartServer({FakeAction::Respond(503), FakeAction::Respond(503),
                             FakeAction::Respond(503), FakeAction::Respond(200)});
  StartPosterFor(server->Url());
  DeliveryReport report;
  ASSERT_TRUE(Call(Request(), &report).ok());
  EXPECT_TRUE(report.delivered());
  EXPECT_EQ(report.attempts(), 4u);
  EXPECT_EQ(report.last_http_status(), 200);
  EXPECT_EQ(server->request_count(), 4u);
  // Every attempt carries the same body.
  auto requests = server->requests();
  for (const auto& r : requests) EXPECT_EQ(r.body, requests[0].body);
  EXPECT_EQ(Metric("docval_result_delivery_attempts_total", "result", "5xx"), 3);
  EXPECT_EQ(Metric("docval_result_delivery_attempts_total", "result", "2xx"), 1);
  EXPECT_EQ(Metric("docval_result_deliveries_total", "outcome", "delivered"), 1);
  int attempt_lines = 0;
  for (const auto& line : Logs()) attempt_lines += absl::StrContains(line, "\"delivery_attempt\"");
  EXPECT_EQ(attempt_lines, 4);
}

TEST_F(PosterServiceTest, Always503FailsAfterFourAttempts) {
  auto server = StartServer({FakeAction::Respond(503)});
  StartPosterFor(server->Url());
  DeliveryReport report;
  ASSERT_TRUE(Call(Request(), &report).ok());
  EXPECT_FALSE(report.delivered());
  EXPECT_EQ(report.attempts(), 4u);
  EXPECT_EQ(report.last_http_status(), 503);
  EXPECT_THAT(report.error(), HasSubstr("4 attempts"));
  EXPECT_EQ(report.outcome(), v1::RETRIES_EXHAUSTED);
  EXPECT_EQ(server->request_count(), 4u);
  EXPECT_EQ(Metric("docval_result_deliveries_total", "outcome", "retries_exhausted"), 1);
}

TEST_F(PosterServiceTest, BadRequestFailsAfterOneAttempt) {
  auto server = StartServer({FakeAction::Respond(400), FakeAction::Respond(200)});
  StartPosterFor(server->Url());
  DeliveryReport report;
  ASSERT_TRUE(Call(Request(), &report).ok());
  EXPECT_FALSE(report.delivered());
  EXPECT_EQ(report.attempts(), 1u);
  EXPECT_EQ(report.last_http_status(), 400);
  EXPECT_EQ(report.outcome(), v1::REJECTED);
  EXPECT_EQ(server->request_count(), 1u);
  EXPECT_EQ(Metric("docval_result_deliveries_total", "outcome", "rejected"), 1);
  EXPECT_EQ(Metric("docval_result_delivery_attempts_total", "result", "4xx"), 1);
}

TEST_F(PosterServiceTest, TooManyRequestsWithRetryAfterWaitsAsAsked) {
  auto server = StartServer({FakeAction::Respond(429, {{"Retry-After", "1"}}), FakeAction::Respond(200)});
  StartPosterFor(server->Url());
  DeliveryReport report;
  ASSERT_TRUE(Call(Request(), &report).ok());
  EXPECT_TRUE(report.delivered());
  EXPECT_EQ(report.attempts(), 2u);
  auto requests = server->requests();
  ASSERT_EQ(requests.size(), 2u);
  absl::Duration gap = requests[1].received_at - requests[0].received_at;
  EXPECT_GE(gap, absl::Milliseconds(990));
  EXPECT_LT(gap, absl::Seconds(3));
}

TEST_F(PosterServiceTest, RetryAfterLongerThanTheSessionGivesUp) {
  auto server = StartServer({FakeAction::Respond(429, {{"Retry-After", "120"}}), FakeAction::Respond(200)});
  StartPosterFor(server->Url());
  DeliveryReport report;
  absl::Time start = absl::Now();
  ASSERT_TRUE(Call(Request(), &report, absl::Seconds(10)).ok());
  EXPECT_FALSE(report.delivered());
  EXPECT_EQ(report.attempts(), 1u);
  EXPECT_EQ(report.last_http_status(), 429);
  EXPECT_THAT(report.error(), HasSubstr("Retry-After"));
  EXPECT_EQ(report.outcome(), v1::DEADLINE_REACHED);  // the session has no time for the wait
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST_F(PosterServiceTest, HangingServerEachAttemptIsCutAtThreeSeconds) {
  auto server = StartServer({FakeAction::Hang()});
  StartPosterFor(server->Url());
  DeliveryReport report;
  absl::Time start = absl::Now();
  ASSERT_TRUE(Call(Request(), &report, absl::Seconds(30)).ok());
  absl::Duration total = absl::Now() - start;
  EXPECT_FALSE(report.delivered());
  EXPECT_EQ(report.attempts(), 4u);
  EXPECT_EQ(report.last_http_status(), 0);
  EXPECT_THAT(report.error(), HasSubstr("timed out"));
  EXPECT_EQ(report.outcome(), v1::RETRIES_EXHAUSTED);
  auto requests = server->requests();
  ASSERT_EQ(requests.size(), 4u);
  for (size_t i = 1; i < requests.size(); ++i) {
    absl::Duration gap = requests[i].received_at - requests[i - 1].received_at;
    EXPECT_GE(gap, absl::Milliseconds(2950)) << i;  // the previous attempt ran its 3 s
    EXPECT_LT(gap, absl::Seconds(5)) << i;          // 3 s + at most 0.8 s backoff + slack
  }
  EXPECT_GE(total, absl::Seconds(12));
  EXPECT_LT(total, absl::Seconds(20));
  EXPECT_EQ(Metric("docval_result_delivery_attempts_total", "result", "timeout"), 4);
}

TEST_F(PosterServiceTest, ShortCallDeadlineBoundsTheAttemptAndTheReportArrivesInTime) {
  auto server = StartServer({FakeAction::Hang()});
  PosterOptions options;
  options.reply_margin = absl::Milliseconds(600);  // generous, for loaded CI machines
  StartPosterFor(server->Url(), options);
  DeliveryReport report;
  absl::Time start = absl::Now();
  grpc::Status status = Call(Request(), &report, absl::Seconds(2));
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_FALSE(report.delivered());
  EXPECT_EQ(report.attempts(), 1u);
  EXPECT_EQ(report.outcome(), v1::DEADLINE_REACHED);
  EXPECT_EQ(server->request_count(), 1u);
  EXPECT_EQ(Metric("docval_result_deliveries_total", "outcome", "deadline_reached"), 1);
}

TEST_F(PosterServiceTest, ConnectionRefusedIsRetriedThenFails) {
  auto port = testsupport::RefusingPort::Create();
  ASSERT_TRUE(port.ok());
  StartPosterFor(port->Url());
  DeliveryReport report;
  absl::Time start = absl::Now();
  ASSERT_TRUE(Call(Request(), &report).ok());
  EXPECT_FALSE(report.delivered());
  EXPECT_EQ(report.attempts(), 4u);
  EXPECT_EQ(report.last_http_status(), 0);
  EXPECT_THAT(report.error(), HasSubstr("network error"));
  EXPECT_EQ(report.outcome(), v1::RETRIES_EXHAUSTED);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));  // backoffs only, no timeouts
  EXPECT_EQ(Metric("docval_result_delivery_attempts_total", "result", "network"), 4);
}

TEST_F(PosterServiceTest, ClosedWithoutAnswerIsRetried) {
  auto server = StartServer({FakeAction::Close(), FakeAction::Respond(201)});
  StartPosterFor(server->Url());
  DeliveryReport report;
  ASSERT_TRUE(Call(Request(), &report).ok());
  EXPECT_TRUE(report.delivered());
  EXPECT_EQ(report.attempts(), 2u);
  EXPECT_EQ(report.last_http_status(), 201);
}

TEST_F(PosterServiceTest, UnknownClientIsNotDelivered) {
  auto server = StartServer({});
  StartPosterFor(server->Url());
  DeliveryReport report;
  ASSERT_TRUE(Call(Request("client-unknown"), &report).ok());
  EXPECT_FALSE(report.delivered());
  EXPECT_EQ(report.attempts(), 0u);
  EXPECT_THAT(report.error(), HasSubstr("unknown client id"));
  EXPECT_EQ(report.outcome(), v1::NOT_CONFIGURED);
  EXPECT_EQ(server->connection_count(), 0);
  EXPECT_EQ(Metric("docval_result_deliveries_total", "destination", "none"), 1);
}

TEST_F(PosterServiceTest, BodyBuilderFailureIsReportedWithoutItsMessage) {
  auto server = StartServer({});
  StartPosterFor(server->Url());
  DeliveryRequest request = Request();
  request.mutable_result()->mutable_mrz_info()->set_primary_identifier("FAIL");
  DeliveryReport report;
  ASSERT_TRUE(Call(request, &report).ok());
  EXPECT_FALSE(report.delivered());
  EXPECT_EQ(report.attempts(), 0u);
  EXPECT_THAT(report.error(), HasSubstr("INVALID_ARGUMENT"));
  EXPECT_THAT(report.error(), Not(HasSubstr(kSecretName)));
  EXPECT_EQ(report.outcome(), v1::NOT_CONFIGURED);
  EXPECT_EQ(server->connection_count(), 0);
}

TEST_F(PosterServiceTest, ForwardedHeadersNeverOverrideOwnHeaders) {
  auto server = StartServer({});
  StartPosterFor(server->Url());
  DeliveryRequest request = Request();
  for (auto [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"Content-Type", "text/plain"}, {"content-length", "1"}, {"Host", "evil.example"},
           {"Signature", "forged"}, {"Signature-Input", "forged"}, {"Content-Digest", "forged"},
           {"Transfer-Encoding", "chunked"}, {"X-Tenant", "t-1"}, {"Bad Name", "x"},
           {"X-Split", "a\r\nX-Injected: 1"}}) {
    auto* h = request.add_forwarded_headers();
    h->set_name(name);
    h->set_value(value);
  }
  DeliveryReport report;
  ASSERT_TRUE(Call(request, &report).ok());
  ASSERT_TRUE(report.delivered()) << report.error();
  RecordedRequest req = server->requests().at(0);
  int content_types = 0;
  for (const auto& [n, v] : req.headers) content_types += absl::EqualsIgnoreCase(n, "Content-Type");
  EXPECT_EQ(content_types, 1);
  EXPECT_EQ(req.Header("Content-Type"), "application/json");
  EXPECT_EQ(req.Header("Host"), absl::StrCat("127.0.0.1:", server->port()));
  EXPECT_EQ(req.Header("Content-Digest"), ContentDigest(req.body));
  EXPECT_FALSE(req.HasHeader("Signature"));
  EXPECT_FALSE(req.HasHeader("Transfer-Encoding"));
  EXPECT_FALSE(req.HasHeader("X-Injected"));
  EXPECT_FALSE(req.HasHeader("X-Split"));
  EXPECT_EQ(req.Header("X-Tenant"), "t-1");
  EXPECT_EQ(req.Header("Authorization"), "Bearer secret-token");
  bool logged = false;
  for (const auto& line : Logs()) {
    if (absl::StrContains(line, "forwarded_headers_dropped")) {
      logged = true;
      EXPECT_THAT(line, HasSubstr("Content-Type"));
      EXPECT_THAT(line, Not(HasSubstr("forged")));
    }
  }
  EXPECT_TRUE(logged);
}

TEST_F(PosterServiceTest, FullQueueAnswersResourceExhausted) {
  auto server = StartServer({FakeAction::Hang()});
  PosterOptions options;
  options.scheduling.workers = 1;
  options.scheduling.max_queued = 1;
  options.scheduling.per_destination = {.concurrency = 1, .max_queued = 1};
  StartPosterFor(server->Url(), options);

  struct Pending {
    grpc::ClientContext ctx;
    DeliveryReport report;
    grpc::Status status;
    absl::Notification done;
  };
  std::vector<std::unique_ptr<Pending>> calls;
  auto start_call = [&] {
    calls.push_back(std::make_unique<Pending>());
    Pending* p = calls.back().get();
    p->ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    DeliveryRequest request = Request();
    stub_->async()->Deliver(&p->ctx, &request, &p->report, [p](grpc::Status s) {
      p->status = std::move(s);
      p->done.Notify();
    });
  };
  start_call();  // occupies the only worker (hanging)
  ASSERT_TRUE(server->WaitForRequests(1, absl::Seconds(5)));
  start_call();  // queued
  start_call();  // no room: one of the last two is refused
  absl::Time limit = absl::Now() + absl::Seconds(5);
  int refused = 0;
  while (absl::Now() < limit && refused == 0) {
    for (size_t i = 1; i < calls.size(); ++i) {
      if (calls[i]->done.HasBeenNotified() &&
          calls[i]->status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
        ++refused;
      }
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(refused, 1);
  EXPECT_EQ(Metric("docval_result_deliveries_total", "outcome", "overloaded"), 1);
  // Shutdown stops the running and the queued delivery promptly; their reports say why.
  absl::Time stop = absl::Now();
  service_->Shutdown();
  for (auto& c : calls) ASSERT_TRUE(c->done.WaitForNotificationWithTimeout(absl::Seconds(5)));
  EXPECT_LT(absl::Now() - stop, absl::Seconds(3));
  EXPECT_TRUE(calls[0]->status.ok()) << calls[0]->status.error_message();
  EXPECT_EQ(calls[0]->report.outcome(), v1::SHUTTING_DOWN);
  EXPECT_EQ(calls[0]->report.attempts(), 1u);
  int shut_down = 0;
  for (size_t i = 1; i < calls.size(); ++i) {
    if (calls[i]->status.ok()) {
      EXPECT_EQ(calls[i]->report.outcome(), v1::SHUTTING_DOWN);
      EXPECT_EQ(calls[i]->report.attempts(), 0u);
      ++shut_down;
    }
  }
  EXPECT_EQ(shut_down, 1);
  EXPECT_EQ(Metric("docval_result_deliveries_total", "outcome", "shutting_down"), 2);
  EXPECT_EQ(server->request_count(), 1u);
}

TEST_F(PosterServiceTest, CallerCancellationStopsTheDelivery) {
  auto server = StartServer({FakeAction::Hang()});
  PosterOptions options;
  options.retry.attempt_timeout = absl::Seconds(20);
  StartPosterFor(server->Url(), options);
  grpc::ClientContext ctx;
  DeliveryReport report;
  DeliveryRequest request = Request();
  absl::Notification done;
  grpc::Status status;
  stub_->async()->Deliver(&ctx, &request, &report, [&](grpc::Status s) {
    status = std::move(s);
    done.Notify();
  });
  ASSERT_TRUE(server->WaitForRequests(1, absl::Seconds(5)));
  absl::Time cancelled_at = absl::Now();
  ctx.TryCancel();
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(5)));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);
  // The worker notices within about a second (curl's progress callback), far before 20 s.
  absl::Time limit = cancelled_at + absl::Seconds(5);
  while (Metric("docval_result_deliveries_total", "outcome", "cancelled") < 1 && absl::Now() < limit) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(Metric("docval_result_deliveries_total", "outcome", "cancelled"), 1);
  EXPECT_EQ(server->request_count(), 1u);
  // The transfer in progress was aborted: the Result Server sees the connection close.
  EXPECT_TRUE(server->WaitForAbandoned(1, absl::Seconds(5)));
  bool logged = false;
  for (const auto& line : Logs()) {
    auto json = nlohmann::json::parse(line);
    if (json["event"] == "delivery") {
      logged = true;
      EXPECT_EQ(json["outcome"], "cancelled");
      EXPECT_EQ(json["attempts"], 1);
    }
  }
  EXPECT_TRUE(logged);
}

TEST_F(PosterServiceTest, ShutdownRefusesNewCalls) {
  auto server = StartServer({});
  StartPosterFor(server->Url());
  service_->Shutdown();
  DeliveryReport report;
  grpc::Status status = Call(Request(), &report);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(server->connection_count(), 0);
}

// An asynchronous Deliver call, for tests that keep several in flight.
struct AsyncCall {
  AsyncCall(v1::Poster::Stub& stub, DeliveryRequest r, absl::Duration deadline = absl::Seconds(30))
      : request(std::move(r)) {
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
    stub.async()->Deliver(&ctx, &request, &report, [this](grpc::Status s) {
      status = std::move(s);
      done.Notify();
    });
  }
  bool Wait(absl::Duration timeout = absl::Seconds(10)) {
    return done.WaitForNotificationWithTimeout(timeout);
  }
  grpc::ClientContext ctx;
  DeliveryRequest request;
  DeliveryReport report;
  grpc::Status status;
  absl::Notification done;
};


// Issue: one slow Result Server must cost only its own customer. Client A's Result Server hangs;
// client B's answers at once. A has one slot (concurrency 1) of two workers.
TEST_F(PosterServiceTest, HangingResultServerOfOneClientDoesNotDelayAnother) {
  auto slow = StartServer({FakeAction::Hang()});
  auto fast = StartServer({FakeAction::Respond(200)});
  StartTwoClients(*slow, *fast, /*workers=*/2, /*max_queued=*/8);

  std::vector<std::unique_ptr<AsyncCall>> a_calls;
  for (int i = 0; i < 3; ++i) a_calls.push_back(std::make_unique<AsyncCall>(*stub_, Request()));
  ASSERT_TRUE(slow->WaitForRequests(1, absl::Seconds(10)));
  ASSERT_EQ(WaitForMetric(2, "docval_result_delivery_queue_depth", "destination",
                          absl::StrCat("127.0.0.1:", slow->port())),
            2);

  DeliveryReport b_report;
  grpc::Status b_status = Call(Request(kClientB), &b_report);
  ASSERT_TRUE(b_status.ok()) << b_status.error_message();
  EXPECT_EQ(b_report.outcome(), v1::DELIVERED);
  EXPECT_EQ(fast->request_count(), 1u);
  // B was delivered while all of A's deliveries were still pending, one of them hanging.
  for (auto& a : a_calls) EXPECT_FALSE(a->done.HasBeenNotified());
  EXPECT_EQ(slow->request_count(), 1u);

  // Per-destination metrics: A has one delivery in flight and two waiting; B one delivered.
  const std::string a_dest = absl::StrCat("127.0.0.1:", slow->port());
  const std::string b_dest = absl::StrCat("127.0.0.1:", fast->port());
  std::string text = prometheus::TextSerializer().Serialize(registry_.Collect());
  EXPECT_THAT(text, HasSubstr(absl::StrCat("docval_result_delivery_queue_depth{destination=\"",
                                           a_dest, "\"} 2")));
  EXPECT_THAT(text, HasSubstr(absl::StrCat("docval_result_deliveries_in_flight{destination=\"",
                                           a_dest, "\"} 1")));
  EXPECT_THAT(text, HasSubstr(absl::StrCat("docval_result_deliveries_total{destination=\"",
                                           b_dest, "\",outcome=\"delivered\"} 1")));
  EXPECT_THAT(text, HasSubstr(absl::StrCat("docval_result_delivery_attempts_total{destination=\"",
                                           b_dest, "\",result=\"2xx\"} 1")));
  EXPECT_THAT(text, HasSubstr(absl::StrCat(
                        "docval_result_delivery_attempt_duration_seconds_count{destination=\"",
                        b_dest, "\"} 1")));

  service_->Shutdown();
  for (auto& a : a_calls) {
    ASSERT_TRUE(a->Wait());
    EXPECT_EQ(a->report.outcome(), v1::SHUTTING_DOWN);
  }
}

// The same load when A may take the only worker: B waits behind A (shows that the test above
// depends on the per-destination limit, not on luck).
TEST_F(PosterServiceTest, WithoutASpareWorkerAnotherClientWaits) {
  auto slow = StartServer({FakeAction::Hang()});
  auto fast = StartServer({FakeAction::Respond(200)});
  StartTwoClients(*slow, *fast, /*workers=*/1, /*max_queued=*/8);
  AsyncCall a(*stub_, Request());
  ASSERT_TRUE(slow->WaitForRequests(1, absl::Seconds(10)));
  AsyncCall b(*stub_, Request(kClientB));
  EXPECT_FALSE(b.Wait(absl::Milliseconds(500)));
  EXPECT_EQ(fast->request_count(), 0u);
  service_->Shutdown();
  ASSERT_TRUE(a.Wait());
  ASSERT_TRUE(b.Wait());
  EXPECT_EQ(b.report.outcome(), v1::SHUTTING_DOWN);
  EXPECT_EQ(b.report.attempts(), 0u);
}

TEST_F(PosterServiceTest, FullQueueOfOneDestinationRefusesOnlyItsOwnDeliveries) {
  auto slow = StartServer({FakeAction::Hang()});
  auto fast = StartServer({FakeAction::Respond(200)});
  StartTwoClients(*slow, *fast, /*workers=*/4, /*max_queued=*/1);
  AsyncCall running(*stub_, Request());
  ASSERT_TRUE(slow->WaitForRequests(1, absl::Seconds(10)));
  AsyncCall waiting(*stub_, Request());
  // The asynchronous call must hold the queue's only place before the refused one arrives.
  ASSERT_EQ(WaitForMetric(1, "docval_result_delivery_queue_depth", "destination",
                          absl::StrCat("127.0.0.1:", slow->port())),
            1);
  DeliveryReport report;
  grpc::Status refused = Call(Request(), &report, absl::Seconds(10));
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(), HasSubstr("this Result Server"));
  EXPECT_FALSE(waiting.done.HasBeenNotified());
  grpc::Status b = Call(Request(kClientB), &report);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(report.outcome(), v1::DELIVERED);
  EXPECT_EQ(Metric("docval_result_deliveries_total", "outcome", "overloaded", "destination",
                   absl::StrCat("127.0.0.1:", slow->port())),
            1);
  EXPECT_EQ(Metric("docval_result_deliveries_total", "outcome", "overloaded", "destination",
                   absl::StrCat("127.0.0.1:", fast->port())),
            0);
  service_->Shutdown();
  ASSERT_TRUE(running.Wait());
  ASSERT_TRUE(waiting.Wait());
}

// A delivery waiting for its destination's slot ends the moment its caller cancels.
TEST_F(PosterServiceTest, CancelWhileWaitingEndsAtOnceWithoutAnAttempt) {
  auto slow = StartServer({FakeAction::Hang()});
  PosterOptions options;
  options.retry.attempt_timeout = absl::Seconds(25);
  options.scheduling.per_destination = {.concurrency = 1, .max_queued = 4};
  StartPosterFor(slow->Url(), options);
  AsyncCall running(*stub_, Request());
  ASSERT_TRUE(slow->WaitForRequests(1, absl::Seconds(10)));
  AsyncCall waiting(*stub_, Request());
  ASSERT_EQ(WaitForMetric(1, "docval_result_delivery_queue_depth", "destination",
                          absl::StrCat("127.0.0.1:", slow->port())),
            1);
  waiting.ctx.TryCancel();
  ASSERT_TRUE(waiting.Wait());
  EXPECT_EQ(waiting.status.error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_EQ(WaitForMetric(1, "docval_result_deliveries_total", "outcome", "cancelled"), 1);
  EXPECT_FALSE(running.done.HasBeenNotified());  // the hanging delivery still holds the slot
  EXPECT_EQ(slow->request_count(), 1u);
  service_->Shutdown();
  ASSERT_TRUE(running.Wait());
}

// A delivery that cannot get a slot before the session's deadline is answered in time with
// DEADLINE_REACHED, not left to the gRPC deadline.
TEST_F(PosterServiceTest, WaitingPastTheSessionDeadlineIsReportedInTime) {
  auto slow = StartServer({FakeAction::Hang()});
  PosterOptions options;
  options.retry.attempt_timeout = absl::Seconds(25);
  options.reply_margin = absl::Milliseconds(600);
  options.scheduling.per_destination = {.concurrency = 1, .max_queued = 4};
  StartPosterFor(slow->Url(), options);
  AsyncCall running(*stub_, Request());
  ASSERT_TRUE(slow->WaitForRequests(1, absl::Seconds(10)));
  AsyncCall late(*stub_, Request(), absl::Seconds(2));
  ASSERT_TRUE(late.Wait());
  ASSERT_TRUE(late.status.ok()) << late.status.error_message();
  EXPECT_EQ(late.report.outcome(), v1::DEADLINE_REACHED);
  EXPECT_EQ(late.report.attempts(), 0u);
  EXPECT_THAT(late.report.error(), HasSubstr("no free slot"));
  EXPECT_EQ(slow->request_count(), 1u);
  service_->Shutdown();
  ASSERT_TRUE(running.Wait());
}

// Drain: new deliveries are refused, the one in flight completes and is reported DELIVERED.
TEST_F(PosterServiceTest, DrainLetsTheDeliveryInFlightComplete) {
  testsupport::AnswerGate gate;
  auto server = StartServer({FakeAction::Respond(200)}, nullptr, gate.Hook());
  StartPosterFor(server->Url());
  AsyncCall in_flight(*stub_, Request());
  ASSERT_TRUE(server->WaitForRequests(1, absl::Seconds(10)));  // the body is at the server

  service_->StopAccepting();
  DeliveryReport report;
  grpc::Status refused = Call(Request(), &report);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Metric("docval_result_deliveries_total", "outcome", "unavailable"), 1);
  EXPECT_FALSE(service_->WaitIdle(absl::Now() + absl::Milliseconds(200)));  // still answering
  EXPECT_FALSE(in_flight.done.HasBeenNotified());

  gate.Open();
  EXPECT_TRUE(service_->WaitIdle(absl::Now() + absl::Seconds(10)));
  ASSERT_TRUE(in_flight.Wait());
  ASSERT_TRUE(in_flight.status.ok());
  EXPECT_EQ(in_flight.report.outcome(), v1::DELIVERED);
  EXPECT_TRUE(in_flight.report.delivered());
  EXPECT_EQ(server->request_count(), 1u);
}

// A drain that reaches its limit stops what is left; the report says SHUTTING_DOWN.
TEST_F(PosterServiceTest, DrainLimitStopsTheRestAndSaysSo) {
  testsupport::AnswerGate gate;
  auto server = StartServer({FakeAction::Respond(200)}, nullptr, gate.Hook());
  StartPosterFor(server->Url());
  AsyncCall in_flight(*stub_, Request());
  ASSERT_TRUE(server->WaitForRequests(1, absl::Seconds(10)));
  EXPECT_FALSE(service_->Drain(absl::Milliseconds(300)));
  ASSERT_TRUE(in_flight.Wait());
  ASSERT_TRUE(in_flight.status.ok()) << in_flight.status.error_message();
  EXPECT_EQ(in_flight.report.outcome(), v1::SHUTTING_DOWN);
  EXPECT_FALSE(in_flight.report.delivered());
  EXPECT_EQ(in_flight.report.attempts(), 1u);
  gate.Open();
}

TEST_F(PosterServiceTest, DrainWithNothingInFlightEndsAtOnce) {
  auto server = StartServer({});
  StartPosterFor(server->Url());
  DeliveryReport report;
  ASSERT_TRUE(Call(Request(), &report).ok());
  EXPECT_TRUE(service_->Drain(absl::Seconds(30)));
  EXPECT_EQ(Call(Request(), &report).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST(PosterServiceCreateTest, RejectsBadConfiguration) {
  prometheus::Registry registry;
  PosterOptions bad_url;
  bad_url.result_server_urls["client-secret-id"] = "ftp://example.com/";
  auto s = PosterService::Create(bad_url, &MakeTestBody, registry);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), Not(HasSubstr("client-secret-id")));

  PosterOptions bad_key;
  bad_key.signing_key_path = "/nonexistent/signing.pem";
  s = PosterService::Create(bad_key, &MakeTestBody, registry);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(), HasSubstr("/nonexistent/signing.pem"));

  PosterOptions bad_ca;
  bad_ca.ca_bundle_path = "/nonexistent/ca.pem";
  s = PosterService::Create(bad_ca, &MakeTestBody, registry);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(), HasSubstr("/nonexistent/ca.pem"));

  PosterOptions no_workers;
  no_workers.scheduling.workers = 0;
  EXPECT_FALSE(PosterService::Create(no_workers, &MakeTestBody, registry).ok());

  // Limits for a host no client posts to are a typo, not a silent no-op.
  PosterOptions stray_limits;
  stray_limits.result_server_urls["client-secret-id"] = "https://results.example.com/hook";
  stray_limits.scheduling.destinations["results.example.org"] = {};
  s = PosterService::Create(stray_limits, &MakeTestBody, registry);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), HasSubstr("results.example.org"));
  stray_limits.scheduling.destinations.clear();
  stray_limits.scheduling.destinations["results.example.com"] = {};
  EXPECT_TRUE(PosterService::Create(stray_limits, &MakeTestBody, registry).ok());

  PosterOptions id_without_key;
  id_without_key.signing_key_id = "kid-1";
  EXPECT_FALSE(PosterService::Create(id_without_key, &MakeTestBody, registry).ok());
  EXPECT_FALSE(PosterService::Create({}, nullptr, registry).ok());
}

// The signed POST as received by the Result Server verifies with the openssl command line, over a
// signature base rebuilt here from the received request alone.
class PosterServiceSigningTest : public PosterServiceTest,
                                 public ::testing::WithParamInterface<const char*> {};

TEST_P(PosterServiceSigningTest, ReceivedSignatureVerifiesWithOpenssl) {
  auto dir = testsupport::MakeTempDir("docval_poster_sig_");
  ASSERT_TRUE(dir.ok());
  const std::string key = *dir + "/key.pem";
  ASSERT_TRUE(testsupport::RunShell(absl::StrCat("openssl genpkey ", GetParam(), " -out ", key,
                                                 " && openssl pkey -in ", key, " -pubout -out ",
                                                 *dir, "/pub.pem"))
                  .ok());
  auto server = StartServer({});
  PosterOptions options;
  options.signing_key_path = key;
  options.signing_key_id = "docval-test-key";
  StartPosterFor(server->Url("/hook?x=1"), options);
  DeliveryReport report;
  ASSERT_TRUE(Call(Request(), &report).ok());
  ASSERT_TRUE(report.delivered()) << report.error();
  RecordedRequest req = server->requests().at(0);

  // Content-Digest, checked with openssl dgst.
  {
    std::ofstream(*dir + "/body.json", std::ios::binary) << req.body;
    ASSERT_TRUE(testsupport::RunShell(absl::StrCat("openssl dgst -sha256 -binary ", *dir,
                                                   "/body.json | openssl base64 -A > ", *dir,
                                                   "/digest.b64")).ok());
    std::ifstream in(*dir + "/digest.b64");
    std::string b64;
    std::getline(in, b64);
    EXPECT_EQ(req.Header("Content-Digest"), absl::StrCat("sha-256=:", b64, ":"));
  }
  const std::string input = req.Header("Signature-Input");
  const bool ed25519 = absl::StrContains(GetParam(), "ed25519");
  ASSERT_TRUE(
      absl::StartsWith(input, "docval=(\"@method\" \"@target-uri\" \"content-type\" \"content-digest\");created="))
      << input;
  EXPECT_TRUE(absl::EndsWith(input, absl::StrCat(";keyid=\"docval-test-key\";alg=\"",
                                                 ed25519 ? "ed25519" : "ecdsa-p256-sha256", "\"")))
      << input;
  const std::string params = input.substr(std::string("docval=").size());
  const std::string base = absl::StrCat(
      "\"@method\": ", req.method, "\n",
      "\"@target-uri\": ", server->Url("/hook?x=1"), "\n",
      "\"content-type\": ", req.Header("Content-Type"), "\n",
      "\"content-digest\": ", req.Header("Content-Digest"), "\n",
      "\"@signature-params\": ", params);
  std::ofstream(*dir + "/base.txt", std::ios::binary) << base;

  const std::string sig_field = req.Header("Signature");
  ASSERT_TRUE(absl::StartsWith(sig_field, "docval=:") && absl::EndsWith(sig_field, ":")) << sig_field;
  std::string sig;
  ASSERT_TRUE(absl::Base64Unescape(sig_field.substr(8, sig_field.size() - 9), &sig));
  ASSERT_EQ(sig.size(), 64u);
  std::string command;
  if (ed25519) {
    std::ofstream(*dir + "/sig.bin", std::ios::binary) << sig;
    command = absl::StrCat("openssl pkeyutl -verify -pubin -inkey ", *dir, "/pub.pem -rawin -in ",
                           *dir, "/base.txt -sigfile ", *dir, "/sig.bin");
  } else {
    // r‖s → DER with `openssl asn1parse -genconf`, independent of the code under test.
    std::ofstream(*dir + "/sig.cnf")
        << "asn1=SEQUENCE:sig\n[sig]\nr=INTEGER:0x" << absl::BytesToHexString(sig.substr(0, 32))
        << "\ns=INTEGER:0x" << absl::BytesToHexString(sig.substr(32)) << "\n";
    command = absl::StrCat("openssl asn1parse -genconf ", *dir, "/sig.cnf -out ", *dir,
                           "/sig.der -noout && openssl dgst -sha256 -verify ", *dir,
                           "/pub.pem -signature ", *dir, "/sig.der ", *dir, "/base.txt");
  }
  EXPECT_TRUE(testsupport::RunShell(command).ok()) << command;
  // And a different target URI does not verify.
  std::string wrong = base;
  wrong.replace(wrong.find("/hook?x=1"), 9, "/hook?x=2");
  std::ofstream(*dir + "/base.txt", std::ios::binary | std::ios::trunc) << wrong;
  EXPECT_FALSE(testsupport::RunShell(command).ok());
}

INSTANTIATE_TEST_SUITE_P(Algorithms, PosterServiceSigningTest,
                         ::testing::Values("-algorithm ed25519",
                                           "-algorithm EC -pkeyopt ec_paramgen_curve:P-256"));

class PosterServiceTlsTest : public PosterServiceTest {
 protected:
  const testsupport::TestCerts* certs_ = &testsupport::LoopbackCerts();
  const testsupport::TestCerts* wrong_name_ = &testsupport::WrongNameCerts();
};

TEST_F(PosterServiceTlsTest, DeliversOverHttpsWithTheConfiguredCaBundle) {
  auto server = StartServer({FakeAction::Respond(200)}, certs_);
  PosterOptions options;
  options.ca_bundle_path = certs_->ca_cert;
  StartPosterFor(server->Url(), options);
  DeliveryReport report;
  ASSERT_TRUE(Call(Request(), &report).ok());
  EXPECT_TRUE(report.delivered()) << report.error();
  EXPECT_EQ(server->request_count(), 1u);
}

TEST_F(PosterServiceTlsTest, UntrustedCertificateIsFinalAfterOneAttempt) {
  auto server = StartServer({FakeAction::Respond(200)}, certs_);
  PosterOptions options;
  options.ca_bundle_path = certs_->other_ca_cert;
  StartPosterFor(server->Url(), options);
  DeliveryReport report;
  ASSERT_TRUE(Call(Request(), &report).ok());
  EXPECT_FALSE(report.delivered());
  EXPECT_EQ(report.attempts(), 1u);
  EXPECT_THAT(report.error(), HasSubstr("TLS verification failed"));
  EXPECT_EQ(report.outcome(), v1::REJECTED);
  EXPECT_EQ(server->request_count(), 0u);
  EXPECT_EQ(Metric("docval_result_delivery_attempts_total", "result", "error"), 1);
}

TEST_F(PosterServiceTlsTest, HostNameMismatchIsFinalAfterOneAttempt) {
  // Signed by the trusted CA, but for another name than 127.0.0.1.
  auto server = StartServer({FakeAction::Respond(200)}, wrong_name_);
  PosterOptions options;
  options.ca_bundle_path = wrong_name_->ca_cert;
  StartPosterFor(server->Url(), options);
  DeliveryReport report;
  ASSERT_TRUE(Call(Request(), &report).ok());
  EXPECT_FALSE(report.delivered());
  EXPECT_EQ(report.attempts(), 1u);
  EXPECT_THAT(report.error(), HasSubstr("TLS verification failed"));
  EXPECT_EQ(server->request_count(), 0u);
}

}  // namespace
}  // namespace docval::poster
