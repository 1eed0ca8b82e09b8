#include "validator/emrtd/crypto/pace_mapping.h"

#include <string>

#include <botan/bigint.h>
#include <botan/numthry.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/testing/vectors.h"

namespace docval::emrtd {
namespace {

using ::testing::HasSubstr;
using testing::LoadVector;
using testing::HexField;
using testing::EcPointField;

std::string Hex(const SecureBytes& b) { return ToHex(FromSecure(b)); }

TEST(PaceMappingTest, GenericMappingEcdhAppendixG1) {
  const nlohmann::json v = LoadVector("icao9303-p11-appG1-pace-gm-ecdh.json");
  KeyAgreementGroup group = *KeyAgreementGroup::FromParameterId(13);
  const auto& m = v["mapping"];
  absl::StatusOr<GenericMappingResult> r =
      MapGeneric(group, HexField(v["nonce_s"]), HexField(m["terminal_private"]), EcPointField(m["chip_public"]));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Hex(r->shared), ToHex(EcPointField(m["shared_point_H"])));
  ASSERT_TRUE(r->mapped.is_ec());
  EXPECT_EQ(ToHex(r->mapped.ec().generator().Encode()), ToHex(EcPointField(m["mapped_generator"])));
  // The chip's side gives the same group.
  absl::StatusOr<GenericMappingResult> chip =
      MapGeneric(group, HexField(v["nonce_s"]), HexField(m["chip_private"]), EcPointField(m["terminal_public"]));
  ASSERT_TRUE(chip.ok());
  EXPECT_TRUE(chip->mapped == r->mapped);
  // Ephemeral keys on the mapped group.
  const auto& ka = v["key_agreement"];
  absl::StatusOr<KeyAgreementKeyPair> kp = r->mapped.KeyPairFromPrivate(HexField(ka["terminal_private"]));
  ASSERT_TRUE(kp.ok());
  EXPECT_EQ(ToHex(kp->public_key), ToHex(EcPointField(ka["terminal_public"])));
  absl::StatusOr<SecureBytes> k =
      r->mapped.SharedSecret(HexField(ka["terminal_private"]), EcPointField(ka["chip_public"]));
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(Hex(*k), ka["shared_secret_K_x"].get<std::string>());
}

TEST(PaceMappingTest, GenericMappingDhAppendixG2) {
  const nlohmann::json v = LoadVector("icao9303-p11-appG2-pace-gm-dh.json");
  KeyAgreementGroup group = *KeyAgreementGroup::FromParameterId(0);
  const auto& m = v["mapping"];
  absl::StatusOr<GenericMappingResult> r =
      MapGeneric(group, HexField(v["nonce_s"]), HexField(m["terminal_private"]), HexField(m["chip_public"]));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Hex(r->shared), m["shared_secret_H"].get<std::string>());
  ASSERT_FALSE(r->mapped.is_ec());
  EXPECT_EQ(ToHex(r->mapped.dh().g()), m["mapped_generator"].get<std::string>());
  const auto& ka = v["key_agreement"];
  absl::StatusOr<KeyAgreementKeyPair> chip = r->mapped.KeyPairFromPrivate(HexField(ka["chip_private"]));
  ASSERT_TRUE(chip.ok());
  EXPECT_EQ(ToHex(chip->public_key), ka["chip_public"].get<std::string>());
  // The vector writes the terminal's public value with a leading 00 (129 bytes).
  const Bytes terminal_public_129 = HexField(ka["terminal_public"]);
  const Bytes terminal_public(terminal_public_129.begin() + 1, terminal_public_129.end());
  absl::StatusOr<SecureBytes> k = r->mapped.SharedSecret(HexField(ka["chip_private"]), terminal_public);
  ASSERT_TRUE(k.ok()) << k.status();
  EXPECT_EQ(Hex(*k), ka["shared_secret_K"].get<std::string>());
}

