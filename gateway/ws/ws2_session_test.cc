// The v2 session's state machine, state by state, on a fake connection and fake upstream calls: what
// it writes, how it closes, what it asks the validator and the poster, and that it ignores what comes
// after its end.
#include "gateway/ws/ws2_session.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/tracing/span_capture.h"
#include "common/tracing/trace_context.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace docval::gateway {
namespace {

using Json = nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

class FakeTimer final : public LinkTimer {
 public:
  void Start(absl::Duration after, std::function<void()> fire) override {
    armed_for = after;
    fire_ = std::move(fire);
  }
  void Cancel() override { fire_ = nullptr; }
  bool armed() const { return fire_ != nullptr; }
  void Fire() {
    auto f = std::exchange(fire_, nullptr);
    if (f) f();
  }
  absl::Duration armed_for;

 private:
  std::function<void()> fire_;
};

struct Written {
  bool text;
  std::string data;
};

class FakeLink final : public WsLink {
 public:
  const std::string& session_id() const override { return id_; }
  absl::Time opened_at() const override { return absl::FromUnixSeconds(1000); }
  void SendText(std::string frame) override { written.push_back({true, std::move(frame)}); }
  void SendBinary(std::string frame) override { written.push_back({false, std::move(frame)}); }
  void BeginBatch() override {}
  void EndBatch() override {}
  void Close(SessionClose close) override {
    if (closed) return;
    closed = std::move(close);
    written.push_back({true, closed->notice});
    protocol->Stop();
  }
  bool ending() const override { return closed.has_value(); }
  void StartMessageReceived() override { start_received = true; }
  bool ClaimClient(const std::string& client_id) override {
    claimed.push_back(client_id);
    return claim_ok;
  }
  std::unique_ptr<LinkTimer> NewTimer() override {
    auto t = std::make_unique<FakeTimer>();
    timers.push_back(t.get());
    return t;
  }
  StrandPoster Strand() override {
    return [](std::function<void()> task) { task(); };
  }

  WsProtocol* protocol = nullptr;
  std::vector<Written> written;
  std::optional<SessionClose> closed;
  bool start_received = false;
  bool claim_ok = true;
  std::vector<std::string> claimed;
  std::vector<FakeTimer*> timers;

 private:
  std::string id_ = "0123456789abcdef";
};

class FakeCaCall final : public Ws2Upstream::ChipAuthCall {
 public:
  void SendResponse(std::string r) override { responses.push_back(std::move(r)); }
  void Cancel() override { ++cancelled; }
  std::vector<std::string> responses;
  int cancelled = 0;
};

class FakeUpstream final : public Ws2Upstream {
 public:
  struct Calls {
    std::vector<v1::SessionRequest> ca_starts;
    ChipAuthEvent ca_event;
    ChipAuthEnd ca_end;
    std::shared_ptr<FakeCaCall> ca_call;
    std::vector<v1::V2VerifyRequest> verify_requests;
    std::vector<absl::Time> verify_deadlines;
    VerifyDone verify_done;
    std::vector<v1::DeliveryRequest> deliver_requests;
    DeliverDone deliver_done;
    int cancelled = 0;
    std::vector<std::string> traceparents;  // of every call, in order
  };
  explicit FakeUpstream(Calls* calls) : calls_(calls) {}
  CancelFn Verify(v1::V2VerifyRequest request, absl::Time deadline, VerifyDone done,
                  const std::string& traceparent) override {
    calls_->traceparents.push_back(traceparent);
    calls_->verify_requests.push_back(std::move(request));
    calls_->verify_deadlines.push_back(deadline);
    calls_->verify_done = std::move(done);
    return [c = calls_] { ++c->cancelled; };
  }
  std::shared_ptr<ChipAuthCall> ChipAuthentication(v1::SessionRequest start, absl::Time, ChipAuthEvent on_event,
                                                   ChipAuthEnd on_end, const std::string& traceparent) override {
    calls_->traceparents.push_back(traceparent);
    calls_->ca_starts.push_back(std::move(start));
    calls_->ca_event = std::move(on_event);
    calls_->ca_end = std::move(on_end);
    calls_->ca_call = std::make_shared<FakeCaCall>();
    return calls_->ca_call;
  }
  CancelFn Deliver(v1::DeliveryRequest request, absl::Time, DeliverDone done, const std::string& traceparent) override {
    calls_->traceparents.push_back(traceparent);
    calls_->deliver_requests.push_back(std::move(request));
    calls_->deliver_done = std::move(done);
    return [c = calls_] { ++c->cancelled; };
  }

