// Finite-field Diffie-Hellman groups for PACE (ICAO 9303-11 §4.4) and Chip Authentication (§6.2):
// the three RFC 5114 groups by PACE parameter id (Botan 2 lacks them, so they are carried here),
// explicit parameters (X9.42 DomainParameters from DG14 / PACEDomainParameterInfo), public value
// validation, key pairs, the shared secret, and the mapped group of PACE (a new generator).
//
// Encodings: public values and the shared secret are unsigned big-endian, left-padded to the byte
// length of p (the shared secret as PKCS #3 says; PACE's token inputs drop a public value's leading
// zeros, ICAO 9303-11 §9.4.1, docs/pace.md "DH encodings"). Values received from the chip may come without the leading
// zeros and are accepted as long as they are not longer than p. Private exponents are drawn in [1, q-1] (not Botan's
// DH_PrivateKey, which ignores q) and returned with the byte length of q.
//
// A group without q (PKCS #3 parameters) is supported for Chip Authentication: public values are
// then only range-checked and private exponents are drawn in [1, p-2]. PACE requires q.
//
// Botan types stay behind this interface; objects are immutable and cheap to copy.
#ifndef DOCVAL_VALIDATOR_EMRTD_CRYPTO_DH_H_
#define DOCVAL_VALIDATOR_EMRTD_CRYPTO_DH_H_

#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/crypto/group_cache.h"
#include "validator/emrtd/crypto/random.h"
#include "validator/emrtd/crypto/secure_bytes.h"

namespace docval::emrtd {

// How explicit parameters are validated (FromValues and the DER forms).
struct DhGroupOptions {
  // p of an explicit group above this many bits: LimitExceeded("max_dh_bits") (limits.h), before any
  // primality test. The standardized groups are recognized first and never refused.
  size_t max_p_bits = 8192;
  // Verdicts of earlier validations (group_cache.h); nullptr: none. A remembered verdict skips the
  // primality tests; the cheap checks run every time.
  GroupValidationCache* cache = nullptr;
  // Validations the session may still run from scratch (not answered by `cache`): each one takes one;
  // at zero, LimitExceeded("max_group_validations"). nullptr: no count.
  size_t* validations_left = nullptr;
};

struct DhKeyPair {
  SecureBytes private_key;  // big-endian, byte length of q (of p without q)
  Bytes public_key;         // g^x mod p, byte length of p
};

class DhGroup {
 public:
  // PACE standardized domain parameter ids (ICAO 9303-11 §9.5.1, RFC 5114):
  //   0: 1024-bit MODP, 160-bit prime-order subgroup   (RFC 5114 §2.1)
  //   1: 2048-bit MODP, 224-bit prime-order subgroup   (RFC 5114 §2.2)
  //   2: 2048-bit MODP, 256-bit prime-order subgroup   (RFC 5114 §2.3)
  // Any other id is kNotFound.
  static absl::StatusOr<DhGroup> FromParameterId(int id);
  static bool IsStandardParameterId(int id) { return id >= 0 && id <= 2; }

  // Explicit values, unsigned big-endian; `q` may be empty. Checks: p odd, 512..8192 bits and prime,
  // 1 < g < p-1, and with q: q prime, q | p-1, g^q = 1 (mod p). A set equal to a standardized group
  // is recognized (parameter_id()).
  static absl::StatusOr<DhGroup> FromValues(ByteSpan p, ByteSpan g, ByteSpan q, const DhGroupOptions& options = {});
  // DER X9.42 DomainParameters ::= SEQUENCE { p, g, q INTEGER, j INTEGER OPTIONAL,
  // validationParms OPTIONAL } (the parameters of dhpublicnumber). In both DER forms the INTEGERs are
  // read as unsigned (asn1::ParameterIntegerOf): a p or q whose top bit is set without the leading 00
  // DER needs, as some chips encode them, is the positive number.
  static absl::StatusOr<DhGroup> FromX942Der(ByteSpan der, const DhGroupOptions& options = {});
  // DER PKCS #3 DHParameter ::= SEQUENCE { prime, base INTEGER, privateValueLength INTEGER OPTIONAL }
  // (the parameters of dhKeyAgreement). The group has no q.
  static absl::StatusOr<DhGroup> FromPkcs3Der(ByteSpan der, const DhGroupOptions& options = {});

  std::optional<int> parameter_id() const;
  bool has_q() const;
  // Bytes of p (public value and shared-secret length) and of q (0 without q).
  size_t modulus_size() const;
  size_t order_size() const;
  Bytes p() const;  // modulus_size() bytes
  Bytes g() const;  // modulus_size() bytes
  Bytes q() const;  // order_size() bytes; empty without q

  // Validates a public value received from the peer (RFC 2631 §2.1.5): at most |p| bytes after
  // leading zero bytes (some implementations send a sign byte), 1 < y < p-1, and y^q = 1 (mod p)
  // when q is known. Returns it left-padded to exactly |p|.
  // Errors: kInvalidArgument.
  absl::StatusOr<Bytes> ValidatePublic(ByteSpan y) const;

  // Key pair for a given private exponent (1 <= x < q, or < p-1 without q), and a fresh one whose
  // exponent is drawn as rng.Scalar(purpose, q) (or p-1 without q) so that traces replay.
  absl::StatusOr<DhKeyPair> KeyPairFromPrivate(ByteSpan private_key) const;
  absl::StatusOr<DhKeyPair> GenerateKeyPair(RandomSource& rng, absl::string_view purpose) const;

  // peer^x mod p, left-padded to |p|, after ValidatePublic(peer). A result of 1 is an error.
  absl::StatusOr<SecureBytes> SharedSecret(ByteSpan private_key, ByteSpan peer_public) const;

  // The same p and q with a new generator (PACE mapping): checks 1 < g < p-1 and g^q = 1.
  absl::StatusOr<DhGroup> WithGenerator(ByteSpan generator) const;

  // Modular arithmetic for the PACE mappings (inputs of any length, reduced mod p; outputs |p| bytes).
  Bytes MultiplyMod(ByteSpan a, ByteSpan b) const;
  // base^exponent mod p (Botan's fixed-window Montgomery exponentiation: leaks only the exponent's
  // bit length).
  Bytes PowerMod(ByteSpan base, ByteSpan exponent) const;

  // Same p, g and q.
  bool operator==(const DhGroup& other) const;

 private:
  struct Impl;
  explicit DhGroup(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_CRYPTO_DH_H_
