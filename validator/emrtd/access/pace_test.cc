#include "validator/emrtd/access/pace.h"

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tools/vchip/chip_keys.h"
#include "tools/vchip/chip_profile.h"
#include "validator/emrtd/card_link.h"
#include "validator/emrtd/crypto/asn1_util.h"
#include "validator/emrtd/crypto/hash.h"
#include "validator/emrtd/crypto/mac.h"
#include "validator/emrtd/crypto/pace_mapping.h"
#include "validator/emrtd/lds/security_infos.h"
#include "validator/emrtd/testing/scripted_chip.h"
#include "validator/emrtd/testing/vectors.h"
#include "validator/emrtd/testing/virtual_passport.h"
#include "validator/emrtd/tlv.h"

namespace docval::emrtd {
namespace {

using testing::EcPointField;
using ::testing::HasSubstr;
using testing::HexField;
using testing::LoadVector;
using testing::ScriptedChip;
using testing::ScriptedExchange;
using testing::VirtualPassport;

std::string Hex(const SecureBytes& b) { return ToHex(FromSecure(b)); }

PaceParameters Params(const std::string& oid, int id) {
  std::optional<PaceProtocol> protocol = PaceProtocolFromOid(oid);
  EXPECT_TRUE(protocol.has_value()) << oid;
  return PaceParameters{oid, *protocol, *KeyAgreementGroup::FromParameterId(id), id};
}

PacePassword Can(const std::string& can) { return PacePassword{PacePasswordType::kCan, ToSecure(AsSpan(can))}; }

// The chip of every test that is not a worked example: the virtual passport (tools/vchip), with the
// CAN `can` and PACE on `params` only. PACE-CAM gets `cam_private` (a scalar on the PACE curve) as
// its static key.
vchip::ChipProfile PaceProfile(const PaceParameters& params, const std::string& can = "123456",
                               const SecureBytes& cam_private = {}) {
  vchip::ChipProfile p;
  p.secrets.can = can;
  p.bac = false;
  p.pace.push_back({params.protocol_oid, static_cast<int>(*params.parameter_id)});
  if (!cam_private.empty()) {
    absl::StatusOr<Bytes> pkcs8 = vchip::KeyAgreementKeyPkcs8(*params.parameter_id, FromSecure(cam_private));
    EXPECT_TRUE(pkcs8.ok()) << pkcs8.status();
    p.chip_auth.push_back({"0.4.0.127.0.7.2.2.3.2.2", std::nullopt, pkcs8.value_or(Bytes{})});
  }
  // Readable after PACE only: a read proves the chip took PACE as done.
  p.files.push_back(vchip::ChipFile{.name = "EF.CardSecurity",
                                    .fid = 0x011D,
                                    .sfi = 0x1D,
                                    .in_mf = true,
                                    .read = vchip::AccessRule::kAfterPace,
                                    .content = HexOrDie("CAFE")});
  return p;
}

// The chip's answers to the GENERAL AUTHENTICATE steps of the last PACE run (the reader starts PACE
// again after a run whose DH values would encode ambiguously).
std::vector<Bytes> LastRunSteps(const VirtualPassport& chip) {
  std::vector<Bytes> steps;
  for (const VirtualPassport::Exchange& e : chip.exchanges()) {
    if (e.command.size() < 4) continue;
    if (e.command[1] == 0x22) steps.clear();
    if (e.command[1] == 0x86) steps.push_back(e.response);
  }
  return steps;
}

struct Outcome {
  absl::StatusOr<PaceResult> result;
  bool secure = false;
};

template <typename Chip>
Outcome RunAgainst(Chip& chip, const PaceParameters& params, const PacePassword& password, RandomSource& rng,
                   PaceTrace* trace = nullptr, LinkLimits limits = {.extended_length = true}) {
  CardLink link(limits);
  ChipChannel channel(link);
  Task<absl::StatusOr<PaceResult>> task = RunPace(channel, params, password, rng, trace);
  absl::StatusOr<PaceResult> result = RunDialog(task, link, std::ref(chip));
  return Outcome{std::move(result), channel.secure()};
}

// ---- ICAO 9303-11 Appendix G.1: ECDH GM, brainpoolP256r1, AES-128, MRZ ------------------------------

TEST(PaceTest, AppendixG1EndToEnd) {
  const nlohmann::json v = LoadVector("icao9303-p11-appG1-pace-gm-ecdh.json");
  const auto& in = v["inputs"];
  const std::string mrz_information =
      in["document_number"].get<std::string>() + in["document_number_check_digit"].get<std::string>() +
      in["date_of_birth"].get<std::string>() + in["date_of_birth_check_digit"].get<std::string>() +
      in["date_of_expiry"].get<std::string>() + in["date_of_expiry_check_digit"].get<std::string>();
  const Bytes seed = Hash(HashAlgorithm::kSha1, AsSpan(mrz_information));
  EXPECT_EQ(ToHex(seed), v["key_seed_sha1"].get<std::string>());
  const PacePassword password{PacePasswordType::kMrz, ToSecure(seed)};

  // The PACEInfo of the example resolves to brainpoolP256r1 with id-PACE-ECDH-GM-AES-CBC-CMAC-128.
  absl::StatusOr<SecurityInfos> infos = ParseSecurityInfos(HexField(in["ef_cardaccess_as_used_by_gmrtd_and_dmrtd"]));
  ASSERT_TRUE(infos.ok()) << infos.status();
  ASSERT_EQ(infos->pace.size(), 1u);
  absl::StatusOr<PaceParameters> params = ResolvePaceInfo(infos->pace[0], infos->pace_domain_parameters);
  ASSERT_TRUE(params.ok()) << params.status();
  EXPECT_EQ(params->protocol_oid, in["pace_info_oid"].get<std::string>());
  EXPECT_EQ(params->domain.parameter_id(), 13);
  EXPECT_EQ(params->parameter_id, 13);

  std::vector<ScriptedExchange> script;
  for (const auto& e : v["apdus"]["gmrtd_trace"]) script.push_back({HexField(e["cmd"]), HexField(e["rsp"])});
  ScriptedChip chip(script);
  ScriptedRandom rng;
  rng.Add("pace.mapping_key", HexField(v["mapping"]["terminal_private"]));
  rng.Add("pace.ephemeral_key", HexField(v["key_agreement"]["terminal_private"]));

  PaceTrace trace;
  Outcome out = RunAgainst(chip, *params, password, rng, &trace);
  ASSERT_TRUE(out.result.ok()) << out.result.status();
  EXPECT_EQ(chip.used(), 5u);
  EXPECT_TRUE(out.secure);

  EXPECT_EQ(Hex(trace.k_pi), v["k_pi"].get<std::string>());
  EXPECT_EQ(ToHex(trace.encrypted_nonce), v["encrypted_nonce_z"].get<std::string>());
  EXPECT_EQ(Hex(trace.nonce), v["nonce_s"].get<std::string>());
  const auto& m = v["mapping"];
  EXPECT_EQ(Hex(trace.terminal_mapping_private), m["terminal_private"].get<std::string>());
  EXPECT_EQ(ToHex(trace.terminal_mapping_data), ToHex(EcPointField(m["terminal_public"])));
  EXPECT_EQ(ToHex(trace.chip_mapping_data), ToHex(EcPointField(m["chip_public"])));
  EXPECT_EQ(Hex(trace.mapping_shared), ToHex(EcPointField(m["shared_point_H"])));
  EXPECT_EQ(ToHex(trace.mapped_generator), ToHex(EcPointField(m["mapped_generator"])));
  const auto& ka = v["key_agreement"];
  EXPECT_EQ(ToHex(trace.terminal_ephemeral_public), ToHex(EcPointField(ka["terminal_public"])));
  EXPECT_EQ(ToHex(trace.chip_ephemeral_public), ToHex(EcPointField(ka["chip_public"])));
  EXPECT_EQ(Hex(trace.shared_secret), ka["shared_secret_K_x"].get<std::string>());
  EXPECT_EQ(Hex(trace.ks_enc), v["session_keys"]["ks_enc"].get<std::string>());
  EXPECT_EQ(Hex(trace.ks_mac), v["session_keys"]["ks_mac"].get<std::string>());
  const auto& ma = v["mutual_authentication"];
  EXPECT_EQ(ToHex(trace.token_input_terminal),
            ma["input_for_terminal_token_T_ifd(chip_public_key_DO)"].get<std::string>());
  EXPECT_EQ(ToHex(trace.token_input_chip), ma["input_for_chip_token_T_ic(terminal_public_key_DO)"].get<std::string>());
  EXPECT_EQ(ToHex(trace.token_terminal), ma["T_ifd"].get<std::string>());
  EXPECT_EQ(ToHex(trace.token_chip), ma["T_ic"].get<std::string>());

  const PaceResult& r = *out.result;
  EXPECT_EQ(r.keys.cipher, CipherFamily::kAes);
  EXPECT_EQ(Hex(r.keys.ks_enc), v["session_keys"]["ks_enc"].get<std::string>());
  EXPECT_EQ(Hex(r.keys.ks_mac), v["session_keys"]["ks_mac"].get<std::string>());
  EXPECT_EQ(Hex(r.keys.ssc), std::string(32, '0'));
  EXPECT_EQ(r.password_type, PacePasswordType::kMrz);
  EXPECT_EQ(ToHex(r.chip_mapping_public_key), ToHex(EcPointField(m["chip_public"])));
  EXPECT_EQ(ToHex(r.chip_ephemeral_public_key), ToHex(EcPointField(ka["chip_public"])));
  EXPECT_TRUE(r.chip_authentication_data.empty());
  EXPECT_TRUE(rng.Remaining().at("pace.ephemeral_key") == 0);
}

// ---- ICAO 9303-11 Appendix G.2: DH GM, RFC 5114 1024-bit, AES-128, MRZ --------------------------------

TEST(PaceTest, AppendixG2EndToEnd) {
  const nlohmann::json v = LoadVector("icao9303-p11-appG2-pace-gm-dh.json");
  const auto& in = v["inputs"];
  // MRZ_information with the check digits of G.1 (the same document).
  const Bytes seed = Hash(HashAlgorithm::kSha1, AsSpan(std::string("T22000129364081251010318")));
  const PacePassword password{PacePasswordType::kMrz, ToSecure(seed)};

  absl::StatusOr<SecurityInfos> infos = ParseSecurityInfos(HexField(in["ef_cardaccess_as_used_by_dmrtd"]));
  ASSERT_TRUE(infos.ok());
  absl::StatusOr<PaceParameters> params = ResolvePaceInfo(infos->pace.at(0), infos->pace_domain_parameters);
  ASSERT_TRUE(params.ok()) << params.status();
  EXPECT_FALSE(params->domain.is_ec());
  EXPECT_EQ(params->domain.parameter_id(), 0);

  const auto& a = v["apdus"];
  // The recorded MSE:Set AT (dmrtd) has no DO'84'; ours carries 84 01 00 (Lc 0F -> 12).
  const std::string recorded_mse = a["initializePaceMsgTerminal"].get<std::string>();
  ASSERT_EQ(recorded_mse.substr(0, 10), "0022C1A40F");
  const Bytes our_mse = HexOrDie("0022C1A412" + recorded_mse.substr(10) + "840100");
  // The last chip response is recorded without its status word.
  std::vector<ScriptedExchange> script = {
      {our_mse, HexOrDie("9000")},
      {HexField(a["generalAuthenticateStep1MsgTerminal"]), HexField(a["generalAuthenticateStep1MsgChip"])},
      {HexField(a["generalAuthenticateStep2MsgTerminal"]), HexField(a["generalAuthenticateStep2MsgChip"])},
      {HexField(a["generalAuthenticateStep3MsgTerminal"]), HexField(a["generalAuthenticateStep3MsgChip"])},
      {HexField(a["generalAuthenticateStep4MsgTerminal"]),
       Concat({HexField(a["generalAuthenticateStep4MsgChip"]), HexOrDie("9000")})},
  };
  ScriptedChip chip(script);
  ScriptedRandom rng;
  rng.Add("pace.mapping_key", HexField(v["mapping"]["terminal_private"]));
  // G.2's ephemeral private key is a 1024-bit number; the mapped generator has order q, so the key
  // reduced mod q (computed offline) has the same public key, which the test asserts below.
  rng.Add("pace.ephemeral_key", HexOrDie("89CCD99B0E8D3B1F11E1296DCA68EC53411CF2CA"));

  PaceTrace trace;
  Outcome out = RunAgainst(chip, *params, password, rng, &trace);
  ASSERT_TRUE(out.result.ok()) << out.result.status();
  EXPECT_EQ(chip.used(), 5u);
  EXPECT_TRUE(out.secure);

  EXPECT_EQ(Hex(trace.k_pi), v["k_pi"].get<std::string>());
  EXPECT_EQ(ToHex(trace.encrypted_nonce), v["encrypted_nonce_z"].get<std::string>());
  EXPECT_EQ(Hex(trace.nonce), v["nonce_s"].get<std::string>());
  const auto& m = v["mapping"];
  EXPECT_EQ(ToHex(trace.terminal_mapping_data), m["terminal_public"].get<std::string>());
  EXPECT_EQ(ToHex(trace.chip_mapping_data), m["chip_public"].get<std::string>());
  EXPECT_EQ(Hex(trace.mapping_shared), m["shared_secret_H"].get<std::string>());
  EXPECT_EQ(ToHex(trace.mapped_generator), m["mapped_generator"].get<std::string>());
  const auto& ka = v["key_agreement"];
  EXPECT_EQ("00" + ToHex(trace.terminal_ephemeral_public), ka["terminal_public"].get<std::string>());
  EXPECT_EQ(ToHex(trace.chip_ephemeral_public), ka["chip_public"].get<std::string>());
  EXPECT_EQ(Hex(trace.shared_secret), ka["shared_secret_K"].get<std::string>());
  EXPECT_EQ(Hex(trace.ks_enc), v["session_keys"]["ks_enc"].get<std::string>());
  EXPECT_EQ(Hex(trace.ks_mac), v["session_keys"]["ks_mac"].get<std::string>());
  const auto& ma = v["mutual_authentication"];
  EXPECT_EQ(ToHex(trace.token_input_terminal), ma["input_for_T_ifd"].get<std::string>());
  EXPECT_EQ(ToHex(trace.token_input_chip), ma["input_for_T_ic"].get<std::string>());
  EXPECT_EQ(ToHex(trace.token_terminal), ma["T_ifd"].get<std::string>());
  EXPECT_EQ(ToHex(trace.token_chip), ma["T_ic"].get<std::string>());
  // The chip sent 87 'DETESTCVCA00003' after its token.
  ASSERT_EQ(out.result->certification_authority_references.size(), 1u);
  EXPECT_EQ(std::string(out.result->certification_authority_references[0].begin(),
                        out.result->certification_authority_references[0].end()),
            "DETESTCVCA00003");
}

// ---- BSI worked example: PACE with a PIN (the CAN works the same way), ECDH and DH, AES-128 -------------

TEST(PaceTest, BsiWorkedExampleEndToEnd) {
  const nlohmann::json v = LoadVector("bsi-eac-worked-example-openpace.json");
  for (const char* kind : {"ecdh", "dh"}) {
    SCOPED_TRACE(kind);
    const auto& p = v[kind]["pace"];
    absl::StatusOr<SecurityInfos> infos = ParseSecurityInfos(HexField(v[kind]["ef_cardaccess"]));
    ASSERT_TRUE(infos.ok()) << infos.status();
    // EF.CardAccess holds one PACEInfo plus CA, TA and CardInfoLocator entries and a
    // PrivilegedTerminalInfo; the PACEInfo is the one of the example.
    ASSERT_EQ(infos->pace.size(), 1u);
    absl::StatusOr<PaceParameters> params = ResolvePaceInfo(infos->pace[0], infos->pace_domain_parameters);
    ASSERT_TRUE(params.ok()) << params.status();
    EXPECT_EQ(params->parameter_id, p["parameter_id"].get<int>());
    const bool ec = std::string(kind) == "ecdh";
    const uint8_t tag = ec ? 0x86 : 0x84;

    // The example gives no APDUs: rebuild them from its values (the password reference is the CAN's).
    ASSERT_TRUE(PaceProtocolFromOid(params->protocol_oid).has_value());
    const Bytes oid = *asn1::EncodeOidContents(params->protocol_oid);
    const Bytes pcd_map = HexField(p["mapping_pcd_public"]);
    // The DH value is written with a leading 00 (129 bytes); on the wire it has |p| = 128 bytes.
    const Bytes pcd_eph_written = HexField(p["ephemeral_pcd_public"]);
    const Bytes pcd_eph = ec ? pcd_eph_written : Bytes(pcd_eph_written.begin() + 1, pcd_eph_written.end());
    auto ga = [](uint8_t cla, uint8_t tag_, const Bytes& value) {
      CommandApdu c{.cla = cla, .ins = 0x86, .data = EncodeDynamicAuthenticationData({{tag_, value}}), .ne = 256};
      return c.Encode();
    };
    CommandApdu mse{.cla = 0x00, .ins = 0x22, .p1 = 0xC1, .p2 = 0xA4,
                    .data = Concat({EncodeTlv(0x80, oid), HexOrDie("830102"),
                                    EncodeTlv(0x84, Bytes{static_cast<uint8_t>(p["parameter_id"].get<int>())})})};
    CommandApdu ga1{.cla = 0x10, .ins = 0x86, .data = HexOrDie("7C00"), .ne = 256};
    std::vector<ScriptedExchange> script = {
        {mse.Encode(), HexOrDie("9000")},
        {ga1.Encode(),
         Concat({EncodeDynamicAuthenticationData({{0x80, HexField(p["encrypted_nonce_z"])}}), HexOrDie("9000")})},
        {ga(0x10, 0x81, pcd_map),
         Concat({EncodeDynamicAuthenticationData({{0x82, HexField(p["mapping_picc_public"])}}), HexOrDie("9000")})},
        {ga(0x10, 0x83, pcd_eph),
         Concat({EncodeDynamicAuthenticationData({{0x84, HexField(p["ephemeral_picc_public"])}}), HexOrDie("9000")})},
        {ga(0x00, 0x85, HexField(p["token_pcd_T_ifd"])),
         Concat({EncodeDynamicAuthenticationData({{0x86, HexField(p["token_picc_T_ic"])}}), HexOrDie("9000")})},
    };
    ScriptedChip chip(script);
    ScriptedRandom rng;
    // The DH private keys of the example are 1024-bit numbers; reduced mod q (offline) they give the
    // same public keys, which the recorded commands check.
    rng.Add("pace.mapping_key",
            ec ? HexField(p["mapping_pcd_private"]) : HexOrDie("5265030F751F4AD18B08AC565FC7AC952E41618D"));
    rng.Add("pace.ephemeral_key",
            ec ? HexField(p["ephemeral_pcd_private"]) : HexOrDie("89CCD99B0E8D3B1F11E1296DCA68EC53411CF2CA"));
    PaceTrace trace;
    Outcome out = RunAgainst(chip, *params, Can(p["password"].get<std::string>()), rng, &trace);
    ASSERT_TRUE(out.result.ok()) << out.result.status();
    EXPECT_EQ(chip.used(), 5u);
    // K_pi = SHA-1("123456" || 00000003)[0..16]; s = D(K_pi, z) is the example's nonce.
    const Bytes k_pi_hash = Hash(HashAlgorithm::kSha1, Concat({AsSpan(std::string("123456")), HexOrDie("00000003")}));
    EXPECT_EQ(Hex(trace.k_pi), ToHex(ByteSpan(k_pi_hash.data(), 16)));
    EXPECT_EQ(Hex(trace.nonce), p["nonce_s"].get<std::string>());
    EXPECT_EQ(Hex(trace.mapping_shared), p["mapping_shared_secret_H"].get<std::string>());
    EXPECT_EQ(ToHex(trace.mapped_generator), p["mapped_generator"].get<std::string>());
    EXPECT_EQ(Hex(trace.shared_secret), p["shared_secret_K"].get<std::string>());
    EXPECT_EQ(Hex(trace.ks_enc), p["k_enc"].get<std::string>());
    EXPECT_EQ(Hex(trace.ks_mac), p["k_mac"].get<std::string>());
    EXPECT_EQ(ToHex(trace.token_terminal), p["token_pcd_T_ifd"].get<std::string>());
    EXPECT_EQ(ToHex(trace.token_chip), p["token_picc_T_ic"].get<std::string>());
    EXPECT_EQ(trace.token_input_chip, *PublicKeyDataObject(params->protocol_oid, tag, pcd_eph));
    EXPECT_EQ(trace.token_input_terminal,
              *PublicKeyDataObject(params->protocol_oid, tag, HexField(p["ephemeral_picc_public"])));

    // The session keys run the example's AES secure messaging: at SSC 1 the padded plaintext encrypts
    // to the given ciphertext under IV = E(KS_enc, SSC).
    const auto& enc = p["sm_encrypt_example"];
    Bytes ssc(16, 0);
    ssc[15] = static_cast<uint8_t>(enc["ssc"].get<int>());
    absl::StatusOr<Bytes> iv = EncryptBlock(CipherFamily::kAes, out.result->keys.ks_enc, ssc);
    ASSERT_TRUE(iv.ok());
    absl::StatusOr<Bytes> ct = CbcEncrypt(CipherFamily::kAes, out.result->keys.ks_enc, *iv,
                                          PadIso9797M2(HexField(enc["plaintext_unpadded"]), 16));
    ASSERT_TRUE(ct.ok());
    EXPECT_EQ(ToHex(*ct), enc["ciphertext_after_iso_padding"].get<std::string>());
  }
}

// ---- Every variant against the virtual passport ------------------------------------------------------

struct Variant {
  std::string oid;
  int parameter_id;
};

class PaceVariantTest : public ::testing::TestWithParam<Variant> {};

TEST_P(PaceVariantTest, AgreesWithTheVirtualPassportAndRunsSecureMessaging) {
  const Variant& v = GetParam();
  PaceParameters params = Params(v.oid, v.parameter_id);
  auto rng = NewSystemRandom();
  SecureBytes cam_static_private;
  if (params.protocol.mapping == PaceMapping::kChipAuthentication) {
    cam_static_private = params.domain.GenerateKeyPair(*rng, "static")->private_key;
  }
  VirtualPassport chip(PaceProfile(params, "123456", cam_static_private));
  CardLink link({.extended_length = true});
  ChipChannel channel(link);
  Task<absl::StatusOr<PaceResult>> task = RunPace(channel, params, Can("123456"), *rng);
  absl::StatusOr<PaceResult> result = RunDialog(task, link, std::ref(chip));
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_TRUE(chip.keys().has_value());
  EXPECT_EQ(Hex(result->keys.ks_enc), Hex(chip.keys()->ks_enc));
  EXPECT_EQ(Hex(result->keys.ks_mac), Hex(chip.keys()->ks_mac));
  EXPECT_EQ(result->keys.ks_enc.size(), KeyLength(params.protocol.cipher));
  EXPECT_EQ(result->keys.ssc.size(), BlockSize(FamilyOf(params.protocol.cipher)));

  // A command under the new secure messaging reaches the chip intact, and an answer with data comes
  // back: EF.CardSecurity, which the chip opens after PACE only.
  CommandApdu select{.cla = 0x00, .ins = 0xA4, .p1 = 0x02, .p2 = 0x0C, .data = HexOrDie("011D")};
  Task<absl::StatusOr<ResponseApdu>> t2 = channel.Transmit(select);
  absl::StatusOr<ResponseApdu> r2 = RunDialog(t2, link, std::ref(chip));
  ASSERT_TRUE(r2.ok()) << r2.status();
  EXPECT_EQ(r2->sw, 0x9000);
  ASSERT_FALSE(chip.commands().empty());
  EXPECT_EQ(chip.commands().back().ins, 0xA4);
  EXPECT_EQ(ToHex(chip.commands().back().data), "011D");
  CommandApdu read{.cla = 0x00, .ins = 0xB0, .ne = 2};
  Task<absl::StatusOr<ResponseApdu>> t3 = channel.Transmit(read);
  absl::StatusOr<ResponseApdu> r3 = RunDialog(t3, link, std::ref(chip));
  ASSERT_TRUE(r3.ok()) << r3.status();
  EXPECT_EQ(ToHex(r3->data), "CAFE");
  EXPECT_EQ(r3->sw, 0x9000);

  if (params.protocol.mapping == PaceMapping::kChipAuthentication) {
    KeyAgreementKeyPair static_key = *params.domain.KeyPairFromPrivate(cam_static_private);
    EXPECT_EQ(result->chip_authentication_data.size(), params.domain.order_size());
    EXPECT_TRUE(VerifyCamBinding(*result, params.domain, static_key.public_key).ok());
    KeyAgreementKeyPair other = *params.domain.GenerateKeyPair(*rng, "other");
    EXPECT_EQ(VerifyCamBinding(*result, params.domain, other.public_key).code(), absl::StatusCode::kPermissionDenied);
  } else {
    EXPECT_EQ(VerifyCamBinding(*result, params.domain, Bytes()).code(), absl::StatusCode::kFailedPrecondition);
  }
  if (params.protocol.mapping == PaceMapping::kIntegrated) {
    EXPECT_TRUE(result->chip_mapping_public_key.empty());
  } else {
    // The mapping key the chip sent in the last run's second step (7C { 82 key }).
    const std::vector<Bytes> steps = LastRunSteps(chip);
    ASSERT_EQ(steps.size(), 4u);
    ASSERT_GE(steps[1].size(), 2u);
    absl::StatusOr<DynamicAuthenticationData> step2 =
        ParseDynamicAuthenticationData(ByteSpan(steps[1]).subspan(0, steps[1].size() - 2));
    ASSERT_TRUE(step2.ok()) << step2.status();
    ASSERT_NE(step2->Find(0x82), nullptr);
    EXPECT_EQ(ToHex(result->chip_mapping_public_key), ToHex(*step2->Find(0x82)));
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllMappingsCiphersAndGroups, PaceVariantTest,
    ::testing::Values(
        // GM ECDH on every standardized curve, across the ciphers.
        Variant{oid::kPaceEcdhGm3Des, 8}, Variant{oid::kPaceEcdhGmAes128, 9}, Variant{oid::kPaceEcdhGmAes128, 10},
        Variant{oid::kPaceEcdhGmAes192, 11}, Variant{oid::kPaceEcdhGmAes128, 12}, Variant{oid::kPaceEcdhGmAes256, 13},
        Variant{oid::kPaceEcdhGmAes192, 14}, Variant{oid::kPaceEcdhGmAes256, 15}, Variant{oid::kPaceEcdhGm3Des, 16},
        Variant{oid::kPaceEcdhGmAes256, 17}, Variant{oid::kPaceEcdhGmAes256, 18},
        // GM DH on the three RFC 5114 groups (2048-bit values need extended length).
        Variant{oid::kPaceDhGm3Des, 0}, Variant{oid::kPaceDhGmAes128, 1}, Variant{oid::kPaceDhGmAes256, 2},
        // IM, ECDH and DH, every cipher.
        Variant{oid::kPaceEcdhIm3Des, 13}, Variant{oid::kPaceEcdhImAes128, 12}, Variant{oid::kPaceEcdhImAes192, 15},
        Variant{oid::kPaceEcdhImAes256, 18}, Variant{oid::kPaceDhIm3Des, 0}, Variant{oid::kPaceDhImAes128, 0},
        Variant{oid::kPaceDhImAes192, 1}, Variant{oid::kPaceDhImAes256, 2},
        // CAM (ECDH, AES only).
        Variant{oid::kPaceEcdhCamAes128, 13}, Variant{oid::kPaceEcdhCamAes192, 16},
        Variant{oid::kPaceEcdhCamAes256, 17}),
    [](const ::testing::TestParamInfo<Variant>& info) {
      std::string name = info.param.oid.substr(std::string("0.4.0.127.0.7.2.2.4.").size());
      for (char& c : name) {
        if (c == '.') c = '_';
      }
      return "m" + name + "_id" + std::to_string(info.param.parameter_id);
    });

// ---- Failures ----------------------------------------------------------------------------------------

// PACE-GM ECDH AES-128 on brainpoolP256r1 with the CAN 123456: the chip of the fault tests.
PaceParameters BasicParams() { return Params(oid::kPaceEcdhGmAes128, 13); }
vchip::ChipProfile BasicChip() { return PaceProfile(BasicParams()); }

absl::Status RunFault(vchip::ChipProfile profile, const PacePassword& terminal_password,
                      const PaceParameters& params = BasicParams()) {
  VirtualPassport chip(std::move(profile));
  auto rng = NewSystemRandom();
  Outcome out = RunAgainst(chip, params, terminal_password, *rng);
  EXPECT_FALSE(out.secure);
  return out.result.status();
}

TEST(PaceFailureTest, WrongPasswordIsRefused) {
  absl::Status s = RunFault(BasicChip(), Can("654321"));
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << s;
  EXPECT_EQ(PaceFailureOf(s), PaceFailure::kPasswordRefused);
  EXPECT_THAT(s.message(), HasSubstr("6300"));
}

TEST(PaceFailureTest, WrongChipTokenIsRefused) {
  vchip::ChipProfile c = BasicChip();
  c.faults.pace_corrupt_chip_token = true;
  absl::Status s = RunFault(c, Can("123456"));
  EXPECT_EQ(PaceFailureOf(s), PaceFailure::kPasswordRefused) << s;
  EXPECT_THAT(s.message(), HasSubstr("token"));
}

TEST(PaceFailureTest, EchoedEphemeralKeyIsMalformed) {
  vchip::ChipProfile c = BasicChip();
  c.faults.pace_echo_terminal_key = true;
  absl::Status s = RunFault(c, Can("123456"));
  EXPECT_EQ(PaceFailureOf(s), PaceFailure::kMalformedChipData) << s;
}

TEST(PaceFailureTest, MseStatusWords) {
  vchip::ChipProfile unsupported = BasicChip();
  unsupported.faults.pace_mse_sw = 0x6A80;
  absl::Status s = RunFault(unsupported, Can("123456"));
  EXPECT_EQ(PaceFailureOf(s), PaceFailure::kNotSupported) << s;
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);

  vchip::ChipProfile blocked = BasicChip();
  blocked.faults.pace_mse_sw = 0x63C0;
  EXPECT_EQ(PaceFailureOf(RunFault(blocked, Can("123456"))), PaceFailure::kPasswordRefused);

  // A retry counter is a warning: PACE goes on and succeeds.
  vchip::ChipProfile counter = BasicChip();
  counter.faults.pace_mse_sw = 0x63C3;
  VirtualPassport chip(counter);
  auto rng = NewSystemRandom();
  Outcome out = RunAgainst(chip, BasicParams(), Can("123456"), *rng);
  EXPECT_TRUE(out.result.ok()) << out.result.status();
  EXPECT_EQ(ToHex(chip.ResponsesTo(0x22).at(0)), "63C3");
}

TEST(PaceFailureTest, ChipRequiresTheParameterId) {
  // The reader always sends DO'84'; without a known id it cannot and such a chip refuses.
  PaceParameters no_id = BasicParams();
  no_id.parameter_id.reset();
  vchip::ChipProfile strict = BasicChip();
  strict.quirks.pace_requires_parameter_id = true;
  VirtualPassport chip(strict);
  auto rng = NewSystemRandom();
  Outcome out = RunAgainst(chip, no_id, Can("123456"), *rng);
  EXPECT_EQ(PaceFailureOf(out.result.status()), PaceFailure::kNotSupported);
  // The chip refused MSE:Set AT, and for the missing DO'84': a chip without the quirk goes on.
  EXPECT_EQ(chip.ResponsesTo(0x22), std::vector<Bytes>{HexOrDie("6A80")});
  VirtualPassport lenient(BasicChip());
  EXPECT_TRUE(RunAgainst(lenient, no_id, Can("123456"), *rng).result.ok());
}

TEST(PaceFailureTest, MalformedChipResponses) {
  const PaceParameters params = Params(oid::kPaceEcdhGmAes128, 13);
  struct Case {
    std::string name;
    std::vector<std::string> responses;  // for MSE, GA1, GA2, ...
    PaceFailure expected;
  };
  const std::string point_off_curve = "04" + std::string(128, '1');
  const std::vector<Case> cases = {
      {"nonce not a block", {"9000", "7C0380010A9000"}, PaceFailure::kMalformedChipData},
      {"no 7C", {"9000", "80101111111111111111111111111111111111119000"}, PaceFailure::kMalformedChipData},
      {"junk after 7C",
       {"9000",
        "7C128010111111111111111111111111111111110000"
        "9000"},
       PaceFailure::kMalformedChipData},
      {"unexpected tag",
       {"9000",
        "7C1282101111111111111111111111111111111111"
        "9000"},
       PaceFailure::kMalformedChipData},
      {"truncated TLV",
       {"9000",
        "7C1280101111"
        "9000"},
       PaceFailure::kMalformedChipData},
      {"off-curve mapping key",
       {"9000",
        "7C12801011111111111111111111111111111111"
        "9000",
        "7C438241" + point_off_curve + "9000"},
       PaceFailure::kMalformedChipData},
      {"6A80 at step 1", {"9000", "6A80"}, PaceFailure::kNotSupported},
      {"63C1 at step 2",
       {"9000",
        "7C12801011111111111111111111111111111111"
        "9000",
        "63C1"},
       PaceFailure::kPasswordRefused},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    size_t i = 0;
    auto chip = [&c, &i](ByteSpan) -> absl::StatusOr<Bytes> {
      if (i >= c.responses.size()) return absl::UnavailableError("script ended");
      return HexOrDie(c.responses[i++]);
    };
    ScriptedRandom rng;
    rng.Add("pace.mapping_key", HexOrDie("01"));
    CardLink link;
    ChipChannel channel(link);
    Task<absl::StatusOr<PaceResult>> task = RunPace(channel, params, Can("123456"), rng);
    absl::StatusOr<PaceResult> r = RunDialog(task, link, std::ref(chip));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(PaceFailureOf(r.status()), c.expected) << r.status();
    EXPECT_FALSE(channel.secure());
  }
}

TEST(PaceFailureTest, TransportErrorsPassThrough) {
  const PaceParameters params = Params(oid::kPaceEcdhGmAes128, 13);
  auto chip = [](ByteSpan) -> absl::StatusOr<Bytes> { return absl::DeadlineExceededError("chip gone"); };
  ScriptedRandom rng;
  CardLink link;
  ChipChannel channel(link);
  Task<absl::StatusOr<PaceResult>> task = RunPace(channel, params, Can("123456"), rng);
  absl::StatusOr<PaceResult> r = RunDialog(task, link, std::ref(chip));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(PaceFailureOf(r.status()), PaceFailure::kTransport);
}

TEST(PaceFailureTest, MissingRandomnessIsInternal) {
  VirtualPassport chip(BasicChip());
  ScriptedRandom empty;
  Outcome out = RunAgainst(chip, BasicParams(), Can("123456"), empty);
  EXPECT_EQ(PaceFailureOf(out.result.status()), PaceFailure::kInternal) << out.result.status();
  EXPECT_EQ(out.result.status().code(), absl::StatusCode::kInternal);
}

TEST(PaceFailureTest, CamWithoutChipAuthenticationData) {
  const PaceParameters params = Params(oid::kPaceEcdhCamAes128, 13);
  auto rng = NewSystemRandom();
  vchip::ChipProfile c = PaceProfile(params, "123456", params.domain.GenerateKeyPair(*rng, "s")->private_key);
  c.faults.pace_omit_cam_data = true;
  VirtualPassport chip(c);
  Outcome out = RunAgainst(chip, params, Can("123456"), *rng);
  EXPECT_EQ(PaceFailureOf(out.result.status()), PaceFailure::kMalformedChipData) << out.result.status();
}

// ---- Short links: command chaining and GET RESPONSE ------------------------------------------------

// Watches a short-APDU link to the virtual passport, which does ISO/IEC 7816-4 command chaining and
// 61xx + GET RESPONSE itself: counts the chained parts (CLA b5 set on a part whose data object is
// still incomplete; PACE's own CLA 0x10 on a complete step is no part) and the GET RESPONSEs of the
// last PACE run, and the largest command and answer.
class ShortLinkWatch {
 public:
  ShortLinkWatch(VirtualPassport& chip, LinkLimits limits) : chip_(chip), limits_(limits) {}