 private:
  Calls* calls_;
};

constexpr char kStart[] =
    R"({"type":"START","validationId":"val-7","clientId":"demo","platform":"android",)"
    R"("nfcAdapterSupportsExtendedLength":true})";

std::string File(absl::string_view name, absl::string_view bytes) {
  std::string f(1, '\x01');
  f.push_back(static_cast<char>(name.size()));
  f.append(name.data(), name.size());
  f.append(bytes.data(), bytes.size());
  return f;
}

std::string Finish(bool send_result, absl::string_view signature = "") {
  Json j{{"type", "FINISH"}, {"sendResult", send_result}};
  if (!signature.empty()) j["activeAuthenticationSignature"] = absl::Base64Escape(signature);
  return j.dump();
}

class Ws2SessionTest : public ::testing::Test {
 protected:
  Ws2SessionTest() {
    options_.client_ids = {"demo"};
    options_.response_timeout = absl::Seconds(15);
    options_.session_timeout = absl::Seconds(60);
    session_ = std::make_unique<Ws2Session>(
        link_, options_, nullptr, std::make_unique<FakeUpstream>(&calls_),
        [this](size_t n) { return std::string(n, static_cast<char>('A' + challenges_++)); }, HeaderList{});
    link_.protocol = session_.get();
  }

  void Text(absl::string_view t) { session_->OnMessage(true, std::string(t)); }
  void Binary(absl::string_view b) { session_->OnMessage(false, std::string(b)); }
  Json LastText() const { return Json::parse(link_.written.back().data); }
  int CloseCode() const { return link_.closed ? link_.closed->code : 0; }
  std::string ClosePhrase() const { return link_.closed ? link_.closed->phrase : "(open)"; }
  FakeTimer& idle() { return *link_.timers.at(0); }

  // START, then the files and FINISH of a passport without Chip Authentication.
  void UpToFinish(bool send_result = true, absl::string_view signature = "sig") {
    Text(kStart);
    Binary(File("sod", "S"));
    Binary(File("dg1", "M"));
    if (!signature.empty()) Binary(File("dg15", "K"));
    Text(Finish(send_result, signature));
  }

  void Verified(grpc::Status status, v1::V2VerifyResponse response = {}) {
    auto done = std::exchange(calls_.verify_done, nullptr);
    ASSERT_TRUE(done);
    done(status, std::move(response));
  }
  void Delivered(bool ok) {
    v1::DeliveryReport report;
    report.set_delivered(ok);
    report.set_outcome(ok ? v1::DELIVERED : v1::REJECTED);
    auto done = std::exchange(calls_.deliver_done, nullptr);
    ASSERT_TRUE(done);
    done(grpc::Status::OK, report);
  }
  static v1::V2VerifyResponse Result() {
    v1::V2VerifyResponse r;
    r.mutable_result()->set_passive_authentication(true);
    r.mutable_result()->set_active_authentication_result(v1::SUCCESS);
    return r;
  }

