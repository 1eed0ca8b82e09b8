#include "poster/delivery/message_signature.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/check.h"

namespace docval::poster {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};

// A private key file is a few hundred bytes; anything much larger is not one.
constexpr size_t kMaxKeyFileBytes = 64 << 10;

// Never prompt for a passphrase: encrypted keys are refused.
int NoPassphrase(char*, int, int, void*) { return -1; }

std::string Sha256(absl::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  DOCVAL_CHECK(EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr) == 1);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string Base64Url(absl::string_view bytes) {
  std::string out;
  absl::WebSafeBase64Escape(bytes, &out);  // no padding
  return out;
}

absl::StatusOr<std::string> BnParam(EVP_PKEY* pkey, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) {
    ERR_clear_error();
    return absl::InternalError("cannot read the EC public key");
  }
  std::unique_ptr<BIGNUM, BnFree> bn(raw);
  std::string out(32, '\0');
  if (BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(out.data()), 32) != 32) {
    return absl::InternalError("EC coordinate does not fit 32 bytes");
  }
  return out;
}

bool IsValidKeyId(absl::string_view id) {
  if (id.empty()) return false;
  for (char c : id) {
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') return false;
  }
  return true;
}

}  // namespace

absl::string_view AlgorithmName(SignatureAlgorithm algorithm) {
  switch (algorithm) {
    case SignatureAlgorithm::kEd25519:
      return "ed25519";
    case SignatureAlgorithm::kEcdsaP256Sha256:
      return "ecdsa-p256-sha256";
  }
  return "";
}

std::string ContentDigest(absl::string_view body) {
  return absl::StrCat("sha-256=:", absl::Base64Escape(Sha256(body)), ":");
}

absl::StatusOr<SigningKey> SigningKey::LoadFile(const std::string& path,
                                                const std::string& key_id) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read signing key ", path, ": ", std::strerror(errno)));
  }
  std::string data(kMaxKeyFileBytes + 1, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<size_t>(in.gcount()));
  const std::string source = absl::StrCat("signing key ", path);
  if (data.size() > kMaxKeyFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": larger than ", kMaxKeyFileBytes, " bytes, not a private key"));
  }
  if (absl::StrContains(data, "-----BEGIN")) return FromPem(data, key_id, source);
  return FromDer(data, key_id, source);
}

absl::StatusOr<SigningKey> SigningKey::FromPem(absl::string_view pem, const std::string& key_id,
                                               absl::string_view source) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  DOCVAL_CHECK(bio != nullptr);
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, &NoPassphrase, nullptr);
  ERR_clear_error();
  if (raw == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": not an unencrypted PEM private key (PKCS#8 Ed25519 or EC P-256 expected)"));
  }
  return FromPkey(std::shared_ptr<EVP_PKEY>(raw, EVP_PKEY_free), key_id, source);
}

absl::StatusOr<SigningKey> SigningKey::FromDer(absl::string_view der, const std::string& key_id,
                                               absl::string_view source) {
  // PKCS#8 PrivateKeyInfo or a traditional form (SEC1 ECPrivateKey); the whole input must be the
  // key. An encrypted PKCS#8 structure does not parse here.
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  const unsigned char* const end = p + der.size();
  EVP_PKEY* raw = der.empty() ? nullptr : d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size()));
  ERR_clear_error();
  if (raw != nullptr && p != end) {
    EVP_PKEY_free(raw);
    raw = nullptr;
  }
  if (raw == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": neither PEM nor an unencrypted DER private key (PKCS#8 or SEC1; Ed25519 or "
                "EC P-256 expected)"));
  }
  return FromPkey(std::shared_ptr<EVP_PKEY>(raw, EVP_PKEY_free), key_id, source);
}