  absl::StatusOr<Bytes> operator()(ByteSpan raw) {
    max_command = std::max(max_command, raw.size());
    absl::StatusOr<CommandApdu> c = CommandApdu::Parse(raw);
    if (!c.ok()) return c.status();
    EXPECT_FALSE(c->IsExtended()) << ToHex(raw);
    if (c->ins == 0x22) {  // a new PACE run
      chained_parts = 0;
      get_responses = 0;
    }
    if (c->ins == 0xC0) {
      ++get_responses;
    } else {
      const Bytes data = Concat({chain_, c->data});
      size_t consumed = 0;
      const bool part = (c->cla & 0x10) != 0 && !ParseTlv(data, &consumed).ok();
      chained_parts += part ? 1 : 0;
      chain_ = part ? data : Bytes{};
    }
    absl::StatusOr<Bytes> answer = chip_(raw);
    if (answer.ok()) {
      max_response = std::max(max_response, answer->size());
      EXPECT_LE(answer->size(), limits_.ResponseBytes()) << "answer to " << ToHex(raw);
    }
    return answer;
  }

  size_t chained_parts = 0;
  size_t get_responses = 0;
  size_t max_command = 0;
  size_t max_response = 0;

 private:
  VirtualPassport& chip_;
  LinkLimits limits_;
  Bytes chain_;
};

TEST(PaceShortLinkTest, Dh2048RunsOnShortApdusWithChainingAndGetResponse) {
  const LinkLimits kShort{.extended_length = false};
  const LinkLimits kShort223{.extended_length = false, .max_command_bytes = 223, .max_response_bytes = 223};
  struct Case {
    std::string oid;
    int id;
  } cases[] = {
      {oid::kPaceDhGmAes128, 1}, {oid::kPaceDhGmAes256, 2}, {oid::kPaceDhGm3Des, 2}, {oid::kPaceDhImAes128, 2}};
  for (const Case& c : cases) {
    for (const LinkLimits& limits : {kShort, kShort223}) {
      SCOPED_TRACE(absl::StrCat(c.oid, " id ", c.id, ", max command ", limits.CommandBytes()));
      const PaceParameters params = Params(c.oid, c.id);
      vchip::ChipProfile profile = PaceProfile(params);
      profile.quirks.extended_length = false;
      VirtualPassport sim(profile);
      ShortLinkWatch chip(sim, limits);
      auto rng = NewSystemRandom();
      Outcome out = RunAgainst(chip, params, Can("123456"), *rng, nullptr, limits);
      ASSERT_TRUE(out.result.ok()) << out.result.status();
      ASSERT_TRUE(sim.keys().has_value());
      EXPECT_EQ(Hex(out.result->keys.ks_mac), Hex(sim.keys()->ks_mac));
      EXPECT_LE(chip.max_command, limits.CommandBytes());
      EXPECT_LE(chip.max_response, limits.ResponseBytes());
      // 7C 82 01 04 { 8x 82 01 00 <256 bytes> } does not fit one short command: the ephemeral key
      // (and GM's mapping key) goes in two parts; the chip's answers of over 256 bytes need GET RESPONSE.
      const bool gm = c.oid != oid::kPaceDhImAes128;
      EXPECT_EQ(chip.chained_parts, gm ? 2u : 1u);
      EXPECT_EQ(chip.get_responses, gm ? 2u : 1u);
    }
  }
}

// The common case is unchanged: an ECDH PACE fits short APDUs, one command per step, Le '00'.
TEST(PaceShortLinkTest, EcdhFitsOneShortApduPerStep) {
  VirtualPassport sim(BasicChip());
  std::vector<Bytes> commands;
  auto chip = [&](ByteSpan raw) -> absl::StatusOr<Bytes> {
    commands.emplace_back(raw.begin(), raw.end());
    return sim(raw);
  };
  auto rng = NewSystemRandom();
  Outcome out = RunAgainst(chip, BasicParams(), Can("123456"), *rng, nullptr, LinkLimits{.extended_length = false});
  ASSERT_TRUE(out.result.ok()) << out.result.status();
  ASSERT_EQ(commands.size(), 5u);  // MSE:Set AT + 4 GENERAL AUTHENTICATE
  for (size_t i = 1; i < 5; ++i) {
    EXPECT_EQ(commands[i][0], i < 4 ? 0x10 : 0x00);
    EXPECT_EQ(commands[i].back(), 0x00) << "Le '00'";
  }
}

TEST(PaceShortLinkTest, MaxShortCommandDataFollowsTheLinkAndSecureMessaging) {
  CardLink link(LinkLimits{.extended_length = false});
  ChipChannel channel(link);
  EXPECT_EQ(MaxShortCommandData(channel, true), 255u);  // 261-byte default: Lc at most 255
  link.set_limits(LinkLimits{.extended_length = false, .max_command_bytes = 223, .max_response_bytes = 223});
  EXPECT_EQ(MaxShortCommandData(channel, true), 217u);   // 223 - header, Lc, Le
  EXPECT_EQ(MaxShortCommandData(channel, false), 218u);
  channel.StartSecureMessaging(SessionKeys{.cipher = SmCipher::k3Des,
                                           .ks_enc = ToSecure(HexOrDie("979EC13B1CBFE9DCD01AB0FED307EAE5")),
                                           .ks_mac = ToSecure(HexOrDie("F1CB1F1FB5ADF208806B89DC579DC1F8")),
                                           .ssc = ToSecure(HexOrDie("887022120C06C226"))});
  // 3DES, no Le: 4 + 1 + (3 + 1 + 200) + 10 + 1 = 220 <= 223; 200 plain bytes would pad to 208.
  EXPECT_EQ(MaxShortCommandData(channel, false), 199u);
  channel.StartSecureMessaging(SessionKeys{.cipher = SmCipher::kAes,
                                           .ks_enc = SecureBytes(16, 1),
                                           .ks_mac = SecureBytes(16, 2),
                                           .ssc = SecureBytes(16, 0)});
  // AES, with Le: DO'87' 81 C1 01 <192>, DO'97' (3), DO'8E' (10): 4 + 1 + 209 + 1 = 215.
  EXPECT_EQ(MaxShortCommandData(channel, true), 191u);
  link.set_limits(LinkLimits{.extended_length = false, .max_command_bytes = 20});
  EXPECT_EQ(MaxShortCommandData(channel, true), 0u);
}

TEST(PaceShortLinkTest, TransmitShortChainedOnTheWire) {
  // 300 bytes on the 261-byte default link: 255 with CLA 10 (no Le), then 45 with the command's CLA
  // and Le; the answer 61 03 is completed with GET RESPONSE Le 03.
  Bytes data(300);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i);
  const Bytes first(data.begin(), data.begin() + 255);
  const Bytes rest(data.begin() + 255, data.end());
  ScriptedChip chip({{Concat({HexOrDie("10DB3FFFFF"), first}), HexOrDie("9000")},
                     {Concat({HexOrDie("00DB3FFF2D"), rest, HexOrDie("00")}), HexOrDie("AABB6103")},
                     {HexOrDie("00C0000003"), HexOrDie("CCDDEE9000")}});
  CardLink link;
  ChipChannel channel(link);
  CommandApdu cmd{.cla = 0x00, .ins = 0xDB, .p1 = 0x3F, .p2 = 0xFF, .data = data, .ne = kMaxShortNe};
  Task<absl::StatusOr<ResponseApdu>> task = TransmitShortChained(channel, cmd);
  absl::StatusOr<ResponseApdu> r = RunDialog(task, link, std::ref(chip));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(ToHex(r->data), "AABBCCDDEE");
  EXPECT_EQ(r->sw, 0x9000);
  EXPECT_EQ(chip.used(), 3u);

