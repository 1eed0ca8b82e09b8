// End to end, on real processes over loopback: the docval binary (as `serve`, and as three role
// processes), a test WebSocket client relaying APDUs to a scripted chip, and a real HTTP server
// standing in for the Result Server. Asserts the APDUs, the statuses, the POST body, the close
// notice and the close code (Foundation issue).
#include <signal.h>

#include <map>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/process.h"
#include "tests/support/fake_result_server.h"
#include "tools/relay/relay_session.h"
#include "tools/relay/ws_client.h"
#include "validator/emrtd/bytes.h"

namespace docval::e2e {
namespace {

using ::testing::ElementsAre;

// EF.COM: LDS 1.7, Unicode 4.0.0, DG1 and DG2.
constexpr char kEfCom[] = "60145F0104303130375F36063034303030305C026175";

// Answers known commands byte for byte; anything else gets 6D00 and is recorded.
class ScriptedChip {
 public:
  void Answer(const std::string& command_hex, const std::string& response_hex) {
    script_[command_hex] = emrtd::HexOrDie(response_hex);
  }
  std::optional<std::string> operator()(const std::string& command) {
    std::string hex = emrtd::ToHex(emrtd::ByteSpan(reinterpret_cast<const uint8_t*>(command.data()), command.size()));
    seen_.push_back(hex);
    auto it = script_.find(hex);
    if (it == script_.end()) return std::string("\x6D\x00", 2);
    return std::string(it->second.begin(), it->second.end());
  }
  const std::vector<std::string>& seen() const { return seen_; }

 private:
  std::map<std::string, emrtd::Bytes> script_;
  std::vector<std::string> seen_;
};

std::string StartMessage(const std::string& client_id) {
  nlohmann::json j = {{"client_id", client_id},
                      {"validation_id", "e2e-validation-1"},
                      {"platform", "android"},
                      {"nfc_adapter_supports_extended_length", false},
                      {"access_key", {{"can", "123456"}}}};
  return j.dump();
}

std::string ConfigYaml(const std::string& result_server_url) {
  return absl::StrCat(R"(listen: 127.0.0.1:0
metrics_listen: 127.0.0.1:0
validator_listen: 127.0.0.1:0
poster_listen: 127.0.0.1:0
clients:
  - {client_id: e2e-client, result_server_url: ")", result_server_url, R"("}
timeouts: {start_message_s: 5, response_s: 5, session_s: 30}
)");
}

// Runs one session through the gateway on `port` and checks everything the Foundation promises.
void RunAndCheckSession(int port, testsupport::FakeResultServer& result_server) {
  ScriptedChip chip;
  chip.Answer("00A4040C07A0000002471001", "9000");
  chip.Answer("00B09E0000", absl::StrCat(kEfCom, "9000"));
  absl::StatusOr<std::unique_ptr<relay::WsClient>> client =
      relay::WsClient::Connect(absl::StrCat("ws://127.0.0.1:", port, "/ws1/validate?return_result=true&"));
  ASSERT_TRUE(client.ok()) << client.status();
  absl::StatusOr<relay::RelayOutcome> out =
      relay::RunRelaySession(**client, StartMessage("e2e-client"), [&](const std::string& c) { return chip(c); });
  ASSERT_TRUE(out.ok()) << out.status();

  EXPECT_THAT(chip.seen(), ElementsAre("00A4040C07A0000002471001", "00B09E0000"));
  EXPECT_THAT(out->statuses, ElementsAre("ACCESS_CONTROL", "PASSIVE_AUTHENTICATION", "DONE"));
  ASSERT_TRUE(out->result.has_value());
  EXPECT_TRUE((*out->result)["emrtd_passport"]["errors"].is_array());
  ASSERT_TRUE(out->close_notice.has_value());
  EXPECT_EQ((*out->close_notice)["close_code"], 1000);
  EXPECT_EQ((*out->close_notice)["close_reason"], "");
  EXPECT_EQ(out->close.code, 1000);
  EXPECT_EQ(out->close.reason, "");
  EXPECT_TRUE(out->unexpected_frames.empty());

  ASSERT_TRUE(result_server.WaitForRequests(1, absl::Seconds(5)));
  std::vector<testsupport::RecordedRequest> reqs = result_server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].target, "/results");
  EXPECT_THAT(reqs[0].Header("Content-Type"), ::testing::StartsWith("application/json"));
  nlohmann::json body = nlohmann::json::parse(reqs[0].body);
  EXPECT_EQ(body["client_validation_id"], "e2e-validation-1");
  // What the client got is exactly what the Result Server got.
  EXPECT_EQ(body["emrtd_passport"], (*out->result)["emrtd_passport"]);
}

class EndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<testsupport::FakeResultServer>> rs =
        testsupport::FakeResultServer::Start(testsupport::FakeResultServerOptions{});
    ASSERT_TRUE(rs.ok()) << rs.status();
    result_server_ = *std::move(rs);
    dir_ = MakeTempDir();
    config_ = dir_ + "/docval.yaml";
    WriteFile(config_, ConfigYaml(result_server_->Url("/results")));
  }

  std::unique_ptr<testsupport::FakeResultServer> result_server_;
  std::string dir_;
  std::string config_;
};

TEST_F(EndToEndTest, ServeRunsASessionEndToEnd) {
  absl::StatusOr<std::unique_ptr<ChildProcess>> docval = ChildProcess::Start({DocvalBinary(), "serve", "--config", config_});
  ASSERT_TRUE(docval.ok()) << docval.status();
  absl::StatusOr<int> port = (*docval)->WaitForPort("gateway");
  ASSERT_TRUE(port.ok()) << port.status();
  RunAndCheckSession(*port, *result_server_);
  (*docval)->Signal(SIGTERM);
  EXPECT_EQ((*docval)->Wait(absl::Seconds(20)), 0) << (*docval)->AllOutput();
  // Logs carry no access key.
  EXPECT_EQ((*docval)->AllOutput().find("123456"), std::string::npos);
}

TEST_F(EndToEndTest, ThreeRoleProcessesRunASessionEndToEnd) {
  absl::StatusOr<std::unique_ptr<ChildProcess>> validator =
      ChildProcess::Start({DocvalBinary(), "validator", "--config", config_});
  ASSERT_TRUE(validator.ok());
  absl::StatusOr<std::unique_ptr<ChildProcess>> poster = ChildProcess::Start({DocvalBinary(), "poster", "--config", config_});
  ASSERT_TRUE(poster.ok());
  absl::StatusOr<int> vport = (*validator)->WaitForPort("validator");
  ASSERT_TRUE(vport.ok()) << vport.status();
  absl::StatusOr<int> pport = (*poster)->WaitForPort("poster");
  ASSERT_TRUE(pport.ok()) << pport.status();
  absl::StatusOr<std::unique_ptr<ChildProcess>> gateway =
      ChildProcess::Start({DocvalBinary(), "gateway", "--config", config_},
                          {{"DOCVAL_VALIDATOR_ADDRESS", absl::StrCat("127.0.0.1:", *vport)},
                           {"DOCVAL_POSTER_ADDRESS", absl::StrCat("127.0.0.1:", *pport)}});
  ASSERT_TRUE(gateway.ok());
  absl::StatusOr<int> gport = (*gateway)->WaitForPort("gateway");
  ASSERT_TRUE(gport.ok()) << gport.status();
  RunAndCheckSession(*gport, *result_server_);
  for (auto* p : {gateway->get(), validator->get(), poster->get()}) p->Signal(SIGTERM);
  EXPECT_EQ((*gateway)->Wait(absl::Seconds(20)), 0) << (*gateway)->AllOutput();
  EXPECT_EQ((*validator)->Wait(absl::Seconds(20)), 0) << (*validator)->AllOutput();
  EXPECT_EQ((*poster)->Wait(absl::Seconds(20)), 0) << (*poster)->AllOutput();
}

TEST_F(EndToEndTest, BadConfigExitsNonZeroNamingTheKey) {
  WriteFile(config_, "timeouts: {response_s: soon}\n");
  absl::StatusOr<std::unique_ptr<ChildProcess>> docval = ChildProcess::Start({DocvalBinary(), "serve", "--config", config_});
  ASSERT_TRUE(docval.ok());
  std::optional<int> code = (*docval)->Wait(absl::Seconds(20));
  ASSERT_TRUE(code.has_value());
  EXPECT_NE(*code, 0);
  EXPECT_THAT((*docval)->AllOutput(), ::testing::HasSubstr("timeouts.response_s"));
}

}  // namespace
}  // namespace docval::e2e
