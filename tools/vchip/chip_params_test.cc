#include "tools/vchip/chip_params.h"

#include <gtest/gtest.h>

#include <botan/numthry.h>

#include "tools/vchip/vchip_test_util.h"

namespace docval::vchip {
namespace {

using emrtd::ToHex;
using testing::H;
using testing::LoadVector;

std::string BigHex(const Botan::BigInt& v, size_t len) {
  auto b = Botan::BigInt::encode_1363(v, len);
  return ToHex(Bytes(b.begin(), b.end()));
}

TEST(ChipParamsTest, PaceOidsRoundTrip) {
  PaceProtocol gm{Mapping::kGeneric, KeyAgreement::kEcdh, Cipher::kAes128};
  EXPECT_EQ(PaceOid(gm), "0.4.0.127.0.7.2.2.4.2.2");
  EXPECT_EQ(ParsePaceOid("0.4.0.127.0.7.2.2.4.2.2"), gm);
  EXPECT_EQ(PaceOid({Mapping::kIntegrated, KeyAgreement::kDh, Cipher::kTdes}), "0.4.0.127.0.7.2.2.4.3.1");
  EXPECT_EQ(PaceOid({Mapping::kChipAuthentication, KeyAgreement::kEcdh, Cipher::kAes256}),
            "0.4.0.127.0.7.2.2.4.6.4");
  EXPECT_FALSE(ParsePaceOid("0.4.0.127.0.7.2.2.4.6.1").has_value());  // CAM needs AES
  EXPECT_FALSE(ParsePaceOid("0.4.0.127.0.7.2.2.4.5.2").has_value());
  EXPECT_FALSE(ParsePaceOid("0.4.0.127.0.7.2.2.3.2.2").has_value());
  EXPECT_EQ(ParseCaOid("0.4.0.127.0.7.2.2.3.1.1"), (CaProtocol{KeyAgreement::kDh, Cipher::kTdes}));
  EXPECT_EQ(CaOid({KeyAgreement::kEcdh, Cipher::kAes256}), "0.4.0.127.0.7.2.2.3.2.4");
  EXPECT_EQ(PkOid(KeyAgreement::kEcdh), "0.4.0.127.0.7.2.2.1.2");
}

TEST(ChipParamsTest, EncodesOidsLikeTheVectors) {
  // Appendix G.1 PACEInfo: 06 0A 04007F00070202040202.
  EXPECT_EQ(ToHex(EncodeOid("0.4.0.127.0.7.2.2.4.2.2")), "04007F00070202040202");
  EXPECT_EQ(ToHex(EncodeOid("2.23.136.1.1.1")), "678108010101");
  EXPECT_EQ(ToHex(EncodeOid("1.2.840.113549.1.7.2")), "2A864886F70D010702");
}

TEST(ChipParamsTest, StandardGroups) {
  auto bp = ChipGroup::Standard(13);
  ASSERT_TRUE(bp.ok());
  EXPECT_EQ(bp->agreement(), KeyAgreement::kEcdh);
  EXPECT_EQ(bp->FieldBytes(), 32u);
  auto dh = ChipGroup::Standard(0);
  ASSERT_TRUE(dh.ok());
  EXPECT_EQ(dh->agreement(), KeyAgreement::kDh);
  EXPECT_EQ(dh->p().bits(), 1024u);
  EXPECT_EQ(dh->q().bits(), 160u);
  // g generates the q-order subgroup for all three RFC 5114 groups.
  for (int id = 0; id <= 2; ++id) {
    auto g = ChipGroup::Standard(id);
    ASSERT_TRUE(g.ok());
    EXPECT_EQ(Botan::power_mod(g->g(), g->q(), g->p()), 1) << id;
  }
  for (int id = 8; id <= 18; ++id) EXPECT_TRUE(ChipGroup::Standard(id).ok()) << id;
  EXPECT_FALSE(ChipGroup::Standard(5).ok());
  EXPECT_FALSE(ChipGroup::Standard(19).ok());
}

TEST(ChipParamsTest, DecodeRejectsInvalidPublicKeys) {
  auto ec = *ChipGroup::Standard(13);
  Bytes good = ec.Encode(ec.Pow(Botan::BigInt(12345)));
  EXPECT_TRUE(ec.Decode(good).ok());
  Bytes off = good;
  off.back() ^= 1;
  EXPECT_FALSE(ec.Decode(off).ok());
  EXPECT_FALSE(ec.Decode(ByteSpan(good).subspan(0, 33)).ok());
  auto dh = *ChipGroup::Standard(0);
  EXPECT_TRUE(dh.Decode(dh.Encode(dh.Pow(Botan::BigInt(777)))).ok());
  EXPECT_FALSE(dh.Decode(H("01")).ok());
  EXPECT_FALSE(dh.Decode(H("02")).ok());  // 2 is not in the 160-bit subgroup
}

TEST(ChipParamsTest, IntegratedMappingMatchesAppendixH) {
  auto v = LoadVector("icao9303-p11-appH-pace-im.json");
  const auto& h1 = v["H1_ecdh"];
  auto ec = *ChipGroup::Standard(13);
  Botan::BigInt rp = PseudoRandomRp(Cipher::kAes128, H(h1["nonce_s"]), H(h1["nonce_t"]), ec.p());
  EXPECT_EQ(BigHex(rp, 32), h1["R_p_s_t_(x input to point encoding)"].get<std::string>());
  auto g = IntegratedMap(ec, rp);
  ASSERT_TRUE(g.ok()) << g.status();
  Botan::PointGFp pt = g->point;
  pt.force_affine();
  EXPECT_EQ(BigHex(pt.get_affine_x(), 32), h1["mapped_generator"]["x"].get<std::string>());
  EXPECT_EQ(BigHex(pt.get_affine_y(), 32), h1["mapped_generator"]["y"].get<std::string>());

  const auto& h2 = v["H2_dh"];
  auto dh = *ChipGroup::Standard(0);
  EXPECT_EQ(BigHex(dh.p(), 128), h2["p"].get<std::string>());
  Botan::BigInt rp2 = PseudoRandomRp(Cipher::kAes128, H(h2["nonce_s"]), H(h2["nonce_t"]), dh.p());
  EXPECT_EQ(BigHex(rp2, 128), h2["R_p_s_t"].get<std::string>());
  auto g2 = IntegratedMap(dh, rp2);
  ASSERT_TRUE(g2.ok());
  EXPECT_EQ(BigHex(g2->value, 128), h2["mapped_generator"].get<std::string>());
}

TEST(ChipParamsTest, IntegratedMappingNeedsPThreeModFour) {
  auto p224 = *ChipGroup::Standard(10);  // secp224r1: p = 1 mod 4
  EXPECT_EQ(IntegratedMap(p224, Botan::BigInt(5)).status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace docval::vchip
