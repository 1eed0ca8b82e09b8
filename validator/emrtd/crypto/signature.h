// Public-key signature verification for Passive Authentication (SOD, certificates, master lists)
// and Active Authentication, from a DER SubjectPublicKeyInfo.
//
// Results: true = the signature verifies; false = it is well formed for the key but does not
// verify (a wrong or tampered signature); an error status (kInvalidArgument) = the key, the
// algorithm or the signature's structure cannot be used (malformed, unsupported, wrong key type).
// Callers treat false and errors alike for the verdict, and report the error text.
//
// Schemes:
// - RSA PKCS#1 v1.5 (RFC 8017 §8.2): DigestInfo with or without the NULL parameters.
// - RSA-PSS (RFC 8017 §8.1, trailer 0xBC) with any message hash, any MGF1 hash (it may differ from
//   the message hash) and an exact salt length.
// - ECDSA over named or explicit curve parameters (the SPKI's id-ecPublicKey parameters), signature
//   either DER (SEQUENCE { r, s }, as in X.509 and CMS) or plain r‖s (BSI TR-03111, used by Active
//   Authentication and some SODs). The hash is truncated to the order's size as ECDSA requires.
#ifndef DOCVAL_VALIDATOR_EMRTD_CRYPTO_SIGNATURE_H_
#define DOCVAL_VALIDATOR_EMRTD_CRYPTO_SIGNATURE_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/crypto/asn1_util.h"
#include "validator/emrtd/crypto/hash.h"

namespace docval::emrtd {

enum class EcdsaSignatureFormat { kDer, kPlain };

struct PublicKeyInfo {
  enum class Type { kRsa, kEc, kOther };
  Type type = Type::kOther;
  // RSA: modulus bits. EC: bits of the group order.
  size_t bits = 0;
  // RSA: modulus bytes (the signature size). EC: bytes of the group order (plain r‖s is twice this).
  size_t size_bytes = 0;
  std::string algorithm_oid;  // of the SubjectPublicKeyInfo
};

// Describes a SubjectPublicKeyInfo (DER). Errors for malformed keys and unsupported key types.
absl::StatusOr<PublicKeyInfo> DescribePublicKey(ByteSpan spki);

// The budget of a key the chip chose (Document Signer, DG15; docs/limits.md): an RSA modulus of at
// most `max_rsa_bits` and a public exponent of at most `max_rsa_exponent_bits` (odd and >= 3 hold for
// every RSA key) — LimitExceeded("max_rsa_bits" / "max_rsa_exponent_bits") otherwise (limits.h).
// EC keys are bounded by the curves they may use (at most 521 bits). A key that does not decode is
// the verifier's business: OK here.
absl::Status CheckChipKeyBudget(ByteSpan spki, size_t max_rsa_bits, size_t max_rsa_exponent_bits);

// Verifies with the algorithm named by an X.509 / CMS AlgorithmIdentifier:
// rsaEncryption (the hash is `digest_algorithm`), sha{1,224,256,384,512}WithRSAEncryption,
// id-RSASSA-PSS (with its RSASSA-PSS-params, defaults per RFC 4055), ecdsa-with-SHA{1,224,256,384,512}
// (DER), id-ecPublicKey used as a signature algorithm (DER; the hash is `digest_algorithm`), and the
// BSI ecdsa-plain-SHA* algorithms (plain r‖s).
absl::StatusOr<bool> VerifySignature(ByteSpan spki, const asn1::AlgorithmIdentifier& algorithm,
                                     std::optional<HashAlgorithm> digest_algorithm, ByteSpan message,
                                     ByteSpan signature);

// A SubjectPublicKeyInfo decoded once, with what verification precomputes for it: for RSA the
// Montgomery parameters of the modulus (a constant-time division, about 0.15 ms for 1024 bits and
// 0.45 ms for 2048, that every verification from bytes pays again: bench/README.md, crypto floor
// finding 3), for EC the group and the point. For keys used many times: the trust store's CSCA keys,
// the Document Signer keys of a key cache (key_cache.h). Immutable; safe to share between threads.
// Verifying with it gives exactly the results of the functions above with spki().
class VerificationKey {
 public:
  // Errors as VerifySignature() reports them for an unusable key.
  static absl::StatusOr<std::shared_ptr<const VerificationKey>> Load(ByteSpan spki);
  ~VerificationKey();

  const Bytes& spki() const;
  // The heap this key holds, approximately (its SPKI, numbers and precomputed values): what a cache
  // counts against its byte budget.
  size_t memory_bytes() const;

  struct Impl;  // opaque
  explicit VerificationKey(std::unique_ptr<const Impl> impl);

 private:
  friend absl::StatusOr<bool> VerifySignature(const VerificationKey& key, const asn1::AlgorithmIdentifier& algorithm,
                                              std::optional<HashAlgorithm> digest_algorithm, ByteSpan message,
                                              ByteSpan signature);
  std::unique_ptr<const Impl> impl_;
};

// VerifySignature() with a loaded key.
absl::StatusOr<bool> VerifySignature(const VerificationKey& key, const asn1::AlgorithmIdentifier& algorithm,
                                     std::optional<HashAlgorithm> digest_algorithm, ByteSpan message,
                                     ByteSpan signature);

absl::StatusOr<bool> VerifyRsaPkcs1v15(ByteSpan spki, HashAlgorithm hash, ByteSpan message, ByteSpan signature);
absl::StatusOr<bool> VerifyRsaPss(ByteSpan spki, HashAlgorithm hash, HashAlgorithm mgf1_hash, size_t salt_length,
                                  ByteSpan message, ByteSpan signature);
absl::StatusOr<bool> VerifyEcdsa(ByteSpan spki, HashAlgorithm hash, ByteSpan message, ByteSpan signature,
                                 EcdsaSignatureFormat format);

// The RSA public operation signature^e mod n as exactly k = |n| bytes (ISO/IEC 9796-2 recovery).
// Errors: not an RSA key, a signature longer than k bytes, or a signature value >= n.
absl::StatusOr<Bytes> RsaPublicOperation(ByteSpan spki, ByteSpan signature);

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_CRYPTO_SIGNATURE_H_
