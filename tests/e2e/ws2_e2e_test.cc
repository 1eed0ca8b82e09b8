// WebSocket API v2 end to end (docs/protocol.md §3): the real docval binary (`serve`) on loopback, the
// v2 phone of tools/phone2 reading a virtual passport itself (BAC or PACE, its own test terminal), and
// a real HTTP server standing in for the Result Server. Honest phones get the verdict their document
// deserves (with and without DG14 — Chip Authentication run by the server through the phone —, with
// and without Active Authentication, a cloned chip); lying phones (a DG2 changed after the SOD, a
// replayed AA signature, keys handed over that are not the chip's) get theirs; each broken rule of
// §3.1-§3.4 ends with its close code and reason. And a v2 session's trace across the roles.
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/harness.h"
#include "tests/e2e/trace_collector.h"
#include "tools/phone2/v2_phone.h"
#include "tools/relay/ws_client.h"
#include "tools/vchip/chip_rng.h"
#include "tools/vchip/virtual_chip.h"

namespace docval::e2e {
namespace {

using Json = nlohmann::json;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

// A virtual passport and the phone's access to it, the files already read.
struct Phone {
  vchip::ChipProfile profile;
  std::unique_ptr<vchip::VirtualChip> chip;
  std::unique_ptr<phone2::PhoneChip> access;
  phone2::Document document;
};

absl::StatusOr<Phone> OpenPhone(const std::string& profile_name) {
  absl::StatusOr<Passport> p = MakePassport(profile_name);  // the profile as `docval testpki` wrote it
  if (!p.ok()) return p.status();
  Phone phone;
  phone.profile = p->profile;
  absl::StatusOr<std::unique_ptr<vchip::VirtualChip>> chip =
      vchip::VirtualChip::Create(phone.profile, vchip::NewSeededRandom(7));
  if (!chip.ok()) return chip.status();
  phone.chip = *std::move(chip);
  absl::StatusOr<std::unique_ptr<phone2::PhoneChip>> access = phone2::PhoneChip::Open(*phone.chip, phone.profile);
  if (!access.ok()) return access.status();
  phone.access = *std::move(access);
  absl::StatusOr<phone2::Document> doc = phone.access->ReadFiles();
  if (!doc.ok()) return doc.status();
  phone.document = *std::move(doc);
  return phone;
}

class Ws2Test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<Deployment>> d =
        Deployment::Start(DeploymentOptions{.extra_yaml = "timeouts: {response_s: 3, session_s: 30}\n"});
    ASSERT_TRUE(d.ok()) << d.status();
    deployment_ = d->release();
  }
  static void TearDownTestSuite() {
    if (deployment_) {
      EXPECT_TRUE(deployment_->Stop());
      delete deployment_;
      deployment_ = nullptr;
    }
  }

  static std::string Url() { return absl::StrCat("ws://127.0.0.1:", deployment_->gateway_port(), "/ws2/validate"); }

  static std::unique_ptr<relay::WsClient> Connect() {
    absl::StatusOr<std::unique_ptr<relay::WsClient>> c = relay::WsClient::Connect(Url());
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *std::move(c) : nullptr;
  }

  // One phone session of `profile_name` with `script` (its client id filled in).
  static absl::StatusOr<phone2::Session> Run(Phone& phone, phone2::Script script = {}) {
    script.client_id = kClientId;
    std::unique_ptr<relay::WsClient> client = Connect();
    if (!client) return absl::UnavailableError("no connection");
    return phone2::RunSession(*client, *phone.access, phone.document, script);
  }

  static void ExpectClosed(const phone2::ServerSaid& said, int code, const std::string& reason) {
    ASSERT_TRUE(said.close_message.has_value()) << ::testing::PrintToString(said.other);
    EXPECT_EQ(*said.close_message, (Json{{"type", "CLOSE"}, {"code", code}, {"reason", reason}}));
    EXPECT_EQ(said.close.code, code);
    EXPECT_EQ(said.close.reason, reason);
  }