  // A 223-byte link: Le at most 221 (DD), and a refused part ends the chain with its answer.
  ScriptedChip refusing(
      {{Concat({HexOrDie("10DB3FFFD9"), Bytes(data.begin(), data.begin() + 217)}), HexOrDie("6A80")}});
  link.set_limits(LinkLimits{.extended_length = false, .max_command_bytes = 223, .max_response_bytes = 223});
  Task<absl::StatusOr<ResponseApdu>> t2 = TransmitShortChained(channel, cmd);
  r = RunDialog(t2, link, std::ref(refusing));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->sw, 0x6A80);
  EXPECT_EQ(refusing.used(), 1u);
  ScriptedChip small({{HexOrDie("00CA0000DD"), HexOrDie("019000")}});
  CommandApdu get{.cla = 0x00, .ins = 0xCA, .ne = kMaxShortNe};
  Task<absl::StatusOr<ResponseApdu>> t3 = TransmitShortChained(channel, get);
  r = RunDialog(t3, link, std::ref(small));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(ToHex(r->data), "01");
}

// ---- Building blocks ---------------------------------------------------------------------------------

TEST(PaceBuildingBlocksTest, DynamicAuthenticationData) {
  const Bytes encoded = EncodeDynamicAuthenticationData({{0x80, HexOrDie("0102")}, {0x8A, {}}});
  EXPECT_EQ(ToHex(encoded), "7C0680020102" "8A00");
  absl::StatusOr<DynamicAuthenticationData> parsed = ParseDynamicAuthenticationData(encoded);
  ASSERT_TRUE(parsed.ok());
  ASSERT_NE(parsed->Find(0x80), nullptr);
  EXPECT_EQ(ToHex(*parsed->Find(0x80)), "0102");
  EXPECT_EQ(parsed->Find(0x81), nullptr);
  EXPECT_TRUE(ParseDynamicAuthenticationData(HexOrDie("7C00"))->objects.empty());
  for (const char* bad : {"", "7C", "7C01", "7D00", "7C0480008000", "7C03A10100", "7C025F01", "7C00FF"}) {
    EXPECT_FALSE(ParseDynamicAuthenticationData(HexOrDie(bad)).ok()) << bad;
  }
}

