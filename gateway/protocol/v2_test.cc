#include "gateway/protocol/v2.h"

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace docval::gateway::ws2 {
namespace {

using Json = nlohmann::json;

constexpr char kStart[] =
    R"({"type":"START","validationId":"v-1","clientId":"demo","platform":"iOS",
        "nfcAdapterSupportsExtendedLength":true,"enableDiagnostics":false,"future":{"x":1}})";
constexpr char kStartDiag[] =
    R"({"type":"START","validationId":"v-1","clientId":"demo","platform":"android",
        "nfcAdapterSupportsExtendedLength":false,"enableDiagnostics":true})";

std::string File(absl::string_view name, absl::string_view bytes) {
  std::string f(1, '\x01');
  f.push_back(static_cast<char>(name.size()));
  f.append(name.data(), name.size());
  f.append(bytes.data(), bytes.size());
  return f;
}

std::string Handover(absl::string_view alg = "AES", int key_len = 16, absl::string_view ssc = "7") {
  const std::string key = absl::Base64Escape(std::string(key_len, 'k'));
  return absl::StrCat(R"({"type":"CA_HANDOVER","maxTransceiveLengthForSecureMessaging":255,"maxBlockSize":223,)",
                      R"("secureMessagingInfo":{"algorithm":")", alg, R"(","encKey":")", key, R"(","macKey":")",
                      key, R"(","ssc":)", ssc, "}}");
}

std::string Finish(absl::string_view sig = "null") {
  return absl::StrCat(R"({"type":"FINISH","sendResult":true,"activeAuthenticationSignature":)", sig, "}");
}

template <typename T>
bool Is(const Event& e) {
  return std::holds_alternative<T>(e);
}

// The closing of a violation, or a failure naming the event actually reported.
std::string ClosingOf(const Event& e) {
  if (const auto* v = std::get_if<Violation>(&e)) return std::string(v->closing.name());
  return absl::StrCat("no violation (event ", e.index(), ")");
}

TEST(FileNamesTest, KnownSpellingsOnly) {
  EXPECT_EQ(FileSfi("sod"), kSfiSod);
  EXPECT_EQ(FileSfi("com"), kSfiCom);
  EXPECT_EQ(FileSfi("dg1"), 1);
  EXPECT_EQ(FileSfi("dg16"), 16);
  for (const char* bad : {"", "dg", "dg0", "dg17", "dg01", "DG1", "dg1 ", "dg+1", "dg-1", "sod2", "cvca", "dg1a"}) {
    EXPECT_EQ(FileSfi(bad), std::nullopt) << bad;
  }
  for (int sfi : {1, 2, 14, 15, 16, kSfiSod, kSfiCom}) EXPECT_EQ(FileSfi(FileName(sfi)), sfi);
  EXPECT_EQ(FileName(17), "");
}

TEST(BinaryFrameTest, ParsesFileAndApdu) {
  BinaryParse p = ParseBinaryFrame(File("dg14", std::string("\x6e\x01\x00", 3)));
  ASSERT_TRUE(std::holds_alternative<FileFrame>(p.frame)) << p.detail;
  EXPECT_EQ(std::get<FileFrame>(p.frame).sfi, 14);
  EXPECT_EQ(std::get<FileFrame>(p.frame).bytes, std::string("\x6e\x01\x00", 3));
  p = ParseBinaryFrame(std::string("\x02\x90\x00", 3));
  ASSERT_TRUE(std::holds_alternative<ApduFrame>(p.frame)) << p.detail;
  EXPECT_EQ(std::get<ApduFrame>(p.frame).raw, std::string("\x90\x00", 2));
  // What the server writes parses back to the same content.
  p = ParseBinaryFrame(FileFrameBytes(1, "abc"));
  ASSERT_TRUE(std::holds_alternative<FileFrame>(p.frame));
  EXPECT_EQ(std::get<FileFrame>(p.frame).sfi, 1);
  EXPECT_EQ(ApduFrameBytes(std::string("\x00\xb0", 2)), std::string("\x02\x00\xb0", 3));
}