  // A complete session: ACCEPT, the result delivered and sent (camelCase), CLOSE 1000, and the Result
  // Server's body holding the same verdict in snake_case. Returns the RESULT's passport.
  static Json ExpectDelivered(const phone2::Session& s, size_t posts_before) {
    const phone2::ServerSaid& said = s.said;
    EXPECT_TRUE(said.accept.has_value());
    EXPECT_EQ(said.challenge.size(), 8u);
    ExpectClosed(said, 1000, "");
    EXPECT_TRUE(said.other.empty()) << ::testing::PrintToString(said.other);
    if (!said.result) {
      ADD_FAILURE() << "no RESULT";
      return Json();
    }
    const Json& passport = (*said.result)["passport"];
    EXPECT_TRUE(passport.contains("passiveAuthentication")) << passport.dump().substr(0, 300);
    EXPECT_FALSE(passport.contains("passive_authentication"));
    EXPECT_TRUE(deployment_->result_server().WaitForRequests(posts_before + 1, absl::Seconds(10)));
    std::vector<testsupport::RecordedRequest> posts = deployment_->result_server().requests();
    if (posts.size() == posts_before + 1) {
      Json body = Json::parse(posts.back().body);
      EXPECT_EQ(body["client_validation_id"], "v2-validation-1");
      const Json& r = body["emrtd_passport"];
      EXPECT_EQ(r["passive_authentication"], passport["passiveAuthentication"]);
      EXPECT_EQ(r["chip_authentication_result"], passport["chipAuthenticationResult"]);
      EXPECT_EQ(r["active_authentication_result"], passport["activeAuthenticationResult"]);
    } else {
      ADD_FAILURE() << "posts: " << posts.size() << ", expected " << posts_before + 1;
    }
    return passport;
  }

  static Deployment* deployment_;
};
Deployment* Ws2Test::deployment_ = nullptr;

TEST_F(Ws2Test, BacPassportWithAaWithoutDg14) {
  absl::StatusOr<Phone> phone = OpenPhone("bac-passport");
  ASSERT_TRUE(phone.ok()) << phone.status();
  ASSERT_EQ(phone->document.Find("dg14"), nullptr);
  ASSERT_NE(phone->document.Find("dg15"), nullptr);
  const size_t posts = deployment_->result_server().request_count();
  absl::StatusOr<phone2::Session> s = Run(*phone);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_FALSE(s->said.handback.has_value());
  Json p = ExpectDelivered(*s, posts);
  EXPECT_EQ(p["passiveAuthentication"], true);
  EXPECT_EQ(p["activeAuthenticationResult"], "SUCCESS");
  EXPECT_EQ(p["chipAuthenticationResult"], "UNAVAILABLE");
  EXPECT_EQ(p["mrzInfo"]["documentNumber"], phone->profile.secrets.document_number);
  EXPECT_TRUE(p["facePhoto"].is_string());
  EXPECT_EQ(p["errors"], Json::array());
}

TEST_F(Ws2Test, PacePassportWithDg14AndAa) {
  absl::StatusOr<Phone> phone = OpenPhone("pace-gm-ecdh-ca-aa");
  ASSERT_TRUE(phone.ok()) << phone.status();
  ASSERT_NE(phone->document.Find("dg14"), nullptr);
  const size_t posts = deployment_->result_server().request_count();
  absl::StatusOr<phone2::Session> s = Run(*phone);
  ASSERT_TRUE(s.ok()) << s.status();
  // The server ran Chip Authentication through the phone, read DG1 under the new keys and handed
  // them back; the phone signed the AA challenge under them.
  ASSERT_TRUE(s->said.handback.has_value());
  EXPECT_EQ((*s->said.handback)["checkResult"], "SUCCESS");
  EXPECT_EQ((*s->said.handback)["secureMessagingInfo"]["algorithm"], "AES");
  EXPECT_EQ(s->said.server_files, std::vector<std::string>{"dg1"});
  EXPECT_GE(phone->access->transmitted(), 3);  // MSE, GENERAL AUTHENTICATE, DG1 reads
  EXPECT_TRUE(phone->chip->chip_authenticated());
  Json p = ExpectDelivered(*s, posts);
  EXPECT_EQ(p["passiveAuthentication"], true);
  EXPECT_EQ(p["activeAuthenticationResult"], "SUCCESS");
  EXPECT_EQ(p["chipAuthenticationResult"], "SUCCESS");
  EXPECT_EQ(p["mrzInfo"]["documentNumber"], phone->profile.secrets.document_number);
  EXPECT_THAT(p["passiveAuthenticationDetails"]["dataGroupsWithValidHash"], Contains(14));
}