  GatewayOptions options_;
  FakeLink link_;
  FakeUpstream::Calls calls_;
  int challenges_ = 0;
  std::unique_ptr<Ws2Session> session_;
};

TEST_F(Ws2SessionTest, LimitsAndClosesAreV2s) {
  EXPECT_STREQ(session_->name(), "v2");
  EXPECT_EQ(session_->max_message_bytes(true), ws2::kMaxTextFrameBytes);
  EXPECT_EQ(session_->max_message_bytes(false), ws2::kMaxBinaryFrameBytes);
  SessionClose c = session_->CloseFor(CloseReason::kMessageTooBig);
  EXPECT_EQ(c.code, 1009);
  EXPECT_EQ(c.phrase, "MESSAGE_TOO_BIG");
  EXPECT_EQ(c.outcome, "message_too_big");
  EXPECT_EQ(Json::parse(c.notice), (Json{{"type", "CLOSE"}, {"code", 1009}, {"reason", "MESSAGE_TOO_BIG"}}));
  c = Ws2Session::Render(ws2::Closing::ProtocolError());
  EXPECT_EQ(c.code, 1008);
  EXPECT_EQ(c.phrase, "PROTOCOL_ERROR");
  EXPECT_EQ(c.outcome, "protocol_error");
}

TEST_F(Ws2SessionTest, StartIsAcceptedWithAFreshChallenge) {
  Text(kStart);
  EXPECT_TRUE(link_.start_received);
  EXPECT_THAT(link_.claimed, ElementsAre("demo"));
  ASSERT_EQ(link_.written.size(), 1u);
  EXPECT_EQ(LastText(), (Json{{"type", "ACCEPT"}, {"activeAuthenticationChallenge", absl::Base64Escape("AAAAAAAA")}}));
  EXPECT_FALSE(link_.closed);
  EXPECT_TRUE(idle().armed());
  EXPECT_EQ(idle().armed_for, absl::Seconds(15));

  // Another session draws its own challenge.
  FakeLink other_link;
  FakeUpstream::Calls other_calls;
  Ws2Session other(other_link, options_, nullptr, std::make_unique<FakeUpstream>(&other_calls),
                   [this](size_t n) { return std::string(n, static_cast<char>('A' + challenges_++)); }, {});
  other_link.protocol = &other;
  other.OnMessage(true, kStart);
  EXPECT_EQ(Json::parse(other_link.written.at(0).data)["activeAuthenticationChallenge"],
            absl::Base64Escape("BBBBBBBB"));
}

TEST_F(Ws2SessionTest, StartRefusals) {
  Text(R"({"type":"START","validationId":"v"})");
  EXPECT_EQ(CloseCode(), 1008);
  EXPECT_EQ(ClosePhrase(), "INVALID_START_MESSAGE");
  EXPECT_EQ(LastText()["type"], "CLOSE");

  FakeLink l2;
  FakeUpstream::Calls c2;
  Ws2Session unknown(l2, options_, nullptr, std::make_unique<FakeUpstream>(&c2),
                     [](size_t n) { return std::string(n, 'x'); }, {});
  l2.protocol = &unknown;
  unknown.OnMessage(true, absl::StrCat(R"({"type":"START","validationId":"v","clientId":"nobody","platform":"ios",)",
                                       R"("nfcAdapterSupportsExtendedLength":false})"));
  EXPECT_EQ(l2.closed->code, 4401);
  EXPECT_EQ(l2.closed->phrase, "INVALID_CLIENT_ID");
  EXPECT_THAT(l2.claimed, IsEmpty());

  FakeLink l3;
  l3.claim_ok = false;
  FakeUpstream::Calls c3;
  Ws2Session full(l3, options_, nullptr, std::make_unique<FakeUpstream>(&c3),
                  [](size_t n) { return std::string(n, 'x'); }, {});
  l3.protocol = &full;
  full.OnMessage(true, kStart);
  EXPECT_EQ(l3.closed->code, 1013);
  EXPECT_EQ(l3.closed->phrase, "TRY_AGAIN_LATER");

  FakeLink l4;
  FakeUpstream::Calls c4;
  Ws2Session no_rng(l4, options_, nullptr, std::make_unique<FakeUpstream>(&c4), [](size_t) { return std::string(); },
                    {});
  l4.protocol = &no_rng;
  no_rng.OnMessage(true, kStart);
  EXPECT_EQ(l4.closed->phrase, "SERVER_ERROR");
  EXPECT_EQ(l4.written.size(), 1u);  // the CLOSE only: no ACCEPT without a challenge
}

TEST_F(Ws2SessionTest, ProtocolErrorsCloseWith1008) {
  struct Case {
    const char* what;
    std::vector<std::pair<bool, std::string>> frames;
  };
  const Case cases[] = {
      {"a FILE before START", {{false, File("sod", "S")}}},
      {"FINISH before START", {{true, Finish(true)}}},
      {"an unknown type byte", {{true, kStart}, {false, std::string("\x09\x01", 2)}}},
      {"a malformed FILE frame", {{true, kStart}, {false, std::string("\x01\x09" "dg1", 5)}}},
      {"a file sent twice", {{true, kStart}, {false, File("dg2", "a")}, {false, File("dg2", "a")}}},
      {"an unknown file", {{true, kStart}, {false, File("dg17", "a")}}},
      {"an APDU nobody asked for", {{true, kStart}, {false, std::string("\x02\x90\x00", 3)}}},
      {"not JSON", {{true, kStart}, {true, "{"}}},
      {"a server-only type", {{true, kStart}, {true, R"({"type":"ACCEPT"})"}}},
      {"FINISH without DG1", {{true, kStart}, {false, File("sod", "S")}, {true, Finish(true)}}},
  };
  for (const Case& c : cases) {
    FakeLink link;
    FakeUpstream::Calls calls;
    Ws2Session s(link, options_, nullptr, std::make_unique<FakeUpstream>(&calls),
                 [](size_t n) { return std::string(n, 'x'); }, {});
    link.protocol = &s;
    for (const auto& [text, data] : c.frames) s.OnMessage(text, data);
    ASSERT_TRUE(link.closed) << c.what;
    EXPECT_EQ(link.closed->code, 1008) << c.what;
    EXPECT_EQ(link.closed->phrase, "PROTOCOL_ERROR") << c.what;
    EXPECT_EQ(link.closed->outcome, "protocol_error") << c.what;
    EXPECT_EQ(Json::parse(link.written.back().data),
              (Json{{"type", "CLOSE"}, {"code", 1008}, {"reason", "PROTOCOL_ERROR"}}))
        << c.what;
    EXPECT_TRUE(calls.verify_requests.empty()) << c.what;
    EXPECT_EQ(s.state(), Ws2Session::State::kStopped) << c.what;
  }
}

TEST_F(Ws2SessionTest, FinishVerifiesOurChallengeDeliversThenSendsResult) {
  UpToFinish();
  EXPECT_EQ(session_->state(), Ws2Session::State::kVerifying);
  EXPECT_FALSE(idle().armed());  // the server's turn now
  ASSERT_EQ(calls_.verify_requests.size(), 1u);
  const v1::V2VerifyRequest& r = calls_.verify_requests[0];
  EXPECT_EQ(r.session_id(), "0123456789abcdef");
  EXPECT_EQ(r.sod(), "S");
  EXPECT_FALSE(r.has_com());
  EXPECT_EQ(r.data_groups().size(), 2u);
  EXPECT_EQ(r.data_groups().at(1), "M");
  EXPECT_EQ(r.data_groups().at(15), "K");
  EXPECT_EQ(r.aa_challenge(), "AAAAAAAA");  // the challenge of ACCEPT, never the phone's
  EXPECT_EQ(r.aa_signature(), "sig");
  EXPECT_EQ(r.chip_authentication_result(), v1::UNAVAILABLE);
  EXPECT_EQ(calls_.verify_deadlines[0], absl::FromUnixSeconds(1000) + absl::Seconds(60));

  Verified(grpc::Status::OK, Result());
  EXPECT_EQ(session_->state(), Ws2Session::State::kPosting);
  ASSERT_EQ(calls_.deliver_requests.size(), 1u);
  EXPECT_EQ(calls_.deliver_requests[0].client_id(), "demo");
  EXPECT_EQ(calls_.deliver_requests[0].validation_id(), "val-7");
  EXPECT_TRUE(calls_.deliver_requests[0].result().passive_authentication());
  EXPECT_FALSE(link_.closed);  // nothing to the phone before the Result Server has it

  const size_t before = link_.written.size();
  Delivered(true);
  ASSERT_EQ(link_.written.size(), before + 2);
  Json result = Json::parse(link_.written[before].data);
  EXPECT_EQ(result["type"], "RESULT");
  EXPECT_EQ(result["passport"]["passiveAuthentication"], true);
  EXPECT_EQ(result["passport"]["activeAuthenticationResult"], "SUCCESS");
  EXPECT_FALSE(result["passport"].contains("passive_authentication"));
  EXPECT_EQ(LastText(), (Json{{"type", "CLOSE"}, {"code", 1000}, {"reason", ""}}));
  EXPECT_EQ(CloseCode(), 1000);
  EXPECT_EQ(ClosePhrase(), "");
  EXPECT_EQ(link_.closed->outcome, "success");
}

TEST_F(Ws2SessionTest, NoResultFrameUnlessFinishAskedForIt) {
  UpToFinish(/*send_result=*/false, /*signature=*/"");
  EXPECT_FALSE(calls_.verify_requests.at(0).has_aa_signature());
  Verified(grpc::Status::OK, Result());
  const size_t before = link_.written.size();
  Delivered(true);
  ASSERT_EQ(link_.written.size(), before + 1);
  EXPECT_EQ(LastText()["type"], "CLOSE");
  EXPECT_EQ(CloseCode(), 1000);
}

TEST_F(Ws2SessionTest, AFailedDeliveryIsNoResult) {
  UpToFinish();
  Verified(grpc::Status::OK, Result());
  Delivered(false);
  EXPECT_EQ(ClosePhrase(), "POST_TO_RESULT_SERVER_FAILED");
  EXPECT_EQ(CloseCode(), 1011);
  for (const Written& w : link_.written) EXPECT_NE(Json::parse(w.data)["type"], "RESULT");
}

TEST_F(Ws2SessionTest, RefusalsOfTheVerdictCloseWithTheirReason) {
  const std::pair<v1::V2Refusal, std::pair<int, const char*>> cases[] = {
      {v1::V2_REFUSAL_PROTOCOL_ERROR, {1008, "PROTOCOL_ERROR"}},
      {v1::V2_REFUSAL_FILE_READ_ERROR, {1011, "FILE_READ_ERROR"}},
      {v1::V2_REFUSAL_READER_ERROR, {1011, "EMRTD_PASSPORT_READER_ERROR"}},
  };
  for (const auto& [refusal, expected] : cases) {
    FakeLink link;
    FakeUpstream::Calls calls;
    Ws2Session s(link, options_, nullptr, std::make_unique<FakeUpstream>(&calls),
                 [](size_t n) { return std::string(n, 'x'); }, {});
    link.protocol = &s;
    s.OnMessage(true, kStart);
    s.OnMessage(false, File("sod", "S"));
    s.OnMessage(false, File("dg1", "M"));
    s.OnMessage(true, Finish(true));
    v1::V2VerifyResponse response;
    response.set_refusal(refusal);
    response.set_detail("why");
    calls.verify_done(grpc::Status::OK, response);
    ASSERT_TRUE(link.closed);
    EXPECT_EQ(link.closed->code, expected.first);
    EXPECT_EQ(link.closed->phrase, expected.second);
    EXPECT_TRUE(calls.deliver_requests.empty());
  }
}

TEST_F(Ws2SessionTest, AnUnreachableValidatorIsTriedOnceMore) {
  UpToFinish();
  Verified(grpc::Status(grpc::StatusCode::UNAVAILABLE, "gone"));
  ASSERT_EQ(calls_.verify_requests.size(), 2u);  // the same files again
  EXPECT_EQ(calls_.verify_requests[1].sod(), "S");
  EXPECT_EQ(calls_.verify_requests[1].aa_challenge(), "AAAAAAAA");
  EXPECT_FALSE(link_.closed);
  Verified(grpc::Status(grpc::StatusCode::UNAVAILABLE, "gone again"));
  EXPECT_EQ(ClosePhrase(), "SERVER_ERROR");
  EXPECT_EQ(calls_.verify_requests.size(), 2u);
}

TEST_F(Ws2SessionTest, AValidatorOverItsCapIsTryAgainLater) {
  UpToFinish();
  Verified(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "full"));
  EXPECT_EQ(CloseCode(), 1013);
  EXPECT_EQ(calls_.verify_requests.size(), 1u);
}

