// Result Server delivery and the endings that depend on other processes, through the real binary:
// the retry policy of docs/protocol.md §4 as the Result Server sees it, POST_TO_RESULT_SERVER_FAILED,
// MAX_SESSION_TIME_EXCEEDED, a validator killed mid-session, metrics by outcome, and the embedded
// default with its development Result Server.
#include <signal.h>

#include <thread>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/harness.h"
#include "tests/support/test_certs.h"

namespace docval::e2e {
namespace {

using ::testing::HasSubstr;
using testsupport::FakeAction;

absl::StatusOr<relay::RelayOutcome> PassportSession(Deployment& d) { return RunPassportSession(d.WsUrl()); }

std::unique_ptr<Deployment> StartWith(std::vector<FakeAction> script, const std::string& extra_yaml = "") {
  DeploymentOptions o;
  o.result_server.script = std::move(script);
  o.extra_yaml = extra_yaml;
  absl::StatusOr<std::unique_ptr<Deployment>> d = Deployment::Start(std::move(o));
  EXPECT_TRUE(d.ok()) << d.status();
  return d.ok() ? *std::move(d) : nullptr;
}

void ExpectClosed(const relay::RelayOutcome& out, int code, const std::string& reason) {
  ASSERT_TRUE(out.close_notice.has_value());
  EXPECT_EQ((*out.close_notice)["close_code"], code);
  EXPECT_EQ((*out.close_notice)["close_reason"], reason);
  EXPECT_EQ(out.close.code, code);
}

TEST(DeliveryTest, ServiceUnavailableThreeTimesThenOkIsDeliveredInFourAttempts) {
  auto d = StartWith(
      {FakeAction::Respond(503), FakeAction::Respond(503), FakeAction::Respond(503), FakeAction::Respond(200)});
  ASSERT_NE(d, nullptr);
  absl::StatusOr<relay::RelayOutcome> out = PassportSession(*d);
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectClosed(*out, 1000, "");
  EXPECT_TRUE(out->result.has_value());
  EXPECT_EQ(d->result_server().request_count(), 4u);
  // The same body every time.
  std::vector<testsupport::RecordedRequest> r = d->result_server().requests();
  for (const auto& req : r) EXPECT_EQ(req.body, r[0].body);
  EXPECT_TRUE(d->Stop());
}

TEST(DeliveryTest, ServiceUnavailableAlwaysFailsAfterFourAttemptsAndTheClientGetsNoResult) {
  auto d = StartWith({FakeAction::Respond(503)});
  ASSERT_NE(d, nullptr);
  absl::StatusOr<relay::RelayOutcome> out = PassportSession(*d);
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectClosed(*out, 1011, "POST_TO_RESULT_SERVER_FAILED");
  EXPECT_FALSE(out->result.has_value());
  EXPECT_EQ(d->result_server().request_count(), 4u);
  EXPECT_TRUE(d->Stop());
}

TEST(DeliveryTest, BadRequestIsFinalAfterOneAttempt) {
  auto d = StartWith({FakeAction::Respond(400)});
  ASSERT_NE(d, nullptr);
  absl::StatusOr<relay::RelayOutcome> out = PassportSession(*d);
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectClosed(*out, 1011, "POST_TO_RESULT_SERVER_FAILED");
  EXPECT_EQ(d->result_server().request_count(), 1u);
  EXPECT_TRUE(d->Stop());
}

TEST(DeliveryTest, TooManyRequestsHonoursRetryAfter) {
  auto d = StartWith({FakeAction::Respond(429, {{"Retry-After", "1"}}), FakeAction::Respond(200)});
  ASSERT_NE(d, nullptr);
  absl::StatusOr<relay::RelayOutcome> out = PassportSession(*d);
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectClosed(*out, 1000, "");
  std::vector<testsupport::RecordedRequest> r = d->result_server().requests();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_GE(r[1].received_at - r[0].received_at, absl::Seconds(1));
  EXPECT_TRUE(d->Stop());
}

TEST(DeliveryTest, HangingResultServerIsCutAtThreeSecondsPerAttempt) {
  auto d = StartWith({FakeAction::Hang()}, "timeouts: {session_s: 40}\n");
  ASSERT_NE(d, nullptr);
  absl::Time start = absl::Now();
  absl::StatusOr<relay::RelayOutcome> out = PassportSession(*d);
  absl::Duration took = absl::Now() - start;
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectClosed(*out, 1011, "POST_TO_RESULT_SERVER_FAILED");
  std::vector<testsupport::RecordedRequest> r = d->result_server().requests();
  ASSERT_EQ(r.size(), 4u);
  for (size_t i = 1; i < r.size(); ++i) {
    absl::Duration gap = r[i].received_at - r[i - 1].received_at;
    EXPECT_GE(gap, absl::Milliseconds(2900)) << i;  // the attempt ran its 3 s
    EXPECT_LE(gap, absl::Seconds(5)) << i;          // and was cut, then retried after a short backoff
  }
  EXPECT_LT(took, absl::Seconds(25));
  EXPECT_TRUE(d->Stop());
}

TEST(DeliveryTest, RefusedConnectionsFailTheSession) {
  absl::StatusOr<testsupport::RefusingPort> refusing = testsupport::RefusingPort::Create();
  ASSERT_TRUE(refusing.ok());
  DeploymentOptions o;
  o.result_server_url = refusing->Url("/results");
  absl::StatusOr<std::unique_ptr<Deployment>> d = Deployment::Start(std::move(o));
  ASSERT_TRUE(d.ok()) << d.status();
  absl::StatusOr<relay::RelayOutcome> out = PassportSession(**d);
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectClosed(*out, 1011, "POST_TO_RESULT_SERVER_FAILED");
  absl::StatusOr<std::pair<int, std::string>> m = HttpGet((*d)->metrics_port(), "/metrics");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_THAT(m->second, HasSubstr(absl::StrCat("docval_result_delivery_attempts_total{destination=\"127.0.0.1:",
                                                refusing->port(), "\",result=\"network\"} 4")));
  EXPECT_THAT(m->second, HasSubstr(absl::StrCat("docval_result_deliveries_total{destination=\"127.0.0.1:",
                                                refusing->port(), "\",outcome=\"retries_exhausted\"} 1")));
  EXPECT_TRUE((*d)->Stop());
}

TEST(DeliveryTest, SessionTimeLimitCoversDelivery) {
  auto d = StartWith({FakeAction::Hang()}, "timeouts: {response_s: 2, session_s: 2}\n");
  ASSERT_NE(d, nullptr);
  absl::StatusOr<relay::RelayOutcome> out = PassportSession(*d);
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectClosed(*out, 1011, "MAX_SESSION_TIME_EXCEEDED");
  EXPECT_FALSE(out->result.has_value());
  EXPECT_TRUE(d->Stop());
}

TEST(DeliveryTest, MetricsCountSessionsByOutcome) {
  auto d = StartWith({FakeAction::Respond(200)});
  ASSERT_NE(d, nullptr);
  ASSERT_TRUE(PassportSession(*d).ok());
  absl::StatusOr<std::unique_ptr<relay::WsClient>> bad = relay::WsClient::Connect(d->WsUrl());
  ASSERT_TRUE(bad.ok());
  ASSERT_TRUE((*bad)->SendText("nope").ok());
  while ((*bad)->Read(absl::Seconds(5)).ok()) {
  }
  absl::StatusOr<std::pair<int, std::string>> m;
  for (int i = 0; i < 50; ++i) {  // the session's end is recorded when its object goes
    m = HttpGet(d->metrics_port(), "/metrics");
    if (m.ok() && m->second.find("outcome=\"invalid_start_message\"") != std::string::npos) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->first, 200);
  EXPECT_THAT(m->second, HasSubstr("docval_build_info{"));
  EXPECT_THAT(m->second, HasSubstr("docval_sessions_total{outcome=\"success\",protocol=\"v1\"} 1"));
  EXPECT_THAT(m->second, HasSubstr("docval_sessions_total{outcome=\"invalid_start_message\",protocol=\"v1\"} 1"));
  EXPECT_THAT(m->second, HasSubstr(absl::StrCat("docval_result_deliveries_total{destination=\"127.0.0.1:",
                                                d->result_server().port(), "\",outcome=\"delivered\"} 1")));
  absl::StatusOr<std::pair<int, std::string>> health = HttpGet(d->gateway_port(), "/healthz");
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->first, 200);
  absl::StatusOr<std::pair<int, std::string>> ready = HttpGet(d->gateway_port(), "/readyz");
  ASSERT_TRUE(ready.ok());
  EXPECT_EQ(ready->first, 200);
  // `serve` reaches its own process: ready, and UP for the reference product's health endpoint.
  absl::StatusOr<std::pair<int, std::string>> actuator = HttpGet(d->gateway_port(), "/actuator/health");
  ASSERT_TRUE(actuator.ok());
  EXPECT_EQ(actuator->first, 200);
  EXPECT_EQ(actuator->second, R"({"status":"UP"})");
  m = HttpGet(d->metrics_port(), "/metrics");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_THAT(m->second, HasSubstr("docval_http_requests_total{code=\"200\",route=\"actuator_health\"} 1"));
  absl::StatusOr<std::pair<int, std::string>> dev = HttpGet(d->gateway_port(), "/dev/results");
  ASSERT_TRUE(dev.ok());
  EXPECT_EQ(dev->first, 404);  // off unless enabled
  EXPECT_TRUE(d->Stop());
}

TEST(ValidatorFailureTest, KilledValidatorMidSessionIsServerErrorAndTheNextSessionSucceeds) {
  DeploymentOptions o;
  o.separate_roles = true;
  o.validators = 2;
  absl::StatusOr<std::unique_ptr<Deployment>> dep = Deployment::Start(std::move(o));
  ASSERT_TRUE(dep.ok()) << dep.status();
  Deployment& d = **dep;
  // On the first command, find the validator that runs this session and kill it.
  int killed = -1;
  absl::StatusOr<Passport> passport = MakePassport("bac-passport");
  ASSERT_TRUE(passport.ok()) << passport.status();
  auto killer = [&](const std::string& command) -> std::optional<std::string> {
    if (killed < 0) {
      std::optional<nlohmann::json> started = d.gateway().WaitForLog(
          [](const nlohmann::json& j) { return j.value("msg", "") == "session started"; }, absl::Seconds(5));
      if (started) {
        std::string id = (*started)["session_id"];
        for (size_t i = 0; i < d.validator_count(); ++i) {
          if (d.validator(i)->WaitForLog(
                  [&](const nlohmann::json& j) {
                    return j.value("msg", "") == "dialog started" && j.value("session_id", "") == id;
                  },
                  absl::Milliseconds(500))) {
            d.validator(i)->Signal(SIGKILL);
            d.validator(i)->Wait(absl::Seconds(5));
            killed = static_cast<int>(i);
            break;
          }
        }
      }
    }
    return passport->chip(command);
  };
  absl::StatusOr<relay::RelayOutcome> out = RunSession(d.WsUrl(), passport->start_message, killer);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_GE(killed, 0) << d.AllOutput();
  ExpectClosed(*out, 1011, "SERVER_ERROR");
  EXPECT_EQ(d.result_server().request_count(), 0u);  // nothing is posted
  // The next sessions land on the remaining validator and succeed.
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<relay::RelayOutcome> next = PassportSession(d);
    ASSERT_TRUE(next.ok()) << next.status();
    ExpectClosed(*next, 1000, "");
  }
  // One validator of two gone: the gateway stays ready (readiness needs one reachable, not all).
  absl::StatusOr<std::pair<int, std::string>> ready = HttpGet(d.gateway_port(), "/readyz");
  ASSERT_TRUE(ready.ok()) << ready.status();
  EXPECT_EQ(ready->first, 200) << ready->second;
  d.Stop();
}

