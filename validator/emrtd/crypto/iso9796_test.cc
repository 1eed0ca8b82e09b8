#include "validator/emrtd/crypto/iso9796.h"

#include <botan/auto_rng.h>
#include <botan/pubkey.h>
#include <botan/rsa.h>
#include <botan/x509_key.h>
#include <nlohmann/json.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "validator/emrtd/testing/vectors.h"

namespace docval::emrtd {
namespace {

nlohmann::json Vectors() { return testing::LoadVector("active-authentication-vectors.json")["cases"]; }

// DG15 '6F' L SubjectPublicKeyInfo -> the SPKI.
Bytes SpkiOfDg15(const std::string& hex) {
  Bytes dg15 = HexOrDie(hex);
  size_t header = (dg15[1] & 0x80) ? 2 + (dg15[1] & 0x7F) : 2;
  return Bytes(dg15.begin() + static_cast<ptrdiff_t>(header), dg15.end());
}

TEST(Iso9796, PymrtdRealPassportVectorsRecoverM1) {
  nlohmann::json c = Vectors()["pymrtd_real_rsa1024"];
  Bytes spki = SpkiOfDg15(c["dg15"]);
  ASSERT_EQ(c["signatures"].size(), 4u);
  for (const auto& s : c["signatures"]) {
    Bytes m2 = HexOrDie(s["challenge_M2"].get<std::string>());
    Bytes sig = HexOrDie(s["signature"].get<std::string>());
    absl::StatusOr<Iso9796Recovery> r = VerifyIso9796Scheme1(spki, sig, m2, std::nullopt);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(ToHex(r->m1), s["recovered_M1"].get<std::string>());
    EXPECT_EQ(r->hash_algorithm, HashAlgorithm::kSha1);
    EXPECT_FALSE(r->explicit_trailer);
    // Another challenge, or one flipped signature bit, fails.
    Bytes other = m2;
    other[0] ^= 0x01;
    EXPECT_EQ(VerifyIso9796Scheme1(spki, sig, other, std::nullopt).status().code(),
              absl::StatusCode::kPermissionDenied);
    Bytes flipped = sig;
    flipped[40] ^= 0x01;
    EXPECT_FALSE(VerifyIso9796Scheme1(spki, flipped, m2, std::nullopt).ok());
  }
}

TEST(Iso9796, BouncyCastleVector) {
  nlohmann::json c = Vectors()["bouncycastle_iso9796_via_pymrtd"];
  absl::StatusOr<Iso9796Recovery> r =
      VerifyIso9796Scheme1(HexOrDie(c["spki"].get<std::string>()), HexOrDie(c["signature"].get<std::string>()),
                           HexOrDie(c["challenge_M2"].get<std::string>()), std::nullopt);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(ToHex(r->m1), c["recovered_M1"].get<std::string>());
}

TEST(Iso9796, GmrtdRsa1792Vector) {
  nlohmann::json c = Vectors()["gmrtd_real_rsa1792_sm_3des"];
  absl::StatusOr<Iso9796Recovery> r =
      VerifyIso9796Scheme1(SpkiOfDg15(c["dg15"]), HexOrDie(c["signature"].get<std::string>()),
                           HexOrDie(c["challenge_rnd_ifd"].get<std::string>()), std::nullopt);
  ASSERT_TRUE(r.ok()) << r.status();
  // This chip names SHA-256 in a two-byte trailer (0x34CC).
  EXPECT_EQ(r->hash_algorithm, HashAlgorithm::kSha256);
  EXPECT_TRUE(r->explicit_trailer);
  EXPECT_EQ(r->m1.size(), 224u - 1 - 32 - 2);
}

TEST(Iso9796, Icao9303AppendixFRepresentative) {
  Bytes f = HexOrDie(Vectors()["icao9303_p11_appendix_F_recovered_F"]["F"].get<std::string>());
  absl::StatusOr<Iso9796Recovery> r = ParseIso9796Representative(f, std::nullopt);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->m1.size(), f.size() - 22);
  EXPECT_EQ(r->m1[0], f[1]);
  EXPECT_EQ(r->hash, Bytes(f.end() - 21, f.end() - 1));
}

TEST(Iso9796, ExplicitTrailersAndMalformedRepresentatives) {
  // A representative signed by a fresh key with SHA-256 named in the trailer (0x34CC).
  Botan::AutoSeeded_RNG rng;
  Botan::RSA_PrivateKey key(rng, 1024);
  std::vector<uint8_t> spki_v = Botan::X509::BER_encode(key);
  Bytes spki(spki_v.begin(), spki_v.end());
  Bytes m1(128 - 1 - 32 - 2, 0x5A);
  Bytes m2 = HexOrDie("0102030405060708");
  Bytes f = Concat({Bytes{0x6A}, m1, Hash(HashAlgorithm::kSha256, {m1, m2}), Bytes{0x34, 0xCC}});
  Botan::PK_Signer signer(key, rng, "Raw");
  std::vector<uint8_t> sig = signer.sign_message(f.data(), f.size(), rng);
  absl::StatusOr<Iso9796Recovery> r = VerifyIso9796Scheme1(spki, Bytes(sig.begin(), sig.end()), m2, std::nullopt);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->hash_algorithm, HashAlgorithm::kSha256);
  EXPECT_TRUE(r->explicit_trailer);
  EXPECT_EQ(r->m1, m1);

  // The implicit trailer with a caller-named hash.
  Bytes f2 = Concat({Bytes{0x6A}, Bytes(128 - 1 - 32 - 1, 0x11)});
  f2 = Concat({f2, Hash(HashAlgorithm::kSha256, {ByteSpan(f2).subspan(1), m2}), Bytes{0xBC}});
  std::vector<uint8_t> sig2 = signer.sign_message(f2.data(), f2.size(), rng);
  EXPECT_TRUE(VerifyIso9796Scheme1(spki, Bytes(sig2.begin(), sig2.end()), m2, HashAlgorithm::kSha256).ok());
  EXPECT_FALSE(VerifyIso9796Scheme1(spki, Bytes(sig2.begin(), sig2.end()), m2, std::nullopt).ok());

  EXPECT_FALSE(ParseIso9796Representative(HexOrDie("6A0102BD"), std::nullopt).ok());  // trailer
  EXPECT_FALSE(ParseIso9796Representative(HexOrDie("6A0102FFCC"), std::nullopt).ok());  // hash id
  EXPECT_FALSE(ParseIso9796Representative(HexOrDie("6A01BC"), std::nullopt).ok());  // shorter than SHA-1
  Bytes bad_header(64, 0x00);
  bad_header[0] = 0x5A;
  bad_header.back() = 0xBC;
  EXPECT_FALSE(ParseIso9796Representative(bad_header, std::nullopt).ok());
}

}  // namespace
}  // namespace docval::emrtd
