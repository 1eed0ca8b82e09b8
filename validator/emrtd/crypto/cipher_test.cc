#include "validator/emrtd/crypto/cipher.h"

#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "validator/emrtd/testing/vectors.h"

namespace docval::emrtd {
namespace {

using testing::HexField;
using testing::LoadVector;

// ICAO 9303-11 App. D.3: E_IFD = 3DES-CBC(K_enc, IV 0, S) and the chip's cryptogram decrypts to R.
TEST(CipherTest, TripleDesCbcMatchesAppendixD) {
  nlohmann::json v = LoadVector("icao9303-p11-appD-bac-sm.json");
  Bytes k_enc = HexField(v["D2_key_seed"]["k_enc"]);
  const nlohmann::json& d3 = v["D3_mutual_authentication"];
  Bytes zero_iv(8, 0);
  absl::StatusOr<Bytes> e = CbcEncrypt(CipherFamily::k3Des, k_enc, zero_iv, HexField(d3["S"]));
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(ToHex(*e), d3["E_ifd"].get<std::string>());

  absl::StatusOr<SecureBytes> r = CbcDecrypt(CipherFamily::k3Des, k_enc, zero_iv, HexField(d3["E_ic"]));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(ToHex(FromSecure(*r)), d3["R_decrypted"].get<std::string>());
}

// ICAO 9303-11 App. D.4: DO'87' of SELECT EF.COM holds 3DES-CBC(KS_enc, 0, pad('011E')).
TEST(CipherTest, TripleDesSmDataObjectMatchesAppendixD) {
  nlohmann::json v = LoadVector("icao9303-p11-appD-bac-sm.json");
  const nlohmann::json& d4 = v["D4_secure_messaging"];
  Bytes padded = PadIso9797M2(HexOrDie("011E"), 8);
  EXPECT_EQ(ToHex(padded), "011E800000000000");
  absl::StatusOr<Bytes> e = CbcEncrypt(CipherFamily::k3Des, HexField(d4["ks_enc"]), Bytes(8, 0), padded);
  ASSERT_TRUE(e.ok()) << e.status();
  // DO'87' = 87 09 01 <8 bytes of cryptogram>
  EXPECT_EQ("870901" + ToHex(*e), d4["exchanges"][0]["cmd_DataDO"].get<std::string>());
}

// BSI EAC worked example (via OpenPACE): AES-128 SM encryption with IV = E(KS_enc, SSC), SSC = 1.
TEST(CipherTest, AesSmEncryptionMatchesBsiWorkedExample) {
  nlohmann::json v = LoadVector("bsi-eac-worked-example-openpace.json");
  for (const char* variant : {"ecdh", "dh"}) {
    SCOPED_TRACE(variant);
    const nlohmann::json& pace = v[variant]["pace"];
    Bytes k_enc = HexField(pace["k_enc"]);
    Bytes ssc(16, 0);
    ssc[15] = static_cast<uint8_t>(pace["sm_encrypt_example"]["ssc"].get<int>());
    absl::StatusOr<Bytes> iv = EncryptBlock(CipherFamily::kAes, k_enc, ssc);
    ASSERT_TRUE(iv.ok()) << iv.status();
    Bytes padded = PadIso9797M2(HexField(pace["sm_encrypt_example"]["plaintext_unpadded"]), 16);
    absl::StatusOr<Bytes> e = CbcEncrypt(CipherFamily::kAes, k_enc, *iv, padded);
    ASSERT_TRUE(e.ok()) << e.status();
    EXPECT_EQ(ToHex(*e), pace["sm_encrypt_example"]["ciphertext_after_iso_padding"].get<std::string>());
    absl::StatusOr<SecureBytes> d = CbcDecrypt(CipherFamily::kAes, k_enc, *iv, *e);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(*UnpadIso9797M2(FromSecure(*d), 16), HexField(pace["sm_encrypt_example"]["plaintext_unpadded"]));
  }
}

// NIST SP 800-38A F.2.1, F.2.3, F.2.5 (CBC-AES128/192/256.Encrypt, first two blocks).
TEST(CipherTest, AesCbcMatchesSp80038A) {
  Bytes iv = HexOrDie("000102030405060708090A0B0C0D0E0F");
  Bytes pt = HexOrDie("6BC1BEE22E409F96E93D7E117393172AAE2D8A571E03AC9C9EB76FAC45AF8E51");
  struct Case {
    const char* key;
    const char* ct;
  } cases[] = {
      {"2B7E151628AED2A6ABF7158809CF4F3C", "7649ABAC8119B246CEE98E9B12E9197D5086CB9B507219EE95DB113A917678B2"},
      {"8E73B0F7DA0E6452C810F32B809079E562F8EAD2522C6B7B",
       "4F021DB243BC633D7178183A9FA071E8B4D9ADA9AD7DEDF4E5E738763F69145A"},
      {"603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4",
       "F58C4C04D6E5F1BA779EABFB5F7BFBD69CFC4E967EDB808D679F777BC6702C7D"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.key);
    absl::StatusOr<Bytes> e = CbcEncrypt(CipherFamily::kAes, HexOrDie(c.key), iv, pt);
    ASSERT_TRUE(e.ok()) << e.status();
    EXPECT_EQ(ToHex(*e), c.ct);
    absl::StatusOr<SecureBytes> d = CbcDecrypt(CipherFamily::kAes, HexOrDie(c.key), iv, *e);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(FromSecure(*d), pt);
    // The first ciphertext block is the single-block encryption of PT1 xor IV.
    Bytes x(16);
    for (int i = 0; i < 16; ++i) x[i] = pt[i] ^ iv[i];
    EXPECT_EQ(*EncryptBlock(CipherFamily::kAes, HexOrDie(c.key), x), Bytes(e->begin(), e->begin() + 16));
  }
}

// One CbcCipher keyed once runs SP 800-38A's three operations in turn, twice over, as a secure
// messaging channel does with a new IV per message: nothing of one message may carry over.
TEST(CbcCipherTest, OneKeyRunsEveryOperationInTurnWithoutCarryingState) {
  const Bytes key = HexOrDie("2B7E151628AED2A6ABF7158809CF4F3C");
  const Bytes iv = HexOrDie("000102030405060708090A0B0C0D0E0F");
  const Bytes pt = HexOrDie("6BC1BEE22E409F96E93D7E117393172AAE2D8A571E03AC9C9EB76FAC45AF8E51");
  const std::string ct = "7649ABAC8119B246CEE98E9B12E9197D5086CB9B507219EE95DB113A917678B2";
  absl::StatusOr<CbcCipher> made = CbcCipher::Create(CipherFamily::kAes, key);
  ASSERT_TRUE(made.ok()) << made.status();
  CbcCipher cipher = *std::move(made);
  Bytes x(16);
  for (int i = 0; i < 16; ++i) x[i] = pt[i] ^ iv[i];
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round);
    EXPECT_EQ(ToHex(*cipher.Encrypt(iv, pt)), ct);
    // The second block alone, chained from the first ciphertext block as its IV.
    EXPECT_EQ(ToHex(*cipher.Encrypt(HexOrDie(ct.substr(0, 32)), ByteSpan(pt).subspan(16))), ct.substr(32));
    EXPECT_EQ(FromSecure(*cipher.Decrypt(iv, HexOrDie(ct))), pt);
    EXPECT_EQ(ToHex(*cipher.EncryptBlock(x)), ct.substr(0, 32));
    EXPECT_EQ(cipher.Decrypt(iv, Bytes(17)).status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(cipher.Encrypt(Bytes(8), pt).status().code(), absl::StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(CbcCipher::Create(CipherFamily::k3Des, Bytes(15, 1)).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(CipherTest, RejectsBadKeysIvsAndPartialBlocks) {
  Bytes k16(16, 1), iv8(8, 0), iv16(16, 0);
  EXPECT_EQ(CbcEncrypt(CipherFamily::k3Des, Bytes(15, 1), iv8, Bytes(8)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CbcEncrypt(CipherFamily::kAes, Bytes(20, 1), iv16, Bytes(16)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CbcEncrypt(CipherFamily::k3Des, k16, iv16, Bytes(8)).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CbcDecrypt(CipherFamily::kAes, k16, iv16, Bytes(17)).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(EncryptBlock(CipherFamily::kAes, k16, Bytes(8)).status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(CbcEncrypt(CipherFamily::kAes, k16, iv16, {}).ok());
  EXPECT_TRUE(CbcEncrypt(CipherFamily::kAes, k16, iv16, {})->empty());
}

TEST(PaddingTest, PadsToTheBlockAlwaysAddingAtLeastOneByte) {
  EXPECT_EQ(ToHex(PadIso9797M2({}, 8)), "8000000000000000");
  EXPECT_EQ(ToHex(PadIso9797M2(HexOrDie("01020304050607"), 8)), "0102030405060780");
  EXPECT_EQ(ToHex(PadIso9797M2(HexOrDie("0102030405060708"), 8)), "01020304050607088000000000000000");
  EXPECT_EQ(PadIso9797M2(HexOrDie("01"), 16).size(), 16u);
}

TEST(PaddingTest, UnpadIsStrict) {
  EXPECT_EQ(ToHex(*UnpadIso9797M2(HexOrDie("0102030405060780"), 8)), "01020304050607");
  EXPECT_EQ(ToHex(*UnpadIso9797M2(HexOrDie("8000000000000000"), 8)), "");
  EXPECT_EQ(ToHex(*UnpadIso9797M2(HexOrDie("01020304050607088000000000000000"), 8)), "0102030405060708");
  // Data that ends in 0x80 00.. inside the data is kept: only the last marker is padding.
  EXPECT_EQ(ToHex(*UnpadIso9797M2(HexOrDie("8000000000000080"), 8)), "80000000000000");
  // No marker, all zeros, wrong marker, partial block, empty, too many zeros.
  EXPECT_FALSE(UnpadIso9797M2(HexOrDie("0102030405060708"), 8).ok());
  EXPECT_FALSE(UnpadIso9797M2(HexOrDie("0000000000000000"), 8).ok());
  EXPECT_FALSE(UnpadIso9797M2(HexOrDie("0102030405060781"), 8).ok());
  EXPECT_FALSE(UnpadIso9797M2(HexOrDie("01020380"), 8).ok());
  EXPECT_FALSE(UnpadIso9797M2({}, 8).ok());
  EXPECT_FALSE(UnpadIso9797M2(HexOrDie("01800000000000000000000000000000"), 8).ok());
  EXPECT_FALSE(UnpadIso9797M2(HexOrDie("80"), 0).ok());
}

TEST(KeyAlgorithmTest, LengthsAndFamilies) {
  EXPECT_EQ(KeyLength(KeyAlgorithm::k3Des), 16u);
  EXPECT_EQ(KeyLength(KeyAlgorithm::kAes192), 24u);
  EXPECT_EQ(KeyLength(KeyAlgorithm::kAes256), 32u);
  EXPECT_EQ(FamilyOf(KeyAlgorithm::k3Des), CipherFamily::k3Des);
  EXPECT_EQ(FamilyOf(KeyAlgorithm::kAes128), CipherFamily::kAes);
  EXPECT_EQ(BlockSize(CipherFamily::k3Des), 8u);
  EXPECT_EQ(BlockSize(CipherFamily::kAes), 16u);
}

}  // namespace
}  // namespace docval::emrtd
