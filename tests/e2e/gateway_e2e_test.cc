// The WebSocket API v1 on real processes over loopback: every close reason of docs/protocol.md §1.6
// that the gateway itself decides, the handshake, limits, TLS and the Result Server policy as seen
// through the real binary (issue "The complete WebSocket API v1 and Result Server delivery").
#include <signal.h>

#include <thread>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/harness.h"
#include "tests/support/test_certs.h"

namespace docval::e2e {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Reads until the server closes; returns the close notice (if any) and the close frame.
struct Ending {
  std::optional<nlohmann::json> notice;
  relay::CloseInfo close;
  std::vector<std::string> texts;
  int binaries = 0;
};

Ending ReadUntilClosed(relay::WsClient& c, absl::Duration timeout = absl::Seconds(20)) {
  Ending e;
  while (true) {
    absl::StatusOr<relay::Frame> f = c.Read(timeout);
    if (!f.ok()) {
      e.close = c.close_info();
      return e;
    }
    if (!f->text) {
      ++e.binaries;
      continue;
    }
    e.texts.push_back(f->data);
    nlohmann::json j = nlohmann::json::parse(f->data, nullptr, false);
    if (j.is_object() && j.contains("close_code")) e.notice = j;
  }
}

void ExpectEnding(const Ending& e, int code, const std::string& reason) {
  ASSERT_TRUE(e.notice.has_value()) << "no close notice";
  EXPECT_EQ((*e.notice)["close_code"], code);
  EXPECT_EQ((*e.notice)["close_reason"], reason);
  EXPECT_EQ(e.close.code, code);
  EXPECT_EQ(e.close.reason, reason);
  // The notice is the last text frame.
  ASSERT_FALSE(e.texts.empty());
  EXPECT_THAT(e.texts.back(), HasSubstr("close_code"));
}

std::unique_ptr<relay::WsClient> Connect(const std::string& url, const relay::WsClientOptions& o = {}) {
  absl::StatusOr<std::unique_ptr<relay::WsClient>> c = relay::WsClient::Connect(url, o);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *std::move(c) : nullptr;
}

// Waits for the first command APDU of a session (skipping status frames).
bool WaitForCommand(relay::WsClient& c) {
  while (true) {
    absl::StatusOr<relay::Frame> f = c.Read(absl::Seconds(10));
    if (!f.ok()) return false;
    if (!f->text) return true;
  }
}

class SharedDeploymentTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    DeploymentOptions o;
    o.extra_yaml = "timeouts: {start_message_s: 2, response_s: 2, session_s: 20}\n";
    absl::StatusOr<std::unique_ptr<Deployment>> d = Deployment::Start(std::move(o));
    ASSERT_TRUE(d.ok()) << d.status();
    deployment_ = d->release();
  }
  static void TearDownTestSuite() {
    if (deployment_) {
      EXPECT_TRUE(deployment_->Stop()) << deployment_->AllOutput();
      // No access key or client id in any log line.
      EXPECT_EQ(deployment_->AllOutput().find("123456"), std::string::npos);
      EXPECT_EQ(deployment_->AllOutput().find(kClientId), std::string::npos);
      delete deployment_;
      deployment_ = nullptr;
    }
  }
  static Deployment* deployment_;
};
Deployment* SharedDeploymentTest::deployment_ = nullptr;

TEST_F(SharedDeploymentTest, TimeoutWaitingForStartMessage) {
  auto c = Connect(deployment_->WsUrl());
  ASSERT_NE(c, nullptr);
  ExpectEnding(ReadUntilClosed(*c), 1001, "TIMEOUT_WHILE_WAITING_FOR_START_MESSAGE");
}

TEST_F(SharedDeploymentTest, TimeoutWaitingForResponse) {
  auto c = Connect(deployment_->WsUrl());
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->SendText(StartMessageJson().dump()).ok());
  ASSERT_TRUE(WaitForCommand(*c));
  ExpectEnding(ReadUntilClosed(*c), 1001, "TIMEOUT_WHILE_WAITING_FOR_RESPONSE");
}

