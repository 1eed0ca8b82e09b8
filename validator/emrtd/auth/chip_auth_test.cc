#include "validator/emrtd/auth/chip_auth.h"

#include <algorithm>
#include <functional>

#include "base/status_macros.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/vchip/chip_keys.h"
#include "tools/vchip/chip_profile.h"
#include "validator/emrtd/chip_error.h"
#include "validator/emrtd/crypto/asn1_util.h"
#include "validator/emrtd/testing/vectors.h"
#include "validator/emrtd/testing/virtual_passport.h"
#include "validator/emrtd/tlv.h"

namespace docval::emrtd {
namespace {

using Status = ChipAuthOutcome::Status;

// The BAC session of ICAO 9303-11 Appendix D (any valid 3DES keys do; these are well known).
SessionKeys OldKeys() {
  return SessionKeys{.cipher = SmCipher::k3Des,
                     .ks_enc = ToSecure(HexOrDie("979EC13B1CBFE9DCD01AB0FED307EAE5")),
                     .ks_mac = ToSecure(HexOrDie("F1CB1F1FB5ADF208806B89DC579DC1F8")),
                     .ssc = ToSecure(HexOrDie("887022120C06C226"))};
}

Bytes Integer(int64_t v) { return EncodeTlv(0x02, Bytes{static_cast<uint8_t>(v)}); }

// DG14 with a ChipAuthenticationPublicKeyInfo over standardized domain parameters `param_id` and,
// when `protocol` is set, a ChipAuthenticationInfo.
Bytes Dg14(int param_id, const Bytes& public_key, const char* protocol, std::optional<int> key_id) {
  const bool ec = param_id >= 8;
  Bytes alg = asn1::EncodeAlgorithmIdentifier("0.4.0.127.0.7.1.2", Integer(param_id));
  Bytes key_bits = ec ? public_key : EncodeTlv(0x02, Concat({Bytes{0x00}, public_key}));
  Bytes spki = EncodeTlv(0x30, Concat({alg, EncodeTlv(0x03, Concat({Bytes{0x00}, key_bits}))}));
  Bytes pk_info = Concat({asn1::EncodeOidTlv(ec ? "0.4.0.127.0.7.2.2.1.2" : "0.4.0.127.0.7.2.2.1.1"), spki});
  if (key_id) pk_info = Concat({pk_info, Integer(*key_id)});
  Bytes infos = EncodeTlv(0x30, pk_info);
  if (protocol != nullptr) {
    Bytes ca_info = Concat({asn1::EncodeOidTlv(protocol), Integer(1)});
    if (key_id) ca_info = Concat({ca_info, Integer(*key_id)});
    infos = Concat({infos, EncodeTlv(0x30, ca_info)});
  }
  return EncodeTlv(0x6E, EncodeTlv(0x31, infos));
}

// The chip: the virtual passport (tools/vchip) in the BAC session of OldKeys(), with one Chip
// Authentication key, `static_private` on the standardized group `param_id`, for `protocol` (nullptr:
// the 3DES protocol a DG14 without ChipAuthenticationInfo implies) and key id `key_id`; DG1 holds
// 01..05 for the proof of the new keys. `refusal_sw`: the chip refuses CA with it. Counts the chained
// parts (CLA b5 on the wire) and measures the largest command.
class CaChip {
 public:
  CaChip(int param_id, const SecureBytes& static_private, const char* protocol, std::optional<int> key_id,
         uint16_t refusal_sw = 0)
      : passport_(Profile(param_id, static_private, protocol, key_id, refusal_sw)) {
    passport_.OpenSession(OldKeys());
  }

  absl::StatusOr<Bytes> operator()(ByteSpan raw) {
    max_command = std::max(max_command, raw.size());
    if (!raw.empty() && (raw[0] & 0x10) != 0) ++chained_parts;
    return passport_(raw);
  }
  // Every command as the chip understood it (unwrapped, reassembled from chained parts).
  const std::vector<vchip::ChipCommand>& commands() const { return passport_.commands(); }

  int chained_parts = 0;
  size_t max_command = 0;