TEST(BinaryFrameTest, RefusesMalformedFrames) {
  const std::string cases[] = {
      "",                                            // empty
      std::string("\x03\x90\x00", 3),                // unknown type byte
      std::string("\x00", 1),                        // unknown type byte 0
      std::string("\x02\x90", 2),                    // APDU shorter than SW1 SW2
      std::string("\x01", 1),                        // FILE without a name length
      std::string("\x01\x00\x61", 3),                // name length 0
      std::string("\x01\x05" "dg1", 5),              // name longer than the frame
      File("dg17", "x"),                             // unknown name
      File("dg1", ""),                               // no bytes
  };
  for (const std::string& c : cases) {
    BinaryParse p = ParseBinaryFrame(c);
    EXPECT_TRUE(std::holds_alternative<std::monostate>(p.frame)) << absl::CHexEscape(c.substr(0, 8));
    EXPECT_FALSE(p.detail.empty());
  }
  std::string longest(1 + 65538, 'r');  // type byte + the longest response APDU
  longest[0] = '\x02';
  EXPECT_TRUE(std::holds_alternative<ApduFrame>(ParseBinaryFrame(longest).frame));
  longest.push_back('r');
  EXPECT_TRUE(std::holds_alternative<std::monostate>(ParseBinaryFrame(longest).frame));
}

TEST(TextMessageTest, ParsesEachClientType) {
  TextParse p = ParseTextMessage(kStart);
  ASSERT_TRUE(std::holds_alternative<StartMessage>(p.message)) << p.detail;
  const auto& s = std::get<StartMessage>(p.message);
  EXPECT_EQ(s.validation_id, "v-1");
  EXPECT_EQ(s.client_id, "demo");
  EXPECT_EQ(s.platform, "ios");
  EXPECT_TRUE(s.nfc_adapter_supports_extended_length);
  EXPECT_FALSE(s.enable_diagnostics);

  p = ParseTextMessage(Handover("DESede", 16, "18446744073709551615"));
  ASSERT_TRUE(std::holds_alternative<CaHandover>(p.message)) << p.detail;
  const auto& h = std::get<CaHandover>(p.message);
  EXPECT_EQ(h.max_transceive_length, 255);
  EXPECT_EQ(h.max_block_size, 223);
  EXPECT_EQ(h.secure_messaging.algorithm, SecureMessagingInfo::Algorithm::kDesede);
  EXPECT_EQ(h.secure_messaging.enc_key, std::string(16, 'k'));
  EXPECT_EQ(h.secure_messaging.ssc, UINT64_MAX);

  p = ParseTextMessage(Finish(absl::StrCat("\"", absl::Base64Escape("sig"), "\"")));
  ASSERT_TRUE(std::holds_alternative<FinishMessage>(p.message)) << p.detail;
  EXPECT_EQ(std::get<FinishMessage>(p.message).aa_signature, "sig");
  EXPECT_TRUE(std::get<FinishMessage>(p.message).send_result);
  p = ParseTextMessage(R"({"type":"FINISH","sendResult":false})");
  ASSERT_TRUE(std::holds_alternative<FinishMessage>(p.message)) << p.detail;
  EXPECT_EQ(std::get<FinishMessage>(p.message).aa_signature, std::nullopt);

  p = ParseTextMessage(R"({"type":"MONITORING","message":"tag lost"})");
  ASSERT_TRUE(std::holds_alternative<MonitoringMessage>(p.message)) << p.detail;
  EXPECT_EQ(std::get<MonitoringMessage>(p.message).message, "tag lost");
}

