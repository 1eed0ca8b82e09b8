// One interface over ECDH (ecc.h) and DH (dh.h) for the protocols that do not care which: PACE
// (ICAO 9303-11 §4.4) and Chip Authentication (§6.2).
//
// Public keys travel as byte strings in their ICAO encodings (§9.4.5): an uncompressed point
// 04 || X || Y for ECDH (tag 86 in a public key data object), the public value left-padded to |p| for
// DH (tag 84; PACE's token inputs drop its leading zeros, access/pace.h). ValidatePublic() is the one gate for a key
// received from the chip: it decodes and checks it (on the curve / in the subgroup) and returns it re-encoded in that
// canonical form. SharedSecret() validates the peer key itself. Shared secrets are the x-coordinate (ECDH) or the value
// (DH), left-padded to the field size.
#ifndef DOCVAL_VALIDATOR_EMRTD_CRYPTO_KEY_AGREEMENT_H_
#define DOCVAL_VALIDATOR_EMRTD_CRYPTO_KEY_AGREEMENT_H_

#include <optional>
#include <variant>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/crypto/dh.h"
#include "validator/emrtd/crypto/ecc.h"
#include "validator/emrtd/crypto/random.h"
#include "validator/emrtd/crypto/secure_bytes.h"

namespace docval::emrtd {

struct KeyAgreementKeyPair {
  SecureBytes private_key;  // scalar (ECDH) or exponent (DH), big-endian
  Bytes public_key;         // canonical encoding (see above)
};

class KeyAgreementGroup {
 public:
  explicit KeyAgreementGroup(EcGroup ec) : group_(std::move(ec)) {}
  explicit KeyAgreementGroup(DhGroup dh) : group_(std::move(dh)) {}

  // PACE standardized domain parameter ids: 0-2 DH (RFC 5114), 8-18 ECDH. kNotFound otherwise.
  static absl::StatusOr<KeyAgreementGroup> FromParameterId(int id);

  bool is_ec() const { return std::holds_alternative<EcGroup>(group_); }
  // Requires is_ec() / !is_ec().
  const EcGroup& ec() const;
  const DhGroup& dh() const;

  std::optional<int> parameter_id() const;
  // Tag of the public key in a public key data object 7F49: 0x86 (ECDH point) or 0x84 (DH value).
  uint8_t public_key_tag() const { return is_ec() ? 0x86 : 0x84; }
  // Bytes of a shared secret: the field size (ECDH) or |p| (DH).
  size_t secret_size() const;
  // Byte length of the group order (ECDH n, DH q); |p| for a DH group without q.
  size_t order_size() const;
  // The group order n (ECDH) or q (DH), big-endian; for DH without q, p - 1.
  Bytes order() const;

  absl::StatusOr<Bytes> ValidatePublic(ByteSpan encoded) const;
  absl::StatusOr<KeyAgreementKeyPair> GenerateKeyPair(RandomSource& rng, absl::string_view purpose) const;
  // DH: a key pair whose public value, and with `peer_public` (non-empty) whose shared secret with
  // it, do not begin with a zero byte, so that they read the same with or without leading zeros
  // (docs/pace.md, "DH encodings"): up to kUnambiguousDraws draws of `purpose`; when the source has no
  // further value (a scripted one) or every draw was ambiguous (about 2^-56), the last pair is kept.
  // ECDH: GenerateKeyPair (points and x-coordinates have a fixed length anyway).
  static constexpr int kUnambiguousDraws = 8;
  absl::StatusOr<KeyAgreementKeyPair> GenerateUnambiguousKeyPair(RandomSource& rng, absl::string_view purpose,
                                                                 ByteSpan peer_public = {}) const;
  absl::StatusOr<KeyAgreementKeyPair> KeyPairFromPrivate(ByteSpan private_key) const;
  absl::StatusOr<SecureBytes> SharedSecret(ByteSpan private_key, ByteSpan peer_public) const;

  bool operator==(const KeyAgreementGroup& other) const { return group_ == other.group_; }

 private:
  std::variant<EcGroup, DhGroup> group_;
};

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_CRYPTO_KEY_AGREEMENT_H_