TEST_F(SharedDeploymentTest, InvalidStartMessage) {
  nlohmann::json missing = StartMessageJson();
  missing.erase("validation_id");
  nlohmann::json wrong_type = StartMessageJson();
  wrong_type["nfc_adapter_supports_extended_length"] = "yes";
  for (const std::string& bad : {std::string("not json"), std::string("[]"), missing.dump(), wrong_type.dump()}) {
    auto c = Connect(deployment_->WsUrl());
    ASSERT_NE(c, nullptr);
    ASSERT_TRUE(c->SendText(bad).ok());
    ExpectEnding(ReadUntilClosed(*c), 1008, "INVALID_START_MESSAGE");
  }
}

TEST_F(SharedDeploymentTest, BinaryFrameInsteadOfStartMessage) {
  auto c = Connect(deployment_->WsUrl());
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->SendBinary(std::string("\x01\x02\x03", 3)).ok());
  ExpectEnding(ReadUntilClosed(*c), 1008, "INVALID_START_MESSAGE");
}

TEST_F(SharedDeploymentTest, InvalidAccessKeyValues) {
  auto c = Connect(deployment_->WsUrl());
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->SendText(StartMessageJson("12345").dump()).ok());
  ExpectEnding(ReadUntilClosed(*c), 1008, "INVALID_ACCESS_KEY_VALUES");
}

TEST_F(SharedDeploymentTest, InvalidClientId) {
  auto c = Connect(deployment_->WsUrl());
  ASSERT_NE(c, nullptr);
  nlohmann::json j = StartMessageJson();
  j["client_id"] = "nobody";
  ASSERT_TRUE(c->SendText(j.dump()).ok());
  ExpectEnding(ReadUntilClosed(*c), 4401, "INVALID_CLIENT_ID");
}

TEST_F(SharedDeploymentTest, TextFrameMidDialogIsUnexpected) {
  auto c = Connect(deployment_->WsUrl());
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->SendText(StartMessageJson().dump()).ok());
  ASSERT_TRUE(WaitForCommand(*c));
  ASSERT_TRUE(c->SendText("{\"hello\":1}").ok());
  ExpectEnding(ReadUntilClosed(*c), 1008, "UNEXPECTED_MESSAGE");
}

TEST_F(SharedDeploymentTest, TwoResponsesToOneCommandAreUnexpected) {
  auto c = Connect(deployment_->WsUrl());
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->SendText(StartMessageJson().dump()).ok());
  ASSERT_TRUE(WaitForCommand(*c));
  ASSERT_TRUE(c->SendBinary(std::string("\x6A\x82", 2)).ok());
  ASSERT_TRUE(c->SendBinary(std::string("\x6A\x82", 2)).ok());
  Ending e = ReadUntilClosed(*c);
  ASSERT_TRUE(e.notice.has_value());
  // The second frame arrives while no response is awaited, unless the dialog already ended on the
  // first (then the chip's error is the reason): either way never a success.
  EXPECT_NE((*e.notice)["close_code"], 1000);
  EXPECT_EQ(e.close.code, (*e.notice)["close_code"].get<int>());
}

TEST_F(SharedDeploymentTest, OversizedTextFrameIsRefusedWithoutReadingIt) {
  auto c = Connect(deployment_->WsUrl());
  ASSERT_NE(c, nullptr);
  (void)c->SendText(std::string(1 << 20, 'x'), absl::Seconds(20));
  ExpectEnding(ReadUntilClosed(*c), 1009, "MESSAGE_TOO_BIG");
}

TEST_F(SharedDeploymentTest, OversizedBinaryFrameMidDialogIsRefused) {
  auto c = Connect(deployment_->WsUrl());
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->SendText(StartMessageJson().dump()).ok());
  ASSERT_TRUE(WaitForCommand(*c));
  (void)c->SendBinary(std::string(70000, '\x90'), absl::Seconds(20));
  ExpectEnding(ReadUntilClosed(*c), 1009, "MESSAGE_TOO_BIG");
}