TEST(PaceMappingTest, GenericMappingBsiWorkedExample) {
  const nlohmann::json v = LoadVector("bsi-eac-worked-example-openpace.json");
  for (const char* kind : {"ecdh", "dh"}) {
    SCOPED_TRACE(kind);
    const auto& p = v[kind]["pace"];
    KeyAgreementGroup group = *KeyAgreementGroup::FromParameterId(p["parameter_id"].get<int>());
    absl::StatusOr<GenericMappingResult> r = MapGeneric(
        group, HexField(p["nonce_s"]), HexField(p["mapping_pcd_private"]), HexField(p["mapping_picc_public"]));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(Hex(r->shared), p["mapping_shared_secret_H"].get<std::string>());
    const Bytes generator = r->mapped.is_ec() ? r->mapped.ec().generator().Encode() : r->mapped.dh().g();
    EXPECT_EQ(ToHex(generator), p["mapped_generator"].get<std::string>());
    absl::StatusOr<SecureBytes> k =
        r->mapped.SharedSecret(HexField(p["ephemeral_picc_private"]), HexField(p["ephemeral_pcd_public"]));
    ASSERT_TRUE(k.ok()) << k.status();
    EXPECT_EQ(Hex(*k), p["shared_secret_K"].get<std::string>());
  }
}

TEST(PaceMappingTest, GenericMappingRejectsBadChipKeys) {
  KeyAgreementGroup ec = *KeyAgreementGroup::FromParameterId(13);
  Bytes off_curve = ec.ec().generator().Encode();
  off_curve[40] ^= 1;
  EXPECT_EQ(MapGeneric(ec, HexOrDie("01020304"), HexOrDie("05"), off_curve).status().code(),
            absl::StatusCode::kInvalidArgument);
  KeyAgreementGroup dh = *KeyAgreementGroup::FromParameterId(0);
  EXPECT_FALSE(MapGeneric(dh, HexOrDie("01020304"), HexOrDie("05"), HexOrDie("01")).ok());
  EXPECT_FALSE(MapGeneric(dh, HexOrDie("01020304"), HexOrDie("05"), HexOrDie("02")).ok());  // not in <g>
}

TEST(PaceMappingTest, IntegratedMappingEcdhAppendixH1) {
  const nlohmann::json v = LoadVector("icao9303-p11-appH-pace-im.json")["H1_ecdh"];
  KeyAgreementGroup group = *KeyAgreementGroup::FromParameterId(13);
  const Bytes p = group.ec().parameters().p;
  absl::StatusOr<SecureBytes> r =
      PseudoRandomR(KeyAlgorithm::kAes128, HexField(v["nonce_s"]), HexField(v["nonce_t"]), 256);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Hex(*r), v["pseudo_random_R_s_t_(from comment)"].get<std::string>());
  absl::StatusOr<SecureBytes> rp =
      PseudoRandomRp(KeyAlgorithm::kAes128, HexField(v["nonce_s"]), HexField(v["nonce_t"]), p);
  ASSERT_TRUE(rp.ok());
  EXPECT_EQ(Hex(*rp), v["R_p_s_t_(x input to point encoding)"].get<std::string>());
  absl::StatusOr<EcPoint> g = PointEncode(group.ec(), *rp);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(ToHex(g->Encode()), ToHex(EcPointField(v["mapped_generator"])));
  absl::StatusOr<KeyAgreementGroup> mapped =
      MapIntegrated(group, KeyAlgorithm::kAes128, HexField(v["nonce_s"]), HexField(v["nonce_t"]));
  ASSERT_TRUE(mapped.ok()) << mapped.status();
  EXPECT_TRUE(mapped->ec().generator() == *g);
}