TEST_F(Ws2SessionTest, ASilentPhoneTimesOut) {
  Text(kStart);
  Binary(File("sod", "S"));
  EXPECT_TRUE(idle().armed());
  idle().Fire();
  EXPECT_EQ(CloseCode(), 1001);
  EXPECT_EQ(ClosePhrase(), "TIMEOUT_WHILE_WAITING_FOR_RESPONSE");
}

class Ws2ChipAuthTest : public Ws2SessionTest {
 protected:
  void HandOver(const std::string& start = kStart) {
    Text(start);
    Binary(File("sod", "S"));
    Binary(File("dg14", "C"));
    const std::string key = absl::Base64Escape(std::string(16, 'k'));
    Text(absl::StrCat(R"({"type":"CA_HANDOVER","maxTransceiveLengthForSecureMessaging":255,"maxBlockSize":223,)",
                      R"("secureMessagingInfo":{"algorithm":"AES","encKey":")", key, R"(","macKey":")", key,
                      R"(","ssc":7}})"));
  }
  void Event(const v1::SessionEvent& e) { calls_.ca_event(e); }
  static v1::SessionEvent Command(const std::string& apdu) {
    v1::SessionEvent e;
    e.set_command_apdu(apdu);
    return e;
  }
  static v1::SessionEvent Outcome(v1::CheckResult check, bool keys, const char* dg1) {
    v1::SessionEvent e;
    v1::V2ChipAuthOutcome* o = e.mutable_v2_chip_authentication();
    o->set_check_result(check);
    if (keys) {
      o->mutable_keys()->set_aes(true);
      o->mutable_keys()->set_enc_key(std::string(16, 'E'));
      o->mutable_keys()->set_mac_key(std::string(16, 'M'));
      o->mutable_keys()->set_ssc(std::string(15, '\0') + "\x03");
    }
    if (dg1 != nullptr) o->set_dg1(dg1);
    return e;
  }
};

