#include "tools/vchip/chip_crypto.h"

#include <gtest/gtest.h>

#include "tools/vchip/vchip_test_util.h"

namespace docval::vchip {
namespace {

using emrtd::ToHex;
using testing::H;
using testing::LoadVector;

TEST(ChipCryptoTest, BacKeyDerivationMatchesAppendixD) {
  auto v = LoadVector("icao9303-p11-appD-bac-sm.json");
  Bytes seed = H(v["D2_key_seed"]["k_seed"]);
  EXPECT_EQ(ToHex(DeriveKey(seed, 1, Cipher::kTdes)), v["D2_key_seed"]["k_enc"].get<std::string>());
  EXPECT_EQ(ToHex(DeriveKey(seed, 2, Cipher::kTdes)), v["D2_key_seed"]["k_mac"].get<std::string>());
}

TEST(ChipCryptoTest, TdesCbcAndRetailMacMatchAppendixD) {
  auto v = LoadVector("icao9303-p11-appD-bac-sm.json");
  const auto& d3 = v["D3_mutual_authentication"];
  Bytes k_enc = H(v["D2_key_seed"]["k_enc"]);
  Bytes k_mac = H(v["D2_key_seed"]["k_mac"]);
  Bytes e_ifd = CbcEncrypt(Cipher::kTdes, k_enc, Bytes(8, 0), H(d3["S"]));
  EXPECT_EQ(ToHex(e_ifd), d3["E_ifd"].get<std::string>());
  EXPECT_EQ(ToHex(Mac8(Cipher::kTdes, k_mac, Pad(e_ifd, 8))), d3["M_ifd"].get<std::string>());
  auto back = CbcDecrypt(Cipher::kTdes, k_enc, Bytes(8, 0), e_ifd);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(ToHex(*back), d3["S"].get<std::string>());
}

TEST(ChipCryptoTest, PaceKeysMatchAppendixG1) {
  auto v = LoadVector("icao9303-p11-appG1-pace-gm-ecdh.json");
  Bytes seed = H(v["key_seed_sha1"]);
  EXPECT_EQ(ToHex(DeriveKey(seed, 3, Cipher::kAes128)), v["k_pi"].get<std::string>());
  Bytes k = H(v["key_agreement"]["shared_secret_K_x"]);
  EXPECT_EQ(ToHex(DeriveKey(k, 1, Cipher::kAes128)), v["session_keys"]["ks_enc"].get<std::string>());
  EXPECT_EQ(ToHex(DeriveKey(k, 2, Cipher::kAes128)), v["session_keys"]["ks_mac"].get<std::string>());
  // The chip encrypts its nonce with K_pi (CBC, zero IV).
  Bytes z = CbcEncrypt(Cipher::kAes128, H(v["k_pi"]), Bytes(16, 0), H(v["nonce_s"]));
  EXPECT_EQ(ToHex(z), v["encrypted_nonce_z"].get<std::string>());
}

TEST(ChipCryptoTest, PadAndUnpad) {
  EXPECT_EQ(ToHex(Pad(H("0102"), 8)), "0102800000000000");
  EXPECT_EQ(Pad(Bytes(8, 1), 8).size(), 16u);
  auto u = Unpad(H("0102800000000000"), 8);
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(ToHex(*u), "0102");
  EXPECT_FALSE(Unpad(H("0102000000000000"), 8).has_value());
  EXPECT_FALSE(Unpad(H("0000000000000000"), 8).has_value());
  EXPECT_FALSE(Unpad(H("01028000000000"), 8).has_value());
  EXPECT_FALSE(Unpad(H("80000000000000000000000000000000"), 8).has_value());  // 15 zero bytes
}

TEST(ChipCryptoTest, AesCmacIsTruncated) {
  // RFC 4493 example 2 (16-byte message).
  Bytes key = H("2b7e151628aed2a6abf7158809cf4f3c");
  Bytes msg = H("6bc1bee22e409f96e93d7e117393172a");
  EXPECT_EQ(ToHex(Mac8(Cipher::kAes128, key, msg)), "070A16B46B4D4144");
}

}  // namespace
}  // namespace docval::vchip