TEST(TextMessageTest, BadStartIsInvalidStartMessageOtherwiseProtocolError) {
  const char* bad_starts[] = {
      R"({"type":"START","clientId":"a","platform":"ios","nfcAdapterSupportsExtendedLength":true})",
      R"({"type":"START","validationId":"v","clientId":5,"platform":"ios","nfcAdapterSupportsExtendedLength":true})",
      R"({"type":"START","validationId":"v","clientId":"a","platform":"windows","nfcAdapterSupportsExtendedLength":true})",
      R"({"type":"START","validationId":"v","clientId":"a","platform":"ios"})",
      R"({"type":"START","validationId":"v","clientId":"a","platform":"ios","nfcAdapterSupportsExtendedLength":1})",
      R"({"type":"START","validationId":"v","clientId":"a","platform":"ios","nfcAdapterSupportsExtendedLength":true,"enableDiagnostics":"yes"})",
      R"({"type":"START","validationId":"","clientId":"a","platform":"ios","nfcAdapterSupportsExtendedLength":true})",
  };
  for (const char* t : bad_starts) {
    TextParse p = ParseTextMessage(t);
    EXPECT_TRUE(std::holds_alternative<std::monostate>(p.message)) << t;
    EXPECT_EQ(p.closing.name(), "INVALID_START_MESSAGE") << t;
  }
  const std::string protocol_errors[] = {
      "not json",
      "[1]",
      "{}",
      R"({"type":1})",
      R"({"type":"HELLO"})",
      R"({"type":"ACCEPT"})",
      R"({"type":"CLOSE","code":1000})",
      R"({"type":"FINISH"})",
      R"({"type":"FINISH","sendResult":"yes"})",
      Finish("\"not base64!\""),
      Finish("\"\""),
      Finish(absl::StrCat("\"", absl::Base64Escape(std::string(513, 's')), "\"")),
      R"({"type":"MONITORING"})",
      absl::StrCat(R"({"type":"MONITORING","message":")", std::string(4097, 'm'), "\"}"),
      Handover("RSA"),
      Handover("AES", 15),
      Handover("DESede", 32),
      Handover("AES", 16, "-1"),
      Handover("AES", 16, "1.5"),
      Handover("AES", 16, "\"7\""),
      R"({"type":"CA_HANDOVER","maxTransceiveLengthForSecureMessaging":0,"maxBlockSize":1,"secureMessagingInfo":{}})",
  };
  for (const std::string& t : protocol_errors) {
    TextParse p = ParseTextMessage(t);
    EXPECT_TRUE(std::holds_alternative<std::monostate>(p.message)) << t.substr(0, 80);
    EXPECT_TRUE(p.closing.is_protocol_error()) << t.substr(0, 80);
    EXPECT_EQ(p.closing.code(), 1008);
    EXPECT_FALSE(p.detail.empty());
  }
}

TEST(ServerFramesTest, WriteTheDocumentedShapes) {
  Json accept = Json::parse(AcceptFrame(std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8)));
  EXPECT_EQ(accept["type"], "ACCEPT");
  EXPECT_EQ(accept["activeAuthenticationChallenge"], "AQIDBAUGBwg=");

  SecureMessagingInfo sm{SecureMessagingInfo::Algorithm::kAes, std::string(16, 'e'), std::string(16, 'm'), 42};
  Json hb = Json::parse(CaHandbackFrame(CaCheckResult::kSuccess, &sm));
  EXPECT_EQ(hb["type"], "CA_HANDBACK");
  EXPECT_EQ(hb["checkResult"], "SUCCESS");
  EXPECT_EQ(hb["secureMessagingInfo"]["algorithm"], "AES");
  EXPECT_EQ(hb["secureMessagingInfo"]["ssc"], 42);
  EXPECT_EQ(hb["secureMessagingInfo"]["encKey"], absl::Base64Escape(std::string(16, 'e')));
  Json failed = Json::parse(CaHandbackFrame(CaCheckResult::kFailed, nullptr));
  EXPECT_EQ(failed["checkResult"], "FAILED");
  EXPECT_FALSE(failed.contains("secureMessagingInfo"));

  Json close = Json::parse(CloseFrame(Closing::ProtocolError()));
  EXPECT_EQ(close, Json::parse(R"({"type":"CLOSE","code":1008,"reason":"PROTOCOL_ERROR"})"));
  close = Json::parse(CloseFrame(Closing::Of(CloseReason::kSuccess)));
  EXPECT_EQ(close, Json::parse(R"({"type":"CLOSE","code":1000,"reason":""})"));
  EXPECT_EQ(Closing::ProtocolError().label(), "protocol_error");
  EXPECT_EQ(Closing::Of(CloseReason::kSuccess).label(), "success");
}