TEST(PaceBuildingBlocksTest, TokensFor3DesArePaddedRetailMacs) {
  // The 3DES token is the retail MAC of the method-2 padded input; AES is CMAC of the raw input.
  const Bytes key = HexOrDie("0123456789ABCDEFFEDCBA9876543210");
  const Bytes input = HexOrDie("7F4903860100");
  absl::StatusOr<Bytes> t = AuthenticationToken(KeyAlgorithm::k3Des, key, input);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, *RetailMac(key, PadIso9797M2(input, 8)));
  absl::StatusOr<Bytes> a = AuthenticationToken(KeyAlgorithm::kAes128, key, input);
  ASSERT_TRUE(a.ok());
  const Bytes cmac = *AesCmac(key, input);
  EXPECT_EQ(*a, Bytes(cmac.begin(), cmac.begin() + 8));
}

TEST(PaceBuildingBlocksTest, ResolvePaceInfoChoices) {
  // The BSI ECDH EF.CardAccess: a standardized id.
  const nlohmann::json v = LoadVector("bsi-eac-worked-example-openpace.json");
  SecurityInfos infos = *ParseSecurityInfos(HexField(v["ecdh"]["ef_cardaccess"]));
  absl::StatusOr<PaceParameters> p = ResolvePaceInfo(infos.pace.at(0), infos.pace_domain_parameters);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->protocol.mapping, PaceMapping::kGeneric);
  EXPECT_EQ(p->protocol.cipher, KeyAlgorithm::kAes128);
  // Unknown protocol and reserved ids.
  PaceInfo unknown{.protocol = "0.4.0.127.0.7.2.2.4.9.9", .version = 2, .parameter_id = 13};
  EXPECT_EQ(ResolvePaceInfo(unknown, {}).status().code(), absl::StatusCode::kUnimplemented);
  PaceInfo reserved{.protocol = oid::kPaceEcdhGmAes128, .version = 2, .parameter_id = 5};
  EXPECT_EQ(ResolvePaceInfo(reserved, {}).status().code(), absl::StatusCode::kUnimplemented);
  // ECDH protocol with a DH parameter id.
  PaceInfo mismatch{.protocol = oid::kPaceEcdhGmAes128, .version = 2, .parameter_id = 0};
  EXPECT_EQ(ResolvePaceInfo(mismatch, {}).status().code(), absl::StatusCode::kUnimplemented);
  // Proprietary id without its PACEDomainParameterInfo.
  PaceInfo proprietary{.protocol = oid::kPaceEcdhGmAes128, .version = 2, .parameter_id = 0x41};
  EXPECT_EQ(ResolvePaceInfo(proprietary, {}).status().code(), absl::StatusCode::kUnimplemented);
}

