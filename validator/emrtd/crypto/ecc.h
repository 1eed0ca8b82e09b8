// Elliptic-curve groups over prime fields, for PACE (ICAO 9303-11 §4.4) and Chip Authentication
// (§6.2): the standardized domain parameters by PACE parameter id (§9.5.1), explicit parameters
// from DER (DG14, EF.CardAccess PACEDomainParameterInfo), point decoding/encoding, scalar
// multiplication and addition, ECDH, and the mapped group of PACE (a new generator).
//
// Encodings (BSI TR-03111): a point is uncompressed 04 || X || Y, each coordinate left-padded to
// the byte length of p; the ECDH shared secret is the x-coordinate left-padded to the same length
// (a missing leading zero breaks PACE on about 1 run in 256). Scalars (private keys, nonces) are
// unsigned big-endian byte strings of any length; private keys are returned with the byte length
// of the group order.
//
// Key agreement is plain ECDH, [d]Q, without cofactor multiplication (as OpenSSL and the chips in
// the field do; every standardized curve has cofactor 1). For groups with a cofactor > 1,
// DecodePoint additionally rejects points outside the prime-order subgroup.
//
// Every operation on untrusted input (a point from the chip, DER parameters) returns an error status
// and never crashes. Botan types stay behind this interface (pimpl); objects are immutable and cheap
// to copy.
#ifndef DOCVAL_VALIDATOR_EMRTD_CRYPTO_ECC_H_
#define DOCVAL_VALIDATOR_EMRTD_CRYPTO_ECC_H_

#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/crypto/random.h"
#include "validator/emrtd/crypto/secure_bytes.h"

namespace docval::emrtd {

class EcGroup;

// A finite point of some EcGroup (never the point at infinity).
class EcPoint {
 public:
  // 04 || X || Y, fixed length 1 + 2 * field size.
  Bytes Encode() const;
  // The affine coordinates, each left-padded to the field size.
  Bytes X() const;
  Bytes Y() const;

  // Same coordinates on the same curve.
  bool operator==(const EcPoint& other) const;

 private:
  friend class EcGroup;
  struct Impl;
  explicit EcPoint(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

struct EcKeyPair {
  SecureBytes private_key;  // big-endian, byte length of the order; in [1, n-1]
  EcPoint public_key;
};

// The explicit parameters of a curve y^2 = x^3 + ax + b over GF(p), big-endian unsigned.
struct EcDomainParameters {
  Bytes p, a, b;
  Bytes g_x, g_y;
  Bytes order;
  Bytes cofactor;  // empty means 1
};

class EcGroup {
 public:
  // PACE standardized domain parameter ids (ICAO 9303-11 §9.5.1):
  //   8 NIST P-192 (secp192r1)   9 brainpoolP192r1   10 NIST P-224   11 brainpoolP224r1
  //  12 NIST P-256              13 brainpoolP256r1  14 brainpoolP320r1 15 NIST P-384
  //  16 brainpoolP384r1         17 brainpoolP512r1  18 NIST P-521
  // Any other id is kNotFound (0-2 are DH groups: see dh.h).
  static absl::StatusOr<EcGroup> FromParameterId(int id);
  static bool IsStandardParameterId(int id) { return id >= 8 && id <= 18; }

  // Explicit parameters. Checks that p is an odd prime > 3 of at most 521 bits, that the curve is
  // non-singular, that G is on it, that the order is prime, and that [order]G is infinity. A set
  // equal to a standardized curve is recognized (parameter_id()).
  static absl::StatusOr<EcGroup> FromExplicit(const EcDomainParameters& params);

  // DER ECParameters (X9.62 / RFC 3279): an explicit specifiedCurve SEQUENCE (prime field only) or a
  // namedCurve OBJECT IDENTIFIER of a standardized curve. Explicit sets get the checks of
  // FromExplicit.
  static absl::StatusOr<EcGroup> FromDer(ByteSpan der);

  // The PACE parameter id when this group equals one of the standardized curves (same p, a, b, G,
  // order, cofactor), else nullopt (explicit or mapped groups).
  std::optional<int> parameter_id() const;
  // Bytes of p (coordinate and shared-secret length) and of the order (private-key length).
  size_t field_size() const;
  size_t order_size() const;
  EcDomainParameters parameters() const;
  EcPoint generator() const;

  // Decodes an uncompressed point (04 || X || Y, exactly 1 + 2 * field size bytes). Rejects other
  // forms and lengths, coordinates >= p, points not on the curve, and (cofactor > 1) points outside
  // the subgroup of prime order. Errors: kInvalidArgument.
  absl::StatusOr<EcPoint> DecodePoint(ByteSpan encoded) const;
  // A point from affine coordinates (each at most field size bytes); checked as DecodePoint.
  absl::StatusOr<EcPoint> PointFromCoordinates(ByteSpan x, ByteSpan y) const;

  // [k]P and [k]G for any k > 0 (not reduced, any length). The point at infinity is an error
  // (kInvalidArgument), as is a point of another group (kInvalidArgument). Secret scalars are
  // handled with Botan's blinded multiplication.
  absl::StatusOr<EcPoint> Multiply(const EcPoint& point, ByteSpan scalar) const;
  absl::StatusOr<EcPoint> MultiplyGenerator(ByteSpan scalar) const;
  // P + Q; infinity is an error.
  absl::StatusOr<EcPoint> Add(const EcPoint& p, const EcPoint& q) const;

  // Key pair for a given private key (1 <= d < n, else kInvalidArgument), and a fresh one whose
  // private key is drawn as rng.Scalar(purpose, order) so that traces replay.
  absl::StatusOr<EcKeyPair> KeyPairFromPrivate(ByteSpan private_key) const;
  absl::StatusOr<EcKeyPair> GenerateKeyPair(RandomSource& rng, absl::string_view purpose) const;

  // ECDH: the point [d]Q (PACE Generic Mapping needs the whole point H) and the shared secret, its
  // x-coordinate left-padded to the field size. `peer` must come from DecodePoint of this group.
  absl::StatusOr<EcPoint> SharedPoint(ByteSpan private_key, const EcPoint& peer) const;
  absl::StatusOr<SecureBytes> SharedSecret(ByteSpan private_key, const EcPoint& peer) const;

  // The same curve and order with a new generator (PACE mapping). `generator` must be a point of
  // this group; points of the new group are interchangeable with points of this one.
  absl::StatusOr<EcGroup> WithGenerator(const EcPoint& generator) const;

  // ECDSA verification (SEC 1 §4.1.4) with a public key of this group (from DecodePoint or
  // PointFromCoordinates): `digest` is the message's hash, truncated here to the order's bit length;
  // `r_s` is plain r‖s, each order_size() bytes. true: valid; false: not a signature under this key
  // (including r or s out of [1, n-1] and a wrong length). Works for explicit groups as for named
  // ones without building a Botan EC_Group, so chip keys with explicit parameters register nothing
  // process-wide and are dropped with the session.
  absl::StatusOr<bool> VerifyEcdsa(const EcPoint& public_key, ByteSpan digest, ByteSpan r_s) const;
  size_t order_bits() const;

  // Same p, a, b, G, order and cofactor.
  bool operator==(const EcGroup& other) const;

 private:
  struct Impl;
  explicit EcGroup(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  absl::Status CheckMember(const EcPoint& point) const;
  std::shared_ptr<const Impl> impl_;
};

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_CRYPTO_ECC_H_
