// Drain and scaling with every role as its own process (issue 11's end-to-end check, docs/operations.md
// "Drain"): a validator that gets SIGTERM finishes the sessions it has while new ones go to the other
// validator; a poster that gets SIGTERM completes the delivery in flight; a validator started while
// sessions run takes sessions; a replica that DNS starts to list (a pod the autoscaler adds behind a
// headless Service) gets sessions once the validators' connection age sends the gateway to DNS again. Each test prints
// the figures docs/operations.md quotes ("figure: ...").
#include <signal.h>

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/e2e/harness.h"
#include "tests/support/fake_dns_server.h"

namespace docval::e2e {
namespace {

constexpr char kActive[] = "docval_validator_sessions_active";
constexpr char kEnded[] = "docval_validator_sessions_total";

void ExpectDelivered(const absl::StatusOr<relay::RelayOutcome>& out, const std::string& what) {
  ASSERT_TRUE(out.ok()) << what << ": " << out.status();
  EXPECT_EQ(out->close.code, 1000) << what << ": " << out->close.reason;
  EXPECT_TRUE(out->result.has_value()) << what;
}

TEST(ValidatorDrainTest, SessionsOfADrainingValidatorEndWellAndNewOnesGoToTheOther) {
  absl::StatusOr<std::unique_ptr<Deployment>> d = Deployment::Start(DeploymentOptions{
      .separate_roles = true, .validators = 2, .extra_yaml = "timeouts: {response_s: 30}\nvalidator: {drain_s: 40}\n"});
  ASSERT_TRUE(d.ok()) << d.status();
  Deployment& dep = **d;
  ChildProcess& leaving = *dep.validator(0);
  const int m0 = MetricsPort(leaving);
  const int m1 = MetricsPort(*dep.validator(1));
  ASSERT_GT(m0, 0);
  ASSERT_GT(m1, 0);

  // Warm up until the gateway has used both validators (round robin picks only connected ones).
  int warmups = 0;
  ASSERT_TRUE(WaitFor(
      [&] {
        ExpectDelivered(RunPassportSession(dep.WsUrl(), "bac-passport", {}, ValidationId("warmup")), "warm-up");
        ++warmups;
        return Metric(m0, kEnded) >= 1 && Metric(m1, kEnded) >= 1;
      },
      absl::Seconds(60)))
      << dep.AllOutput();
  const double ended_on_other_before = Metric(m1, kEnded);

  // Slow sessions (150 ms per answer) that stop at their 5th command until the new sessions below
  // are done (at most 25 s, within response_s): they are certainly mid-dialog on both validators
  // while one drains, however slow the build (ASan).
  constexpr int kSlow = 4;
  absl::Notification release;
  std::vector<absl::StatusOr<relay::RelayOutcome>> slow(kSlow, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kSlow; ++i) {
    threads.emplace_back([&, i] {
      absl::StatusOr<Passport> p = MakePassport("fault-slow-chip");
      if (!p.ok()) {
        slow[i] = p.status();
        return;
      }
      nlohmann::json start = nlohmann::json::parse(p->start_message);
      start["validation_id"] = absl::StrCat("slow-", i);
      int n = 0;
      auto chip = [&](const std::string& c) {
        if (++n == 5) release.WaitForNotificationWithTimeout(absl::Seconds(25));
        return p->chip(c);
      };
      slow[i] = RunSession(dep.WsUrl(), start.dump(), chip);
    });
  }
  absl::Cleanup join = [&] {
    if (!release.HasBeenNotified()) release.Notify();
    for (std::thread& t : threads) t.join();
  };
  ASSERT_TRUE(WaitFor([&] { return Metric(m0, kActive) + Metric(m1, kActive) == kSlow; }, absl::Seconds(30)))
      << dep.AllOutput();
  const int kept = static_cast<int>(Metric(m0, kActive));
  const int on_other = static_cast<int>(Metric(m1, kActive));
  ASSERT_GE(kept, 1);
  ASSERT_GE(on_other, 1);

  leaving.Signal(SIGTERM);
  std::optional<nlohmann::json> draining = leaving.WaitForLog(
      [](const nlohmann::json& j) { return j.value("msg", "") == "draining sessions"; }, absl::Seconds(10));
  ASSERT_TRUE(draining.has_value()) << leaving.AllOutput();
  EXPECT_EQ((*draining)["sessions"], kept);

  // New sessions while it drains go to the other validator: the gateway's channel follows each
  // validator's health (NOT_SERVING from SIGTERM on), so the draining one is not even asked.
  constexpr int kNew = 2;
  for (int j = 0; j < kNew; ++j) {
    ExpectDelivered(RunPassportSession(dep.WsUrl(), "bac-passport", {}, ValidationId(absl::StrCat("new-", j))),
                    absl::StrCat("new session ", j));
  }
  EXPECT_TRUE(leaving.running()) << "the draining validator must still have its held sessions";
  const double refused = Metric(m0, "docval_validator_sessions_refused_total");
  EXPECT_EQ(refused, 0) << "a new session reached the draining validator";
  release.Notify();
  std::move(join).Invoke();
  for (int i = 0; i < kSlow; ++i) ExpectDelivered(slow[i], absl::StrCat("slow session ", i));

  EXPECT_EQ(leaving.Wait(absl::Seconds(30)), std::optional<int>(0)) << leaving.AllOutput();
  std::optional<nlohmann::json> drained = leaving.WaitForLog(
      [](const nlohmann::json& j) { return j.value("msg", "") == "sessions drained"; }, absl::Seconds(1));
  ASSERT_TRUE(drained.has_value()) << leaving.AllOutput();
  EXPECT_EQ((*drained)["complete"], true);
  // Every session the other validator ended since the warm-up: its own slow ones and all new ones.
  EXPECT_EQ(Metric(m1, kEnded) - ended_on_other_before, on_other + kNew);

  // Each result delivered exactly once.
  ASSERT_TRUE(dep.result_server().WaitForRequests(warmups + kSlow + kNew, absl::Seconds(10)));
  std::map<std::string, int> by_id = DeliveriesById(dep.result_server());
  for (int i = 0; i < kSlow; ++i) EXPECT_EQ(by_id[absl::StrCat("slow-", i)], 1) << i;
  for (int j = 0; j < kNew; ++j) EXPECT_EQ(by_id[absl::StrCat("new-", j)], 1) << j;
  EXPECT_EQ(dep.result_server().request_count(), static_cast<size_t>(warmups + kSlow + kNew));
  std::printf(
      "figure: validator SIGTERM with %d of %d sessions open: %d kept (ended 1000, delivered once), "
      "%d new sessions on the other validator (%g refused as draining), drain %lld ms\n",
      kept, kSlow, kept, kNew, refused, static_cast<long long>((*drained)["duration_ms"].get<int64_t>()));
  EXPECT_TRUE(dep.Stop()) << dep.AllOutput();
}

// Two clients running bac-passport sessions back to back against `url` until Stop() (or the
// destructor), counting the sessions that ended 1000 with a result and the others.
class BackToBackSessions {
 public:
  explicit BackToBackSessions(const std::string& url) {
    for (int c = 0; c < 2; ++c) {
      clients_.emplace_back([this, url] {
        while (!stop_.load()) {
          absl::StatusOr<relay::RelayOutcome> out = RunPassportSession(url);
          (out.ok() && out->close.code == 1000 && out->result ? ended_well : ended_badly)++;
        }
      });
    }
  }
  ~BackToBackSessions() { Stop(); }
  void Stop() {
    stop_ = true;
    for (std::thread& t : clients_) {
      if (t.joinable()) t.join();
    }
  }