TEST(EmbeddedDefaultTest, ServeWithoutConfigUsesTheDemoClientAndTheDevelopmentResultServer) {
  int port = FreePort();
  absl::StatusOr<std::unique_ptr<ChildProcess>> p =
      ChildProcess::Start({DocvalBinary(), "serve"}, {{"DOCVAL_LISTEN", absl::StrCat("127.0.0.1:", port)},
                                                      {"DOCVAL_METRICS_LISTEN", "127.0.0.1:0"}});
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE((*p)->WaitForPort("gateway").ok()) << (*p)->AllOutput();
  // No trust is configured in the embedded default: Passive Authentication fails, the session does not.
  absl::StatusOr<relay::RelayOutcome> out =
      RunPassportSession(absl::StrCat("ws://127.0.0.1:", port, "/ws1/validate?return_result=true"), "bac-passport", {},
                         [](nlohmann::json& j) { j["client_id"] = "demo-client"; });
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectClosed(*out, 1000, "");
  absl::StatusOr<std::pair<int, std::string>> dev = HttpGet(port, "/dev/results");
  ASSERT_TRUE(dev.ok());
  EXPECT_EQ(dev->first, 200);
  nlohmann::json j = nlohmann::json::parse(dev->second);
  ASSERT_EQ(j["results"].size(), 1u);
  EXPECT_EQ(j["results"][0]["body"]["client_validation_id"], "e2e-validation-1");
  EXPECT_EQ(j["results"][0]["body"]["emrtd_passport"]["passive_authentication"], false);
  EXPECT_EQ(j["results"][0]["body"]["emrtd_passport"], (*out->result)["emrtd_passport"]);
  (*p)->Signal(SIGTERM);
  EXPECT_EQ((*p)->Wait(absl::Seconds(40)), 0);
}

}  // namespace
}  // namespace docval::e2e