TEST(ServerFramesTest, ResultEmbedsThePassportAsGiven) {
  const std::string frame = ResultFrame(R"({"sodInfo":{"hashAlgorithm":"SHA-256"},"mrzInfo":null})");
  EXPECT_EQ(frame, R"({"type":"RESULT","passport":{"sodInfo":{"hashAlgorithm":"SHA-256"},"mrzInfo":null}})");
  Json r = Json::parse(frame);
  EXPECT_EQ(r["passport"]["sodInfo"]["hashAlgorithm"], "SHA-256");
}

class DialogTest : public ::testing::Test {
 protected:
  void Started(const char* start = kStart) { ASSERT_TRUE(Is<StartReceived>(d_.OnText(start))); }
  void Sent(absl::string_view name, absl::string_view bytes = "x") {
    Event e = d_.OnBinary(File(name, bytes));
    ASSERT_TRUE(Is<FileReceived>(e)) << ClosingOf(e);
  }
  Dialog d_;
};

TEST_F(DialogTest, FilesOnlySessionWithAa) {
  Started();
  EXPECT_EQ(d_.phase(), Dialog::Phase::kFiles);
  Sent("com");
  Sent("sod");
  Sent("dg1", "mrz");
  Sent("dg15");
  Event e = d_.OnText(Finish(absl::StrCat("\"", absl::Base64Escape("signature"), "\"")));
  ASSERT_TRUE(Is<FinishReceived>(e)) << ClosingOf(e);
  EXPECT_EQ(std::get<FinishReceived>(e).finish.aa_signature, "signature");
  EXPECT_EQ(d_.phase(), Dialog::Phase::kFinished);
  EXPECT_EQ(d_.files().at(1), "mrz");
  EXPECT_EQ(d_.file_bytes(), 6u);
  EXPECT_EQ(ClosingOf(d_.OnBinary(File("dg2", "x"))), "PROTOCOL_ERROR");  // nothing after FINISH
}

TEST_F(DialogTest, ChipAuthenticationSession) {
  Started();
  Sent("sod");
  Sent("dg14");
  Event e = d_.OnText(Handover());
  ASSERT_TRUE(Is<HandoverReceived>(e)) << ClosingOf(e);
  EXPECT_EQ(d_.phase(), Dialog::Phase::kChipAuthentication);
  ASSERT_TRUE(d_.CommandSent());
  EXPECT_FALSE(d_.CommandSent());  // one at a time
  EXPECT_FALSE(d_.HandbackSent("dg1"));
  e = d_.OnBinary(std::string("\x02\x90\x00", 3));
  ASSERT_TRUE(Is<ApduResponseReceived>(e)) << ClosingOf(e);
  EXPECT_EQ(std::get<ApduResponseReceived>(e).raw, std::string("\x90\x00", 2));
  ASSERT_TRUE(d_.HandbackSent("server dg1"));
  EXPECT_TRUE(d_.dg1_from_server());
  EXPECT_EQ(d_.phase(), Dialog::Phase::kFilesAfterCa);
  EXPECT_FALSE(d_.CommandSent());
  Sent("dg2");
  EXPECT_EQ(ClosingOf(d_.OnBinary(File("dg1", "phone dg1"))), "PROTOCOL_ERROR");  // the server has it
}

TEST_F(DialogTest, HandbackWithoutDg1LetsThePhoneSendIt) {
  Started();
  Sent("sod");
  Sent("dg14");
  ASSERT_TRUE(Is<HandoverReceived>(d_.OnText(Handover())));
  ASSERT_TRUE(d_.HandbackSent(std::nullopt));
  EXPECT_FALSE(d_.dg1_from_server());
  Sent("dg1");
  EXPECT_TRUE(Is<FinishReceived>(d_.OnText(Finish())));
}