TEST_F(Ws2ChipAuthTest, TheValidatorRunsItThroughThePhoneAndHandsBackNewKeysAndDg1) {
  HandOver();
  ASSERT_EQ(calls_.ca_starts.size(), 1u);
  const v1::SessionStart& start = calls_.ca_starts[0].start();
  EXPECT_EQ(start.session_id(), "0123456789abcdef");
  EXPECT_TRUE(start.access_key().can().empty());
  EXPECT_EQ(start.max_command_bytes(), 255u);
  EXPECT_EQ(start.v2_chip_authentication().dg14(), "C");
  const v1::SecureMessagingState& keys = start.v2_chip_authentication().phone_keys();
  EXPECT_TRUE(keys.aes());
  EXPECT_EQ(keys.enc_key(), std::string(16, 'k'));
  EXPECT_EQ(keys.ssc(), std::string(15, '\0') + "\x07");  // the JSON integer as the AES block
  EXPECT_EQ(session_->phase(), ws2::Dialog::Phase::kChipAuthentication);
  EXPECT_FALSE(idle().armed());  // the validator's turn

  const size_t before = link_.written.size();
  Event(Command(std::string("\x0c\x22\x41\xa4", 4)));
  ASSERT_EQ(link_.written.size(), before + 1);
  EXPECT_FALSE(link_.written.back().text);
  EXPECT_EQ(link_.written.back().data, std::string("\x02\x0c\x22\x41\xa4", 5));
  EXPECT_TRUE(idle().armed());  // the phone's turn
  Binary(std::string("\x02\x90\x00", 3));
  EXPECT_EQ(calls_.ca_call->responses, std::vector<std::string>{std::string("\x90\x00", 2)});

  Event(Outcome(v1::SUCCESS, /*keys=*/true, "DG1"));
  ASSERT_EQ(link_.written.size(), before + 3);
  EXPECT_EQ(link_.written[before + 1].data, std::string("\x01\x03" "dg1" "DG1", 8));  // FILE dg1 first
  EXPECT_EQ(LastText(), (Json{{"type", "CA_HANDBACK"},
                              {"checkResult", "SUCCESS"},
                              {"secureMessagingInfo",
                               {{"algorithm", "AES"},
                                {"encKey", absl::Base64Escape(std::string(16, 'E'))},
                                {"macKey", absl::Base64Escape(std::string(16, 'M'))},
                                {"ssc", 3}}}}));
  EXPECT_EQ(session_->phase(), ws2::Dialog::Phase::kFilesAfterCa);
  Binary(File("dg2", "F"));
  Text(Finish(true));
  ASSERT_EQ(calls_.verify_requests.size(), 1u);
  EXPECT_EQ(calls_.verify_requests[0].data_groups().at(1), "DG1");  // the server's own read
  EXPECT_EQ(calls_.verify_requests[0].chip_authentication_result(), v1::SUCCESS);
}

