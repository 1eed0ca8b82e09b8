#include "validator/emrtd/access/secure_messaging.h"

#include <string>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tools/vchip/chip_apdu.h"
#include "tools/vchip/chip_sm.h"
#include "validator/emrtd/chip_error.h"
#include "validator/emrtd/crypto/mac.h"
#include "validator/emrtd/testing/vectors.h"
#include "validator/emrtd/testing/virtual_passport.h"
#include "validator/emrtd/tlv.h"

namespace docval::emrtd {
namespace {

using testing::LoadVector;
using testing::HexField;

// A response field of App. D.4 that is null where the response carries no data (SELECT).
Bytes HexOrEmpty(const nlohmann::json& j) { return j.is_null() ? Bytes{} : testing::HexField(j); }
std::string S(const nlohmann::json& j) { return j.get<std::string>(); }

SessionKeys KeysOf(SmCipher cipher, const nlohmann::json& enc, const nlohmann::json& mac, const nlohmann::json& ssc) {
  return SessionKeys{.cipher = cipher,
                     .ks_enc = ToSecure(HexField(enc)),
                     .ks_mac = ToSecure(HexField(mac)),
                     .ssc = ToSecure(HexField(ssc))};
}

SecureMessaging MakeSm(SessionKeys keys) {
  absl::StatusOr<SecureMessaging> sm = SecureMessaging::Create(std::move(keys));
  EXPECT_TRUE(sm.ok()) << sm.status();
  return *std::move(sm);
}

// The chip's side is the virtual passport's secure messaging (tools/vchip/chip_sm.h), written apart
// from the reader's: a round trip cannot pass on a misreading the two share.
vchip::ChipSecureChannel ChipSm(const SessionKeys& keys) {
  vchip::ChipSessionKeys k = testing::ToChipKeys(keys);
  return vchip::ChipSecureChannel(k.cipher, k.ks_enc, k.ks_mac, k.ssc);
}

// The chip's view of a protected command (parsed by the chip from the encoded APDU).
absl::StatusOr<vchip::ChipCommand> ChipUnwrap(vchip::ChipSecureChannel& chip, const CommandApdu& c) {
  absl::StatusOr<vchip::ChipCommand> parsed = vchip::ParseChipCommand(c.Encode());
  if (!parsed.ok()) return parsed.status();
  return chip.Unwrap(*parsed);
}

// The chip's protected answer, as the reader receives it.
ResponseApdu ChipWrap(vchip::ChipSecureChannel& chip, ResponseApdu plain, bool odd_ins = false) {
  absl::StatusOr<ResponseApdu> r = ResponseApdu::Parse(chip.Wrap(plain.data, plain.sw, odd_ins));
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : ResponseApdu{};
}

CommandApdu Select(Bytes fid) { return CommandApdu{.ins = 0xA4, .p1 = 0x02, .p2 = 0x0C, .data = std::move(fid)}; }
CommandApdu ReadBinary(uint16_t offset, size_t ne) {
  return CommandApdu{
      .ins = 0xB0, .p1 = static_cast<uint8_t>(offset >> 8), .p2 = static_cast<uint8_t>(offset), .ne = ne};
}

// ICAO 9303-11 App. D.4: SELECT EF.COM and two READ BINARY, every intermediate value.
TEST(SecureMessagingTest, AppendixDEveryIntermediateValue) {
  nlohmann::json v = LoadVector("icao9303-p11-appD-bac-sm.json");
  const nlohmann::json& d4 = v["D4_secure_messaging"];
  SecureMessaging sm = MakeSm(KeysOf(SmCipher::k3Des, d4["ks_enc"], d4["ks_mac"], d4["ssc_initial"]));
  const CommandApdu plain[] = {Select(HexOrDie("011E")), ReadBinary(0, 4), ReadBinary(4, 0x12)};
  Bytes ef_com;
  uint64_t ssc = 0x887022120C06C226;
  for (size_t i = 0; i < 3; ++i) {
    const nlohmann::json& x = d4["exchanges"][i];
    SCOPED_TRACE(S(x["command"]));
    SmCommandTrace ct;
    absl::StatusOr<CommandApdu> wrapped = sm.Wrap(plain[i], &ct);
    ASSERT_TRUE(wrapped.ok()) << wrapped.status();
    ++ssc;
    EXPECT_EQ(ToHex(ct.ssc), absl::StrFormat("%016X", ssc));
    EXPECT_EQ(ToHex(ct.masked_header), S(x["cmd_MaskedHeader"]));
    EXPECT_EQ(ToHex(ct.do87), S(x["cmd_DataDO"]));
    EXPECT_EQ(ToHex(ct.do97), S(x["cmd_DO97"]));
    EXPECT_EQ(ToHex(ct.m), S(x["cmd_M"]));
    EXPECT_EQ(ToHex(ct.n), S(x["cmd_N"]));
    EXPECT_EQ(ToHex(ct.cc), S(x["cmd_CC"]));
    EXPECT_EQ(ToHex(ct.do8e), S(x["cmd_DO8E"]));
    EXPECT_EQ(ToHex(wrapped->Encode()), S(x["cmd_ProtectedCmd"]));
    EXPECT_EQ(ToHex(sm.keys().ssc), absl::StrFormat("%016X", ssc));

    absl::StatusOr<ResponseApdu> rp = ResponseApdu::Parse(HexField(x["rsp_Protected"]));
    ASSERT_TRUE(rp.ok());
    SmResponseTrace rt;
    absl::StatusOr<ResponseApdu> r = sm.Unwrap(*rp, &rt);
    ASSERT_TRUE(r.ok()) << r.status();
    ++ssc;
    EXPECT_EQ(ToHex(rt.ssc), absl::StrFormat("%016X", ssc));
    EXPECT_EQ(ToHex(rt.do87), ToHex(HexOrEmpty(x["rsp_DataDO"])));
    EXPECT_EQ(ToHex(rt.do99), S(x["rsp_DO99"]));
    EXPECT_EQ(ToHex(rt.do8e), S(x["rsp_DO8E"]));
    EXPECT_EQ(ToHex(rt.k), S(x["rsp_K"]));
    EXPECT_EQ(ToHex(rt.cc), S(x["rsp_CC"]));
    EXPECT_EQ(ToHex(r->data), ToHex(HexOrEmpty(x["rsp_DecryptedData"])));
    EXPECT_EQ(ToHex(r->Encode()), S(x["rsp_RawUnprotectedRAPDU"]));
    ef_com.insert(ef_com.end(), r->data.begin(), r->data.end());
  }
  EXPECT_EQ(ToHex(sm.keys().ssc), S(d4["ssc_after_trace"]));
  EXPECT_EQ(ToHex(ef_com), S(d4["ef_com_plain"]));
  EXPECT_FALSE(sm.spent());
}

// gmrtd AES-256 trace: the same three commands with 32-byte keys and a 16-byte SSC.
TEST(SecureMessagingTest, Aes256ReadTrace) {
  nlohmann::json v = LoadVector("gmrtd-sm-aes256-read-trace.json");
  const nlohmann::json& before = v["sm_before"];
  SecureMessaging sm = MakeSm(KeysOf(SmCipher::kAes, before["ks_enc"], before["ks_mac"], before["ssc"]));
  const CommandApdu plain[] = {Select(HexOrDie("011E")), ReadBinary(0, 4), ReadBinary(4, 0x16)};
  Bytes ef_com;
  for (size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    absl::StatusOr<CommandApdu> wrapped = sm.Wrap(plain[i]);
    ASSERT_TRUE(wrapped.ok()) << wrapped.status();
    EXPECT_EQ(ToHex(wrapped->Encode()), S(v["apdus"][i]["cmd"]));
    absl::StatusOr<ResponseApdu> r = sm.Unwrap(*ResponseApdu::Parse(HexField(v["apdus"][i]["rsp"])));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->sw, 0x9000);
    ef_com.insert(ef_com.end(), r->data.begin(), r->data.end());
  }
  EXPECT_EQ(ToHex(ef_com), S(v["ef_com_plain"]));
  EXPECT_EQ(ToHex(sm.keys().ssc), S(v["ssc_after"]));
}

// BSI EAC worked example: with SSC 0 before the command, the command's DO'87' holds the example's
// ciphertext (IV = E(KS_enc, SSC=1)), and a response DO'99'(9000) at SSC 2 carries the example MAC.
TEST(SecureMessagingTest, BsiWorkedExampleAes128) {
  nlohmann::json v = LoadVector("bsi-eac-worked-example-openpace.json");
  for (const char* variant : {"ecdh", "dh"}) {
    SCOPED_TRACE(variant);
    const nlohmann::json& pace = v[variant]["pace"];
    ASSERT_EQ(pace["sm_encrypt_example"]["ssc"].get<int>(), 1);
    ASSERT_EQ(pace["sm_mac_example"]["ssc"].get<int>(), 2);
    SecureMessaging sm = MakeSm(SessionKeys{.cipher = SmCipher::kAes,
                                            .ks_enc = ToSecure(HexField(pace["k_enc"])),
                                            .ks_mac = ToSecure(HexField(pace["k_mac"])),
                                            .ssc = SecureBytes(16, 0)});
    CommandApdu mse{
        .ins = 0x22, .p1 = 0x81, .p2 = 0xB6, .data = HexField(pace["sm_encrypt_example"]["plaintext_unpadded"])};
    SmCommandTrace ct;
    ASSERT_TRUE(sm.Wrap(mse, &ct).ok());
    Bytes ciphertext = HexField(pace["sm_encrypt_example"]["ciphertext_after_iso_padding"]);
    Bytes expected_do87 = EncodeTlv(0x87, Concat({Bytes{0x01}, ciphertext}));
    EXPECT_EQ(ToHex(ct.do87), ToHex(expected_do87));

    Bytes data = Concat(
        {HexField(pace["sm_mac_example"]["data_unpadded"]), HexOrDie("8E08"), HexField(pace["sm_mac_example"]["mac"])});
    SmResponseTrace rt;
    absl::StatusOr<ResponseApdu> r = sm.Unwrap(ResponseApdu{.data = data, .sw = 0x9000}, &rt);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->sw, 0x9000);
    EXPECT_TRUE(r->data.empty());
    EXPECT_EQ(ToHex(rt.cc), S(pace["sm_mac_example"]["mac"]));
  }
}