TEST_F(Ws2Test, PaceIdCardWithDg14WithoutAa) {
  absl::StatusOr<Phone> phone = OpenPhone("pace-im-dh-can-idcard");  // PACE-IM with the CAN, no BAC
  ASSERT_TRUE(phone.ok()) << phone.status();
  ASSERT_EQ(phone->document.Find("dg15"), nullptr);
  const size_t posts = deployment_->result_server().request_count();
  absl::StatusOr<phone2::Session> s = Run(*phone);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_FALSE(s->sent_signature.has_value());
  ASSERT_TRUE(s->said.handback.has_value());
  EXPECT_EQ((*s->said.handback)["secureMessagingInfo"]["algorithm"], "DESede");  // CA DH 3DES
  Json p = ExpectDelivered(*s, posts);
  EXPECT_EQ(p["passiveAuthentication"], true);
  EXPECT_EQ(p["chipAuthenticationResult"], "SUCCESS");
  EXPECT_EQ(p["activeAuthenticationResult"], "UNAVAILABLE");
  EXPECT_EQ(p["mrzInfo"]["documentType"], "TD1");
}

TEST_F(Ws2Test, AClonedChipFailsChipAndActiveAuthentication) {
  absl::StatusOr<Phone> phone = OpenPhone("fault-cloned-chip");  // the chip's CA and AA keys are not DG14's / DG15's
  ASSERT_TRUE(phone.ok()) << phone.status();
  const size_t posts = deployment_->result_server().request_count();
  absl::StatusOr<phone2::Session> s = Run(*phone);
  ASSERT_TRUE(s.ok()) << s.status();
  // The chip could not follow the keys of DG14's key: no keys back, the phone opens the chip again
  // and sends DG1 itself.
  ASSERT_TRUE(s->said.handback.has_value());
  EXPECT_EQ(*s->said.handback, (Json{{"type", "CA_HANDBACK"}, {"checkResult", "FAILED"}}));
  EXPECT_TRUE(s->said.server_files.empty());
  Json p = ExpectDelivered(*s, posts);
  EXPECT_EQ(p["passiveAuthentication"], true);  // the files are the genuine document's
  EXPECT_EQ(p["chipAuthenticationResult"], "FAILED");
  EXPECT_EQ(p["activeAuthenticationResult"], "FAILED");
}

TEST_F(Ws2Test, APhoneHandingOverKeysThatAreNotTheChipsGetsChipAuthenticationFailed) {
  absl::StatusOr<Phone> phone = OpenPhone("pace-gm-ecdh-ca-aa");
  ASSERT_TRUE(phone.ok()) << phone.status();
  const size_t posts = deployment_->result_server().request_count();
  phone2::Script script;
  script.edit_handover = [](Json& h) {
    h["secureMessagingInfo"]["encKey"] = absl::Base64Escape(std::string(16, '\x11'));  // a session of its own
  };
  absl::StatusOr<phone2::Session> s = Run(*phone, script);
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_TRUE(s->said.handback.has_value());
  EXPECT_EQ((*s->said.handback)["checkResult"], "FAILED");
  Json p = ExpectDelivered(*s, posts);
  EXPECT_EQ(p["chipAuthenticationResult"], "FAILED");
  EXPECT_EQ(p["activeAuthenticationResult"], "SUCCESS");  // the chip itself is genuine
}

TEST_F(Ws2Test, ASendResultFalseSessionGetsNoResultFrame) {
  absl::StatusOr<Phone> phone = OpenPhone("bac-passport");
  ASSERT_TRUE(phone.ok()) << phone.status();
  const size_t posts = deployment_->result_server().request_count();
  absl::StatusOr<phone2::Session> s = Run(*phone, phone2::Script{.send_result = false});
  ASSERT_TRUE(s.ok()) << s.status();
  ExpectClosed(s->said, 1000, "");
  EXPECT_FALSE(s->said.result.has_value());
  EXPECT_TRUE(deployment_->result_server().WaitForRequests(posts + 1, absl::Seconds(10)));  // delivered all the same
}