TEST_F(Ws2ChipAuthTest, APhoneSendingDg1AfterTheServerReadItIsAProtocolError) {
  HandOver();
  Event(Outcome(v1::SUCCESS, true, "DG1"));
  Binary(File("dg1", "phone's"));
  EXPECT_EQ(ClosePhrase(), "PROTOCOL_ERROR");
}

TEST_F(Ws2ChipAuthTest, AFailedRunHandsBackNoKeysAndThePhoneSendsDg1) {
  HandOver();
  Event(Outcome(v1::FAILED, /*keys=*/false, nullptr));
  EXPECT_EQ(LastText(), (Json{{"type", "CA_HANDBACK"}, {"checkResult", "FAILED"}}));
  Binary(File("dg1", "M"));
  Text(Finish(true));
  ASSERT_EQ(calls_.verify_requests.size(), 1u);
  EXPECT_EQ(calls_.verify_requests[0].chip_authentication_result(), v1::FAILED);
}

TEST_F(Ws2ChipAuthTest, TheValidatorsFailureOrSilenceEndsTheSession) {
  HandOver();
  v1::SessionEvent failure;
  failure.mutable_failure()->set_reason(v1::EMRTD_PASSPORT_READER_ERROR);
  Event(failure);
  EXPECT_EQ(ClosePhrase(), "EMRTD_PASSPORT_READER_ERROR");
  EXPECT_EQ(calls_.ca_call->cancelled, 1);

  FakeLink link;
  FakeUpstream::Calls calls;
  Ws2Session s(link, options_, nullptr, std::make_unique<FakeUpstream>(&calls),
               [](size_t n) { return std::string(n, 'x'); }, {});
  link.protocol = &s;
  s.OnMessage(true, kStart);
  s.OnMessage(false, File("dg14", "C"));
  const std::string key = absl::Base64Escape(std::string(16, 'k'));
  s.OnMessage(true,
              absl::StrCat(R"({"type":"CA_HANDOVER","maxTransceiveLengthForSecureMessaging":255,"maxBlockSize":223,)",
                           R"("secureMessagingInfo":{"algorithm":"DESede","encKey":")", key, R"(","macKey":")", key,
                           R"(","ssc":1}})"));
  ASSERT_EQ(calls.ca_starts.size(), 1u);
  EXPECT_EQ(calls.ca_starts[0].start().v2_chip_authentication().phone_keys().ssc(), std::string(7, '\0') + "\x01");
  calls.ca_end(grpc::Status(grpc::StatusCode::UNAVAILABLE, "gone"));
  ASSERT_TRUE(link.closed);
  EXPECT_EQ(link.closed->phrase, "SERVER_ERROR");
}