absl::StatusOr<SigningKey> SigningKey::FromPkey(std::shared_ptr<EVP_PKEY> pkey,
                                                const std::string& key_id,
                                                absl::string_view source) {
  if (!key_id.empty() && !IsValidKeyId(key_id)) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": key id must be printable ASCII without '\"' or '\\'"));
  }
  EVP_PKEY* raw = pkey.get();
  SigningKey key;
  key.pkey_ = std::move(pkey);
  if (EVP_PKEY_is_a(raw, "ED25519")) {
    key.algorithm_ = SignatureAlgorithm::kEd25519;
    unsigned char pub[32];
    size_t len = sizeof(pub);
    if (EVP_PKEY_get_raw_public_key(raw, pub, &len) != 1 || len != 32) {
      ERR_clear_error();
      return absl::InvalidArgumentError(absl::StrCat(source, ": bad Ed25519 key"));
    }
    key.public_jwk_ = absl::StrCat(R"({"crv":"Ed25519","kty":"OKP","x":")",
                                   Base64Url(absl::string_view(reinterpret_cast<char*>(pub), 32)),
                                   R"("})");
  } else if (EVP_PKEY_is_a(raw, "EC")) {
    char group[64] = {0};
    size_t glen = 0;
    if (EVP_PKEY_get_group_name(raw, group, sizeof(group), &glen) != 1 ||
        (std::strcmp(group, "prime256v1") != 0 && std::strcmp(group, "P-256") != 0)) {
      ERR_clear_error();
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": EC key on curve \"", group, "\"; only P-256 is supported"));
    }
    key.algorithm_ = SignatureAlgorithm::kEcdsaP256Sha256;
    absl::StatusOr<std::string> x = BnParam(raw, OSSL_PKEY_PARAM_EC_PUB_X);
    absl::StatusOr<std::string> y = BnParam(raw, OSSL_PKEY_PARAM_EC_PUB_Y);
    if (!x.ok() || !y.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": bad EC P-256 key"));
    }
    key.public_jwk_ = absl::StrCat(R"({"crv":"P-256","kty":"EC","x":")", Base64Url(*x),
                                   R"(","y":")", Base64Url(*y), R"("})");
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": unsupported key type ", EVP_PKEY_get0_type_name(raw),
        " (Ed25519 or EC P-256 expected)"));
  }
  key.thumbprint_ = Base64Url(Sha256(key.public_jwk_));
  key.key_id_ = key_id.empty() ? key.thumbprint_ : key_id;
  return key;
}

std::string SigningKey::PublicKeyPem() const {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  DOCVAL_CHECK(bio != nullptr);
  DOCVAL_CHECK(PEM_write_bio_PUBKEY(bio.get(), pkey_.get()) == 1);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

absl::StatusOr<std::string> SigningKey::Sign(absl::string_view message) const {
  DOCVAL_CHECK(pkey_ != nullptr);
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  DOCVAL_CHECK(ctx != nullptr);
  const EVP_MD* md = algorithm_ == SignatureAlgorithm::kEd25519 ? nullptr : EVP_sha256();
  const auto* msg = reinterpret_cast<const unsigned char*>(message.data());
  size_t len = 0;
  if (EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, pkey_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, msg, message.size()) != 1) {
    ERR_clear_error();
    return absl::InternalError("signing failed");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, msg,
                     message.size()) != 1) {
    ERR_clear_error();
    return absl::InternalError("signing failed");
  }
  sig.resize(len);
  if (algorithm_ == SignatureAlgorithm::kEd25519) return sig;

  // DER ECDSA-Sig-Value → r‖s (RFC 9421 §3.3.4).
  const auto* der = reinterpret_cast<const unsigned char*>(sig.data());
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> ecdsa(
      d2i_ECDSA_SIG(nullptr, &der, static_cast<long>(sig.size())));
  if (ecdsa == nullptr) {
    ERR_clear_error();
    return absl::InternalError("cannot decode the ECDSA signature");
  }
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(ecdsa.get(), &r, &s);
  std::string out(64, '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  if (BN_bn2binpad(r, p, 32) != 32 || BN_bn2binpad(s, p + 32, 32) != 32) {
    return absl::InternalError("ECDSA signature component too large");
  }
  return out;
}

std::string SignatureParams(const SigningKey& key, absl::Time created) {
  return absl::StrCat(R"(("@method" "@target-uri" "content-type" "content-digest"))",
                      ";created=", absl::ToUnixSeconds(created), ";keyid=\"", key.key_id(),
                      "\";alg=\"", AlgorithmName(key.algorithm()), "\"");
}

std::string SignatureBase(const SignedRequestParts& parts, absl::string_view signature_params) {
  for (absl::string_view v : {absl::string_view(parts.method), absl::string_view(parts.target_uri),
                              absl::string_view(parts.content_type)}) {
    DOCVAL_CHECK(v.find_first_of("\r\n") == absl::string_view::npos);
  }
  return absl::StrCat("\"@method\": ", parts.method, "\n",                   //
                      "\"@target-uri\": ", parts.target_uri, "\n",           //
                      "\"content-type\": ", parts.content_type, "\n",        //
                      "\"content-digest\": ", ContentDigest(parts.body), "\n",  //
                      "\"@signature-params\": ", signature_params);
}

absl::StatusOr<SignatureHeaders> SignRequest(const SigningKey& key,
                                             const SignedRequestParts& parts) {
  SignatureHeaders h;
  const std::string params = SignatureParams(key, parts.created);
  h.content_digest = ContentDigest(parts.body);
  h.signature_base = SignatureBase(parts, params);
  absl::StatusOr<std::string> sig = key.Sign(h.signature_base);
  if (!sig.ok()) return sig.status();
  h.signature_input = absl::StrCat(kSignatureLabel, "=", params);
  h.signature = absl::StrCat(kSignatureLabel, "=:", absl::Base64Escape(*sig), ":");
  return h;
}

}  // namespace docval::poster
