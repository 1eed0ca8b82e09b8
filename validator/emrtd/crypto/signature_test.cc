#include "validator/emrtd/crypto/signature.h"

#include <memory>
#include <string>

#include <botan/auto_rng.h>
#include <botan/der_enc.h>
#include <botan/ecdsa.h>
#include <botan/numthry.h>
#include <botan/pubkey.h>
#include <botan/rsa.h>
#include <botan/x509_key.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "validator/emrtd/limits.h"
#include "validator/emrtd/tlv.h"

namespace docval::emrtd {
namespace {

// Keys and signatures are made with Botan's own signers (an implementation independent of the
// verifiers under test, which parse and check encodings by hand).
Bytes Spki(const Botan::Public_Key& k) {
  std::vector<uint8_t> v = Botan::X509::BER_encode(k);
  return Bytes(v.begin(), v.end());
}

Bytes Sign(const Botan::Private_Key& key, const std::string& emsa, ByteSpan msg,
           Botan::Signature_Format format = Botan::IEEE_1363) {
  Botan::AutoSeeded_RNG rng;
  Botan::PK_Signer signer(key, rng, emsa, format);
  std::vector<uint8_t> s = signer.sign_message(msg.data(), msg.size(), rng);
  return Bytes(s.begin(), s.end());
}

const Bytes kMessage = {'e', 'M', 'R', 'T', 'D'};

class RsaTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Botan::AutoSeeded_RNG rng;
    key_ = new Botan::RSA_PrivateKey(rng, 1024);
  }
  static void TearDownTestSuite() { delete key_; }
  static Botan::RSA_PrivateKey* key_;
};
Botan::RSA_PrivateKey* RsaTest::key_ = nullptr;

TEST_F(RsaTest, Pkcs1v15) {
  Bytes spki = Spki(*key_);
  Bytes sig = Sign(*key_, "EMSA3(SHA-256)", kMessage);
  EXPECT_EQ(*VerifyRsaPkcs1v15(spki, HashAlgorithm::kSha256, kMessage, sig), true);
  EXPECT_EQ(*VerifyRsaPkcs1v15(spki, HashAlgorithm::kSha1, kMessage, sig), false);  // other hash
  Bytes bad = sig;
  bad[10] ^= 0x01;
  EXPECT_EQ(*VerifyRsaPkcs1v15(spki, HashAlgorithm::kSha256, kMessage, bad), false);
  Bytes other = kMessage;
  other.push_back('!');
  EXPECT_EQ(*VerifyRsaPkcs1v15(spki, HashAlgorithm::kSha256, other, sig), false);
  // Through an AlgorithmIdentifier: sha256WithRSAEncryption and rsaEncryption + digest algorithm.
  asn1::AlgorithmIdentifier a{.oid = "1.2.840.113549.1.1.11"};
  EXPECT_EQ(*VerifySignature(spki, a, std::nullopt, kMessage, sig), true);
  a.oid = "1.2.840.113549.1.1.1";
  EXPECT_EQ(*VerifySignature(spki, a, HashAlgorithm::kSha256, kMessage, sig), true);
  EXPECT_FALSE(VerifySignature(spki, a, std::nullopt, kMessage, sig).ok());
  a.oid = "1.2.840.10045.4.3.2";  // ECDSA algorithm with an RSA key
  EXPECT_FALSE(VerifySignature(spki, a, std::nullopt, kMessage, sig).ok());
  a.oid = "1.2.3.4";
  EXPECT_FALSE(VerifySignature(spki, a, std::nullopt, kMessage, sig).ok());
}