TEST_F(Ws2ChipAuthTest, AFileDuringChipAuthenticationIsAProtocolErrorAndCancelsIt) {
  HandOver();
  Event(Command("\x0c\x22\x41\xa4"));
  Binary(File("dg2", "F"));
  EXPECT_EQ(ClosePhrase(), "PROTOCOL_ERROR");
  EXPECT_EQ(calls_.ca_call->cancelled, 1);
}

TEST_F(Ws2SessionTest, AMessageAfterFinishIsAProtocolErrorAndCancelsTheVerdict) {
  UpToFinish();
  Binary(File("dg2", "F"));
  EXPECT_EQ(ClosePhrase(), "PROTOCOL_ERROR");
  EXPECT_EQ(calls_.cancelled, 1);
  // The verdict that arrives anyway changes nothing.
  const size_t before = link_.written.size();
  Verified(grpc::Status::OK, Result());
  EXPECT_EQ(link_.written.size(), before);
  EXPECT_TRUE(calls_.deliver_requests.empty());
}

TEST_F(Ws2SessionTest, StopDuringDeliveryCancelsIt) {
  UpToFinish();
  Verified(grpc::Status::OK, Result());
  session_->Stop();  // the phone went away, or the session limit struck
  EXPECT_EQ(calls_.cancelled, 1);
  Delivered(true);
  EXPECT_TRUE(link_.written.size() >= 1 && LastText()["type"] == "ACCEPT");  // nothing after ACCEPT
  Text(kStart);  // a stopped session reads nothing
  EXPECT_FALSE(link_.closed);
}