TEST(PaceMappingTest, IntegratedMappingDhAppendixH2) {
  const nlohmann::json v = LoadVector("icao9303-p11-appH-pace-im.json")["H2_dh"];
  KeyAgreementGroup group = *KeyAgreementGroup::FromParameterId(0);
  ASSERT_EQ(ToHex(group.dh().p()), v["p"].get<std::string>());
  absl::StatusOr<SecureBytes> r =
      PseudoRandomR(KeyAlgorithm::kAes128, HexField(v["nonce_s"]), HexField(v["nonce_t"]), 1024);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->size(), 144u);  // n = ceil((1024 + 64) / 128) = 9 blocks
  EXPECT_EQ(Hex(*r), v["pseudo_random_R_s_t_(from comment)"].get<std::string>());
  absl::StatusOr<SecureBytes> rp =
      PseudoRandomRp(KeyAlgorithm::kAes128, HexField(v["nonce_s"]), HexField(v["nonce_t"]), HexField(v["p"]));
  ASSERT_TRUE(rp.ok());
  EXPECT_EQ(Hex(*rp), v["R_p_s_t"].get<std::string>());
  absl::StatusOr<KeyAgreementGroup> mapped =
      MapIntegrated(group, KeyAlgorithm::kAes128, HexField(v["nonce_s"]), HexField(v["nonce_t"]));
  ASSERT_TRUE(mapped.ok()) << mapped.status();
  EXPECT_EQ(ToHex(mapped->dh().g()), v["mapped_generator"].get<std::string>());
}

TEST(PaceMappingTest, PseudoRandomFunctionShapes) {
  const Bytes s16 = HexOrDie("000102030405060708090A0B0C0D0E0F");
  const Bytes s32 = Concat({s16, s16});
  // 3DES: k = 128, l = 128; AES-192: k = 192, l = 256; AES-256: k = l = 256.
  absl::StatusOr<SecureBytes> des = PseudoRandomR(KeyAlgorithm::k3Des, s16, s16, 256);
  ASSERT_TRUE(des.ok()) << des.status();
  EXPECT_EQ(des->size(), 48u);
  absl::StatusOr<SecureBytes> aes192 =
      PseudoRandomR(KeyAlgorithm::kAes192, s32, Bytes(s32.begin(), s32.begin() + 24), 384);
  ASSERT_TRUE(aes192.ok()) << aes192.status();
  EXPECT_EQ(aes192->size(), 64u);  // ceil(448 / 256) = 2 blocks of 32 bytes
  absl::StatusOr<SecureBytes> aes256 = PseudoRandomR(KeyAlgorithm::kAes256, s32, s32, 521);
  ASSERT_TRUE(aes256.ok());
  EXPECT_EQ(aes256->size(), 96u);  // ceil(585 / 256) = 3
  // The first block of R depends on t.
  Bytes t2 = s32;
  t2[0] ^= 1;
  EXPECT_NE(Hex(*PseudoRandomR(KeyAlgorithm::kAes256, s32, t2, 521)).substr(0, 64), Hex(*aes256).substr(0, 64));
  // Wrong lengths.
  EXPECT_FALSE(PseudoRandomR(KeyAlgorithm::kAes256, s16, s32, 256).ok());  // s shorter than k
  EXPECT_FALSE(PseudoRandomR(KeyAlgorithm::kAes128, s16, s32, 256).ok());  // t not k
  EXPECT_FALSE(PseudoRandomR(KeyAlgorithm::kAes128, HexOrDie("0001"), s16, 256).ok());
}