TEST_F(RsaTest, PssWithDefaultAndExplicitParameters) {
  Bytes spki = Spki(*key_);
  Bytes sig = Sign(*key_, "PSSR(SHA-256,MGF1,32)", kMessage);
  EXPECT_EQ(*VerifyRsaPss(spki, HashAlgorithm::kSha256, HashAlgorithm::kSha256, 32, kMessage, sig), true);
  EXPECT_EQ(*VerifyRsaPss(spki, HashAlgorithm::kSha256, HashAlgorithm::kSha1, 32, kMessage, sig), false);
  EXPECT_EQ(*VerifyRsaPss(spki, HashAlgorithm::kSha256, HashAlgorithm::kSha256, 20, kMessage, sig), false);
  Bytes bad = sig;
  bad.back() ^= 0x80;
  EXPECT_EQ(*VerifyRsaPss(spki, HashAlgorithm::kSha256, HashAlgorithm::kSha256, 32, kMessage, bad), false);

  // id-RSASSA-PSS with RSASSA-PSS-params { sha256, mgf1(sha256), 32 }.
  Bytes params = HexOrDie(
      "3034A00F300D06096086480165030402010500A11C301A06092A864886F70D010108300D06096086480165030402010500A203020120");
  asn1::AlgorithmIdentifier a{.oid = "1.2.840.113549.1.1.10", .parameters = params};
  EXPECT_EQ(*VerifySignature(spki, a, std::nullopt, kMessage, sig), true);
  // Default parameters (SHA-1, MGF1-SHA-1, salt 20) do not match this signature.
  a.parameters.reset();
  EXPECT_EQ(*VerifySignature(spki, a, std::nullopt, kMessage, sig), false);
  Bytes sha1_sig = Sign(*key_, "PSSR(SHA-160,MGF1,20)", kMessage);
  EXPECT_EQ(*VerifySignature(spki, a, std::nullopt, kMessage, sha1_sig), true);
}

TEST_F(RsaTest, PublicOperation) {
  Bytes spki = Spki(*key_);
  Bytes raw = Sign(*key_, "Raw", HexOrDie("6A0102030405BC"));
  absl::StatusOr<Bytes> m = RsaPublicOperation(spki, raw);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->size(), 128u);
  EXPECT_EQ(ToHex(ByteSpan(*m).subspan(121)), "6A0102030405BC");
  Bytes too_long(129, 0x01);
  EXPECT_FALSE(RsaPublicOperation(spki, too_long).ok());
  Bytes at_n(128, 0xFF);  // > n
  EXPECT_FALSE(RsaPublicOperation(spki, at_n).ok());
  absl::StatusOr<PublicKeyInfo> info = DescribePublicKey(spki);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->type, PublicKeyInfo::Type::kRsa);
  EXPECT_EQ(info->bits, 1024u);
  EXPECT_EQ(info->size_bytes, 128u);
}

// The public operation from a SubjectPublicKeyInfo against Botan::power_mod on the numbers, for
// small and large public exponents.
TEST(Signature, RsaPublicOperationForSmallAndLargeExponents) {
  Botan::AutoSeeded_RNG rng;
  const Botan::BigInt n = Botan::random_prime(rng, 512) * Botan::random_prime(rng, 512);
  Botan::BigInt large_e = Botan::random_prime(rng, 100);
  for (const Botan::BigInt& e : {Botan::BigInt(3), Botan::BigInt(65537), large_e}) {
    const Bytes spki = Spki(Botan::RSA_PublicKey(n, e));
    for (int i = 0; i < 4; ++i) {
      const Botan::BigInt s = Botan::BigInt::random_integer(rng, 2, n);
      const std::vector<uint8_t> s_bytes = Botan::BigInt::encode(s);
      absl::StatusOr<Bytes> m = RsaPublicOperation(spki, s_bytes);
      ASSERT_TRUE(m.ok()) << m.status();
      const Botan::secure_vector<uint8_t> expected = Botan::BigInt::encode_1363(Botan::power_mod(s, e, n), 128);
      EXPECT_EQ(ToHex(*m), ToHex(Bytes(expected.begin(), expected.end()))) << "e bits " << e.bits();
    }
  }
  // An even modulus is no RSA key (Botan's RSA_PublicKey refuses it; the loader does too).
  std::vector<uint8_t> even_key, even_spki;
  Botan::DER_Encoder(even_key).start_cons(Botan::SEQUENCE).encode(n + 1).encode(Botan::BigInt(65537)).end_cons();
  Botan::DER_Encoder(even_spki)
      .start_cons(Botan::SEQUENCE)
      .encode(
          Botan::AlgorithmIdentifier(Botan::OID("1.2.840.113549.1.1.1"), Botan::AlgorithmIdentifier::USE_NULL_PARAM))
      .encode(even_key, Botan::BIT_STRING)
      .end_cons();
  EXPECT_FALSE(RsaPublicOperation(Bytes(even_spki.begin(), even_spki.end()), Bytes{0x02}).ok());
  EXPECT_FALSE(DescribePublicKey(Bytes(even_spki.begin(), even_spki.end())).ok());
}

