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

// No public worked example covers IM with 3DES, AES-192 or AES-256: these answers come from an
// independent implementation of the standard's text (im_prf_reference.py, Python 'cryptography'), which
// reproduces App. H.1 for AES-128. s is 16 bytes for 3DES (two DES blocks: the smallest multiple of the
// block size >= k = 128 bits) and 32 bytes for AES-192/256; t is the key size.
TEST(ChipParamsTest, IntegratedMappingWithEveryCipherMatchesAnIndependentImplementation) {
  const Bytes s16 = H("2923BE84E16CD6AE529049F1F1BBE9EB");
  const Bytes s32 = H("2923BE84E16CD6AE529049F1F1BBE9EBFA5B7E3E49753A0DB9178B7B9BD898C8");
  const Bytes t = H("5DD4CBFC96F5453B130D890A1CDBAE32B3A6DB3C870C3E99245E0D1C06B747DE");
  auto ec = *ChipGroup::Standard(13);
  auto dh = *ChipGroup::Standard(0);
  struct Case {
    Cipher cipher;
    const Bytes& s;
    size_t k;
    const char* rp_ec;
    const char* rp_dh;
  } cases[] = {
      {Cipher::kTdes, s16, 16, "275FD7266751CDCF3BD6E055247E20F26D970CE658DA4AB331093964620E6824",
       "2A6F6648CC6A2243DD8151309A8E6EB597E42AF74629E1F161F264490633CB1C7FEF83E66AC6B3C6BC712C4C009262F019AFA328A259"
       "C0C9BFA9896E30BF2C19A417ED21718BF0D8D075314296B226C1F30C8923B0B736800036BA8E0E11386DD2A3DBD32EE23C0064F664C6"
       "7186A170B5F31D3E057BB1F6A20C3462391A67B2"},
      {Cipher::kAes192, s32, 24, "117B42E3147B9012B37D9907B9E475B2789CD4DE949CA31C00237F01904CD495",
       "438B4F8A2E5A1897975EF4AB7F1D3D1A8D228C04428ABE44451B3994BCB2A9DDA909B7946A4F723B62070F7B17B792F8A08F456C85AB"
       "8957AFEA3800F816C24A7157FA87AA6B92CFA5FA2B6EB3688B94896D3BBBDD8F763039999E4BC3EB2BF48754948317CF590E7EC0F8FE"
       "15CC2EA6613FC263948B32B2B4F6D6D9AFB770C0"},
      {Cipher::kAes256, s32, 32, "6DF7B939BF711ECAE91CFBF2CC64BD95D63B96ADC3A6CC6CF57E06D03C4D43D3",
       "47FC819E691A2DF12268634710F430D7BFD13B2A6288B403F178FBDD7552ABE19449C152AE33E6A7FC81BDEF367AAF4FDF8A4BC2D188"
       "C7455FDB751836CC906173CBB4597196F1BD587253B8C8FA6EA6E113DC928FDC2443102AF4651EA274310C3F7485150D656FD70A714C"
       "671E3ABA417E9CDB50A1837ECDD8714F3DE744DF"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(CipherName(c.cipher)));
    const Bytes tk(t.begin(), t.begin() + static_cast<ptrdiff_t>(c.k));
    EXPECT_EQ(BigHex(PseudoRandomRp(c.cipher, c.s, tk, ec.p()), 32), c.rp_ec);
    EXPECT_EQ(BigHex(PseudoRandomRp(c.cipher, c.s, tk, dh.p()), 128), c.rp_dh);
    EXPECT_TRUE(IntegratedMap(ec, PseudoRandomRp(c.cipher, c.s, tk, ec.p())).ok());
  }
}

TEST(ChipParamsTest, IntegratedMappingNeedsPThreeModFour) {
  auto p224 = *ChipGroup::Standard(10);  // secp224r1: p = 1 mod 4
  EXPECT_EQ(IntegratedMap(p224, Botan::BigInt(5)).status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace docval::vchip