TEST(PaceMappingTest, IntegratedMappingOnEveryUsableCurve) {
  const Bytes s = HexOrDie("2923BE84E16CD6AE529049F1F1BBE9EB");
  const Bytes t = HexOrDie("5DD4CBFC96F5453B130D890A1CDBAE32");
  for (int id = 8; id <= 18; ++id) {
    KeyAgreementGroup group = *KeyAgreementGroup::FromParameterId(id);
    absl::StatusOr<KeyAgreementGroup> mapped = MapIntegrated(group, KeyAlgorithm::kAes128, s, t);
    if (id == 10) {  // NIST P-224: p = 1 (mod 4)
      EXPECT_EQ(mapped.status().code(), absl::StatusCode::kUnimplemented);
      continue;
    }
    ASSERT_TRUE(mapped.ok()) << id << " " << mapped.status();
    // A usable generator: two key pairs agree.
    KeyAgreementKeyPair a = *mapped->KeyPairFromPrivate(HexOrDie("0102030405"));
    KeyAgreementKeyPair b = *mapped->KeyPairFromPrivate(HexOrDie("0A0B0C0D0E"));
    EXPECT_EQ(*mapped->SharedSecret(a.private_key, b.public_key), *mapped->SharedSecret(b.private_key, a.public_key));
  }
  for (int id = 0; id <= 2; ++id) {
    absl::StatusOr<KeyAgreementGroup> mapped =
        MapIntegrated(*KeyAgreementGroup::FromParameterId(id), KeyAlgorithm::k3Des, s, t);
    ASSERT_TRUE(mapped.ok()) << id << " " << mapped.status();
  }
}

TEST(PaceMappingTest, ChipAuthenticationMapping) {
  EcGroup g = *EcGroup::FromParameterId(13);
  const Botan::BigInt n(g.parameters().order);
  const Bytes sk_ic = HexOrDie("7984674CF3B3A524BF929CE8A67FCF22173DA0BAD595EED6DEB72D22C542FA9D");
  const Bytes sk_map = HexOrDie("19C428715663DE745D1824B855D2B967890C99D68ED5FEEE9DCDF8D7BBA289D2");
  EcKeyPair static_key = *g.KeyPairFromPrivate(sk_ic);
  EcKeyPair mapping_key = *g.KeyPairFromPrivate(sk_map);
  // CA_IC = SK_IC^-1 * SK_map mod n, FE2OS to the order length.
  const Botan::BigInt ca =
      (Botan::inverse_mod(Botan::BigInt(sk_ic.data(), sk_ic.size()), n) * Botan::BigInt(sk_map.data(), sk_map.size())) %
      n;
  Bytes ca_bytes(32);
  ca.binary_encode(ca_bytes.data(), ca_bytes.size());

  absl::StatusOr<SecureBytes> computed = ComputeChipAuthenticationData(g, sk_ic, sk_map);
  ASSERT_TRUE(computed.ok());
  EXPECT_EQ(ToHex(FromSecure(*computed)), ToHex(ca_bytes));
  EXPECT_TRUE(VerifyChipAuthenticationMapping(g, static_key.public_key.Encode(), ca_bytes,
                                              mapping_key.public_key.Encode())
                  .ok());
  // Another chip's static key, or altered data, fails with kPermissionDenied.
  EcKeyPair other = *g.KeyPairFromPrivate(HexOrDie("1234"));
  EXPECT_EQ(VerifyChipAuthenticationMapping(g, other.public_key.Encode(), ca_bytes, mapping_key.public_key.Encode())
                .code(),
            absl::StatusCode::kPermissionDenied);
  Bytes altered = ca_bytes;
  altered[31] ^= 1;
  EXPECT_EQ(VerifyChipAuthenticationMapping(g, static_key.public_key.Encode(), altered, mapping_key.public_key.Encode())
                .code(),
            absl::StatusCode::kPermissionDenied);
  // Malformed input.
  EXPECT_EQ(VerifyChipAuthenticationMapping(g, static_key.public_key.Encode(), Bytes(33, 1),
                                            mapping_key.public_key.Encode())
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(VerifyChipAuthenticationMapping(g, static_key.public_key.Encode(), g.parameters().order,
                                            mapping_key.public_key.Encode())
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(VerifyChipAuthenticationMapping(g, HexOrDie("0400"), ca_bytes, mapping_key.public_key.Encode()).message(),
              HasSubstr("bytes"));
}

}  // namespace
}  // namespace docval::emrtd