  std::atomic<int> ended_well{0};
  std::atomic<int> ended_badly{0};

 private:
  std::atomic<bool> stop_{false};
  std::vector<std::thread> clients_;
};

TEST(PosterDrainWithGatewayTest, TheDeliveryInFlightAtSigtermCompletes) {
  testsupport::AnswerGate gate;  // the Result Server holds its answer until opened
  absl::StatusOr<std::unique_ptr<Deployment>> d = Deployment::Start(DeploymentOptions{
      .separate_roles = true, .extra_yaml = "delivery: {drain_s: 10}\n", .result_server = {.on_request = gate.Hook()}});
  ASSERT_TRUE(d.ok()) << d.status();
  Deployment& dep = **d;
  absl::Cleanup open_on_exit = [&] { gate.Open(); };
  absl::StatusOr<relay::RelayOutcome> out = absl::UnknownError("not run");
  std::thread session([&] { out = RunPassportSession(dep.WsUrl(), "bac-passport", {}, ValidationId("in-flight")); });
  absl::Cleanup join = [&] { session.join(); };

  ASSERT_TRUE(dep.result_server().WaitForRequests(1, absl::Seconds(30))) << dep.AllOutput();
  const absl::Time sigterm = absl::Now();
  dep.poster()->Signal(SIGTERM);
  ASSERT_TRUE(dep.poster()
                  ->WaitForLog([](const nlohmann::json& j) { return j.value("msg", "") == "draining deliveries"; },
                               absl::Seconds(10))
                  .has_value())
      << dep.poster()->AllOutput();
  gate.Open();
  std::move(join).Invoke();
  ExpectDelivered(out, "in-flight session");
  EXPECT_EQ(dep.poster()->Wait(absl::Seconds(20)), std::optional<int>(0)) << dep.poster()->AllOutput();
  const absl::Duration exit_after = absl::Now() - sigterm;
  std::optional<nlohmann::json> drained = dep.poster()->WaitForLog(
      [](const nlohmann::json& j) { return j.value("msg", "") == "deliveries drained"; }, absl::Seconds(1));
  ASSERT_TRUE(drained.has_value());
  EXPECT_EQ((*drained)["complete"], true);
  EXPECT_EQ(dep.result_server().request_count(), 1u);
  std::printf(
      "figure: poster SIGTERM with 1 delivery in flight: delivered once, session ended 1000, drain %lld ms, "
      "exit %lld ms after SIGTERM\n",
      static_cast<long long>((*drained)["duration_ms"].get<int64_t>()),
      static_cast<long long>(absl::ToInt64Milliseconds(exit_after)));
  EXPECT_TRUE(dep.Stop()) << dep.AllOutput();
}

TEST(ValidatorScaleTest, AValidatorStartedUnderLoadTakesSessions) {
  // The gateway knows an address where no validator listens yet (a pod the autoscaler adds).
  const int port = FreePort();
  absl::StatusOr<std::unique_ptr<Deployment>> d = Deployment::Start(
      DeploymentOptions{.separate_roles = true, .extra_validator_addresses = {absl::StrCat("127.0.0.1:", port)}});
  ASSERT_TRUE(d.ok()) << d.status();
  Deployment& dep = **d;

  // Load: two clients running sessions back to back.
  BackToBackSessions load(dep.WsUrl());
  std::atomic<int>& ended_well = load.ended_well;
  std::atomic<int>& ended_badly = load.ended_badly;
  absl::Cleanup join = [&] { load.Stop(); };
  ASSERT_TRUE(WaitFor([&] { return ended_well.load() >= 2; }, absl::Seconds(30))) << dep.AllOutput();

  absl::StatusOr<std::unique_ptr<ChildProcess>> added =
      ChildProcess::Start({DocvalBinary(), "validator", "--config", dep.dir() + "/docval.yaml"},
                          {{"DOCVAL_VALIDATOR_LISTEN", absl::StrCat("127.0.0.1:", port)}});
  ASSERT_TRUE(added.ok());
  ASSERT_TRUE((*added)->WaitForPort("validator").ok()) << (*added)->AllOutput();
  const absl::Time listening = absl::Now();
  const int metrics = MetricsPort(**added);
  ASSERT_GT(metrics, 0);
  EXPECT_TRUE(WaitFor([&] { return Metric(metrics, kActive) + Metric(metrics, kEnded) >= 1; }, absl::Seconds(30)))
      << dep.AllOutput();
  const absl::Duration took = absl::Now() - listening;
  std::move(join).Invoke();
  EXPECT_EQ(ended_badly.load(), 0) << dep.AllOutput();
  std::printf(
      "figure: a validator started under load took its first session %lld ms after it listened "
      "(%d sessions ended 1000 meanwhile)\n",
      static_cast<long long>(absl::ToInt64Milliseconds(took)), ended_well.load());
  (*added)->Signal(SIGTERM);
  EXPECT_EQ((*added)->Wait(absl::Seconds(30)), std::optional<int>(0));
  EXPECT_TRUE(dep.Stop()) << dep.AllOutput();
}

TEST(ValidatorScaleTest, AReplicaDnsStartsToListGetsSessionsAfterTheConnectionAge) {
  // The gateway resolves a name through a DNS server the test controls, as a Kubernetes gateway
  // resolves the validators' headless Service; both validators listen on one port at two loopback
  // addresses, as two pods do.
  absl::StatusOr<std::unique_ptr<testsupport::FakeDnsServer>> dns = testsupport::FakeDnsServer::Start();
  ASSERT_TRUE(dns.ok()) << dns.status();
  constexpr char kName[] = "validators.docval.test";
  constexpr uint16_t kTypeA = 1;
  (*dns)->SetA(kName, {"127.0.0.1"});
  const int port = FreePort();
  constexpr int kConnectionAgeS = 2;
  absl::StatusOr<std::unique_ptr<Deployment>> d = Deployment::Start(DeploymentOptions{
      .separate_roles = true,
      .validators = 0,
      .validator_address = absl::StrCat("dns://127.0.0.1:", (*dns)->port(), "/", kName, ":", port),
      .extra_yaml = absl::StrCat("validator: {max_connection_age_s: ", kConnectionAgeS, ", drain_s: 5}\n")});
  ASSERT_TRUE(d.ok()) << d.status();
  Deployment& dep = **d;
  auto start_validator = [&](const std::string& ip) {
    absl::StatusOr<std::unique_ptr<ChildProcess>> v =
        ChildProcess::Start({DocvalBinary(), "validator", "--config", dep.dir() + "/docval.yaml"},
                            {{"DOCVAL_VALIDATOR_LISTEN", absl::StrCat(ip, ":", port)}});
    EXPECT_TRUE(v.ok()) << v.status();
    if (v.ok()) {
      EXPECT_TRUE((*v)->WaitForPort("validator").ok()) << (*v)->AllOutput();
    }
    return v.ok() ? *std::move(v) : nullptr;
  };
  std::unique_ptr<ChildProcess> first = start_validator("127.0.0.1");
  ASSERT_NE(first, nullptr);

  BackToBackSessions load(dep.WsUrl());
  std::atomic<int>& ended_well = load.ended_well;
  std::atomic<int>& ended_badly = load.ended_badly;
  absl::Cleanup join = [&] { load.Stop(); };
  ASSERT_TRUE(WaitFor([&] { return ended_well.load() >= 2; }, absl::Seconds(30))) << dep.AllOutput();

  std::unique_ptr<ChildProcess> second = start_validator("127.0.0.2");
  ASSERT_NE(second, nullptr);
  const int metrics = MetricsPort(*second);
  ASSERT_GT(metrics, 0);
  auto sessions_of_second = [&] { return Metric(metrics, kActive) + Metric(metrics, kEnded); };
  // Control: while DNS does not list it, the new replica gets nothing, however many times the
  // connection age sends the gateway back to DNS.
  absl::SleepFor(absl::Seconds(3 * kConnectionAgeS));
  EXPECT_EQ(sessions_of_second(), 0) << "a replica DNS does not list got sessions";

  const int resolutions_before = (*dns)->queries(kName, kTypeA);
  (*dns)->SetA(kName, {"127.0.0.1", "127.0.0.2"});
  const absl::Time listed = absl::Now();
  // gRPC resolves a name again at most every 30 s (its default), at the first GOAWAY after that.
  EXPECT_TRUE(WaitFor([&] { return sessions_of_second() >= 1; }, absl::Seconds(90))) << dep.AllOutput();
  const absl::Duration took = absl::Now() - listed;
  EXPECT_GT((*dns)->queries(kName, kTypeA), resolutions_before);
  std::move(join).Invoke();
  EXPECT_EQ(ended_badly.load(), 0) << dep.AllOutput();
  std::printf(
      "figure: a replica added to DNS took its first session %lld ms after it was listed "
      "(connection age %d s; %d sessions ended 1000 meanwhile, %d DNS A queries)\n",
      static_cast<long long>(absl::ToInt64Milliseconds(took)), kConnectionAgeS, ended_well.load(),
      (*dns)->queries(kName, kTypeA));
  for (ChildProcess* v : {first.get(), second.get()}) {
    v->Signal(SIGTERM);
    EXPECT_EQ(v->Wait(absl::Seconds(30)), std::optional<int>(0)) << v->AllOutput();
  }
  EXPECT_TRUE(dep.Stop()) << dep.AllOutput();
}

}  // namespace
}  // namespace docval::e2e