TEST_F(Ws2Test, APhoneThatAltersDg2AfterTheSodFailsPassiveAuthentication) {
  absl::StatusOr<Phone> phone = OpenPhone("bac-passport");
  ASSERT_TRUE(phone.ok()) << phone.status();
  const size_t posts = deployment_->result_server().request_count();
  phone2::Script script;
  script.tamper = [](phone2::Document& d) {
    std::string* dg2 = d.Find("dg2");
    ASSERT_NE(dg2, nullptr);
    (*dg2)[dg2->size() - 1] ^= 0x01;  // one bit of the face image
  };
  absl::StatusOr<phone2::Session> s = Run(*phone, script);
  ASSERT_TRUE(s.ok()) << s.status();
  Json p = ExpectDelivered(*s, posts);
  EXPECT_EQ(p["passiveAuthentication"], false);
  EXPECT_EQ(p["passiveAuthenticationDetails"]["allHashesValid"], false);
  EXPECT_THAT(p["passiveAuthenticationDetails"]["dataGroupsChecked"], Contains(2));
  EXPECT_THAT(p["passiveAuthenticationDetails"]["dataGroupsWithValidHash"], Not(Contains(2)));
  EXPECT_THAT(p["passiveAuthenticationDetails"]["dataGroupsWithValidHash"], Contains(1));
  EXPECT_EQ(p["activeAuthenticationResult"], "SUCCESS");  // the chip itself is genuine
}

TEST_F(Ws2Test, AReplayedAaSignatureFails) {
  absl::StatusOr<Phone> phone = OpenPhone("bac-passport");
  ASSERT_TRUE(phone.ok()) << phone.status();
  size_t posts = deployment_->result_server().request_count();
  absl::StatusOr<phone2::Session> first = Run(*phone);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(first->sent_signature.has_value());
  EXPECT_EQ(ExpectDelivered(*first, posts)["activeAuthenticationResult"], "SUCCESS");

  // The chip's genuine signature over the first session's challenge, sent in a second session.
  posts = deployment_->result_server().request_count();
  absl::StatusOr<phone2::Session> second = Run(*phone, phone2::Script{.replayed_signature = first->sent_signature});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_NE(second->said.challenge, first->said.challenge);  // every session draws its own
  Json p = ExpectDelivered(*second, posts);
  EXPECT_EQ(p["activeAuthenticationResult"], "FAILED");
  EXPECT_EQ(p["passiveAuthentication"], true);
}

