// The poster role as a process: drain on SIGTERM (a delivery in flight completes, new ones are
// refused, the drain limit stops the rest and says so), the optional signing key (unset, missing,
// DER), and start-up errors for half-set environment variables (exit 2 naming what is missing).
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "docval/v1/poster.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/process.h"
#include "tests/support/fake_result_server.h"
#include "tests/support/test_certs.h"

namespace docval::e2e {
namespace {

using ::docval::testsupport::FakeAction;
using ::docval::testsupport::FakeResultServer;
using ::docval::testsupport::RecordedRequest;
using ::testing::HasSubstr;

constexpr char kClient[] = "e2e-poster-client";

std::unique_ptr<FakeResultServer> StartServer(std::function<void(const RecordedRequest&)> hook = {}) {
  testsupport::FakeResultServerOptions o;
  o.script = {FakeAction::Respond(200)};
  o.on_request = std::move(hook);
  auto s = FakeResultServer::Start(std::move(o));
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *std::move(s) : nullptr;
}

std::string WriteConfig(const std::string& url, const std::string& extra = "") {
  const std::string dir = MakeTempDir();
  const std::string path = dir + "/docval.yaml";
  WriteFile(path, absl::StrCat("poster_listen: 127.0.0.1:0\nmetrics_listen: 127.0.0.1:0\n",
                               "clients:\n  - {client_id: ", kClient, ", result_server_url: \"", url,
                               "\"}\n", extra));
  return path;
}

struct Poster {
  std::unique_ptr<ChildProcess> process;
  std::unique_ptr<v1::Poster::Stub> stub;
};

absl::StatusOr<Poster> StartPoster(const std::string& config, std::map<std::string, std::string> env = {}) {
  absl::StatusOr<std::unique_ptr<ChildProcess>> p =
      ChildProcess::Start({DocvalBinary(), "poster", "--config", config}, std::move(env));
  if (!p.ok()) return p.status();
  absl::StatusOr<int> port = (*p)->WaitForPort("poster");
  if (!port.ok())
    return absl::Status(port.status().code(), absl::StrCat(port.status().message(), "\n", (*p)->AllOutput()));
  Poster poster;
  poster.process = *std::move(p);
  poster.stub = v1::Poster::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", *port), grpc::InsecureChannelCredentials()));
  return poster;
}

v1::DeliveryRequest Request() {
  v1::DeliveryRequest r;
  r.set_session_id("e2e-drain");
  r.set_client_id(kClient);
  r.set_validation_id("val-1");
  return r;
}

struct AsyncCall {
  AsyncCall(v1::Poster::Stub& stub, absl::Duration deadline = absl::Seconds(30)) : request(Request()) {
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
    stub.async()->Deliver(&ctx, &request, &report, [this](grpc::Status s) {
      status = std::move(s);
      done.Notify();
    });
  }
  bool Wait() { return done.WaitForNotificationWithTimeout(absl::Seconds(30)); }
  grpc::ClientContext ctx;
  v1::DeliveryRequest request;
  v1::DeliveryReport report;
  grpc::Status status;
  absl::Notification done;
};

bool HasLog(ChildProcess& p, const std::string& msg) {
  return p.WaitForLog([&](const nlohmann::json& j) { return j.value("msg", "") == msg; }, absl::Seconds(20))
      .has_value();
}

// Issue: "a poster on SIGTERM cancels its deliveries at once: the phone got
// POST_TO_RESULT_SERVER_FAILED although the Result Server had received the whole body".
TEST(PosterDrainTest, DeliveryInFlightAtSigtermCompletesAndNewOnesAreRefused) {
  testsupport::AnswerGate gate;
  auto server = StartServer(gate.Hook());
  ASSERT_NE(server, nullptr);
  absl::StatusOr<Poster> poster = StartPoster(WriteConfig(server->Url()));
  ASSERT_TRUE(poster.ok()) << poster.status();

  AsyncCall in_flight(*poster->stub);
  ASSERT_TRUE(server->WaitForRequests(1, absl::Seconds(20)));  // the whole body has arrived
  poster->process->Signal(SIGTERM);
  ASSERT_TRUE(HasLog(*poster->process, "draining deliveries")) << poster->process->AllOutput();

  // Draining: a new delivery is refused with UNAVAILABLE (nothing sent), the old one goes on.
  v1::DeliveryReport report;
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  v1::DeliveryRequest second = Request();
  grpc::Status refused = poster->stub->Deliver(&ctx, second, &report);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE) << refused.error_message();
  EXPECT_FALSE(in_flight.done.HasBeenNotified());
  EXPECT_TRUE(poster->process->running());