TEST(PaceBuildingBlocksTest, ResolvePaceInfoWithExplicitDomainParameters) {
  // A German test card: id-PACE-ECDH-GM-AES-CBC-CMAC-128 without a parameter id, and one
  // PACEDomainParameterInfo with explicit brainpoolP256t1 parameters.
  const nlohmann::json v = LoadVector("openpace-cardaccess-cardsecurity-samples.json");
  SecurityInfos infos = *ParseSecurityInfos(HexField(v["ef_cardaccess"]["ef_cardaccess_old_testcard"]));
  ASSERT_FALSE(infos.pace_domain_parameters.empty());
  const PaceInfo* ecdh = nullptr;
  for (const PaceInfo& p : infos.pace) {
    if (p.protocol == oid::kPaceEcdhGmAes128) ecdh = &p;
  }
  ASSERT_NE(ecdh, nullptr);
  absl::StatusOr<PaceParameters> p = ResolvePaceInfo(*ecdh, infos.pace_domain_parameters);
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_TRUE(p->domain.is_ec());
  EXPECT_FALSE(p->domain.parameter_id().has_value());
  EXPECT_EQ(ToHex(p->domain.ec().generator().X()), "A3E8EB3CC1CFE7B7732213B23A656149AFA142C47AAFBC2B79A191562E1305F4");
}

}  // namespace
}  // namespace docval::emrtd
