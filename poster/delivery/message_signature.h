// Request signing for Result Server POSTs: RFC 9530 Content-Digest and RFC 9421 HTTP Message
// Signatures. docs/poster.md tells a Result Server how to verify.
//
// Every signed POST carries:
//   Content-Digest:  sha-256=:<base64 SHA-256 of the body>:
//   Signature-Input: docval=("@method" "@target-uri" "content-type" "content-digest")
//                    ;created=<unix seconds>;keyid="<key id>";alg="<ed25519|ecdsa-p256-sha256>"
//   Signature:       docval=:<base64 signature over the signature base>:
// (Signature-Input is one line; it is wrapped here for reading.) The signature base is RFC 9421
// §2.5: one line per covered component, `"<name>": <value>`, then the `"@signature-params"` line,
// joined by "\n" with no trailing newline. "@target-uri" is the normalized request URL
// (http::NormalizeUrl in common/http/http_client.h).
//
// Algorithms (RFC 9421 §3.3): Ed25519 (`ed25519`, the 64-byte RFC 8032 signature) and ECDSA P-256
// with SHA-256 (`ecdsa-p256-sha256`, the 64-byte r‖s form, not DER).
// Key id: the configured id, or by default the RFC 7638 JWK thumbprint (SHA-256, base64url without
// padding) of the public key, so a Result Server can derive it from the public key alone.
#ifndef DOCVAL_POSTER_DELIVERY_MESSAGE_SIGNATURE_H_
#define DOCVAL_POSTER_DELIVERY_MESSAGE_SIGNATURE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace docval::poster {

inline constexpr absl::string_view kSignatureLabel = "docval";

enum class SignatureAlgorithm { kEd25519, kEcdsaP256Sha256 };

// "ed25519" or "ecdsa-p256-sha256" (the RFC 9421 registry names).
absl::string_view AlgorithmName(SignatureAlgorithm algorithm);

// The RFC 9530 Content-Digest field value: "sha-256=:<base64>:".
std::string ContentDigest(absl::string_view body);

// A private key for signing. Immutable and thread-safe (copies share the key).
class SigningKey {
 public:
  // Loads an unencrypted private key of type Ed25519 or EC on P-256 from a file of at most
  // 64 KiB, PEM (PKCS#8 "PRIVATE KEY" or legacy "EC PRIVATE KEY") or DER (PKCS#8 PrivateKeyInfo
  // or SEC1 ECPrivateKey): a file holding "-----BEGIN" is read as PEM, any other as DER. An
  // empty `key_id` selects the JWK thumbprint. Errors (kInvalidArgument / kNotFound) name
  // `path`; the key material never appears in messages.
  static absl::StatusOr<SigningKey> LoadFile(const std::string& path,
                                             const std::string& key_id = "");
  // The same for PEM text or DER bytes; `source` names them in error messages.
  static absl::StatusOr<SigningKey> FromPem(absl::string_view pem, const std::string& key_id = "",
                                            absl::string_view source = "PEM key");
  static absl::StatusOr<SigningKey> FromDer(absl::string_view der, const std::string& key_id = "",
                                            absl::string_view source = "DER key");

  SignatureAlgorithm algorithm() const { return algorithm_; }
  const std::string& key_id() const { return key_id_; }
  // The public key as an RFC 7517 JWK in RFC 7638 canonical form (members sorted, no spaces):
  // {"crv":"Ed25519","kty":"OKP","x":"..."} or {"crv":"P-256","kty":"EC","x":"...","y":"..."}.
  const std::string& public_jwk() const { return public_jwk_; }
  // The RFC 7638 thumbprint of public_jwk().
  const std::string& thumbprint() const { return thumbprint_; }
  // The public key as PEM (SubjectPublicKeyInfo), for handing to a Result Server.
  std::string PublicKeyPem() const;

  // Signs `message` per the algorithm: 64 bytes either way (ECDSA as r‖s, each 32 bytes).
  absl::StatusOr<std::string> Sign(absl::string_view message) const;

 private:
  SigningKey() = default;
  static absl::StatusOr<SigningKey> FromPkey(std::shared_ptr<EVP_PKEY> pkey,
                                             const std::string& key_id, absl::string_view source);
  std::shared_ptr<EVP_PKEY> pkey_;
  SignatureAlgorithm algorithm_ = SignatureAlgorithm::kEd25519;
  std::string key_id_;
  std::string public_jwk_;
  std::string thumbprint_;
};

// The request parts the signature covers.
struct SignedRequestParts {
  std::string method = "POST";
  std::string target_uri;    // the normalized URL
  std::string content_type;  // "application/json"
  std::string body;
  absl::Time created;
};

struct SignatureHeaders {
  std::string content_digest;   // Content-Digest value
  std::string signature_input;  // Signature-Input value
  std::string signature;        // Signature value
  std::string signature_base;   // what was signed (for tests and debugging; never logged)
};

// The "@signature-params" value: the covered component list and parameters.
std::string SignatureParams(const SigningKey& key, absl::Time created);

// The RFC 9421 §2.5 signature base for `parts` (content digest computed from the body).
std::string SignatureBase(const SignedRequestParts& parts, absl::string_view signature_params);

// Computes the three header values. Errors only if the signing primitive fails.
absl::StatusOr<SignatureHeaders> SignRequest(const SigningKey& key, const SignedRequestParts& parts);

}  // namespace docval::poster

#endif  // DOCVAL_POSTER_DELIVERY_MESSAGE_SIGNATURE_H_