SessionKeys AppDKeys() {
  nlohmann::json v = LoadVector("icao9303-p11-appD-bac-sm.json");
  const nlohmann::json& d4 = v["D4_secure_messaging"];
  return KeysOf(SmCipher::k3Des, d4["ks_enc"], d4["ks_mac"], d4["ssc_initial"]);
}

SessionKeys Aes192Keys() {
  return SessionKeys{.cipher = SmCipher::kAes,
                     .ks_enc = ToSecure(HexOrDie("000102030405060708090A0B0C0D0E0F1011121314151617")),
                     .ks_mac = ToSecure(HexOrDie("F0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF0001020304050607")),
                     .ssc = SecureBytes(16, 0)};
}

TEST(SecureMessagingTest, CreateChecksKeyAndSscLengths) {
  SessionKeys k = AppDKeys();
  k.ssc.resize(16);
  EXPECT_EQ(SecureMessaging::Create(k).status().code(), absl::StatusCode::kInvalidArgument);
  SessionKeys a = Aes192Keys();
  a.ks_mac.resize(16);
  EXPECT_EQ(SecureMessaging::Create(a).status().code(), absl::StatusCode::kInvalidArgument);
  a = Aes192Keys();
  a.ssc.resize(8);
  EXPECT_EQ(SecureMessaging::Create(a).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(SecureMessaging::Create(Aes192Keys()).ok());
}

// A round trip against the chip side for each cipher, with data both ways.
TEST(SecureMessagingTest, RoundTripWithChipSideForEveryCipher) {
  for (SessionKeys keys : {AppDKeys(), Aes192Keys()}) {
    SecureMessaging sm = MakeSm(keys);
    vchip::ChipSecureChannel chip = ChipSm(keys);
    for (size_t size : {1, 15, 16, 17, 200}) {
      CommandApdu c{.ins = 0x2A, .p1 = 0x9E, .p2 = 0x9A, .data = Bytes(size, 0x5A), .ne = 256};
      absl::StatusOr<CommandApdu> w = sm.Wrap(c);
      ASSERT_TRUE(w.ok()) << w.status();
      absl::StatusOr<vchip::ChipCommand> seen = ChipUnwrap(chip, *w);
      ASSERT_TRUE(seen.ok()) << seen.status();
      EXPECT_EQ(seen->data, c.data);
      EXPECT_EQ(seen->ne, 256u);
      ResponseApdu rp = ChipWrap(chip, ResponseApdu{.data = Bytes(size + 3, 0xA5), .sw = 0x9000});
      absl::StatusOr<ResponseApdu> r = sm.Unwrap(rp);
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_EQ(r->data, Bytes(size + 3, 0xA5));
      EXPECT_EQ(rp.data.size(), size + 3 + sm.ResponseOverhead(size + 3));
    }
    EXPECT_EQ(ToHex(FromSecure(sm.keys().ssc)), ToHex(chip.ssc()));
  }
}

// A protected error (DO'99' + DO'8E', no DO'87') is a normal answer: the SW comes back and the
// session goes on.
TEST(SecureMessagingTest, ProtectedErrorResponseKeepsTheSession) {
  SessionKeys keys = AppDKeys();
  SecureMessaging sm = MakeSm(keys);
  vchip::ChipSecureChannel chip = ChipSm(keys);
  ASSERT_TRUE(ChipUnwrap(chip, *sm.Wrap(Select(HexOrDie("0102")))).ok());
  ResponseApdu rp = ChipWrap(chip, ResponseApdu{.sw = 0x6A82});
  EXPECT_EQ(rp.data.size(), 14u);
  absl::StatusOr<ResponseApdu> r = sm.Unwrap(rp);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->sw, 0x6A82);
  EXPECT_TRUE(r->data.empty());
  EXPECT_FALSE(sm.spent());
  // The next exchange still works.
  ASSERT_TRUE(ChipUnwrap(chip, *sm.Wrap(ReadBinary(0, 4))).ok());
  EXPECT_TRUE(sm.Unwrap(ChipWrap(chip, ResponseApdu{.data = {1, 2, 3, 4}, .sw = 0x9000})).ok());
}