 private:
  static vchip::ChipProfile Profile(int param_id, const SecureBytes& sk, const char* protocol,
                                    std::optional<int> key_id, uint16_t refusal_sw) {
    vchip::ChipProfile p;
    absl::StatusOr<Bytes> pkcs8 = vchip::KeyAgreementKeyPkcs8(param_id, FromSecure(sk));
    EXPECT_TRUE(pkcs8.ok()) << pkcs8.status();
    const char* implied = param_id >= 8 ? "0.4.0.127.0.7.2.2.3.2.1" : "0.4.0.127.0.7.2.2.3.1.1";
    p.chip_auth.push_back({protocol != nullptr ? protocol : implied, key_id, pkcs8.value_or(Bytes{})});
    p.files.push_back(vchip::ChipFile{.name = "DG1", .fid = 0x0101, .sfi = 0x01, .content = HexOrDie("0102030405")});
    p.faults.ca_refusal_sw = refusal_sw;
    return p;
  }
  testing::VirtualPassport passport_;
};

struct Variant {
  const char* name;
  int param_id;
  const char* protocol;  // nullptr: DG14 without ChipAuthenticationInfo
  std::optional<int> key_id;
  KeyAlgorithm cipher;
};

class ChipAuthVariantTest : public ::testing::TestWithParam<Variant> {};

TEST_P(ChipAuthVariantTest, SwitchesToKeysTheChipCanFollowAndAClonCannot) {
  const Variant& v = GetParam();
  KeyAgreementGroup group = *KeyAgreementGroup::FromParameterId(v.param_id);
  Bytes sk_bytes(group.order_size(), 0x00);
  sk_bytes.back() = 0x2B;
  sk_bytes[sk_bytes.size() / 2] = 0x11;
  KeyAgreementKeyPair chip_key = *group.KeyPairFromPrivate(sk_bytes);
  absl::StatusOr<SecurityInfos> dg14 = ParseDg14(Dg14(v.param_id, chip_key.public_key, v.protocol, v.key_id));
  ASSERT_TRUE(dg14.ok()) << dg14.status();

  absl::StatusOr<ChipAuthParameters> p = SelectChipAuthentication(*dg14);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->ca.cipher, v.cipher);
  EXPECT_EQ(p->key_id, v.key_id);