// The session's trace (session_trace.h): a session recreated while spans are captured, with the app's
// traceparent in its handshake.
class Ws2TraceTest : public Ws2ChipAuthTest {
 protected:
  void Recreate(bool diagnostics) {
    link_.timers.clear();
    link_.written.clear();
    session_ = std::make_unique<Ws2Session>(
        link_, options_, nullptr, std::make_unique<FakeUpstream>(&calls_), [](size_t n) { return std::string(n, 'c'); },
        HeaderList{}, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    link_.protocol = session_.get();
    diagnostics_ = diagnostics;
  }
  // START (with enableDiagnostics as recreated), sod, dg14, CA_HANDOVER (HandOver()); one command and its answer,
  // the handback, dg2, FINISH, the verdict and the delivery.
  void WholeSession() {
    Json start = Json::parse(kStart);
    start["enableDiagnostics"] = diagnostics_;
    HandOver(start.dump());
    Event(Command(std::string("\x0c\x22\x41\xa4\x03\xAB\xCD\xEF", 8)));
    Binary(std::string("\x02\x12\x34\x90\x00", 5));
    Event(Outcome(v1::SUCCESS, /*keys=*/true, "DG1"));
    Binary(File("dg2", "FACE"));
    Text(Finish(true));
    Verified(grpc::Status::OK, Result());
    Delivered(true);
  }
  static std::vector<std::string> EventNames(const tracing::SpanData& s) {
    std::vector<std::string> out;
    for (const tracing::SpanEvent& e : s.events) out.push_back(e.name);
    return out;
  }
  bool diagnostics_ = false;
};

TEST_F(Ws2TraceTest, OneSpanWhoseContextEveryUpstreamCallCarries) {
  tracing::SpanCapture capture;
  Recreate(/*diagnostics=*/false);
  WholeSession();
  ASSERT_EQ(CloseCode(), 1000);
  std::vector<tracing::SpanData> spans = capture.spans();
  ASSERT_EQ(spans.size(), 1u);
  const tracing::SpanData& s = spans[0];
  EXPECT_EQ(s.name, "docval.session");
  EXPECT_EQ(tracing::ToHex(s.context.trace_id), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(tracing::ToHex(s.parent_span_id), "b7ad6b7169203331");
  // Chip Authentication, the verdict and the delivery: each the session span's child.
  ASSERT_EQ(calls_.traceparents.size(), 3u);
  for (const std::string& t : calls_.traceparents) {
    absl::StatusOr<tracing::SpanContext> c = tracing::ParseTraceparent(t);
    ASSERT_TRUE(c.ok()) << t;
    EXPECT_EQ(c->span_id, s.context.span_id);
  }
  EXPECT_FALSE(calls_.ca_starts.at(0).start().diagnostics());
  EXPECT_EQ(tracing::StringAttribute(s, "docval.protocol"), "ws2");
  EXPECT_EQ(tracing::StringAttribute(s, "docval.platform"), "android");
  EXPECT_EQ(tracing::StringAttribute(s, "docval.outcome"), "success");
  EXPECT_EQ(tracing::IntAttribute(s, "docval.close_code"), 1000);
  EXPECT_EQ(tracing::IntAttribute(s, "docval.round_trips"), 1);
  EXPECT_EQ(tracing::IntAttribute(s, "docval.files"), 3);  // sod, dg14, dg2; not the server's DG1
  EXPECT_EQ(tracing::IntAttribute(s, "docval.files.bytes"), 1 + 1 + 4);
  int64_t written = 0;
  for (const Written& w : link_.written) written += static_cast<int64_t>(w.data.size());
  const int64_t close_notice = static_cast<int64_t>(link_.closed->notice.size());
  EXPECT_EQ(tracing::IntAttribute(s, "docval.bytes_to_client"), written - close_notice);
  EXPECT_GT(tracing::IntAttribute(s, "docval.bytes_from_client"), 200);
  EXPECT_EQ(s.status, tracing::StatusCode::kOk);
  EXPECT_THAT(EventNames(s), ElementsAre("file", "file", "status", "status", "file", "status"));
  const std::string exported = capture.ExportBytes();
  EXPECT_EQ(exported.find("\xAB\xCD\xEF"), std::string::npos);  // the command's data
  EXPECT_EQ(exported.find("FACE"), std::string::npos);          // a file's content
  EXPECT_EQ(exported.find("9000"), std::string::npos);          // not even a status word
}

TEST_F(Ws2TraceTest, DiagnosticsReachTheValidatorAndAddHeadersAndStatusWords) {
  tracing::SpanCapture capture;
  Recreate(/*diagnostics=*/true);
  WholeSession();
  EXPECT_TRUE(calls_.ca_starts.at(0).start().diagnostics());
  std::vector<tracing::SpanData> spans = capture.spans();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_THAT(EventNames(spans[0]),
              ElementsAre("file", "file", "status", "command", "response", "status", "file", "status"));
  EXPECT_EQ(std::get<std::string>(spans[0].events[3].attributes[0].value), "0C2241A4");
  EXPECT_EQ(std::get<std::string>(spans[0].events[4].attributes[0].value), "9000");
  EXPECT_EQ(capture.ExportBytes().find("\xAB\xCD\xEF"), std::string::npos);
}

TEST_F(Ws2TraceTest, AConnectionDecidedCloseIsTheSpansOutcome) {
  tracing::SpanCapture capture;
  Recreate(false);
  Text(kStart);
  link_.Close(session_->CloseFor(CloseReason::kMaxSessionTimeExceeded));
  std::vector<tracing::SpanData> spans = capture.spans();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(tracing::StringAttribute(spans[0], "docval.outcome"), link_.closed->outcome);
  EXPECT_EQ(tracing::IntAttribute(spans[0], "docval.close_code"), link_.closed->code);
  EXPECT_EQ(spans[0].status, tracing::StatusCode::kError);
}

}  // namespace
}  // namespace docval::gateway