// The DO'99' status wins over the outer one (it is authenticated); without DO'99' the outer SW is
// taken.
TEST(SecureMessagingTest, StatusWordFromDo99OrOuter) {
  SessionKeys keys = AppDKeys();
  SecureMessaging sm = MakeSm(keys);
  vchip::ChipSecureChannel chip = ChipSm(keys);
  ASSERT_TRUE(ChipUnwrap(chip, *sm.Wrap(ReadBinary(0, 4))).ok());
  ResponseApdu rp = ChipWrap(chip, ResponseApdu{.data = {1, 2}, .sw = 0x6282});
  rp.sw = 0x9000;
  EXPECT_EQ(sm.Unwrap(rp)->sw, 0x6282);

  // A response with DO'87' and DO'8E' only (MAC over SSC || DO'87').
  ASSERT_TRUE(ChipUnwrap(chip, *sm.Wrap(ReadBinary(0, 4))).ok());
  ResponseApdu full = ChipWrap(chip, ResponseApdu{.data = {1, 2}, .sw = 0x9000});
  // Rebuild without DO'99': recompute the MAC with the chip's current SSC.
  Tlv do87 = *ParseTlv(full.data);
  Bytes n = PadIso9797M2(Concat({chip.ssc(), do87.raw}), 8);
  Bytes mac = *RetailMac(keys.ks_mac, n);
  ResponseApdu no99{.data = Concat({do87.raw, EncodeTlv(0x8E, mac)}), .sw = 0x9000};
  absl::StatusOr<ResponseApdu> r = sm.Unwrap(no99);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->sw, 0x9000);
  EXPECT_EQ(r->data, (Bytes{1, 2}));
}