// The rules of §3.1-§3.4, each broken once: the session ends with its code and reason, nothing is
// posted.
TEST_F(Ws2Test, EachBrokenRuleEndsWithItsCode) {
  absl::StatusOr<Phone> phone = OpenPhone("bac-passport");
  ASSERT_TRUE(phone.ok()) << phone.status();
  const std::string start = phone2::StartMessage(kClientId, "v2-validation-1").dump();
  const std::string sod = *phone->document.Find("sod");
  const std::string dg1 = *phone->document.Find("dg1");
  struct Frame {
    bool text;
    std::string data;
  };
  struct Case {
    const char* what;
    std::vector<Frame> frames;
    int code;
    const char* reason;
  };
  const std::vector<Case> cases = {
      {"a FILE before START", {{false, phone2::FileFrame("sod", sod)}}, 1008, "PROTOCOL_ERROR"},
      {"an unknown type byte", {{true, start}, {false, std::string("\x07\x00", 2)}}, 1008, "PROTOCOL_ERROR"},
      {"a malformed FILE frame", {{true, start}, {false, std::string("\x01\x20" "dg1", 5)}}, 1008, "PROTOCOL_ERROR"},
      {"a text message that is not JSON", {{true, start}, {true, "FINISH"}}, 1008, "PROTOCOL_ERROR"},
      {"a file sent twice",
       {{true, start}, {false, phone2::FileFrame("sod", sod)}, {false, phone2::FileFrame("sod", sod)}},
       1008,
       "PROTOCOL_ERROR"},
      {"CA_HANDOVER without DG14",
       {{true, start},
        {true, R"({"type":"CA_HANDOVER","maxTransceiveLengthForSecureMessaging":255,"maxBlockSize":223,)"
               R"("secureMessagingInfo":{"algorithm":"DESede","encKey":"AAAAAAAAAAAAAAAAAAAAAA==",)"
               R"("macKey":"AAAAAAAAAAAAAAAAAAAAAA==","ssc":0}})"}},
       1008,
       "PROTOCOL_ERROR"},
      {"a data group EF.SOD does not list (DG3)",
       {{true, start},
        {false, phone2::FileFrame("sod", sod)},
        {false, phone2::FileFrame("dg1", dg1)},
        {false, phone2::FileFrame("dg3", std::string("\x63\x01\x00", 3))},
        {true, phone2::FinishMessage(true, std::nullopt).dump()}},
       1008,
       "PROTOCOL_ERROR"},
      {"a START without a client id", {{true, R"({"type":"START","validationId":"v","platform":"ios"})"}}, 1008,
       "INVALID_START_MESSAGE"},
      {"an unknown client id", {{true, phone2::StartMessage("nobody", "v").dump()}}, 4401, "INVALID_CLIENT_ID"},
      {"DG1 over its 1 KiB cap", {{true, start}, {false, phone2::FileFrame("dg1", std::string(1025, 'x'))}}, 1011,
       "EMRTD_PASSPORT_READER_ERROR"},
      {"a frame over the largest file cap",
       {{true, start}, {false, phone2::FileFrame("dg2", std::string(256 * 1024 + 300, 'x'))}},
       1009,
       "MESSAGE_TOO_BIG"},
      {"an EF.SOD that does not parse",
       {{true, start},
        {false, phone2::FileFrame("sod", "not an SOD")},
        {false, phone2::FileFrame("dg1", dg1)},
        {true, phone2::FinishMessage(true, std::nullopt).dump()}},
       1011,
       "FILE_READ_ERROR"},
  };
  const size_t posts = deployment_->result_server().request_count();
  for (const Case& c : cases) {
    std::unique_ptr<relay::WsClient> client = Connect();
    ASSERT_NE(client, nullptr);
    for (const Frame& f : c.frames) {
      // A send may fail once the server closed: what it said is read below all the same.
      if (!(f.text ? client->SendText(f.data) : client->SendBinary(f.data)).ok()) break;
    }
    phone2::ServerSaid said;
    ASSERT_TRUE(phone2::ReadUntilClose(*client, said, absl::Seconds(10)).ok()) << c.what;
    ExpectClosed(said, c.code, c.reason);
    EXPECT_FALSE(said.result.has_value()) << c.what;
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "in case: " << c.what;
      break;
    }
  }
  EXPECT_EQ(deployment_->result_server().request_count(), posts);
}

TEST_F(Ws2Test, ASilentPhoneTimesOut) {
  std::unique_ptr<relay::WsClient> client = Connect();
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->SendText(phone2::StartMessage(kClientId, "v").dump()).ok());
  phone2::ServerSaid said;
  ASSERT_TRUE(phone2::ReadUntilClose(*client, said, absl::Seconds(10)).ok());
  EXPECT_TRUE(said.accept.has_value());
  ExpectClosed(said, 1001, "TIMEOUT_WHILE_WAITING_FOR_RESPONSE");  // timeouts.response_s: 3
}

