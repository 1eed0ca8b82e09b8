#include "validator/emrtd/auth/active_auth.h"

#include <nlohmann/json.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "validator/emrtd/chip_error.h"
#include "validator/emrtd/crypto/x509.h"
#include "validator/emrtd/lds/dg15.h"
#include "validator/emrtd/testing/scripted_chip.h"
#include "validator/emrtd/testing/vectors.h"

namespace docval::emrtd {
namespace {

using Status = ActiveAuthOutcome::Status;

using testing::HexField;
using testing::ScriptedChip;

nlohmann::json RsaVectors() { return testing::LoadVector("active-authentication-vectors.json")["cases"]; }
nlohmann::json EcdsaCases() { return testing::LoadPkiJson("aa_ecdsa.json")["cases"]; }
Bytes Spki(const nlohmann::json& dg15) { return *ParseDg15(HexField(dg15)); }

// gmrtd's real 1792-bit passport: INTERNAL AUTHENTICATE under 3DES secure messaging, the command
// byte for byte, the response unwrapped and verified, the SSC advanced by two.
TEST(ActiveAuth, GmrtdRsa1792UnderSecureMessaging) {
  nlohmann::json c = RsaVectors()["gmrtd_real_rsa1792_sm_3des"];
  CardLink link(LinkLimits{.extended_length = false});
  ChipChannel channel(link);
  channel.StartSecureMessaging(SessionKeys{.cipher = SmCipher::k3Des,
                                           .ks_enc = ToSecure(HexField(c["sm_before"]["ks_enc"])),
                                           .ks_mac = ToSecure(HexField(c["sm_before"]["ks_mac"])),
                                           .ssc = ToSecure(HexField(c["sm_before"]["ssc"]))});
  ScriptedRandom rng;
  rng.Add("aa.challenge", HexField(c["challenge_rnd_ifd"]));
  ScriptedChip chip({{HexField(c["apdus"][0]["cmd"]), HexField(c["apdus"][0]["rsp"])}});
  Task<absl::StatusOr<ActiveAuthOutcome>> task = PerformActiveAuthentication(channel, Spki(c["dg15"]), "", rng);
  absl::StatusOr<ActiveAuthOutcome> o = RunDialog(task, link, std::ref(chip));
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(chip.used(), 1u);
  EXPECT_EQ(o->status, Status::kVerified) << o->detail;
  EXPECT_EQ(o->challenge, HexField(c["challenge_rnd_ifd"]));
  EXPECT_EQ(o->signature, HexField(c["signature"]));
  EXPECT_EQ(ToHex(FromSecure(channel.sm()->keys().ssc)), c["sm_after_expected"]["ssc"].get<std::string>());
  EXPECT_EQ(ActiveAuthenticationResult(*o, true), CheckResult::kSuccess);
  EXPECT_EQ(ActiveAuthenticationResult(*o, false), CheckResult::kFailed);  // key not bound by PA: a clone could pass
}

TEST(ActiveAuth, PymrtdRsa1024Signatures) {
  nlohmann::json c = RsaVectors()["pymrtd_real_rsa1024"];
  Bytes spki = Spki(c["dg15"]);
  for (const auto& s : c["signatures"]) {
    ActiveAuthOutcome o = VerifyActiveAuthentication(spki, HexField(s["challenge_M2"]), HexField(s["signature"]));
    EXPECT_EQ(o.status, Status::kVerified) << o.detail;
    Bytes flipped = HexField(s["signature"]);
    flipped[7] ^= 0x20;
    o = VerifyActiveAuthentication(spki, HexField(s["challenge_M2"]), flipped);
    EXPECT_EQ(o.status, Status::kFailed);
    EXPECT_EQ(ActiveAuthenticationResult(o, true), CheckResult::kFailed);
  }
}

TEST(ActiveAuth, EcdsaPlainAndDerWithAndWithoutActiveAuthenticationInfo) {
  for (const auto& c : EcdsaCases()) {
    SCOPED_TRACE(c["curve"].get<std::string>());
    Bytes spki = Spki(c["dg15"]);
    std::string oid = c["aa_signature_algorithm"];
    for (const char* field : {"signature_plain", "signature_der"}) {
      SCOPED_TRACE(field);
      Bytes sig = HexField(c[field]);
      EXPECT_EQ(VerifyActiveAuthentication(spki, HexField(c["challenge"]), sig, oid).status, Status::kVerified);
      EXPECT_EQ(VerifyActiveAuthentication(spki, HexField(c["challenge"]), sig, "").status, Status::kVerified);
      Bytes flipped = sig;
      flipped[flipped.size() - 3] ^= 0x01;
      EXPECT_EQ(VerifyActiveAuthentication(spki, HexField(c["challenge"]), flipped, oid).status, Status::kFailed);
      Bytes other = HexField(c["challenge"]);
      other[0] ^= 0x80;
      EXPECT_EQ(VerifyActiveAuthentication(spki, other, sig, oid).status, Status::kFailed);
      // The wrong hash named by ActiveAuthenticationInfo fails.
      EXPECT_EQ(VerifyActiveAuthentication(spki, HexField(c["challenge"]), sig, "0.4.0.127.0.7.1.1.4.1.1").status,
                Status::kFailed);
    }
  }
}

TEST(ActiveAuth, PlainProtocolAndChipRefusals) {
  nlohmann::json c = EcdsaCases()[0];
  Bytes challenge = HexField(c["challenge"]);
  Bytes cmd = Concat({HexOrDie("0088000008"), challenge, HexOrDie("00")});
  struct Reply {
    Bytes response;
    Status expected;
  };
  for (const Reply& r : {Reply{Concat({HexField(c["signature_plain"]), HexOrDie("9000")}), Status::kVerified},
                         Reply{HexOrDie("6A88"), Status::kUnavailable}, Reply{HexOrDie("6A81"), Status::kUnavailable},
                         Reply{HexOrDie("6D00"), Status::kUnavailable}, Reply{HexOrDie("6982"), Status::kFailed},
                         Reply{HexOrDie("0102039000"), Status::kFailed}}) {
    CardLink link;
    ChipChannel channel(link);
    ScriptedRandom rng;
    rng.Add("aa.challenge", challenge);
    ScriptedChip chip({{cmd, r.response}});
    Task<absl::StatusOr<ActiveAuthOutcome>> task =
        PerformActiveAuthentication(channel, Spki(c["dg15"]), c["aa_signature_algorithm"], rng);
    absl::StatusOr<ActiveAuthOutcome> o = RunDialog(task, link, std::ref(chip));
    ASSERT_TRUE(o.ok()) << o.status();
    EXPECT_EQ(o->status, r.expected) << ToHex(r.response) << " " << o->detail;
    if (r.expected == Status::kUnavailable) {
      EXPECT_EQ(ActiveAuthenticationResult(*o, true), CheckResult::kUnavailable);
    }
  }
}

// The chip's refusals and wrong signatures are outcomes (above); what ends the dialog is an error
// status, with its kind when it is the chip's: a transport failure (the driver's, as it is), an answer
// in 61xx parts without end, a plain answer under secure messaging.
TEST(ActiveAuth, FailuresThatEndTheDialogAreErrorsWithTheirKinds) {
  nlohmann::json c = EcdsaCases()[0];
  struct Case {
    const char* name;
    bool secure;
    Bytes answer;  // empty: the driver fails
    absl::StatusCode code;
    std::optional<ChipErrorKind> kind;
  };
  const Case cases[] = {
      {"transport", false, {}, absl::StatusCode::kUnavailable, std::nullopt},
      {"61xx without end", false, Concat({Bytes(256, 0xAB), HexOrDie("6100")}), absl::StatusCode::kDataLoss,
       ChipErrorKind::kAnswerTooLong},
      {"plain under SM", true, HexOrDie("6A88"), absl::StatusCode::kDataLoss, ChipErrorKind::kSecureMessagingBroken},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.name);
    CardLink link;
    ChipChannel channel(link);
    if (k.secure) {
      channel.StartSecureMessaging(SessionKeys{.cipher = SmCipher::k3Des,
                                               .ks_enc = SecureBytes(16, 0x01),
                                               .ks_mac = SecureBytes(16, 0x02),
                                               .ssc = SecureBytes(8, 0x00)});
    }
    ScriptedRandom rng;
    rng.Add("aa.challenge", HexField(c["challenge"]));
    Task<absl::StatusOr<ActiveAuthOutcome>> task = PerformActiveAuthentication(channel, Spki(c["dg15"]), "", rng);
    size_t commands = 0;
    absl::StatusOr<ActiveAuthOutcome> o = RunDialog(task, link, [&](ByteSpan) -> absl::StatusOr<Bytes> {
      ++commands;
      if (k.answer.empty()) return absl::UnavailableError("gone");
      return k.answer;
    });
    EXPECT_EQ(o.status().code(), k.code) << o.status();
    const std::optional<ChipError> e = ChipErrorOf(o.status());
    EXPECT_EQ(e ? std::optional<ChipErrorKind>(e->kind) : std::nullopt, k.kind) << o.status();
    EXPECT_LE(commands, 258u);  // 65536 bytes in 256-byte parts, then no more
  }
}

TEST(ActiveAuth, LargeKeysGoExtendedOrShortWithLe00) {
  // An RSA-2048 key (any SPKI will do for the APDU decision): under secure messaging its 256-byte
  // signature no longer fits a short response, so the command goes extended when the link allows it,
  // else short with Le '00' (the answer then comes in parts, reader_test.cc).
  Bytes spki = x509::Certificate::FromDer(testing::ReadPki("ds_rsa.der"))->spki();
  nlohmann::json c = RsaVectors()["gmrtd_real_rsa1792_sm_3des"];
  SessionKeys keys{.cipher = SmCipher::k3Des,
                   .ks_enc = ToSecure(HexField(c["sm_before"]["ks_enc"])),
                   .ks_mac = ToSecure(HexField(c["sm_before"]["ks_mac"])),
                   .ssc = ToSecure(HexField(c["sm_before"]["ssc"]))};
  {
    CardLink link(LinkLimits{.extended_length = false});
    ChipChannel channel(link);
    channel.StartSecureMessaging(keys);
    ScriptedRandom rng;
    rng.Add("aa.challenge", HexOrDie("0102030405060708"));
    Bytes sent;
    Task<absl::StatusOr<ActiveAuthOutcome>> task = PerformActiveAuthentication(channel, spki, "", rng);
    absl::StatusOr<ActiveAuthOutcome> o = RunDialog(task, link, [&sent](ByteSpan cmd) -> absl::StatusOr<Bytes> {
      sent.assign(cmd.begin(), cmd.end());
      return absl::UnavailableError("test ends here");
    });
    EXPECT_FALSE(o.ok());
    ASSERT_GT(sent.size(), 6u);
    EXPECT_EQ(ToHex(ByteSpan(sent).subspan(0, 4)), "0C880000");
    EXPECT_LE(sent.size(), 261u);                                      // short
    EXPECT_EQ(ToHex(ByteSpan(sent).subspan(sent.size() - 1)), "00");  // Le '00'
  }
  {
    CardLink link(LinkLimits{.extended_length = true});
    ChipChannel channel(link);
    channel.StartSecureMessaging(keys);
    ScriptedRandom rng;
    rng.Add("aa.challenge", HexOrDie("0102030405060708"));
    Bytes sent;
    Task<absl::StatusOr<ActiveAuthOutcome>> task = PerformActiveAuthentication(channel, spki, "", rng);
    absl::StatusOr<ActiveAuthOutcome> o = RunDialog(task, link, [&sent](ByteSpan cmd) -> absl::StatusOr<Bytes> {
      sent.assign(cmd.begin(), cmd.end());
      return absl::UnavailableError("test ends here");
    });
    EXPECT_FALSE(o.ok());
    ASSERT_GT(sent.size(), 7u);
    EXPECT_EQ(ToHex(ByteSpan(sent).subspan(0, 5)), "0C88000000");  // extended Lc
    EXPECT_EQ(ToHex(ByteSpan(sent).subspan(sent.size() - 2)), "0000");  // extended Le
  }
  {
    // Without secure messaging 256 + SW fits a short response.
    CardLink link(LinkLimits{.extended_length = false});
    ChipChannel channel(link);
    ScriptedRandom rng;
    rng.Add("aa.challenge", HexOrDie("0102030405060708"));
    ScriptedChip chip({{HexOrDie("00880000080102030405060708 00"), HexOrDie("6A88")}});
    Task<absl::StatusOr<ActiveAuthOutcome>> task = PerformActiveAuthentication(channel, spki, "", rng);
    absl::StatusOr<ActiveAuthOutcome> o = RunDialog(task, link, std::ref(chip));
    ASSERT_TRUE(o.ok());
    EXPECT_EQ(o->status, Status::kUnavailable);
  }
}

TEST(ActiveAuth, HashNames) {
  EXPECT_EQ(ActiveAuthHashOf("0.4.0.127.0.7.1.1.4.1.3"), HashAlgorithm::kSha256);
  EXPECT_EQ(ActiveAuthHashOf("1.2.840.10045.4.3.4"), HashAlgorithm::kSha512);
  EXPECT_FALSE(ActiveAuthHashOf("1.2.3").has_value());
  EXPECT_EQ(VerifyActiveAuthentication(HexOrDie("3000"), HexOrDie("00"), HexOrDie("00")).status, Status::kFailed);
}

}  // namespace
}  // namespace docval::emrtd