TEST(SecureMessagingTest, BadMacEndsTheSessionBeforeDecrypting) {
  nlohmann::json v = LoadVector("icao9303-p11-appD-bac-sm.json");
  const nlohmann::json& x = v["D4_secure_messaging"]["exchanges"][1];
  SecureMessaging sm = MakeSm(AppDKeys());
  ASSERT_TRUE(sm.Wrap(Select(HexOrDie("011E"))).ok());
  ASSERT_TRUE(
      sm.Unwrap(*ResponseApdu::Parse(HexField(v["D4_secure_messaging"]["exchanges"][0]["rsp_Protected"]))).ok());
  ASSERT_TRUE(sm.Wrap(ReadBinary(0, 4)).ok());
  Bytes rsp = HexField(x["rsp_Protected"]);
  // Corrupt the cryptogram: the MAC no longer verifies, and the error says so (it is not a padding
  // error, which would mean we decrypted first).
  rsp[4] ^= 0x01;
  absl::StatusOr<ResponseApdu> r = sm.Unwrap(*ResponseApdu::Parse(rsp));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find("MAC does not verify"), std::string::npos) << r.status();
  EXPECT_FALSE(PlainStatusWordOf(r.status()).has_value());
  EXPECT_TRUE(IsChipError(r.status(), ChipErrorKind::kSecureMessagingBroken));
  EXPECT_TRUE(sm.spent());
  EXPECT_EQ(sm.Wrap(ReadBinary(4, 18)).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(sm.Unwrap(*ResponseApdu::Parse(HexField(x["rsp_Protected"]))).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(SecureMessagingTest, PlainSmErrorAfterOurMacIsAbortedWithTheSw) {
  for (uint16_t s : {0x6987, 0x6988, 0x6982}) {
    SecureMessaging sm = MakeSm(AppDKeys());
    ASSERT_TRUE(sm.Wrap(ReadBinary(0, 4)).ok());
    absl::StatusOr<ResponseApdu> r = sm.Unwrap(ResponseApdu{.sw = s});
    EXPECT_EQ(r.status().code(), absl::StatusCode::kAborted) << r.status();
    EXPECT_TRUE(IsChipError(r.status(), ChipErrorKind::kSecureMessagingEndedByChip));
    EXPECT_EQ(PlainStatusWordOf(r.status()), s);
    EXPECT_TRUE(sm.spent());
  }
}

TEST(SecureMessagingTest, PlainResponseWhereProtectionWasDueIsDataLoss) {
  for (uint16_t s : {0x9000, 0x6A82, 0x6B00}) {
    SecureMessaging sm = MakeSm(AppDKeys());
    ASSERT_TRUE(sm.Wrap(ReadBinary(0, 4)).ok());
    absl::StatusOr<ResponseApdu> r = sm.Unwrap(ResponseApdu{.sw = s});
    EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss) << r.status();
    EXPECT_TRUE(IsChipError(r.status(), ChipErrorKind::kSecureMessagingBroken));
    EXPECT_EQ(PlainStatusWordOf(r.status()), s);
    EXPECT_TRUE(sm.spent());
  }
}

TEST(SecureMessagingTest, MalformedProtectedResponsesAreDataLoss) {
  SessionKeys keys = AppDKeys();
  const char* cases[] = {
      "9902900000",                      // trailing garbage / no DO'8E'
      "99029000",                        // no DO'8E'
      "990290008E07FA855A5D4C50A8",      // short MAC
      "8E08FA855A5D4C50A8ED99029000",    // DO after DO'8E'
      "5302AAAA8E08FA855A5D4C50A8ED",    // unknown DO
      "99029000990290008E08FA855A5D4C50A8ED",  // DO twice
      "8709019FF0EC34F9",                // truncated TLV
      "8E",                              // truncated
  };
  for (const char* c : cases) {
    SCOPED_TRACE(c);
    SecureMessaging sm = MakeSm(keys);
    ASSERT_TRUE(sm.Wrap(Select(HexOrDie("011E"))).ok());
    absl::StatusOr<ResponseApdu> r = sm.Unwrap(ResponseApdu{.data = HexOrDie(c), .sw = 0x9000});
    EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss) << r.status();
    EXPECT_TRUE(sm.spent());
  }
}

