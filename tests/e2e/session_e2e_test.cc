// Whole sessions end to end, on real processes over loopback: the docval binary (as `serve`, and as
// three role processes), a WebSocket client relaying APDUs to a virtual passport (tools/vchip,
// personalised by `docval testpki`), and a real HTTP server standing in for the Result Server.
// Asserts the APDUs, the statuses in order, the result, the POST body, the close notice and the close
// code; and that every virtual passport profile ends as its expectation says.
#include <signal.h>

#include <algorithm>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/harness.h"
#include "tests/support/test_certs.h"
#include "tools/chip_cli/chip_session.h"
#include "tools/testpki/passport_factory.h"
#include "tools/testpki/test_pki.h"
#include "tools/vchip/chip_rng.h"
#include "tools/verify/schema_test_util.h"
#include "tools/vchip/virtual_chip.h"
#include "validator/emrtd/apdu.h"

namespace docval::e2e {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

const std::vector<std::string> kFullSequence = {"READ_ATR_INFO",
                                                "ACCESS_CONTROL",
                                                "READ_SOD",
                                                "READ_DG14",
                                                "CHIP_AUTHENTICATION",
                                                "READ_DG15",
                                                "ACTIVE_AUTHENTICATION",
                                                "READ_DG1",
                                                "READ_DG2",
                                                "READ_DG7",
                                                "READ_DG11",
                                                "READ_DG12",
                                                "PASSIVE_AUTHENTICATION",
                                                "DONE"};

// The result frame as sent validates against docs/result.schema.json, keys in the documented order.
void ExpectMatchesSchema(const std::string& raw_frame) {
  ASSERT_FALSE(raw_frame.empty());
  nlohmann::ordered_json frame = nlohmann::ordered_json::parse(raw_frame);
  const nlohmann::ordered_json& result = frame["emrtd_passport"];
  EXPECT_EQ(tools::testing_util::SchemaErrors(result), "");
  nlohmann::ordered_json schema = tools::testing_util::LoadSchema();
  tools::testing_util::ExpectSchemaOrder(result, schema, schema, "emrtd_passport");
}

// Checks one complete, successful session of `profile` through the gateway at `url`.
void RunAndCheckPassport(const std::string& url, testsupport::FakeResultServer& result_server) {
  absl::StatusOr<Passport> passport = MakePassport("pace-gm-ecdh-ca-aa");
  ASSERT_TRUE(passport.ok()) << passport.status();
  std::vector<std::string> commands;
  auto chip = [&](const std::string& c) {
    commands.push_back(c);
    return passport->chip(c);
  };
  size_t before = result_server.request_count();
  std::string raw;
  absl::StatusOr<relay::RelayOutcome> out = RunSession(url, passport->start_message, chip, {}, &raw);
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectMatchesSchema(raw);

  // The APDUs: each a well-formed ISO 7816-4 command, plain before access control, protected after.
  ASSERT_GE(commands.size(), 10u);
  for (const std::string& c : commands) {
    absl::StatusOr<emrtd::CommandApdu> parsed =
        emrtd::CommandApdu::Parse(emrtd::ByteSpan(reinterpret_cast<const uint8_t*>(c.data()), c.size()));
    EXPECT_TRUE(parsed.ok()) << parsed.status();
  }
  EXPECT_EQ(static_cast<uint8_t>(commands.front()[0]) & 0x0C, 0x00);
  EXPECT_EQ(static_cast<uint8_t>(commands.back()[0]) & 0x0C, 0x0C);  // the last read is under SM
  EXPECT_EQ(out->commands.size(), commands.size());

  EXPECT_THAT(out->statuses, ElementsAreArray(kFullSequence));
  ASSERT_TRUE(out->result.has_value());
  const nlohmann::json& r = (*out->result)["emrtd_passport"];
  EXPECT_EQ(r["passive_authentication"], true);
  EXPECT_EQ(r["chip_authentication_result"], "SUCCESS");
  EXPECT_EQ(r["active_authentication_result"], "SUCCESS");
  EXPECT_EQ(r["mrz_info"]["document_number"], passport->profile.client_access_key.document_number);
  EXPECT_TRUE(r["face_photo"].is_string());
  EXPECT_EQ(r["additional_personal_details"]["other_names"].size(), 1u) << r["additional_personal_details"];
  EXPECT_TRUE(r["additional_document_details"].is_object());
  EXPECT_TRUE(r["signature_photos"].is_array());
  EXPECT_EQ(r["errors"], nlohmann::json::array());
  ASSERT_TRUE(out->close_notice.has_value());
  EXPECT_EQ((*out->close_notice)["close_code"], 1000);
  EXPECT_EQ((*out->close_notice)["close_reason"], "");
  EXPECT_EQ(out->close.code, 1000);
  EXPECT_EQ(out->close.reason, "");
  EXPECT_TRUE(out->unexpected_frames.empty());

  ASSERT_TRUE(result_server.WaitForRequests(before + 1, absl::Seconds(5)));
  testsupport::RecordedRequest req = result_server.requests()[before];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/results");
  EXPECT_THAT(req.Header("Content-Type"), ::testing::StartsWith("application/json"));
  nlohmann::json body = nlohmann::json::parse(req.body);
  EXPECT_EQ(body["client_validation_id"], "e2e-validation-1");
  // What the client got is exactly what the Result Server got.
  EXPECT_EQ(body["emrtd_passport"], r);
}

TEST(SessionTest, ServeRunsAPassportSessionEndToEnd) {
  absl::StatusOr<std::unique_ptr<Deployment>> d = Deployment::Start();
  ASSERT_TRUE(d.ok()) << d.status();
  RunAndCheckPassport((*d)->WsUrl(), (*d)->result_server());
  EXPECT_TRUE((*d)->Stop()) << (*d)->AllOutput();
  // No access key (document number, dates) in any log line.
  absl::StatusOr<Passport> p = MakePassport("pace-gm-ecdh-ca-aa");
  ASSERT_TRUE(p.ok());
  std::string logs = (*d)->AllOutput();
  EXPECT_EQ(logs.find(p->profile.client_access_key.document_number), std::string::npos);
  EXPECT_EQ(logs.find(p->profile.client_access_key.date_of_birth), std::string::npos);
}

TEST(SessionTest, ThreeRoleProcessesRunAPassportSessionEndToEnd) {
  DeploymentOptions o;
  o.separate_roles = true;
  absl::StatusOr<std::unique_ptr<Deployment>> d = Deployment::Start(std::move(o));
  ASSERT_TRUE(d.ok()) << d.status();
  RunAndCheckPassport((*d)->WsUrl(), (*d)->result_server());
  EXPECT_TRUE((*d)->Stop()) << (*d)->AllOutput();
}

// A phone's stack delays its ACKs (40 ms on Linux); a command the server holds back until its status
// frame is acknowledged (Nagle's algorithm) arrives that much later. The client here sets TCP_NODELAY
// as mobile stacks do and times every exchange, from its response to the next command, through the
// three role processes. Each exchange's best of three sessions filters scheduling noise on a busy
// machine; a delayed-ACK wait is systematic and shows in all three.
// Through `url` (ws:// or wss://) with `phone`'s options: every exchange's best interval of three
// sessions is well under a delayed ACK, and the case occurs (a status frame before a command).
void ExpectNoCommandWaitsForADelayedAck(const std::string& url, const relay::WsClientOptions& phone) {
  std::vector<relay::Turnaround> best;
  for (int run = 0; run < 3; ++run) {
    absl::StatusOr<relay::RelayOutcome> out = RunPassportSession(url, "pace-gm-ecdh-ca-aa", phone);
    ASSERT_TRUE(out.ok()) << out.status();
    ASSERT_EQ(out->close.code, 1000);
    ASSERT_EQ(out->turnarounds.size() + 1, out->commands.size());
    if (run == 0) {
      best = out->turnarounds;
      continue;
    }
    ASSERT_EQ(out->turnarounds.size(), best.size());  // the same dialog every time
    for (size_t i = 0; i < best.size(); ++i) {
      EXPECT_EQ(out->turnarounds[i].after_status, best[i].after_status) << i;
      best[i].interval = std::min(best[i].interval, out->turnarounds[i].interval);
    }
  }
  int after_status = 0;
  for (size_t i = 0; i < best.size(); ++i) {
    after_status += best[i].after_status ? 1 : 0;
    EXPECT_LT(best[i].interval, absl::Milliseconds(30))
        << "exchange " << i << (best[i].after_status ? " (after a status frame)" : "");
  }
  EXPECT_GE(after_status, 8);  // the case this is about occurs: a status frame before a command
}

TEST(SessionTest, NoCommandWaitsForTheClientsDelayedAck) {
  DeploymentOptions o;
  o.separate_roles = true;
  absl::StatusOr<std::unique_ptr<Deployment>> d = Deployment::Start(std::move(o));
  ASSERT_TRUE(d.ok()) << d.status();
  ExpectNoCommandWaitsForADelayedAck((*d)->WsUrl(), {});
  EXPECT_TRUE((*d)->Stop()) << (*d)->AllOutput();
}

// The same over wss:// (the gateway terminating TLS): the TLS connection's socket must not hold a
// command back either (TCP_NODELAY on the accepted socket whatever its protocol, TLS records of a
// status frame and the command after it handed over together).
TEST(SessionTest, NoCommandWaitsForTheClientsDelayedAckOverTls) {
  const testsupport::TestCerts& certs = testsupport::LoopbackCerts();
  DeploymentOptions o;
  o.separate_roles = true;
  o.extra_yaml =
      absl::StrCat("tls: {certificate_file: ", certs.server_cert, ", private_key_file: ", certs.server_key, "}\n");
  absl::StatusOr<std::unique_ptr<Deployment>> d = Deployment::Start(std::move(o));
  ASSERT_TRUE(d.ok()) << d.status();
  relay::WsClientOptions phone;
  phone.ca_file = certs.ca_cert;
  ExpectNoCommandWaitsForADelayedAck(absl::StrCat("wss://127.0.0.1:", (*d)->gateway_port(), "/ws1/validate"), phone);
  EXPECT_TRUE((*d)->Stop()) << (*d)->AllOutput();
}

TEST(SessionTest, StatusSequenceOfABacPassport) {
  absl::StatusOr<std::unique_ptr<Deployment>> d = Deployment::Start();
  ASSERT_TRUE(d.ok()) << d.status();
  absl::StatusOr<relay::RelayOutcome> out = RunPassportSession((*d)->WsUrl(), "bac-passport");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(out->statuses,
              ElementsAre("READ_ATR_INFO", "ACCESS_CONTROL", "READ_SOD", "READ_DG15", "ACTIVE_AUTHENTICATION",
                          "READ_DG1", "READ_DG2", "PASSIVE_AUTHENTICATION", "DONE"));
  EXPECT_EQ(out->close.code, 1000);
  EXPECT_TRUE((*d)->Stop());
}

TEST(SessionTest, StatusSequenceOfAPassportWithoutDg14AndDg15) {
  // Personalised here from the same deterministic test PKI (seed 1) that `docval testpki` wrote, so
  // the server's trust store accepts it: BAC, no Chip or Active Authentication keys.
  absl::StatusOr<testpki::TestPki> pki = testpki::GenerateTestPki(1);
  ASSERT_TRUE(pki.ok()) << pki.status();
  std::vector<testpki::PassportSpec> specs = testpki::StandardPassportSpecs();
  auto bac = std::find_if(specs.begin(), specs.end(), [](const auto& s) { return s.name == "bac-passport"; });
  ASSERT_NE(bac, specs.end());
  testpki::PassportSpec spec = *bac;
  spec.name = "bac-no-dg14-dg15";
  spec.active_auth = testpki::AaKey::kNone;
  spec.chip_auth.clear();
  absl::StatusOr<vchip::ChipProfile> profile = testpki::Personalize(spec, *pki);
  ASSERT_TRUE(profile.ok()) << profile.status();
  ASSERT_EQ(profile->FindFile("DG14"), nullptr);
  ASSERT_EQ(profile->FindFile("DG15"), nullptr);
  chip_cli::SessionOptions so;
  so.client_id = kClientId;
  absl::StatusOr<std::string> start = chip_cli::BuildStartMessage(*profile, so);
  ASSERT_TRUE(start.ok());
  absl::StatusOr<std::unique_ptr<vchip::VirtualChip>> chip =
      vchip::VirtualChip::Create(*profile, vchip::NewSeededRandom(7));
  ASSERT_TRUE(chip.ok());
  auto relay = [&](const std::string& c) -> std::optional<std::string> {
    std::optional<emrtd::Bytes> r =
        (*chip)->Process(emrtd::ByteSpan(reinterpret_cast<const uint8_t*>(c.data()), c.size()));
    if (!r) return std::nullopt;
    return std::string(r->begin(), r->end());
  };
  absl::StatusOr<std::unique_ptr<Deployment>> d = Deployment::Start();
  ASSERT_TRUE(d.ok()) << d.status();
  absl::StatusOr<relay::RelayOutcome> out = RunSession((*d)->WsUrl(), *start, relay);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(out->statuses, ElementsAre("READ_ATR_INFO", "ACCESS_CONTROL", "READ_SOD", "READ_DG1", "READ_DG2",
                                         "PASSIVE_AUTHENTICATION", "DONE"));
  ASSERT_TRUE(out->result.has_value());
  EXPECT_EQ((*out->result)["emrtd_passport"]["passive_authentication"], true);
  EXPECT_EQ((*out->result)["emrtd_passport"]["chip_authentication_result"], "UNAVAILABLE");
  EXPECT_EQ((*out->result)["emrtd_passport"]["active_authentication_result"], "UNAVAILABLE");
  EXPECT_EQ(out->close.code, 1000);
  EXPECT_TRUE((*d)->Stop());
}

// Every profile `docval testpki` writes ends as its expectation says (close code and reason; for
// 1000, PA and the CA/AA verdicts), through the real server.
TEST(SessionTest, EveryVirtualPassportProfileMeetsItsExpectation) {
  absl::StatusOr<std::unique_ptr<Deployment>> d =
      Deployment::Start(DeploymentOptions{.extra_yaml = "timeouts: {response_s: 3, session_s: 30}\n"});
  ASSERT_TRUE(d.ok()) << d.status();
  int profiles = 0;
  for (const auto& entry : std::filesystem::directory_iterator(TestPkiDir() + "/profiles")) {
    std::string name = entry.path().stem().string();
    absl::StatusOr<Passport> p = MakePassport(name);
    ASSERT_TRUE(p.ok()) << name << ": " << p.status();
    std::string raw;
    absl::StatusOr<relay::RelayOutcome> out = RunSession((*d)->WsUrl(), p->start_message, p->chip, {}, &raw);
    ASSERT_TRUE(out.ok()) << name << ": " << out.status();
    if (out->result) {
      SCOPED_TRACE(name);
      ExpectMatchesSchema(raw);
    }
    chip_cli::SessionReport report;
    report.statuses = out->statuses;
    report.result = out->result;
    report.close_notice = out->close_notice;
    report.close_code = out->close.code;
    report.close_reason = out->close.reason;
    std::vector<std::string> diffs = chip_cli::CheckExpectation(p->profile.expect, report);
    EXPECT_TRUE(diffs.empty()) << name << ": " << ::testing::PrintToString(diffs);
    ++profiles;
  }
  EXPECT_GE(profiles, 10);
  EXPECT_TRUE((*d)->Stop());
}

}  // namespace
}  // namespace docval::e2e

