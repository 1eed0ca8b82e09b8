#include "validator/emrtd/crypto/kdf.h"

#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "validator/emrtd/crypto/hash.h"
#include "validator/emrtd/testing/vectors.h"

namespace docval::emrtd {
namespace {

using testing::LoadVector;
using testing::HexField;

std::string Hex(const SecureBytes& b) { return ToHex(FromSecure(b)); }

// App. D.2: K_enc / K_mac from K_seed (3DES, parity adjusted).
TEST(KdfTest, BacKeysFromSeedMatchAppendixD2) {
  nlohmann::json v = LoadVector("icao9303-p11-appD-bac-sm.json");
  const nlohmann::json& d2 = v["D2_key_seed"];
  Bytes seed = HexField(d2["k_seed"]);
  EXPECT_EQ(Hex(Kdf(KeyAlgorithm::k3Des, seed, kKdfCounterEnc)), d2["k_enc"].get<std::string>());
  EXPECT_EQ(Hex(Kdf(KeyAlgorithm::k3Des, seed, kKdfCounterMac)), d2["k_mac"].get<std::string>());
}

// App. D.3: KS_enc / KS_mac from K_seed = K.IFD xor K.IC.
TEST(KdfTest, BacSessionKeysMatchAppendixD3) {
  nlohmann::json v = LoadVector("icao9303-p11-appD-bac-sm.json");
  const nlohmann::json& d3 = v["D3_mutual_authentication"];
  Bytes k_ifd = HexField(d3["k_ifd"]), k_ic = HexField(d3["k_ic"]);
  Bytes seed(16);
  for (int i = 0; i < 16; ++i) seed[i] = k_ifd[i] ^ k_ic[i];
  EXPECT_EQ(Hex(Kdf(KeyAlgorithm::k3Des, seed, kKdfCounterEnc)), d3["ks_enc"].get<std::string>());
  EXPECT_EQ(Hex(Kdf(KeyAlgorithm::k3Des, seed, kKdfCounterMac)), d3["ks_mac"].get<std::string>());
}

// BSI EAC worked example: K_pi from the PIN (counter 3), KS_enc/KS_mac from the PACE shared secret,
// and Chip Authentication v2 keys from K || r (AES-128, SHA-1, no parity adjustment).
TEST(KdfTest, Aes128KeysMatchBsiWorkedExample) {
  nlohmann::json v = LoadVector("bsi-eac-worked-example-openpace.json");
  for (const char* variant : {"ecdh", "dh"}) {
    SCOPED_TRACE(variant);
    const nlohmann::json& pace = v[variant]["pace"];
    Bytes k = HexField(pace["shared_secret_K"]);
    EXPECT_EQ(Hex(Kdf(KeyAlgorithm::kAes128, k, kKdfCounterEnc)), pace["k_enc"].get<std::string>());
    EXPECT_EQ(Hex(Kdf(KeyAlgorithm::kAes128, k, kKdfCounterMac)), pace["k_mac"].get<std::string>());
    const nlohmann::json& ca = v[variant]["chip_authentication"];
    EXPECT_EQ(
        Hex(Kdf(KeyAlgorithm::kAes128, HexField(ca["shared_secret_K"]), kKdfCounterEnc, HexField(ca["nonce_r_picc"]))),
        ca["k_enc"].get<std::string>());
    EXPECT_EQ(
        Hex(Kdf(KeyAlgorithm::kAes128, HexField(ca["shared_secret_K"]), kKdfCounterMac, HexField(ca["nonce_r_picc"]))),
        ca["k_mac"].get<std::string>());
  }
}

// K_pi from the PIN as the worked example states it: SHA-1('123456' || 00000003)[0:16], and the
// ICAO App. G.1 values (MRZ password).
TEST(KdfTest, PacePasswordKey) {
  std::string pin = "123456";
  SecureBytes k_pi = Kdf(KeyAlgorithm::kAes128, AsSpan(pin), kKdfCounterPace);
  Bytes h = Hash(HashAlgorithm::kSha1, {AsSpan(pin), HexOrDie("00000003")});
  h.resize(16);
  EXPECT_EQ(FromSecure(k_pi), h);

  // App. G.1: K_pi = KDF(SHA-1(MRZ_information), 3) and the session keys from the ECDH x-coordinate.
  nlohmann::json g1 = LoadVector("icao9303-p11-appG1-pace-gm-ecdh.json");
  Bytes seed = HexField(g1["key_seed_sha1"]);
  EXPECT_EQ(Hex(Kdf(KeyAlgorithm::kAes128, seed, kKdfCounterPace)), g1["k_pi"].get<std::string>());
  Bytes k = HexField(g1["key_agreement"]["shared_secret_K_x"]);
  EXPECT_EQ(Hex(Kdf(KeyAlgorithm::kAes128, k, kKdfCounterEnc)), g1["session_keys"]["ks_enc"].get<std::string>());
  EXPECT_EQ(Hex(Kdf(KeyAlgorithm::kAes128, k, kKdfCounterMac)), g1["session_keys"]["ks_mac"].get<std::string>());
}

// AES-192 and AES-256 use SHA-256: the first 24 / all 32 bytes of SHA-256(K || c).
TEST(KdfTest, Aes192And256UseSha256) {
  Bytes k = HexOrDie("6E7D077CCD367C2EAA683F1E8EC534302E2D00B6ADAF8A87A6EDA78740F17606");
  Bytes h1 = Hash(HashAlgorithm::kSha256, {k, HexOrDie("00000001")});
  EXPECT_EQ(FromSecure(Kdf(KeyAlgorithm::kAes256, k, kKdfCounterEnc)), h1);
  h1.resize(24);
  EXPECT_EQ(FromSecure(Kdf(KeyAlgorithm::kAes192, k, kKdfCounterEnc)), h1);
  Bytes h2 = Hash(HashAlgorithm::kSha256, {k, HexOrDie("00000002")});
  EXPECT_EQ(FromSecure(Kdf(KeyAlgorithm::kAes256, k, kKdfCounterMac)), h2);
}

TEST(KdfTest, DesParityIsOdd) {
  SecureBytes k = {0x00, 0x01, 0xFE, 0xFF, 0x80, 0x7F};
  AdjustDesParity(k);
  EXPECT_EQ(Hex(k), "0101FEFE807F");
  for (uint8_t b : k) EXPECT_EQ(__builtin_popcount(b) % 2, 1);
}

}  // namespace
}  // namespace docval::emrtd