// A response with a valid MAC but a DO'87' without the 01 indicator or with bad padding is refused.
TEST(SecureMessagingTest, ValidMacButBadCryptogramIsDataLoss) {
  SessionKeys keys = AppDKeys();
  for (int which = 0; which < 2; ++which) {
    SecureMessaging sm = MakeSm(keys);
    vchip::ChipSecureChannel chip = ChipSm(keys);
    ASSERT_TRUE(ChipUnwrap(chip, *sm.Wrap(ReadBinary(0, 8))).ok());
    Bytes ssc = chip.ssc();
    for (size_t i = ssc.size(); i > 0 && ++ssc[i - 1] == 0; --i) {
    }
    Bytes do87;
    if (which == 0) {
      do87 = EncodeTlv(0x87, HexOrDie("020102030405060708"));  // indicator 02
    } else {
      Bytes enc = *CbcEncrypt(CipherFamily::k3Des, keys.ks_enc, Bytes(8, 0), HexOrDie("0102030405060708"));
      do87 = EncodeTlv(0x87, Concat({Bytes{0x01}, enc}));  // no padding inside
    }
    Bytes dos = Concat({do87, HexOrDie("99029000")});
    Bytes mac = *RetailMac(keys.ks_mac, PadIso9797M2(Concat({ssc, dos}), 8));
    absl::StatusOr<ResponseApdu> r = sm.Unwrap(ResponseApdu{.data = Concat({dos, EncodeTlv(0x8E, mac)}), .sw = 0x9000});
    EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss) << r.status();
    EXPECT_EQ(r.status().message().find("MAC does not verify"), std::string::npos) << r.status();
  }
}