namespace docval::e2e {
namespace {

// SIGHUP reloads the trust store without dropping sessions: a CSCA added to the configured folder is
// trusted by the next session; a session running during the reload finishes normally; a broken
// file at reload keeps the previous store.
TEST(TrustReloadTest, SighupReloadsTheTrustStoreWithoutDroppingSessions) {
  std::string trust = MakeTempDir() + "/trust";
  std::filesystem::create_directories(trust);
  std::filesystem::copy_file(TestPkiDir() + "/csca/csca_ecdsa.pem", trust + "/csca_ecdsa.pem");
  DeploymentOptions o;
  o.trust_test_pki = false;
  // The poll for changed files is off: this test is about the signal.
  o.extra_yaml = absl::StrCat("trust: {csca: [", trust, "], reload_interval_s: 0}\n",
                              "timeouts: {response_s: 5, session_s: 30}\n");
  absl::StatusOr<std::unique_ptr<Deployment>> d = Deployment::Start(std::move(o));
  ASSERT_TRUE(d.ok()) << d.status();
  auto pa = [](const relay::RelayOutcome& out) { return (*out.result)["emrtd_passport"]["passive_authentication"]; };

  // bac-passport is signed under csca_rsa: not trusted yet.
  absl::StatusOr<relay::RelayOutcome> before = RunPassportSession((*d)->WsUrl(), "bac-passport");
  ASSERT_TRUE(before.ok() && before->result.has_value());
  EXPECT_EQ(pa(*before), false);

  // A slow passport is mid-dialog while the store is reloaded.
  absl::StatusOr<Passport> slow = MakePassport("fault-slow-chip");
  ASSERT_TRUE(slow.ok());
  bool reloaded = false;
  int n = 0;
  auto chip = [&](const std::string& c) {
    if (++n == 5 && !reloaded) {
      std::filesystem::copy_file(TestPkiDir() + "/csca/csca_rsa.pem", trust + "/csca_rsa.pem");
      (*d)->gateway().Signal(SIGHUP);
      reloaded = (*d)->gateway()
                     .WaitForLog([](const nlohmann::json& j) { return j.value("msg", "") == "trust store reloaded"; },
                                 absl::Seconds(10))
                     .has_value();
    }
    return slow->chip(c);
  };
  absl::StatusOr<relay::RelayOutcome> during = RunSession((*d)->WsUrl(), slow->start_message, chip);
  ASSERT_TRUE(during.ok()) << during.status();
  EXPECT_TRUE(reloaded) << (*d)->AllOutput();
  EXPECT_EQ(during->close.code, 1000);
  EXPECT_EQ(pa(*during), false);  // the session keeps the store it started with

  absl::StatusOr<relay::RelayOutcome> after = RunPassportSession((*d)->WsUrl(), "bac-passport");
  ASSERT_TRUE(after.ok() && after->result.has_value());
  EXPECT_EQ(pa(*after), true);

  // A broken file at the next reload: logged, the previous store stays.
  WriteFile(trust + "/broken.pem", "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
  (*d)->gateway().Signal(SIGHUP);
  EXPECT_TRUE((*d)->gateway()
                  .WaitForLog(
                      [](const nlohmann::json& j) {
                        return j.value("msg", "") == "trust store reload failed; keeping the previous one";
                      },
                      absl::Seconds(10))
                  .has_value());
  absl::StatusOr<relay::RelayOutcome> still = RunPassportSession((*d)->WsUrl(), "bac-passport");
  ASSERT_TRUE(still.ok() && still->result.has_value());
  EXPECT_EQ(pa(*still), true);
  EXPECT_TRUE((*d)->Stop());
}

// Without a signal, files that change are reloaded within trust.reload_interval_s: the kubelet's
// update of a mounted Secret (a new hidden folder, the `..data` symlink swapped to it in one rename)
// puts the new CSCA in service for the next session.
TEST(TrustReloadTest, ChangedFilesAreReloadedWithoutASignal) {
  const std::string trust = MakeTempDir() + "/trust";
  std::filesystem::create_directories(trust + "/..gen1");
  std::filesystem::copy_file(TestPkiDir() + "/csca/csca_ecdsa.pem", trust + "/..gen1/csca.pem");
  std::filesystem::create_directory_symlink("..gen1", trust + "/..data");
  std::filesystem::create_symlink("..data/csca.pem", trust + "/csca.pem");
  DeploymentOptions o;
  o.trust_test_pki = false;
  o.extra_yaml = absl::StrCat("trust: {csca: [", trust, "], reload_interval_s: 0.1}\n");
  absl::StatusOr<std::unique_ptr<Deployment>> d = Deployment::Start(std::move(o));
  ASSERT_TRUE(d.ok()) << d.status();
  auto pa = [](const relay::RelayOutcome& out) { return (*out.result)["emrtd_passport"]["passive_authentication"]; };

  absl::StatusOr<relay::RelayOutcome> before = RunPassportSession((*d)->WsUrl(), "bac-passport");
  ASSERT_TRUE(before.ok() && before->result.has_value());
  EXPECT_EQ(pa(*before), false);  // signed under csca_rsa, not trusted yet

  std::filesystem::create_directories(trust + "/..gen2");
  std::filesystem::copy_file(TestPkiDir() + "/csca/csca_rsa.pem", trust + "/..gen2/csca.pem");
  std::filesystem::create_directory_symlink("..gen2", trust + "/..data_tmp");
  std::filesystem::rename(trust + "/..data_tmp", trust + "/..data");
  EXPECT_TRUE((*d)->gateway()
                  .WaitForLog(
                      [](const nlohmann::json& j) {
                        return j.value("msg", "") == "trust store reloaded" &&
                               j.value("trigger", "") == "files_changed";
                      },
                      absl::Seconds(10))
                  .has_value())
      << (*d)->AllOutput();
  absl::StatusOr<relay::RelayOutcome> after = RunPassportSession((*d)->WsUrl(), "bac-passport");
  ASSERT_TRUE(after.ok() && after->result.has_value());
  EXPECT_EQ(pa(*after), true);
  absl::StatusOr<std::pair<int, std::string>> metrics = HttpGet((*d)->metrics_port(), "/metrics");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_THAT(metrics->second, ::testing::HasSubstr("docval_validator_trust_store_reloads_total{outcome=\"ok\"} 1"));
  EXPECT_TRUE((*d)->Stop());
}

}  // namespace
}  // namespace docval::e2e