  // Links: short APDUs (261 bytes), short with 223-byte commands and answers (a client's limits),
  // extended length.
  const LinkLimits kShort{.extended_length = false};
  const LinkLimits kShort223{.extended_length = false, .max_command_bytes = 223, .max_response_bytes = 223};
  const LinkLimits kExtended{.extended_length = true};
  for (int run = 0; run < 4; ++run) {
    const bool clone = run == 1;
    const LinkLimits limits = run == 2 ? kExtended : run == 3 ? kShort223 : kShort;
    const bool extended = limits.extended_length;
    SCOPED_TRACE(clone ? "clone" : run == 2 ? "genuine, extended length" : run == 3 ? "genuine, 223 bytes" : "genuine");
    // A clone has the data groups (and so the public key) but its own private key.
    SecureBytes chip_sk = ToSecure(sk_bytes);
    if (clone) chip_sk.back() ^= 0x01;
    CaChip chip(v.param_id, chip_sk, v.protocol, v.key_id);
    CardLink link(limits);
    ChipChannel channel(link);
    channel.StartSecureMessaging(OldKeys());
    ScriptedRandom rng;
    Bytes eph(group.order_size(), 0x00);
    eph[1] = 0x5A;
    eph.back() = 0x07;
    rng.Add("ca.ephemeral_key", eph);
    auto dialog = [&]() -> Task<absl::StatusOr<std::pair<ChipAuthOutcome, bool>>> {
      CO_ASSIGN_OR_RETURN(ChipAuthOutcome o, co_await PerformChipAuthentication(channel, *dg14, rng));
      // The next protected exchange proves (or disproves) the new keys.
      absl::StatusOr<ResponseApdu> r =
          co_await channel.Transmit(CommandApdu{.cla = 0x00, .ins = 0xB0, .p1 = 0x81, .p2 = 0x00, .ne = 5});
      co_return std::make_pair(o, r.ok() && r->ok() && r->data == HexOrDie("0102030405"));
    };
    Task<absl::StatusOr<std::pair<ChipAuthOutcome, bool>>> task = dialog();
    absl::StatusOr<std::pair<ChipAuthOutcome, bool>> result = RunDialog(task, link, std::ref(chip));
    ASSERT_TRUE(result.ok()) << result.status();
    const auto& [outcome, proven] = *result;
    EXPECT_EQ(outcome.status, Status::kKeysSwitched) << outcome.detail;
    EXPECT_EQ(proven, !clone);
    EXPECT_EQ(ChipAuthenticationResult(outcome, proven, true), clone ? CheckResult::kFailed : CheckResult::kSuccess);
    EXPECT_EQ(ChipAuthenticationResult(outcome, proven, false), CheckResult::kFailed);

    // DH-2048 public values do not fit short APDUs: chained on a short-only link, in parts sized from
    // the link (3DES MSE:Set KAT: 260 bytes in 239 + 21 at 261 bytes, 199 + 61 at 223; AES GENERAL
    // AUTHENTICATE: 264 bytes in 223 + 41, 191 + 73).
    EXPECT_EQ(chip.chained_parts, group.secret_size() > 200 && !extended ? 1 : 0);
    EXPECT_LE(chip.max_command, limits.CommandBytes());
    // The commands the chip saw (a clone cannot read the proving command).
    ASSERT_EQ(chip.commands().size(), (v.cipher == KeyAlgorithm::k3Des ? 2u : 3u) - (clone ? 1 : 0));
    const vchip::ChipCommand& first = chip.commands()[0];
    EXPECT_EQ(first.ins, 0x22);
    EXPECT_EQ(first.p1, 0x41);
    if (v.cipher == KeyAlgorithm::k3Des) {
      EXPECT_EQ(first.p2, 0xA6);
      Bytes expected_pk = group.KeyPairFromPrivate(eph)->public_key;
      EXPECT_EQ(ToHex(first.data), ToHex(Concat({EncodeTlv(0x91, expected_pk),
                                                  v.key_id ? HexOrDie("840101") : Bytes{}})));
    } else {
      EXPECT_EQ(first.p2, 0xA4);
      EXPECT_EQ(ToHex(first.data), ToHex(Concat({EncodeTlv(0x80, *asn1::EncodeOidContents(v.protocol)),
                                                 v.key_id ? HexOrDie("840101") : Bytes{}})));
      EXPECT_EQ(chip.commands()[1].ins, 0x86);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Variants, ChipAuthVariantTest,
    ::testing::Values(Variant{"ecdh_aes128_keyid", 12, "0.4.0.127.0.7.2.2.3.2.2", 1, KeyAlgorithm::kAes128},
                      Variant{"ecdh_3des", 13, "0.4.0.127.0.7.2.2.3.2.1", std::nullopt, KeyAlgorithm::k3Des},
                      Variant{"ecdh_default_3des", 13, nullptr, std::nullopt, KeyAlgorithm::k3Des},
                      Variant{"ecdh_aes256", 16, "0.4.0.127.0.7.2.2.3.2.4", std::nullopt, KeyAlgorithm::kAes256},
                      Variant{"dh_3des_keyid", 0, "0.4.0.127.0.7.2.2.3.1.1", 1, KeyAlgorithm::k3Des},
                      Variant{"dh_default_3des", 0, nullptr, std::nullopt, KeyAlgorithm::k3Des},
                      Variant{"dh_aes192", 2, "0.4.0.127.0.7.2.2.3.1.3", std::nullopt, KeyAlgorithm::kAes192},
                      Variant{"dh2048_3des", 2, "0.4.0.127.0.7.2.2.3.1.1", std::nullopt, KeyAlgorithm::k3Des}),
    [](const ::testing::TestParamInfo<Variant>& i) { return std::string(i.param.name); });

TEST(ChipAuth, Bsi2008SpecimenDg14) {
  absl::StatusOr<SecurityInfos> dg14 = ParseDg14(testing::ReadVector("lds-samples/jmrtd-bsi2008/Datagroup14.bin"));
  ASSERT_TRUE(dg14.ok()) << dg14.status();
  absl::StatusOr<ChipAuthParameters> p = SelectChipAuthentication(*dg14);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->protocol, "0.4.0.127.0.7.2.2.3.2.1");  // id-CA-ECDH-3DES-CBC-CBC
  EXPECT_TRUE(p->group.is_ec());
  EXPECT_EQ(p->group.parameter_id(), 11);  // explicit parameters of brainpoolP224r1
  EXPECT_FALSE(p->key_id.has_value());
  EXPECT_EQ(p->chip_public_key.size(), 57u);
}

TEST(ChipAuth, RefusalAndMissingKey) {
  KeyAgreementGroup group = *KeyAgreementGroup::FromParameterId(12);
  Bytes sk(32, 0x01);
  KeyAgreementKeyPair chip_key = *group.KeyPairFromPrivate(sk);
  SecurityInfos dg14 = *ParseDg14(Dg14(12, chip_key.public_key, "0.4.0.127.0.7.2.2.3.2.1", std::nullopt));
  CaChip chip(12, ToSecure(sk), "0.4.0.127.0.7.2.2.3.2.1", std::nullopt, /*refusal_sw=*/0x6A80);
  CardLink link;
  ChipChannel channel(link);
  channel.StartSecureMessaging(OldKeys());
  ScriptedRandom rng;
  rng.Add("ca.ephemeral_key", Bytes(32, 0x02));
  Task<absl::StatusOr<ChipAuthOutcome>> task = PerformChipAuthentication(channel, dg14, rng);
  absl::StatusOr<ChipAuthOutcome> o = RunDialog(task, link, std::ref(chip));
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->status, Status::kFailed);
  EXPECT_THAT(o->detail, ::testing::HasSubstr("6A80"));
  EXPECT_EQ(channel.sm()->keys().ks_enc, OldKeys().ks_enc);  // the old session goes on