TEST_F(Ws2Test, MetricsCountV2SessionsApart) {
  absl::StatusOr<Phone> phone = OpenPhone("bac-passport");
  ASSERT_TRUE(phone.ok()) << phone.status();
  absl::StatusOr<phone2::Session> s = Run(*phone);
  ASSERT_TRUE(s.ok()) << s.status();
  ExpectClosed(s->said, 1000, "");
  // The phone sees the close before the gateway counts the session: wait for the count.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  std::string metrics;
  while (absl::Now() < deadline) {
    absl::StatusOr<std::pair<int, std::string>> m = HttpGet(deployment_->metrics_port(), "/metrics");
    ASSERT_TRUE(m.ok()) << m.status();
    metrics = m->second;
    if (metrics.find(R"(docval_sessions_total{outcome="success",protocol="v2"})") != std::string::npos) break;
    absl::SleepFor(absl::Milliseconds(20));  // between polls of the counter, not in place of it
  }
  EXPECT_THAT(metrics, HasSubstr(R"(docval_sessions_total{outcome="success",protocol="v2"})"));
  EXPECT_THAT(metrics, HasSubstr(R"(docval_session_duration_seconds_count{protocol="v2"})"));
}

TEST_F(Ws2Test, PlainRequestIsUpgradeRequired) {
  absl::StatusOr<std::pair<int, std::string>> r = HttpGet(deployment_->gateway_port(), "/ws2/validate");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->first, 426);
}