struct Curve {
  const char* name;
  size_t order_bytes;
};

class EcdsaTest : public ::testing::TestWithParam<Curve> {};

TEST_P(EcdsaTest, PlainAndDerOnNamedAndExplicitParameters) {
  Botan::AutoSeeded_RNG rng;
  Botan::ECDSA_PrivateKey key(rng, Botan::EC_Group(GetParam().name));
  Bytes named = Spki(key);
  Botan::ECDSA_PublicKey explicit_pub(key.domain(), key.public_point());
  explicit_pub.set_parameter_encoding(Botan::EC_DOMPAR_ENC_EXPLICIT);
  Bytes expl = Spki(explicit_pub);
  ASSERT_NE(named, expl);

  Bytes plain = Sign(key, "EMSA1(SHA-256)", kMessage, Botan::IEEE_1363);
  Bytes der = Sign(key, "EMSA1(SHA-256)", kMessage, Botan::DER_SEQUENCE);
  ASSERT_EQ(plain.size(), 2 * GetParam().order_bytes);
  for (const Bytes& spki : {named, expl}) {
    EXPECT_EQ(*VerifyEcdsa(spki, HashAlgorithm::kSha256, kMessage, plain, EcdsaSignatureFormat::kPlain), true);
    EXPECT_EQ(*VerifyEcdsa(spki, HashAlgorithm::kSha256, kMessage, der, EcdsaSignatureFormat::kDer), true);
    // The other encoding, the other hash, a flipped bit: all fail.
    EXPECT_EQ(*VerifyEcdsa(spki, HashAlgorithm::kSha256, kMessage, der, EcdsaSignatureFormat::kPlain), false);
    EXPECT_EQ(*VerifyEcdsa(spki, HashAlgorithm::kSha256, kMessage, plain, EcdsaSignatureFormat::kDer), false);
    EXPECT_EQ(*VerifyEcdsa(spki, HashAlgorithm::kSha384, kMessage, plain, EcdsaSignatureFormat::kPlain), false);
    Bytes flipped = plain;
    flipped[3] ^= 0x04;
    EXPECT_EQ(*VerifyEcdsa(spki, HashAlgorithm::kSha256, kMessage, flipped, EcdsaSignatureFormat::kPlain), false);
    absl::StatusOr<PublicKeyInfo> info = DescribePublicKey(spki);
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->type, PublicKeyInfo::Type::kEc);
    EXPECT_EQ(info->size_bytes, GetParam().order_bytes);
  }
  asn1::AlgorithmIdentifier a{.oid = "1.2.840.10045.4.3.2"};
  EXPECT_EQ(*VerifySignature(named, a, std::nullopt, kMessage, der), true);
  a.oid = "0.4.0.127.0.7.1.1.4.1.3";  // ecdsa-plain-SHA256
  EXPECT_EQ(*VerifySignature(named, a, std::nullopt, kMessage, plain), true);
  a.oid = "1.2.840.10045.2.1";  // id-ecPublicKey as signature algorithm: the digest comes from the caller
  EXPECT_EQ(*VerifySignature(named, a, HashAlgorithm::kSha256, kMessage, der), true);
  EXPECT_FALSE(VerifyRsaPkcs1v15(named, HashAlgorithm::kSha256, kMessage, der).ok());  // not RSA
}

INSTANTIATE_TEST_SUITE_P(Curves, EcdsaTest,
                         ::testing::Values(Curve{"secp256r1", 32}, Curve{"brainpool256r1", 32},
                                           Curve{"brainpool384r1", 48}, Curve{"secp521r1", 66},
                                           Curve{"brainpool224r1", 28},
                                           // Outside the PACE table: explicit parameters verify on an
                                           // EcGroup of their own, the named OID through Botan.
                                           Curve{"secp256k1", 32}));