  SecurityInfos no_key;
  const absl::Status none = SelectChipAuthentication(no_key).status();
  EXPECT_EQ(none.code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(IsChipError(none, ChipErrorKind::kChipAuthKeyUnusable)) << none;
  CardLink link2;
  ChipChannel channel2(link2);
  Task<absl::StatusOr<ChipAuthOutcome>> task2 = PerformChipAuthentication(channel2, no_key, rng);
  absl::StatusOr<ChipAuthOutcome> o2 = RunDialog(task2, link2, [](ByteSpan) -> absl::StatusOr<Bytes> {
    ADD_FAILURE() << "nothing may be sent";
    return absl::InternalError("x");
  });
  ASSERT_TRUE(o2.ok());
  EXPECT_EQ(o2->status, Status::kUnavailable);
  EXPECT_EQ(ChipAuthenticationResult(*o2, false, true), CheckResult::kUnavailable);
}

// `n` ECDH keys on brainpoolP256r1 whose points are not on the curve, and one CA protocol.
SecurityInfos Dg14WithBadKeys(size_t n) {
  SecurityInfos dg14;
  dg14.chip_authentication.push_back(ChipAuthenticationInfo{.protocol = oid::kCaEcdhAes128, .version = 1});
  for (size_t i = 0; i < n; ++i) {
    ChipAuthenticationPublicKeyInfo key;
    key.protocol = oid::kPkEcdh;
    key.public_key.algorithm.algorithm = oid::kEcPublicKey;
    key.public_key.algorithm.standardized_parameter_id = 13;
    key.public_key.public_value = Bytes(65, 0x04);
    dg14.chip_authentication_public_keys.push_back(key);
  }
  return dg14;
}

TEST(ChipAuthTest, KeysTriedAreCapped) {
  const ChipAuthOptions options{.max_keys = 4};
  absl::StatusOr<ChipAuthParameters> at = SelectChipAuthentication(Dg14WithBadKeys(4), options);
  EXPECT_EQ(at.status().code(), absl::StatusCode::kInvalidArgument) << at.status();  // the last key's error
  EXPECT_TRUE(IsChipError(at.status(), ChipErrorKind::kChipAuthKeyMalformed)) << at.status();
  absl::StatusOr<ChipAuthParameters> over = SelectChipAuthentication(Dg14WithBadKeys(5), options);
  EXPECT_EQ(LimitName(over.status()), "max_chip_auth_keys") << over.status();
}

// What DG14 offers is the chip's: a key this core cannot use is kChipAuthKeyUnusable (CA
// UNAVAILABLE), a key that does not validate is kChipAuthKeyMalformed (CA FAILED); nothing is sent.
TEST(ChipAuthTest, UnusableAndMalformedKeysAreTheChipsKinds) {
  struct Case {
    const char* name;
    SecurityInfos dg14;
    ChipErrorKind kind;
    absl::StatusCode code;
    Status outcome;
  };
  const Case cases[] = {
      // Standardized domain parameter id 5 is reserved: no group.
      {"unknown parameter id", *ParseDg14(Dg14(5, Bytes(128, 0x05), nullptr, std::nullopt)),
       ChipErrorKind::kChipAuthKeyUnusable, absl::StatusCode::kNotFound, Status::kUnavailable},
      {"point not on the curve", Dg14WithBadKeys(1), ChipErrorKind::kChipAuthKeyMalformed,
       absl::StatusCode::kInvalidArgument, Status::kFailed},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const absl::Status selected = SelectChipAuthentication(c.dg14).status();
    EXPECT_EQ(selected.code(), c.code) << selected;
    EXPECT_TRUE(IsChipError(selected, c.kind)) << selected;
    CardLink link;
    ChipChannel channel(link);
    channel.StartSecureMessaging(OldKeys());
    ScriptedRandom rng;
    Task<absl::StatusOr<ChipAuthOutcome>> task = PerformChipAuthentication(channel, c.dg14, rng);
    absl::StatusOr<ChipAuthOutcome> o = RunDialog(task, link, [](ByteSpan) -> absl::StatusOr<Bytes> {
      ADD_FAILURE() << "nothing may be sent";
      return absl::InternalError("x");
    });
    ASSERT_TRUE(o.ok()) << o.status();
    EXPECT_EQ(o->status, c.outcome);
    EXPECT_EQ(o->detail, selected.message());
  }
}

}  // namespace
}  // namespace docval::emrtd