TEST_F(SharedDeploymentTest, AbusiveClientsDoNotDisturbAGoodSession) {
  // Three bad clients at once (1 MB of text, random binary, silence), and a good session beside them.
  std::thread big([&] {
    auto c = Connect(deployment_->WsUrl());
    if (!c) return;
    (void)c->SendText(std::string(1 << 20, 'y'), absl::Seconds(20));
    ExpectEnding(ReadUntilClosed(*c), 1009, "MESSAGE_TOO_BIG");
  });
  std::thread noise([&] {
    auto c = Connect(deployment_->WsUrl());
    if (!c) return;
    std::string junk;
    for (int i = 0; i < 300; ++i) junk.push_back(static_cast<char>((i * 7919) & 0xFF));
    (void)c->SendBinary(junk);
    (void)c->SendBinary(junk);
    ExpectEnding(ReadUntilClosed(*c), 1008, "INVALID_START_MESSAGE");
  });
  std::thread silent([&] {
    auto c = Connect(deployment_->WsUrl());
    if (!c) return;
    ExpectEnding(ReadUntilClosed(*c), 1001, "TIMEOUT_WHILE_WAITING_FOR_START_MESSAGE");
  });
  absl::StatusOr<relay::RelayOutcome> out = RunPassportSession(deployment_->WsUrl());
  big.join();
  noise.join();
  silent.join();
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->close.code, 1000);
}

TEST_F(SharedDeploymentTest, ReturnResultOnlyWhenAskedAndTolerantQuery) {
  for (const auto& [query, expect_result] :
       std::vector<std::pair<std::string, bool>>{{"?return_result=true&", true},
                                                 {"", false},
                                                 {"?&return_result=false", false},
                                                 {"?x=&&return_result=TRUE", true}}) {
    absl::StatusOr<relay::RelayOutcome> out =
        RunPassportSession(deployment_->WsUrl(query), "bac-passport", {}, [](nlohmann::json& start) {
          start["platform"] = "iOS";
          start["a_future_field"] = {{"nested", true}};
        });
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(out->close.code, 1000) << query;
    EXPECT_EQ(out->result.has_value(), expect_result) << query;
  }
}

TEST_F(SharedDeploymentTest, HealthAndMetricsEndpoints) {
  // /ws1/validate without an upgrade, and the probes, over plain HTTP through the WS client's port.
  absl::StatusOr<std::unique_ptr<relay::WsClient>> c =
      relay::WsClient::Connect(absl::StrCat("ws://127.0.0.1:", deployment_->gateway_port(), "/nowhere"));
  EXPECT_FALSE(c.ok());
  EXPECT_THAT(std::string(c.status().message()), HasSubstr("404"));
}

TEST(GatewayLimitsTest, SessionsOverTheCapAreToldToTryAgainLater) {
  DeploymentOptions o;
  o.extra_yaml =
      "limits: {max_sessions: 1, max_sessions_per_client: 1}\ntimeouts: {start_message_s: 5, response_s: 5, session_s: "
      "20}\n";
  absl::StatusOr<std::unique_ptr<Deployment>> d = Deployment::Start(std::move(o));
  ASSERT_TRUE(d.ok()) << d.status();
  auto first = Connect((*d)->WsUrl());
  ASSERT_NE(first, nullptr);
  ASSERT_TRUE(first->SendText(StartMessageJson().dump()).ok());
  ASSERT_TRUE(WaitForCommand(*first));
  auto second = Connect((*d)->WsUrl());
  ASSERT_NE(second, nullptr);
  ExpectEnding(ReadUntilClosed(*second), 1013, "TRY_AGAIN_LATER");
  first->Abort();
  EXPECT_TRUE((*d)->Stop()) << (*d)->AllOutput();
}