  gate.Open();
  ASSERT_TRUE(in_flight.Wait());
  ASSERT_TRUE(in_flight.status.ok()) << in_flight.status.error_message();
  EXPECT_EQ(in_flight.report.outcome(), v1::DELIVERED);
  EXPECT_TRUE(in_flight.report.delivered());
  std::optional<int> exit = poster->process->Wait(absl::Seconds(20));
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(*exit, 0);
  EXPECT_EQ(server->request_count(), 1u);
  auto drained = poster->process->WaitForLog(
      [](const nlohmann::json& j) { return j.value("msg", "") == "deliveries drained"; }, absl::Seconds(1));
  ASSERT_TRUE(drained.has_value());
  EXPECT_EQ((*drained)["complete"], true);
}

TEST(PosterDrainTest, DrainLimitStopsWhatIsLeftAndTheReportSaysSo) {
  testsupport::AnswerGate gate;
  auto server = StartServer(gate.Hook());
  ASSERT_NE(server, nullptr);
  absl::StatusOr<Poster> poster = StartPoster(WriteConfig(server->Url(), "delivery: {drain_s: 0.5}\n"));
  ASSERT_TRUE(poster.ok()) << poster.status();
  AsyncCall in_flight(*poster->stub);
  ASSERT_TRUE(server->WaitForRequests(1, absl::Seconds(20)));
  poster->process->Signal(SIGTERM);
  ASSERT_TRUE(in_flight.Wait());
  ASSERT_TRUE(in_flight.status.ok()) << in_flight.status.error_message();
  EXPECT_EQ(in_flight.report.outcome(), v1::SHUTTING_DOWN);
  EXPECT_EQ(in_flight.report.attempts(), 1u);
  std::optional<int> exit = poster->process->Wait(absl::Seconds(20));
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(*exit, 0);
  gate.Open();
}

// The signing key is optional: an empty path means unsigned; a path to a missing file is a clear
// start-up error; a DER key signs.
TEST(PosterSigningKeyTest, EmptyPathDeliversUnsigned) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  absl::StatusOr<Poster> poster =
      StartPoster(WriteConfig(server->Url()), {{"RESULT_SERVER_SIGNING_KEY_PATH", ""}});
  ASSERT_TRUE(poster.ok()) << poster.status();
  auto signing = poster->process->WaitForLog(
      [](const nlohmann::json& j) { return j.value("msg", "") == "result signing"; }, absl::Seconds(5));
  ASSERT_TRUE(signing.has_value());
  EXPECT_EQ((*signing)["signed"], false);
  AsyncCall call(*poster->stub);
  ASSERT_TRUE(call.Wait());
  EXPECT_EQ(call.report.outcome(), v1::DELIVERED);
  ASSERT_EQ(server->request_count(), 1u);
  EXPECT_FALSE(server->requests()[0].HasHeader("Signature"));
  EXPECT_TRUE(server->requests()[0].HasHeader("Content-Digest"));
  poster->process->Signal(SIGTERM);
  EXPECT_EQ(poster->process->Wait(absl::Seconds(20)), std::optional<int>(0));
}