TEST_F(DialogTest, OrderViolationsAreProtocolErrors) {
  struct Case {
    const char* what;
    std::function<Event(Dialog&)> run;
  };
  const Case cases[] = {
      {"file before START", [](Dialog& d) { return d.OnBinary(File("sod", "x")); }},
      {"FINISH before START", [](Dialog& d) { return d.OnText(Finish()); }},
      {"START twice",
       [](Dialog& d) {
         d.OnText(kStart);
         return d.OnText(kStart);
       }},
      {"file twice",
       [](Dialog& d) {
         d.OnText(kStart);
         d.OnBinary(File("dg2", "a"));
         return d.OnBinary(File("dg2", "b"));
       }},
      {"handover without DG14",
       [](Dialog& d) {
         d.OnText(kStart);
         return d.OnText(Handover());
       }},
      {"handover after DG1",
       [](Dialog& d) {
         d.OnText(kStart);
         d.OnBinary(File("dg14", "a"));
         d.OnBinary(File("dg1", "a"));
         return d.OnText(Handover());
       }},
      {"handover twice",
       [](Dialog& d) {
         d.OnText(kStart);
         d.OnBinary(File("dg14", "a"));
         d.OnText(Handover());
         d.HandbackSent(std::nullopt);
         return d.OnText(Handover());
       }},
      {"APDU outside CA",
       [](Dialog& d) {
         d.OnText(kStart);
         return d.OnBinary(std::string("\x02\x90\x00", 3));
       }},
      {"APDU nobody asked for",
       [](Dialog& d) {
         d.OnText(kStart);
         d.OnBinary(File("dg14", "a"));
         d.OnText(Handover());
         return d.OnBinary(std::string("\x02\x90\x00", 3));
       }},
      {"file during CA",
       [](Dialog& d) {
         d.OnText(kStart);
         d.OnBinary(File("dg14", "a"));
         d.OnText(Handover());
         return d.OnBinary(File("sod", "x"));
       }},
      {"FINISH during CA",
       [](Dialog& d) {
         d.OnText(kStart);
         d.OnBinary(File("dg14", "a"));
         d.OnText(Handover());
         return d.OnText(Finish());
       }},
      {"FINISH without SOD",
       [](Dialog& d) {
         d.OnText(kStart);
         d.OnBinary(File("dg1", "a"));
         return d.OnText(Finish());
       }},
      {"FINISH without DG1",
       [](Dialog& d) {
         d.OnText(kStart);
         d.OnBinary(File("sod", "a"));
         return d.OnText(Finish());
       }},
      {"AA signature without DG15",
       [](Dialog& d) {
         d.OnText(kStart);
         d.OnBinary(File("sod", "a"));
         d.OnBinary(File("dg1", "a"));
         return d.OnText(Finish("\"c2ln\""));
       }},
      {"FINISH twice",
       [](Dialog& d) {
         d.OnText(kStart);
         d.OnBinary(File("sod", "a"));
         d.OnBinary(File("dg1", "a"));
         d.OnText(Finish());
         return d.OnText(Finish());
       }},
      {"MONITORING outside diagnostics",
       [](Dialog& d) {
         d.OnText(kStart);
         return d.OnText(R"({"type":"MONITORING","message":"m"})");
       }},
      {"unknown type byte",
       [](Dialog& d) {
         d.OnText(kStart);
         return d.OnBinary(std::string("\x07\x01", 2));
       }},
      {"unknown text type",
       [](Dialog& d) {
         d.OnText(kStart);
         return d.OnText(R"({"type":"RESULT"})");
       }},
      {"malformed FILE",
       [](Dialog& d) {
         d.OnText(kStart);
         return d.OnBinary(
             std::string("\x01\x09"
                         "dg1",
                         5));
       }},
  };
  for (const Case& c : cases) {
    Dialog d;
    Event e = c.run(d);
    EXPECT_EQ(ClosingOf(e), "PROTOCOL_ERROR") << c.what;
    EXPECT_EQ(d.phase(), Dialog::Phase::kClosed) << c.what;
    // Once closed, every later frame reports the same violation.
    EXPECT_EQ(ClosingOf(d.OnText(kStart)), "PROTOCOL_ERROR") << c.what;
  }
}

TEST_F(DialogTest, MonitoringInADiagnosticSession) {
  Started(kStartDiag);
  EXPECT_TRUE(d_.diagnostics());
  Event e = d_.OnText(R"({"type":"MONITORING","message":"reading dg2"})");
  ASSERT_TRUE(Is<MonitoringReceived>(e)) << ClosingOf(e);
  EXPECT_EQ(std::get<MonitoringReceived>(e).message, "reading dg2");
}