TEST(SecureMessagingTest, ExtendedLengthLeGoesIntoTwoByteDo97) {
  SessionKeys keys = AppDKeys();
  SecureMessaging sm = MakeSm(keys);
  vchip::ChipSecureChannel chip = ChipSm(keys);
  SmCommandTrace t;
  absl::StatusOr<CommandApdu> w = sm.Wrap(ReadBinary(0, 1000), &t);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(ToHex(t.do97), "970203E8");
  EXPECT_TRUE(w->IsExtended());
  EXPECT_EQ(w->ne, kMaxExtendedNe);
  Bytes enc = w->Encode();
  // 0C B0 00 00 | 00 00 0E | DO'97' DO'8E' | 00 00
  EXPECT_EQ(ToHex(Bytes(enc.begin(), enc.begin() + 11)), "0CB0000000000E970203E8");
  EXPECT_EQ(ToHex(Bytes(enc.end() - 2, enc.end())), "0000");
  absl::StatusOr<vchip::ChipCommand> seen = ChipUnwrap(chip, *CommandApdu::Parse(enc));
  ASSERT_TRUE(seen.ok()) << seen.status();
  EXPECT_TRUE(seen->extended);
  EXPECT_EQ(seen->ne, 1000u);

  absl::StatusOr<ResponseApdu> r = sm.Unwrap(ChipWrap(chip, ResponseApdu{.data = Bytes(1000, 3), .sw = 0x9000}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->data.size(), 1000u);
}

TEST(SecureMessagingTest, MaximumExtendedLeIsZeroZero) {
  SecureMessaging sm = MakeSm(AppDKeys());
  SmCommandTrace t;
  ASSERT_TRUE(sm.Wrap(ReadBinary(0, kMaxExtendedNe), &t).ok());
  EXPECT_EQ(ToHex(t.do97), "97020000");
  ASSERT_TRUE(sm.Wrap(ReadBinary(0, kMaxShortNe), &t).ok());
  EXPECT_EQ(ToHex(t.do97), "970100");
}

// Odd INS: the data (a DO'54' offset) goes into DO'85' without the padding indicator.
TEST(SecureMessagingTest, OddInsUsesDo85) {
  SessionKeys keys = Aes192Keys();
  SecureMessaging sm = MakeSm(keys);
  vchip::ChipSecureChannel chip = ChipSm(keys);
  CommandApdu rb{.ins = 0xB1, .p1 = 0x00, .p2 = 0x00, .data = HexOrDie("5403012345"), .ne = 100};
  SmCommandTrace t;
  absl::StatusOr<CommandApdu> w = sm.Wrap(rb, &t);
  ASSERT_TRUE(w.ok());
  ASSERT_FALSE(t.do87.empty());
  EXPECT_EQ(t.do87[0], 0x85);
  EXPECT_EQ(t.do87.size(), 2u + 16u);
  absl::StatusOr<vchip::ChipCommand> seen = ChipUnwrap(chip, *w);
  ASSERT_TRUE(seen.ok()) << seen.status();
  EXPECT_EQ(seen->data, rb.data);
  EXPECT_EQ(seen->ins, 0xB1);
  // The chip answers with a DO'85' too (odd INS); it decrypts the same way.
  Bytes content = EncodeTlv(0x53, Bytes(40, 7));
  absl::StatusOr<ResponseApdu> r = sm.Unwrap(ChipWrap(chip, ResponseApdu{.data = content, .sw = 0x9000}, true));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->data, content);
}