namespace docval::e2e {
namespace {

std::string Base64Decode(const std::string& in) {
  static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int val = 0, bits = -8;
  for (char c : in) {
    size_t pos = kAlphabet.find(c);
    if (pos == std::string::npos) break;
    val = (val << 6) + static_cast<int>(pos);
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((val >> bits) & 0xFF));
      bits -= 8;
    }
  }
  return out;
}

// The request as the Result Server got it is signed per RFC 9421 with the configured Ed25519 key; the
// signature is checked by OpenSSL's command line over a signature base rebuilt here from what was
// received (an implementation independent of the poster's).
TEST(SignatureTest, ResultServerPostIsSignedAndOpensslVerifiesIt) {
  std::string dir = MakeTempDir();
  ASSERT_TRUE(testsupport::RunShell(absl::StrCat("openssl genpkey -algorithm ed25519 -out ", dir,
                                                 "/key.pem && openssl pkey -in ", dir, "/key.pem -pubout -out ", dir,
                                                 "/pub.pem"))
                  .ok());
  DeploymentOptions o;
  o.env["RESULT_SERVER_SIGNING_KEY_PATH"] = dir + "/key.pem";
  absl::StatusOr<std::unique_ptr<Deployment>> d = Deployment::Start(std::move(o));
  ASSERT_TRUE(d.ok()) << d.status();
  absl::StatusOr<relay::RelayOutcome> out = RunPassportSession((*d)->WsUrl());
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->close.code, 1000);
  ASSERT_EQ((*d)->result_server().request_count(), 1u);
  testsupport::RecordedRequest req = (*d)->result_server().requests()[0];

  // Content-Digest covers the exact body.
  WriteFile(dir + "/body", req.body);
  std::string digest = req.Header("Content-Digest");
  ASSERT_THAT(digest, ::testing::StartsWith("sha-256=:"));
  ASSERT_TRUE(testsupport::RunShell(absl::StrCat("test \"$(openssl dgst -sha256 -binary ", dir,
                                                 "/body | openssl base64 -A)\" = \"",
                                                 digest.substr(9, digest.size() - 10), "\""))
                  .ok());

  // Rebuild the RFC 9421 signature base from the received request.
  std::string input = req.Header("Signature-Input");
  ASSERT_THAT(input, ::testing::StartsWith("docval=(\"@method\" \"@target-uri\" \"content-type\" \"content-digest\")"));
  EXPECT_THAT(input, HasSubstr("alg=\"ed25519\""));
  std::string params = input.substr(7);
  std::string base =
      absl::StrCat("\"@method\": ", req.method, "\n", "\"@target-uri\": ", (*d)->result_server().Url(req.target), "\n",
                   "\"content-type\": ", req.Header("Content-Type"), "\n", "\"content-digest\": ", digest, "\n",
                   "\"@signature-params\": ", params);
  WriteFile(dir + "/base.txt", base);
  std::string signature = req.Header("Signature");
  ASSERT_THAT(signature, ::testing::StartsWith("docval=:"));
  WriteFile(dir + "/sig.bin", Base64Decode(signature.substr(8, signature.size() - 9)));
  std::string verify = absl::StrCat("openssl pkeyutl -verify -pubin -inkey ", dir, "/pub.pem -rawin -in ", dir,
                                    "/base.txt -sigfile ", dir, "/sig.bin");
  EXPECT_TRUE(testsupport::RunShell(verify).ok());
  // A changed body no longer matches the signed digest; a changed base fails the signature.
  WriteFile(dir + "/base.txt", base + " ");
  EXPECT_FALSE(testsupport::RunShell(verify).ok());
  EXPECT_TRUE((*d)->Stop());
}

}  // namespace
}  // namespace docval::e2e