TEST_F(DialogTest, SizeLimitsAreMessageTooBig) {
  Started();
  EXPECT_EQ(ClosingOf(d_.OnText(std::string(kMaxTextFrameBytes + 1, ' '))), "MESSAGE_TOO_BIG");
  Dialog d;
  ASSERT_TRUE(Is<StartReceived>(d.OnText(kStart)));
  std::string frame = File("dg2", std::string(kMaxFileBytes, 'b'));
  frame.resize(kMaxBinaryFrameBytes + 1, 'b');
  Event e = d.OnBinary(frame);
  EXPECT_EQ(ClosingOf(e), "MESSAGE_TOO_BIG");
  EXPECT_EQ(std::get<Violation>(e).closing.code(), 1009);
}

// The core's caps of a chip read by the server (docs/limits.md), per file type and per session.
TEST_F(DialogTest, FilesOverTheCoresCapsAreReaderErrors) {
  const emrtd::SessionLimits limits;
  EXPECT_EQ(kMaxFileBytes, limits.max_biometric_dg_bytes);
  EXPECT_EQ(kMaxSessionFileBytes, limits.max_total_bytes);
  struct Case {
    const char* name;
    size_t cap;
  };
  for (const Case& c : {Case{"sod", limits.max_sod_bytes}, Case{"com", limits.max_com_bytes},
                        Case{"dg1", limits.max_dg1_bytes}, Case{"dg2", limits.max_biometric_dg_bytes},
                        Case{"dg7", limits.max_image_dg_bytes}, Case{"dg14", limits.max_security_dg_bytes},
                        Case{"dg15", limits.max_security_dg_bytes}, Case{"dg16", limits.max_other_dg_bytes}}) {
    Dialog at;
    ASSERT_TRUE(Is<StartReceived>(at.OnText(kStart)));
    EXPECT_TRUE(Is<FileReceived>(at.OnBinary(File(c.name, std::string(c.cap, 'b'))))) << c.name;
    Dialog over;
    ASSERT_TRUE(Is<StartReceived>(over.OnText(kStart)));
    Event e = over.OnBinary(File(c.name, std::string(c.cap + 1, 'b')));
    EXPECT_EQ(ClosingOf(e), "EMRTD_PASSPORT_READER_ERROR") << c.name;
    EXPECT_TRUE(over.files().empty()) << c.name;
  }
  // All files together: DG2-DG4 (256 KiB each) and DG5, DG6 (128 KiB each) make 1 MiB exactly.
  Dialog d;
  ASSERT_TRUE(Is<StartReceived>(d.OnText(kStart)));
  for (const char* name : {"dg2", "dg3", "dg4"}) {
    ASSERT_TRUE(Is<FileReceived>(d.OnBinary(File(name, std::string(limits.max_biometric_dg_bytes, 'b'))))) << name;
  }
  for (const char* name : {"dg5", "dg6"}) {
    ASSERT_TRUE(Is<FileReceived>(d.OnBinary(File(name, std::string(limits.max_image_dg_bytes, 'b'))))) << name;
  }
  EXPECT_EQ(d.file_bytes(), limits.max_total_bytes);
  Event e = d.OnBinary(File("dg7", "x"));
  EXPECT_EQ(ClosingOf(e), "EMRTD_PASSPORT_READER_ERROR");
  EXPECT_EQ(std::get<Violation>(e).closing.code(), 1011);
}

TEST_F(DialogTest, WipeFilesDropsThem) {
  Started();
  Sent("sod", "s");
  Sent("dg1", "m");
  d_.WipeFiles();
  EXPECT_TRUE(d_.files().empty());
}

TEST_F(DialogTest, BadStartEndsWithInvalidStartMessage) {
  Event e = d_.OnText(R"({"type":"START","validationId":"v"})");
  EXPECT_EQ(ClosingOf(e), "INVALID_START_MESSAGE");
  EXPECT_EQ(d_.phase(), Dialog::Phase::kClosed);
}

}  // namespace
}  // namespace docval::gateway::ws2