TEST(GatewayLimitsTest, HandshakeAuthorization) {
  DeploymentOptions o;
  o.extra_yaml =
      "handshake_authorization: {enabled: true, tokens: [\"Bearer good-token\"]}\nforwarded_headers: [Authorization, "
      "X-Trace]\n";
  absl::StatusOr<std::unique_ptr<Deployment>> d = Deployment::Start(std::move(o));
  ASSERT_TRUE(d.ok()) << d.status();
  absl::StatusOr<std::unique_ptr<relay::WsClient>> none = relay::WsClient::Connect((*d)->WsUrl());
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), absl::StatusCode::kUnauthenticated);
  relay::WsClientOptions wrong;
  wrong.headers = {{"Authorization", "Bearer bad-token"}};
  absl::StatusOr<std::unique_ptr<relay::WsClient>> bad = relay::WsClient::Connect((*d)->WsUrl(), wrong);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kUnauthenticated);
  relay::WsClientOptions right;
  right.headers = {{"Authorization", "Bearer good-token"}, {"X-Trace", "trace-77"}};
  absl::StatusOr<relay::RelayOutcome> out = RunPassportSession((*d)->WsUrl(), "bac-passport", right);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->close.code, 1000);
  ASSERT_TRUE((*d)->result_server().WaitForRequests(1, absl::Seconds(5)));
  // Configured handshake headers reach the Result Server.
  testsupport::RecordedRequest req = (*d)->result_server().requests()[0];
  EXPECT_EQ(req.Header("Authorization"), "Bearer good-token");
  EXPECT_EQ(req.Header("X-Trace"), "trace-77");
  EXPECT_TRUE((*d)->Stop());
  EXPECT_EQ((*d)->AllOutput().find("good-token"), std::string::npos);
}

TEST(GatewayTlsTest, WssSessionWithTls12And13) {
  absl::StatusOr<testsupport::TestCerts> certs = testsupport::MakeTestCerts("IP:127.0.0.1,DNS:localhost");
  ASSERT_TRUE(certs.ok()) << certs.status();
  DeploymentOptions o;
  o.extra_yaml =
      absl::StrCat("tls: {certificate_file: ", certs->server_cert, ", private_key_file: ", certs->server_key, "}\n");
  absl::StatusOr<std::unique_ptr<Deployment>> d = Deployment::Start(std::move(o));
  ASSERT_TRUE(d.ok()) << d.status();
  std::string wss = absl::StrCat("wss://127.0.0.1:", (*d)->gateway_port(), "/ws1/validate?return_result=true");
  relay::WsClientOptions trusted;
  trusted.ca_file = certs->ca_cert;
  absl::StatusOr<relay::RelayOutcome> out = RunPassportSession(wss, "bac-passport", trusted);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->close.code, 1000);
  EXPECT_TRUE(out->result.has_value());
  // A client that does not trust the CA fails the TLS handshake; plain ws to the TLS port fails.
  relay::WsClientOptions untrusted;
  untrusted.ca_file = certs->other_ca_cert;
  EXPECT_FALSE(relay::WsClient::Connect(wss, untrusted).ok());
  EXPECT_FALSE(relay::WsClient::Connect((*d)->WsUrl()).ok());
  // TLS 1.1 is refused, 1.2 and 1.3 accepted (openssl s_client as an independent client).
  std::string port = absl::StrCat((*d)->gateway_port());
  auto handshake = [&](const char* flag, const char* version) {
    return testsupport::RunShell(absl::StrCat("echo | openssl s_client -brief -connect 127.0.0.1:", port, " ", flag,
                                              " -CAfile ", certs->ca_cert,
                                              " -verify_return_error 2>&1 | grep -q 'Protocol version: ", version, "'"))
        .ok();
  };
  EXPECT_TRUE(handshake("-tls1_2", "TLSv1.2"));
  EXPECT_TRUE(handshake("-tls1_3", "TLSv1.3"));
  EXPECT_FALSE(handshake("-tls1_1", "TLSv1.1"));
  EXPECT_TRUE((*d)->Stop());
}

}  // namespace
}  // namespace docval::e2e