TEST(SecureMessagingTest, LongDataMakesTheProtectedCommandExtended) {
  SessionKeys keys = AppDKeys();
  SecureMessaging sm = MakeSm(keys);
  vchip::ChipSecureChannel chip = ChipSm(keys);
  CommandApdu c{.ins = 0x2A, .p1 = 0x00, .p2 = 0xBE, .data = Bytes(240, 1), .ne = 0};
  absl::StatusOr<CommandApdu> w = sm.Wrap(c);
  ASSERT_TRUE(w.ok());
  EXPECT_GT(w->data.size(), kMaxShortNc);
  EXPECT_TRUE(w->IsExtended());
  absl::StatusOr<vchip::ChipCommand> seen = ChipUnwrap(chip, *w);
  ASSERT_TRUE(seen.ok()) << seen.status();
  EXPECT_EQ(seen->data, c.data);
  EXPECT_FALSE(seen->has_le);
}

// ICAO App. D sizes: 4 plain bytes come back in 25 protected bytes, 18 in 41.
TEST(SecureMessagingTest, OverheadsMatchRealResponses) {
  SecureMessaging des = MakeSm(AppDKeys());
  EXPECT_EQ(des.ResponseOverhead(4), 25u - 4u);
  EXPECT_EQ(des.ResponseOverhead(18), 41u - 18u);
  EXPECT_EQ(des.ResponseOverhead(0), 14u);
  // App. D READ BINARY: the protected data field is 13 bytes for an empty command with Le.
  EXPECT_EQ(des.CommandOverhead(0, false), 13u);
  // SELECT EF.COM's protected data is 21 bytes for 2 plain bytes; with an Le, DO'97' adds 3.
  EXPECT_EQ(des.CommandOverhead(2, false), 21u + 3u - 2u);
  EXPECT_EQ(des.CommandOverhead(2, true), 21u + 4u - 2u);
  SecureMessaging aes = MakeSm(Aes192Keys());
  // 16 bytes pad to 32: DO'87' = 87 21 01 <32 bytes>, then DO'99' and DO'8E'.
  EXPECT_EQ(aes.ResponseOverhead(16), 35u + 4u + 10u - 16u);
  for (SecureMessaging* sm : {&des, &aes}) {
    for (size_t max : {0u, 13u, 14u, 20u, 100u, 256u, 1000u, 65536u}) {
      size_t n = sm->MaxPlainResponse(max);
      if (max < 14) {
        EXPECT_EQ(n, 0u);
        continue;
      }
      EXPECT_LE(n + sm->ResponseOverhead(n), max) << max;
      EXPECT_GT(n + 1 + sm->ResponseOverhead(n + 1), max) << max;
    }
  }
  EXPECT_EQ(des.MaxPlainResponse(256), 231u);
}

}  // namespace
}  // namespace docval::emrtd