namespace docval::e2e {
namespace {

// Between the roles, gRPC runs over mutual TLS when `internal_tls` is configured: a session works
// end to end; a gateway without the client certificate cannot reach the validator or the poster: it
// reports itself not ready, and a session sent to it anyway waits for a validator until its limit.
TEST(InternalTlsTest, RolesTalkMutualTlsAndRefusePlaintextPeers) {
  absl::StatusOr<testsupport::TestCerts> certs = testsupport::MakeTestCerts("IP:127.0.0.1,DNS:localhost");
  ASSERT_TRUE(certs.ok()) << certs.status();
  DeploymentOptions o;
  o.separate_roles = true;
  o.extra_yaml = absl::StrCat("internal_tls: {certificate_file: ", certs->server_cert, ", private_key_file: ",
                              certs->server_key, ", ca_file: ", certs->ca_cert,
                              ", gateway_identities: [localhost]}\ntimeouts: {session_s: 15}\n");
  absl::StatusOr<std::unique_ptr<Deployment>> d = Deployment::Start(std::move(o));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_TRUE(
      (*d)->validator(0)
          ->WaitForLog(
              [](const nlohmann::json& j) { return j.value("msg", "") == "listening" && j.value("tls", false); },
              absl::Seconds(5))
          .has_value());
  absl::StatusOr<relay::RelayOutcome> out = RunPassportSession((*d)->WsUrl());
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->close.code, 1000) << (*d)->AllOutput();
  EXPECT_EQ((*d)->result_server().request_count(), 1u);