TEST(PosterSigningKeyTest, MissingKeyFileExitsTwoNamingTheSetting) {
  const std::string config = WriteConfig("https://results.example.com/hook");
  absl::StatusOr<std::unique_ptr<ChildProcess>> p = ChildProcess::Start(
      {DocvalBinary(), "poster", "--config", config}, {{"RESULT_SERVER_SIGNING_KEY_PATH", "/nonexistent/sign.pem"}});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)->Wait(absl::Seconds(20)), std::optional<int>(2));
  const std::string out = (*p)->AllOutput();
  EXPECT_THAT(out, HasSubstr("RESULT_SERVER_SIGNING_KEY_PATH"));
  EXPECT_THAT(out, HasSubstr("/nonexistent/sign.pem"));
  EXPECT_THAT(out, HasSubstr("unsigned"));
}

TEST(PosterSigningKeyTest, DerKeySignsTheDelivery) {
  auto dir = testsupport::MakeTempDir("docval_e2e_der_");
  ASSERT_TRUE(dir.ok());
  const std::string der = *dir + "/signing.der";
  ASSERT_TRUE(testsupport::RunShell(absl::StrCat("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
                                                 "-outform DER -out ", der))
                  .ok());
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  absl::StatusOr<Poster> poster = StartPoster(WriteConfig(server->Url()), {{"RESULT_SERVER_SIGNING_KEY_PATH", der}});
  ASSERT_TRUE(poster.ok()) << poster.status();
  AsyncCall call(*poster->stub);
  ASSERT_TRUE(call.Wait());
  EXPECT_EQ(call.report.outcome(), v1::DELIVERED);
  ASSERT_EQ(server->request_count(), 1u);
  EXPECT_THAT(server->requests()[0].Header("Signature-Input"), HasSubstr("alg=\"ecdsa-p256-sha256\""));
  poster->process->Signal(SIGTERM);
  EXPECT_EQ(poster->process->Wait(absl::Seconds(20)), std::optional<int>(0));
}

// Every half-set group of environment variables stops start-up with exit 2 and says what is
// missing.
TEST(HalfSetEnvironmentTest, ExitsTwoSayingWhatIsMissing) {
  struct Case {
    const char* role;
    std::map<std::string, std::string> env;
    std::vector<const char*> expected;
  } cases[] = {
      {"gateway", {{"WS_HANDSHAKE_AUTHORIZATION_VALIDATION_ENABLED", "true"}},
       {"WS_HANDSHAKE_AUTHORIZATION_VALIDATION_ENABLED is true", "DOCVAL_HANDSHAKE_TOKENS"}},
      {"gateway", {{"DOCVAL_HANDSHAKE_TOKENS", "Bearer a"}},
       {"DOCVAL_HANDSHAKE_TOKENS is set", "WS_HANDSHAKE_AUTHORIZATION_VALIDATION_ENABLED=true"}},
      {"poster", {{"CLIENT_IDS", "a;b"}}, {"CLIENT_IDS is set but RESULT_SERVER_URLS is not"}},
      {"poster", {{"RESULT_SERVER_URLS", "https://x.example/r"}}, {"RESULT_SERVER_URLS is set but CLIENT_IDS is not"}},
      {"poster", {{"CLIENT_IDS", "a;b"}, {"RESULT_SERVER_URLS", "https://x.example/r"}}, {"CLIENT_IDS has 2 entries"}},
  };
  const std::string config = WriteConfig("https://results.example.com/hook");
  for (const Case& c : cases) {
    absl::StatusOr<std::unique_ptr<ChildProcess>> p =
        ChildProcess::Start({DocvalBinary(), c.role, "--config", config}, c.env);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ((*p)->Wait(absl::Seconds(20)), std::optional<int>(2)) << c.expected[0];
    const std::string out = (*p)->AllOutput();
    for (const char* e : c.expected) EXPECT_THAT(out, HasSubstr(e)) << out;
  }
}

}  // namespace
}  // namespace docval::e2e
