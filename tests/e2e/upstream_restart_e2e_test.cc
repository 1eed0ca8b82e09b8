// The gateway when a poster or validator is not there (issue 11, docs/operations.md "Upstream calls"
// and "Readiness"), every role as its own process: a session that posts while the poster restarts is
// delivered once it is back, a session started before any validator listens ends well once one does,
// and meanwhile /readyz and /actuator/health say the gateway cannot serve, and why.
#include <signal.h>

#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/e2e/harness.h"

namespace docval::e2e {
namespace {

// Polls `path` on the gateway until it answers `status` with `body` (at most 30 s).
bool Answers(Deployment& dep, const std::string& path, int status, const std::string& body) {
  return WaitFor(
      [&] {
        absl::StatusOr<std::pair<int, std::string>> r = HttpGet(dep.gateway_port(), path);
        return r.ok() && r->first == status && r->second == body;
      },
      absl::Seconds(30));
}

// A role process started on `address` with the deployment's configuration, as a restarted pod.
std::unique_ptr<ChildProcess> StartRole(Deployment& dep, const std::string& role, const std::string& env,
                                        const std::string& address) {
  absl::StatusOr<std::unique_ptr<ChildProcess>> p =
      ChildProcess::Start({DocvalBinary(), role, "--config", dep.dir() + "/docval.yaml"}, {{env, address}});
  EXPECT_TRUE(p.ok()) << p.status();
  if (!p.ok()) return nullptr;
  absl::StatusOr<int> port = (*p)->WaitForPort(role);
  EXPECT_TRUE(port.ok()) << (*p)->AllOutput();
  return port.ok() ? *std::move(p) : nullptr;
}

// One session (its own validation id) on its own thread, started while an upstream is missing.
class BackgroundSession {
 public:
  BackgroundSession(Deployment& dep, std::string validation_id) : dep_(dep), id_(std::move(validation_id)) {
    thread_ = std::thread([this] { out_ = RunPassportSession(dep_.WsUrl(), "bac-passport", {}, ValidationId(id_)); });
  }
  ~BackgroundSession() {
    if (thread_.joinable()) thread_.join();
  }

  // Once the missing upstream listens (`role` came up at `listening`): the session ends 1000 with its
  // result, delivered once (`deliveries` in all so far), and the gateway is ready again.
  void ExpectServedOnceBack(const std::string& role, absl::Time listening, size_t deliveries) {
    thread_.join();
    const absl::Duration took = absl::Now() - listening;
    ASSERT_TRUE(out_.ok()) << out_.status();
    EXPECT_EQ(out_->close.code, 1000) << out_->close.reason << "\n" << dep_.gateway().AllOutput();
    EXPECT_TRUE(out_->result.has_value());
    ASSERT_TRUE(dep_.result_server().WaitForRequests(deliveries, absl::Seconds(10)));
    EXPECT_EQ(DeliveriesById(dep_.result_server())[id_], 1);
    EXPECT_TRUE(Answers(dep_, "/readyz", 200, "ready\n"));
    EXPECT_TRUE(Answers(dep_, "/actuator/health", 200, R"({"status":"UP"})"));
    std::printf("figure: session %s ended 1000, delivered once, %lld ms after the %s listened\n", id_.c_str(),
                static_cast<long long>(absl::ToInt64Milliseconds(took)), role.c_str());
  }

 private:
  Deployment& dep_;
  const std::string id_;
  absl::StatusOr<relay::RelayOutcome> out_ = absl::UnknownError("not run");
  std::thread thread_;
};

void StopRole(ChildProcess& p) {
  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(absl::Seconds(30)), std::optional<int>(0)) << p.AllOutput();
}

TEST(PosterRestartTest, ASessionThatPostsWhileThePosterIsDownIsDeliveredOnceItIsBack) {
  absl::StatusOr<std::unique_ptr<Deployment>> d = Deployment::Start(DeploymentOptions{.separate_roles = true});
  ASSERT_TRUE(d.ok()) << d.status();
  Deployment& dep = **d;
  const int validator_metrics = MetricsPort(*dep.validator(0));
  ASSERT_GT(validator_metrics, 0);
  // A session while all is up: the gateway's channel to the poster is connected.
  absl::StatusOr<relay::RelayOutcome> before =
      RunPassportSession(dep.WsUrl(), "bac-passport", {}, ValidationId("before"));
  ASSERT_TRUE(before.ok()) << before.status();
  ASSERT_EQ(before->close.code, 1000) << dep.AllOutput();
  EXPECT_TRUE(Answers(dep, "/readyz", 200, "ready\n"));

  StopRole(*dep.poster());
  // The gateway notices: not ready, and says why.
  EXPECT_TRUE(Answers(dep, "/readyz", 503, "poster unreachable\n")) << dep.gateway().AllOutput();
  EXPECT_TRUE(Answers(dep, "/actuator/health", 503, R"({"status":"DOWN"})"));

  // A session reaches its result (the validator counts its dialog ended) while no poster listens: its
  // delivery waits for one.
  BackgroundSession session(dep, "while-down");
  ASSERT_TRUE(
      WaitFor([&] { return Metric(validator_metrics, "docval_validator_sessions_total") >= 2; }, absl::Seconds(30)))
      << dep.AllOutput();

  // The poster comes back on its address, as a restarted pod behind its Service.
  std::unique_ptr<ChildProcess> restarted = StartRole(dep, "poster", "DOCVAL_POSTER_LISTEN", dep.poster_address());
  ASSERT_NE(restarted, nullptr);
  session.ExpectServedOnceBack("restarted poster", absl::Now(), 2);
  EXPECT_EQ(DeliveriesById(dep.result_server())["before"], 1);
  StopRole(*restarted);
  EXPECT_TRUE(dep.Stop()) << dep.AllOutput();
}

TEST(ValidatorLateTest, ASessionStartedBeforeAnyValidatorListensEndsWellOnceOneDoes) {
  const std::string address = absl::StrCat("127.0.0.1:", FreePort());
  absl::StatusOr<std::unique_ptr<Deployment>> d = Deployment::Start(
      DeploymentOptions{.separate_roles = true, .validators = 0, .validator_address = "ipv4:" + address});
  ASSERT_TRUE(d.ok()) << d.status();
  Deployment& dep = **d;
  EXPECT_TRUE(Answers(dep, "/readyz", 503, "no validator reachable\n")) << dep.gateway().AllOutput();
  EXPECT_TRUE(Answers(dep, "/actuator/health", 503, R"({"status":"DOWN"})"));

  BackgroundSession session(dep, "early");
  ASSERT_TRUE(dep.gateway()
                  .WaitForLog([](const nlohmann::json& j) { return j.value("msg", "") == "session started"; },
                              absl::Seconds(30))
                  .has_value())
      << dep.AllOutput();

  std::unique_ptr<ChildProcess> validator = StartRole(dep, "validator", "DOCVAL_VALIDATOR_LISTEN", address);
  ASSERT_NE(validator, nullptr);
  session.ExpectServedOnceBack("validator", absl::Now(), 1);
  StopRole(*validator);
  EXPECT_TRUE(dep.Stop()) << dep.AllOutput();
}

}  // namespace
}  // namespace docval::e2e