  // A gateway that speaks plaintext to the same validator and poster.
  std::string plain = (*d)->dir() + "/plain.yaml";
  WriteFile(plain, absl::StrCat("listen: 127.0.0.1:0\nmetrics_listen: 127.0.0.1:0\nclients:\n  - {client_id: ",
                                kClientId, ", result_server_url: \"", (*d)->result_server().Url("/results"), "\"}\n",
                                "timeouts: {response_s: 5, session_s: 5}\n"));
  std::optional<nlohmann::json> v = (*d)->validator(0)->WaitForLog(
      [](const nlohmann::json& j) { return j.value("msg", "") == "listening"; }, absl::Seconds(5));
  ASSERT_TRUE(v.has_value());
  absl::StatusOr<std::unique_ptr<ChildProcess>> gw =
      ChildProcess::Start({DocvalBinary(), "gateway", "--config", plain},
                          {{"DOCVAL_VALIDATOR_ADDRESS", absl::StrCat("127.0.0.1:", (*v)["port"].get<int>())},
                           {"DOCVAL_POSTER_ADDRESS", (*d)->poster_address()}});
  ASSERT_TRUE(gw.ok());
  absl::StatusOr<int> port = (*gw)->WaitForPort("gateway");
  ASSERT_TRUE(port.ok());
  absl::StatusOr<relay::RelayOutcome> refused =
      RunPassportSession(absl::StrCat("ws://127.0.0.1:", *port, "/ws1/validate?return_result=true"));
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_EQ(refused->close.code, 1011);
  EXPECT_EQ(refused->close.reason, "MAX_SESSION_TIME_EXCEEDED");
  EXPECT_TRUE(refused->commands.empty());
  // The refused handshakes are failed connection attempts: neither upstream counts as reachable.
  std::pair<int, std::string> ready;
  EXPECT_TRUE(WaitFor(
      [&] {
        absl::StatusOr<std::pair<int, std::string>> r = HttpGet(*port, "/readyz");
        if (r.ok()) ready = *r;
        return ready == std::make_pair(503, std::string("no validator reachable; poster unreachable\n"));
      },
      absl::Seconds(30)))
      << ready.first << " " << ready.second;
  (*gw)->Signal(SIGTERM);
  EXPECT_EQ((*gw)->Wait(absl::Seconds(40)), 0);
  EXPECT_TRUE((*d)->Stop());
}

}  // namespace
}  // namespace docval::e2e