// One v2 session as one trace over three role processes (docs/operations.md, "Traces"): the app's
// traceparent on the handshake, the gateway's session span, under it the validator's Chip
// Authentication stream and its verdict on the files, and the poster's delivery; no personal data
// and no APDU bytes in the raw export without diagnostics.
TEST(Ws2TraceTest, OneTraceAcrossTheRolesWithoutPersonalData) {
  absl::StatusOr<TracedDeployment> traced = StartTracedDeployment(/*separate_roles=*/true);
  ASSERT_TRUE(traced.ok()) << traced.status();
  Collector& collector = *traced->collector;
  Deployment& d = *traced->deployment;
  absl::StatusOr<Phone> phone = OpenPhone("pace-gm-ecdh-ca-aa");
  ASSERT_TRUE(phone.ok()) << phone.status();
  relay::WsClientOptions options;
  options.headers.emplace_back("traceparent", "00-5bf92f3577b34da6a3ce929d0e0e4737-10f067aa0ba902b8-01");
  absl::StatusOr<std::unique_ptr<relay::WsClient>> client =
      relay::WsClient::Connect(absl::StrCat("ws://127.0.0.1:", d.gateway_port(), "/ws2/validate"), options);
  ASSERT_TRUE(client.ok()) << client.status();
  phone2::Script script;
  script.client_id = kClientId;
  absl::StatusOr<phone2::Session> s = phone2::RunSession(**client, *phone->access, phone->document, script);
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->said.close.code, 1000);
  ASSERT_TRUE(s->said.result.has_value());
  ASSERT_TRUE(collector.AwaitSpans({"docval.session", "docval.dialog", "docval.verify", "docval.delivery",
                                    "docval.delivery_attempt", "VERIFY_DG1", "READ_DG1"},
                                   absl::Seconds(20)))
      << d.AllOutput();
  std::vector<SpanOf> spans = collector.Spans();
  for (const SpanOf& sp : spans)
    EXPECT_EQ(IdHex(sp.span.trace_id()), "5bf92f3577b34da6a3ce929d0e0e4737") << sp.span.name();

  // The shape: app -> session -> {dialog (CA) -> steps, verify -> files and checks, delivery -> attempt}.
  const SpanOf* session = FindSpan(spans, "docval.session");
  const SpanOf* dialog = FindSpan(spans, "docval.dialog");
  const SpanOf* verify = FindSpan(spans, "docval.verify");
  const SpanOf* delivery = FindSpan(spans, "docval.delivery");
  ASSERT_TRUE(session && dialog && verify && delivery);
  EXPECT_EQ(session->scope, "docval.gateway");
  EXPECT_EQ(IdHex(session->span.parent_span_id()), "10f067aa0ba902b8");
  EXPECT_EQ(dialog->scope, "docval.validator");
  EXPECT_EQ(verify->scope, "docval.validator");
  EXPECT_EQ(delivery->scope, "docval.poster");
  for (const SpanOf* child : {dialog, verify, delivery}) {
    EXPECT_EQ(child->span.parent_span_id(), session->span.span_id()) << child->span.name();
  }
  EXPECT_THAT(ChildNames(spans, dialog->span), ::testing::ElementsAre("CHIP_AUTHENTICATION", "READ_DG1"));
  EXPECT_THAT(ChildNames(spans, verify->span),
              ::testing::IsSupersetOf({"VERIFY_SOD", "VERIFY_DG1", "VERIFY_DG14", "VERIFY_DG15",
                                       "PASSIVE_AUTHENTICATION", "ACTIVE_AUTHENTICATION", "CHIP_AUTHENTICATION"}));

  // The attributes.
  EXPECT_EQ(StrAttr(session->span, "docval.protocol"), "ws2");
  EXPECT_EQ(StrAttr(session->span, "docval.platform"), "android");
  EXPECT_EQ(StrAttr(session->span, "docval.outcome"), "success");
  EXPECT_EQ(IntAttr(session->span, "docval.close_code"), 1000);
  EXPECT_GE(IntAttr(session->span, "docval.round_trips"), 3);  // MSE, GENERAL AUTHENTICATE, DG1 reads
  EXPECT_GE(IntAttr(session->span, "docval.files"), 4);
  EXPECT_GT(IntAttr(session->span, "docval.bytes_from_client"), IntAttr(session->span, "docval.files.bytes"));
  EXPECT_GT(IntAttr(session->span, "docval.bytes_to_client"), 0);
  EXPECT_EQ(StrAttr(dialog->span, "docval.outcome"), "v2_chip_authentication");
  EXPECT_EQ(StrAttr(dialog->span, "docval.chip_authentication"), "SUCCESS");
  EXPECT_GT(IntAttr(FindSpanIn(spans, dialog->span.trace_id(), "READ_DG1")->span, "docval.file.bytes"), 80);
  EXPECT_EQ(StrAttr(verify->span, "docval.outcome"), "result");
  EXPECT_EQ(StrAttr(verify->span, "docval.active_authentication"), "SUCCESS");
  EXPECT_EQ(StrAttr(verify->span, "docval.chip_authentication"), "SUCCESS");
  ASSERT_NE(Attr(verify->span, "docval.passive_authentication"), nullptr);
  EXPECT_TRUE(Attr(verify->span, "docval.passive_authentication")->bool_value());
  const SpanOf* dg1 = FindSpan(spans, "VERIFY_DG1");
  EXPECT_EQ(dg1->span.parent_span_id(), verify->span.span_id());
  const std::string* phone_dg1 = phone->document.Find("dg1");
  ASSERT_NE(phone_dg1, nullptr);
  EXPECT_EQ(IntAttr(dg1->span, "docval.file.bytes"), static_cast<int64_t>(phone_dg1->size()));
  ASSERT_NE(Attr(dg1->span, "docval.file.hash_valid"), nullptr);
  EXPECT_TRUE(Attr(dg1->span, "docval.file.hash_valid")->bool_value());
  EXPECT_EQ(StrAttr(delivery->span, "docval.outcome"), "delivered");

  // Privacy: nothing of the holder, the files or the APDUs in the raw export.
  const std::string raw = collector.Raw();
  const Json& mrz = (*s->said.result)["passport"]["mrzInfo"];
  for (const char* key : {"documentNumber", "primaryIdentifier", "dateOfBirth", "dateOfExpiry"}) {
    const std::string v = mrz[key].get<std::string>();
    ASSERT_GE(v.size(), 4u) << key;
    EXPECT_EQ(raw.find(v), std::string::npos) << key << " is in the export";
  }
  for (const auto& [name, bytes] : phone->document.files) {
    if (bytes.size() < 16) continue;  // too short to tell from random ids
    EXPECT_EQ(raw.find(bytes.substr(bytes.size() / 2, 16)), std::string::npos) << name << "'s content is in the export";
  }
  EXPECT_EQ(raw.find(std::string("\x0a\x02sw", 4)), std::string::npos);  // no attribute named "sw"
  for (const SpanOf& sp : spans) {
    for (const otlp::Span::Event& e : sp.span.events()) {
      EXPECT_NE(e.name(), "response") << sp.span.name();
      EXPECT_NE(e.name(), "command") << sp.span.name();
    }
  }
  EXPECT_TRUE(d.Stop()) << d.AllOutput();
}

}  // namespace
}  // namespace docval::e2e
