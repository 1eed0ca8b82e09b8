#include "poster/delivery/message_signature.h"

#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/test_certs.h"

namespace docval::poster {
namespace {

using ::docval::testsupport::MakeTempDir;
using ::docval::testsupport::RunShell;
using ::testing::HasSubstr;

// RFC 8037 Appendix A.1 Ed25519 private key d, as PKCS#8 PEM.
constexpr absl::string_view kRfc8037Key =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
    "-----END PRIVATE KEY-----\n";
// RFC 8032 §7.1 TEST 2 secret key, as PKCS#8 PEM.
constexpr absl::string_view kRfc8032Test2Key =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIEzNCJso/5banbbDRuwRTg9bijGfNaumJNqM9u1PuKb7\n"
    "-----END PRIVATE KEY-----\n";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}
void WriteFile(const std::string& path, absl::string_view data) {
  std::ofstream out(path, std::ios::binary);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

// DER ECDSA-Sig-Value from r‖s, written here independently of the code under test.
std::string RawToDer(absl::string_view raw) {
  auto integer = [](absl::string_view v) {
    size_t i = 0;
    while (i + 1 < v.size() && v[i] == 0) ++i;
    std::string bytes(v.substr(i));
    if (static_cast<unsigned char>(bytes[0]) & 0x80) bytes.insert(bytes.begin(), '\0');
    return absl::StrCat(std::string(1, '\x02'), std::string(1, static_cast<char>(bytes.size())), bytes);
  };
  std::string body = integer(raw.substr(0, 32)) + integer(raw.substr(32, 32));
  return absl::StrCat(std::string(1, '\x30'), std::string(1, static_cast<char>(body.size())), body);
}

TEST(ContentDigestTest, MatchesTheRfc9530Example) {
  EXPECT_EQ(ContentDigest(R"({"hello": "world"})"),
            "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:");
}

TEST(SigningKeyTest, Ed25519ThumbprintMatchesRfc8037) {
  auto key = SigningKey::FromPem(kRfc8037Key);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->algorithm(), SignatureAlgorithm::kEd25519);
  EXPECT_EQ(key->public_jwk(),
            R"({"crv":"Ed25519","kty":"OKP","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})");
  EXPECT_EQ(key->thumbprint(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
  EXPECT_EQ(key->key_id(), key->thumbprint());
}

TEST(SigningKeyTest, Ed25519SignatureMatchesRfc8032Test2) {
  auto key = SigningKey::FromPem(kRfc8032Test2Key);
  ASSERT_TRUE(key.ok()) << key.status();
  auto sig = key->Sign("\x72");
  ASSERT_TRUE(sig.ok()) << sig.status();
  EXPECT_EQ(absl::BytesToHexString(*sig),
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
            "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
}

TEST(SigningKeyTest, ConfiguredKeyIdIsUsed) {
  auto key = SigningKey::FromPem(kRfc8037Key, "docval-prod-2026");
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->key_id(), "docval-prod-2026");
  EXPECT_EQ(key->thumbprint(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
  EXPECT_EQ(SigningKey::FromPem(kRfc8037Key, "bad\"id").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SigningKey::FromPem(kRfc8037Key, "bad\nid").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SigningKeyTest, MissingFileIsAnErrorNamingThePath) {
  auto key = SigningKey::LoadFile("/nonexistent/dir/key.pem");
  EXPECT_EQ(key.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(key.status().message(), HasSubstr("/nonexistent/dir/key.pem"));
}

TEST(SigningKeyTest, NotAKeyIsAnErrorNamingThePath) {
  auto dir = MakeTempDir("docval_sig_");
  ASSERT_TRUE(dir.ok());
  std::string path = *dir + "/garbage.pem";
  WriteFile(path, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  auto key = SigningKey::LoadFile(path);
  EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(key.status().message(), HasSubstr(path));
}

TEST(SigningKeyTest, UnsupportedKeysAreRejected) {
  auto dir = MakeTempDir("docval_sig_");
  ASSERT_TRUE(dir.ok());
  ASSERT_TRUE(RunShell(absl::StrCat(
                  "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out ", *dir,
                  "/rsa.pem && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out ",
                  *dir, "/p384.pem && openssl genpkey -algorithm ed25519 -aes256 -pass pass:secret -out ",
                  *dir, "/encrypted.pem"))
                  .ok());
  auto rsa = SigningKey::LoadFile(*dir + "/rsa.pem");
  EXPECT_EQ(rsa.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(rsa.status().message(), HasSubstr("unsupported key type"));
  auto p384 = SigningKey::LoadFile(*dir + "/p384.pem");
  EXPECT_EQ(p384.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(p384.status().message(), HasSubstr("only P-256"));
  auto encrypted = SigningKey::LoadFile(*dir + "/encrypted.pem");
  EXPECT_EQ(encrypted.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(encrypted.status().message(), HasSubstr(*dir + "/encrypted.pem"));
}

SignedRequestParts ExampleParts() {
  SignedRequestParts parts;
  parts.target_uri = "https://results.example.com/hook?tenant=7";
  parts.content_type = "application/json";
  parts.body = R"({"emrtd_passport":{},"client_validation_id":"v-1"})";
  parts.created = absl::FromUnixSeconds(1700000000);
  return parts;
}

TEST(SignRequestTest, HeadersAndBaseHaveTheDocumentedForm) {
  auto key = SigningKey::FromPem(kRfc8037Key);
  ASSERT_TRUE(key.ok());
  auto h = SignRequest(*key, ExampleParts());
  ASSERT_TRUE(h.ok()) << h.status();
  const std::string params =
      R"(("@method" "@target-uri" "content-type" "content-digest");created=1700000000)"
      R"(;keyid="kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";alg="ed25519")";
  EXPECT_EQ(h->signature_input, "docval=" + params);
  EXPECT_EQ(h->content_digest, ContentDigest(ExampleParts().body));
  EXPECT_EQ(h->signature_base,
            "\"@method\": POST\n"
            "\"@target-uri\": https://results.example.com/hook?tenant=7\n"
            "\"content-type\": application/json\n"
            "\"content-digest\": " + h->content_digest + "\n"
            "\"@signature-params\": " + params);
  ASSERT_TRUE(absl::StartsWith(h->signature, "docval=:"));
  ASSERT_TRUE(absl::EndsWith(h->signature, ":"));
  std::string sig;
  ASSERT_TRUE(absl::Base64Unescape(h->signature.substr(8, h->signature.size() - 9), &sig));
  EXPECT_EQ(sig.size(), 64u);
  // Ed25519 is deterministic.
  EXPECT_EQ(*key->Sign(h->signature_base), sig);
}

// The worked example of docs/poster.md (its signature was made with `openssl pkeyutl -sign`).
TEST(SignRequestTest, ReproducesTheDocumentedExample) {
  auto key = SigningKey::FromPem(kRfc8037Key);
  ASSERT_TRUE(key.ok());
  SignedRequestParts parts;
  parts.target_uri = "https://results.example.com/docval?tenant=7";
  parts.content_type = "application/json";
  parts.body = R"({"emrtd_passport":{"passive_authentication":true},"client_validation_id":"val-7"})";
  parts.created = absl::FromUnixSeconds(1700000000);
  auto h = SignRequest(*key, parts);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->content_digest, "sha-256=:Bw4+8qDyzLFp6YxrQbBmpFf+r496P2Wapz8PnNwpfEI=:");
  EXPECT_EQ(h->signature_input,
            R"(docval=("@method" "@target-uri" "content-type" "content-digest");created=1700000000)"
            R"(;keyid="kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";alg="ed25519")");
  EXPECT_EQ(h->signature,
            "docval=:jFhFTodmZMtrVgfZGGcOos0nmIZvPjd0IOBXw+WXwMbPDgfOVVxQb6SMZA2AiRdsUlyLnP0tZnjLnd/"
            "91pm+CA==:");
  EXPECT_EQ(key->PublicKeyPem(),
            "-----BEGIN PUBLIC KEY-----\n"
            "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
            "-----END PUBLIC KEY-----\n");
}

// Independent verification: the openssl command line checks our signatures over the base.
class OpensslVerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = MakeTempDir("docval_sig_");
    ASSERT_TRUE(dir.ok());
    dir_ = *dir;
  }

  // Signs ExampleParts() with the key at dir_/key.pem, writes base, pub.pem and the raw signature.
  void SignAndWrite(std::string* raw_sig) {
    auto key = SigningKey::LoadFile(dir_ + "/key.pem");
    ASSERT_TRUE(key.ok()) << key.status();
    auto h = SignRequest(*key, ExampleParts());
    ASSERT_TRUE(h.ok()) << h.status();
    std::string b64 = h->signature.substr(8, h->signature.size() - 9);
    ASSERT_TRUE(absl::Base64Unescape(b64, raw_sig));
    ASSERT_EQ(raw_sig->size(), 64u);
    WriteFile(dir_ + "/base.txt", h->signature_base);
    std::string tampered = h->signature_base;
    tampered[tampered.find("tenant=7")] = 'T';
    WriteFile(dir_ + "/tampered.txt", tampered);
    ASSERT_TRUE(RunShell(absl::StrCat("openssl pkey -in ", dir_, "/key.pem -pubout -out ", dir_,
                                      "/pub.pem")).ok());
    // Our exported public key is the same key.
    EXPECT_EQ(key->PublicKeyPem(), ReadFile(dir_ + "/pub.pem"));
  }

  std::string dir_;
};

TEST_F(OpensslVerifyTest, Ed25519SignatureVerifiesWithOpensslPkeyutl) {
  ASSERT_TRUE(RunShell(absl::StrCat("openssl genpkey -algorithm ed25519 -out ", dir_, "/key.pem")).ok());
  std::string sig;
  ASSERT_NO_FATAL_FAILURE(SignAndWrite(&sig));
  WriteFile(dir_ + "/sig.bin", sig);
  const std::string verify = absl::StrCat("openssl pkeyutl -verify -pubin -inkey ", dir_,
                                          "/pub.pem -rawin -sigfile ", dir_, "/sig.bin -in ", dir_);
  EXPECT_TRUE(RunShell(verify + "/base.txt").ok());
  EXPECT_FALSE(RunShell(verify + "/tampered.txt").ok());
}

TEST_F(OpensslVerifyTest, EcdsaP256SignatureVerifiesWithOpensslDgst) {
  ASSERT_TRUE(RunShell(absl::StrCat("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
                                    "-out ", dir_, "/key.pem")).ok());
  auto key = SigningKey::LoadFile(dir_ + "/key.pem");
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->algorithm(), SignatureAlgorithm::kEcdsaP256Sha256);
  EXPECT_THAT(key->public_jwk(), HasSubstr(R"({"crv":"P-256","kty":"EC","x":")"));
  EXPECT_EQ(key->key_id().size(), 43u);  // base64url of 32 bytes
  std::string sig;
  ASSERT_NO_FATAL_FAILURE(SignAndWrite(&sig));
  WriteFile(dir_ + "/sig.der", RawToDer(sig));
  const std::string verify = absl::StrCat("openssl dgst -sha256 -verify ", dir_,
                                          "/pub.pem -signature ", dir_, "/sig.der ", dir_);
  EXPECT_TRUE(RunShell(verify + "/base.txt").ok());
  EXPECT_FALSE(RunShell(verify + "/tampered.txt").ok());
}

TEST_F(OpensslVerifyTest, EcdsaJwkCoordinatesMatchTheOpensslPublicKey) {
  ASSERT_TRUE(RunShell(absl::StrCat("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
                                    "-out ", dir_, "/key.pem && openssl pkey -in ", dir_,
                                    "/key.pem -pubout -outform DER -out ", dir_, "/pub.der")).ok());
  auto key = SigningKey::LoadFile(dir_ + "/key.pem");
  ASSERT_TRUE(key.ok()) << key.status();
  std::string der = ReadFile(dir_ + "/pub.der");
  ASSERT_GE(der.size(), 65u);
  std::string point = der.substr(der.size() - 64);  // uncompressed point without the 04
  std::string x, y;
  absl::WebSafeBase64Escape(point.substr(0, 32), &x);
  absl::WebSafeBase64Escape(point.substr(32), &y);
  EXPECT_EQ(key->public_jwk(),
            absl::StrCat(R"({"crv":"P-256","kty":"EC","x":")", x, R"(","y":")", y, R"("})"));
}

// DER keys are read as well as PEM ones: the same key in every encoding gives the same key id,
// and its signatures verify with the openssl command line.
struct KeyEncoding {
  const char* name;
  const char* genpkey;  // openssl genpkey arguments
  const char* convert;  // openssl command turning key.pem into key.der ("%s" = the directory)
};

class DerKeyTest : public OpensslVerifyTest, public ::testing::WithParamInterface<KeyEncoding> {};

TEST_P(DerKeyTest, SameKeyAsPemAndSignaturesVerify) {
  const KeyEncoding& e = GetParam();
  ASSERT_TRUE(RunShell(absl::StrCat("openssl genpkey ", e.genpkey, " -out ", dir_, "/key.pem && ",
                                    absl::StrReplaceAll(e.convert, {{"%s", dir_}})))
                  .ok());
  const std::string der = ReadFile(dir_ + "/key.der");
  ASSERT_FALSE(der.empty());
  ASSERT_EQ(der.find("-----BEGIN"), std::string::npos);
  auto from_pem = SigningKey::LoadFile(dir_ + "/key.pem");
  auto from_der = SigningKey::LoadFile(dir_ + "/key.der");
  ASSERT_TRUE(from_pem.ok()) << from_pem.status();
  ASSERT_TRUE(from_der.ok()) << from_der.status();
  EXPECT_EQ(from_der->algorithm(), from_pem->algorithm());
  EXPECT_EQ(from_der->key_id(), from_pem->key_id());
  EXPECT_EQ(from_der->public_jwk(), from_pem->public_jwk());

  auto h = SignRequest(*from_der, ExampleParts());
  ASSERT_TRUE(h.ok()) << h.status();
  std::string sig;
  ASSERT_TRUE(absl::Base64Unescape(h->signature.substr(8, h->signature.size() - 9), &sig));
  WriteFile(dir_ + "/base.txt", h->signature_base);
  ASSERT_TRUE(RunShell(absl::StrCat("openssl pkey -in ", dir_, "/key.pem -pubout -out ", dir_,
                                    "/pub.pem")).ok());
  std::string verify;
  if (from_der->algorithm() == SignatureAlgorithm::kEd25519) {
    WriteFile(dir_ + "/sig.bin", sig);
    verify = absl::StrCat("openssl pkeyutl -verify -pubin -inkey ", dir_, "/pub.pem -rawin -sigfile ",
                          dir_, "/sig.bin -in ", dir_, "/base.txt");
  } else {
    WriteFile(dir_ + "/sig.der", RawToDer(sig));
    verify = absl::StrCat("openssl dgst -sha256 -verify ", dir_, "/pub.pem -signature ", dir_,
                          "/sig.der ", dir_, "/base.txt");
  }
  EXPECT_TRUE(RunShell(verify).ok()) << verify;
}

INSTANTIATE_TEST_SUITE_P(
    Encodings, DerKeyTest,
    ::testing::Values(
        KeyEncoding{"Ed25519Pkcs8", "-algorithm ed25519",
                    "openssl pkey -in %s/key.pem -outform DER -out %s/key.der"},
        KeyEncoding{"P256Pkcs8", "-algorithm EC -pkeyopt ec_paramgen_curve:P-256",
                    "openssl pkey -in %s/key.pem -outform DER -out %s/key.der"},
        KeyEncoding{"P256Sec1", "-algorithm EC -pkeyopt ec_paramgen_curve:P-256",
                    "openssl ec -in %s/key.pem -outform DER -out %s/key.der 2>/dev/null"}),
    [](const ::testing::TestParamInfo<KeyEncoding>& info) { return info.param.name; });

TEST_F(OpensslVerifyTest, BadDerKeysAreRefusedNamingThePath) {
  ASSERT_TRUE(RunShell(absl::StrCat(
                  "openssl genpkey -algorithm ed25519 -out ", dir_, "/key.pem && ",
                  "openssl pkcs8 -topk8 -in ", dir_, "/key.pem -v2 aes256 -passout pass:secret "
                  "-outform DER -out ", dir_, "/encrypted.der && ",
                  "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -outform DER -out ",
                  dir_, "/p384.der"))
                  .ok());
  WriteFile(dir_ + "/garbage.der", std::string("\x30\x03\x02\x01\x00", 5));
  WriteFile(dir_ + "/empty.der", "");
  for (const char* name : {"encrypted.der", "garbage.der", "empty.der"}) {
    auto key = SigningKey::LoadFile(dir_ + "/" + name);
    EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument) << name;
    EXPECT_THAT(key.status().message(), HasSubstr(dir_ + "/" + name));
    EXPECT_THAT(key.status().message(), HasSubstr("neither PEM nor"));
  }
  auto p384 = SigningKey::LoadFile(dir_ + "/p384.der");
  EXPECT_THAT(p384.status().message(), HasSubstr("only P-256"));
  // A DER key with trailing bytes is not a key file.
  ASSERT_TRUE(RunShell(absl::StrCat("openssl pkey -in ", dir_, "/key.pem -outform DER -out ", dir_,
                                    "/key.der")).ok());
  WriteFile(dir_ + "/trailing.der", ReadFile(dir_ + "/key.der") + "x");
  EXPECT_FALSE(SigningKey::LoadFile(dir_ + "/trailing.der").ok());
  EXPECT_TRUE(SigningKey::LoadFile(dir_ + "/key.der").ok());
}

}  // namespace
}  // namespace docval::poster