TEST(Signature, CompressedPointOnExplicitCurve) {
  Botan::AutoSeeded_RNG rng;
  Botan::ECDSA_PrivateKey key(rng, Botan::EC_Group("secp256k1"));
  Botan::ECDSA_PublicKey pub(key.domain(), key.public_point());
  pub.set_parameter_encoding(Botan::EC_DOMPAR_ENC_EXPLICIT);
  pub.set_point_encoding(Botan::PointGFp::COMPRESSED);
  const Bytes spki = Spki(pub);
  const Bytes plain = Sign(key, "EMSA1(SHA-256)", kMessage, Botan::IEEE_1363);
  EXPECT_EQ(*VerifyEcdsa(spki, HashAlgorithm::kSha256, kMessage, plain, EcdsaSignatureFormat::kPlain), true);
  Bytes flipped = plain;
  flipped[40] ^= 0x01;
  EXPECT_EQ(*VerifyEcdsa(spki, HashAlgorithm::kSha256, kMessage, flipped, EcdsaSignatureFormat::kPlain), false);
}

// SubjectPublicKeyInfo of rsaEncryption with the given modulus and exponent (any numbers: the
// budget is checked on the numbers, nothing is signed).
Bytes RsaSpki(const Bytes& n, const Bytes& e) {
  Bytes key = EncodeTlv(0x30, Concat({EncodeTlv(0x02, n), EncodeTlv(0x02, e)}));
  Bytes bits = {0x00};
  bits.insert(bits.end(), key.begin(), key.end());
  const Bytes alg = EncodeTlv(0x30, Concat({EncodeTlv(0x06, HexOrDie("2A864886F70D010101")), HexOrDie("0500")}));
  return EncodeTlv(0x30, Concat({alg, EncodeTlv(0x03, bits)}));
}

// An odd number of exactly `bits` bits.
Bytes OddNumber(size_t bits) {
  Bytes n((bits + 7) / 8, 0x5A);
  n[0] = static_cast<uint8_t>(1u << ((bits - 1) % 8));
  n.back() |= 0x01;
  return n;
}

TEST(Signature, ChipKeyBudgetOnRsaModulusAndExponent) {
  const Bytes e3 = {0x03};
  EXPECT_TRUE(CheckChipKeyBudget(RsaSpki(OddNumber(4096), e3), 4096, 256).ok());
  absl::Status over = CheckChipKeyBudget(RsaSpki(OddNumber(4097), e3), 4096, 256);
  EXPECT_TRUE(IsLimitExceeded(over)) << over;
  EXPECT_EQ(LimitName(over), "max_rsa_bits");
  EXPECT_TRUE(CheckChipKeyBudget(RsaSpki(OddNumber(2048), OddNumber(256)), 4096, 256).ok());
  absl::Status big_e = CheckChipKeyBudget(RsaSpki(OddNumber(2048), OddNumber(257)), 4096, 256);
  EXPECT_EQ(LimitName(big_e), "max_rsa_exponent_bits") << big_e;
  // An even exponent or one below 3 is no key at all (the verifier refuses it); EC keys pass.
  EXPECT_FALSE(DescribePublicKey(RsaSpki(OddNumber(2048), Bytes{0x04})).ok());
  Botan::AutoSeeded_RNG rng;
  Botan::ECDSA_PrivateKey ec(rng, Botan::EC_Group("secp256r1"));
  EXPECT_TRUE(CheckChipKeyBudget(Spki(ec), 4096, 256).ok());
}

TEST(Signature, MalformedKeys) {
  EXPECT_FALSE(DescribePublicKey({}).ok());
  EXPECT_FALSE(DescribePublicKey(HexOrDie("3000")).ok());
  EXPECT_FALSE(VerifyEcdsa(HexOrDie("300500030100"), HashAlgorithm::kSha256, kMessage, kMessage,
                           EcdsaSignatureFormat::kDer)
                   .ok());
}

}  // namespace
}  // namespace docval::emrtd
