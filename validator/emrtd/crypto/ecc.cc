#include "validator/emrtd/crypto/ecc.h"

#include <array>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include <botan/asn1_obj.h>
#include <botan/curve_gfp.h>
#include <botan/ec_group.h>
#include <botan/numthry.h>
#include <botan/point_gfp.h>
#include <botan/system_rng.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "base/status_macros.h"
#include "validator/emrtd/crypto/asn1_util.h"
#include "validator/emrtd/crypto/bigint_codec.h"
#include "validator/emrtd/crypto/primality.h"
#include "validator/emrtd/tlv.h"

namespace docval::emrtd {

namespace crypto_internal {
Botan::RandomNumberGenerator& BlindingRng() {
  static Botan::System_RNG rng;
  return rng;
}
}  // namespace crypto_internal

using crypto_internal::BlindingRng;
using crypto_internal::IsProbablePrime;
using crypto_internal::FixedBytes;
using crypto_internal::FixedSecureBytes;
using crypto_internal::ToBigInt;

namespace {

struct StandardCurve {
  int id;
  const char* botan_name;
};
constexpr std::array<StandardCurve, 11> kStandardCurves = {{
    {8, "secp192r1"},
    {9, "brainpool192r1"},
    {10, "secp224r1"},
    {11, "brainpool224r1"},
    {12, "secp256r1"},
    {13, "brainpool256r1"},
    {14, "brainpool320r1"},
    {15, "secp384r1"},
    {16, "brainpool384r1"},
    {17, "brainpool512r1"},
    {18, "secp521r1"},
}};

// Botan's named groups, built once. (Never build an EC_Group from explicit parameters per session:
// Botan 2 registers every distinct parameter set in a global list forever, ~60 KB each, and scans
// that list linearly on every construction. Mapped and explicit groups therefore use CurveGFp and
// PointGFp only.)
const std::array<Botan::EC_Group, 11>& NamedGroups() {
  static const std::array<Botan::EC_Group, 11>* groups = [] {
    auto* g = new std::array<Botan::EC_Group, 11>;
    for (size_t i = 0; i < kStandardCurves.size(); ++i) (*g)[i] = Botan::EC_Group(kStandardCurves[i].botan_name);
    return g;
  }();
  return *groups;
}

absl::Status Invalid(absl::string_view msg) { return absl::InvalidArgumentError(absl::StrCat("ecc: ", msg)); }

}  // namespace

struct EcPoint::Impl {
  // Always affine (z = 1; AffinePoint()): Botan computes each affine coordinate of a projective
  // point with its own field inversion, and a point is encoded (X and Y) several times in PACE.
  Botan::PointGFp point;
  size_t field_size;
};

namespace {

// A finite point made affine once (one inversion) for every later Encode(), X(), Y().
Botan::PointGFp AffinePoint(Botan::PointGFp p) {
  p.force_affine();
  return p;
}

}  // namespace

struct EcGroup::Impl {
  Impl(const Botan::BigInt& p_in, const Botan::BigInt& a_in, const Botan::BigInt& b_in, const Botan::BigInt& order_in,
       const Botan::BigInt& cofactor_in)
      : curve(p_in, a_in, b_in), p(p_in), a(a_in), b(b_in), order(order_in), cofactor(cofactor_in),
        field_size(p_in.bytes()), order_size(order_in.bytes()) {}

  // Set for a standardized curve: Botan's blinded (side-channel hardened) multiplication is used.
  const Botan::EC_Group* named = nullptr;
  Botan::CurveGFp curve;
  Botan::BigInt p, a, b, order, cofactor;
  Botan::PointGFp generator;
  std::optional<int> named_id;  // the parameter id of `named`
  bool standard_generator = false;
  std::optional<int> id;        // named_id when the generator is the standard one
  size_t field_size;
  size_t order_size;
};

// ---- EcPoint -------------------------------------------------------------------------------------

Bytes EcPoint::Encode() const {
  Bytes out;
  out.reserve(1 + 2 * impl_->field_size);
  out.push_back(0x04);
  Bytes x = X(), y = Y();
  out.insert(out.end(), x.begin(), x.end());
  out.insert(out.end(), y.begin(), y.end());
  return out;
}

Bytes EcPoint::X() const { return FixedBytes(impl_->point.get_affine_x(), impl_->field_size); }
Bytes EcPoint::Y() const { return FixedBytes(impl_->point.get_affine_y(), impl_->field_size); }

bool EcPoint::operator==(const EcPoint& other) const {
  return impl_->point.get_curve() == other.impl_->point.get_curve() && impl_->point == other.impl_->point;
}

// ---- EcGroup construction ------------------------------------------------------------------------

absl::StatusOr<EcGroup> EcGroup::FromParameterId(int id) {
  for (size_t i = 0; i < kStandardCurves.size(); ++i) {
    if (kStandardCurves[i].id != id) continue;
    const Botan::EC_Group& g = NamedGroups()[i];
    auto impl = std::make_shared<Impl>(g.get_p(), g.get_a(), g.get_b(), g.get_order(), g.get_cofactor());
    impl->named = &g;
    impl->generator = g.get_base_point();
    impl->standard_generator = true;
    impl->named_id = id;
    impl->id = id;
    return EcGroup(std::move(impl));
  }
  return absl::NotFoundError(absl::StrCat("ecc: no standardized elliptic curve with parameter id ", id));
}

absl::StatusOr<EcGroup> EcGroup::FromExplicit(const EcDomainParameters& params) {
  const Botan::BigInt p = ToBigInt(params.p), a = ToBigInt(params.a), b = ToBigInt(params.b);
  const Botan::BigInt gx = ToBigInt(params.g_x), gy = ToBigInt(params.g_y), n = ToBigInt(params.order);
  const Botan::BigInt h = params.cofactor.empty() ? Botan::BigInt(1) : ToBigInt(params.cofactor);

  // A standardized curve written out explicitly (common in DG14 and EF.CardSecurity), possibly with
  // another generator (some test cards).
  for (size_t i = 0; i < kStandardCurves.size(); ++i) {
    const Botan::EC_Group& g = NamedGroups()[i];
    if (g.get_p() == p && g.get_a() == a && g.get_b() == b && g.get_order() == n && g.get_cofactor() == h) {
      ASSIGN_OR_RETURN(EcGroup standard, FromParameterId(kStandardCurves[i].id));
      if (g.get_g_x() == gx && g.get_g_y() == gy) return standard;
      ASSIGN_OR_RETURN(EcPoint generator, standard.PointFromCoordinates(params.g_x, params.g_y));
      return standard.WithGenerator(generator);
    }
  }

  if (p <= 3 || p.is_even() || p.bits() > 521) return Invalid("p must be an odd prime > 3 of at most 521 bits");
  if (a >= p || b >= p || gx >= p || gy >= p) return Invalid("curve coefficient or generator coordinate not below p");
  if (h.is_zero()) return Invalid("cofactor is zero");
  if (n <= 1 || n.bits() > p.bits() + 1) return Invalid("implausible group order");
  try {
    if (!IsProbablePrime(p, BlindingRng())) return Invalid("p is not prime");
    if (!IsProbablePrime(n, BlindingRng())) return Invalid("the order is not prime");
    // Non-singular: 4a^3 + 27b^2 != 0 (mod p).
    const Botan::BigInt disc = (4 * Botan::power_mod(a, 3, p) + 27 * Botan::power_mod(b, 2, p)) % p;
    if (disc.is_zero()) return Invalid("singular curve");
    auto impl = std::make_shared<Impl>(p, a, b, n, h);
    Botan::PointGFp g(impl->curve, gx, gy);
    if (!g.on_the_curve()) return Invalid("generator not on the curve");
    if (!(n * g).is_zero()) return Invalid("[order]G is not the point at infinity");
    impl->generator = g;
    return EcGroup(std::move(impl));
  } catch (const std::exception& e) {
    return crypto_internal::FromBotanException("ecc: explicit parameters", e);
  }
}

namespace {

// id-fieldType prime-field (X9.62).
constexpr char kPrimeFieldOid[] = "1.2.840.10045.1.1";

// The next element of an ECParameters SEQUENCE by name: "ecc: ECParameters <field>: ..." in errors.
absl::StatusOr<Tlv> NextField(TlvReader& r, uint32_t tag, absl::string_view field) {
  return asn1::NextElement(r, tag, absl::StrCat("ecc: ECParameters ", field));
}

// The next element as a non-negative INTEGER's magnitude (the prime, the order, the cofactor).
absl::StatusOr<Bytes> NextUnsigned(TlvReader& r, absl::string_view field) {
  ASSIGN_OR_RETURN(Tlv t, NextField(r, asn1::kInteger, field));
  return asn1::UnsignedIntegerOf(t, absl::StrCat("ecc: ECParameters ", field));
}

}  // namespace

absl::StatusOr<EcGroup> EcGroup::FromDer(ByteSpan der) {
  ASSIGN_OR_RETURN(Tlv top, ParseTlv(der));
  if (top.raw.size() != der.size()) return Invalid("ECParameters: trailing bytes");

  if (top.tag == asn1::kOid) {  // namedCurve
    ASSIGN_OR_RETURN(std::string oid, asn1::OidOf(top, "ecc: namedCurve"));
    for (size_t i = 0; i < kStandardCurves.size(); ++i) {
      if (NamedGroups()[i].get_curve_oid().to_string() == oid) return FromParameterId(kStandardCurves[i].id);
    }
    return absl::NotFoundError(absl::StrCat("ecc: unsupported named curve ", oid));
  }
  if (top.tag != asn1::kSequence) return Invalid("ECParameters: neither a SEQUENCE nor an OID");

  TlvReader r(top.value);
  ASSIGN_OR_RETURN(Tlv version_tlv, NextField(r, asn1::kInteger, "version"));
  if (version_tlv.value.size() != 1 || version_tlv.value[0] != 1) return Invalid("ECParameters: version must be 1");

  EcDomainParameters params;
  ASSIGN_OR_RETURN(Tlv field_id, NextField(r, asn1::kSequence, "fieldID"));
  {
    TlvReader f(field_id.value);
    ASSIGN_OR_RETURN(Tlv field_type, NextField(f, asn1::kOid, "fieldType"));
    ASSIGN_OR_RETURN(std::string type, asn1::OidOf(field_type, "ecc: ECParameters fieldType"));
    if (type != kPrimeFieldOid) return Invalid("ECParameters: only prime fields are supported");
    ASSIGN_OR_RETURN(params.p, NextUnsigned(f, "prime"));
    if (!f.AtEnd()) return Invalid("ECParameters: trailing data in fieldID");
  }
  ASSIGN_OR_RETURN(Tlv curve, NextField(r, asn1::kSequence, "curve"));
  {
    TlvReader c(curve.value);
    ASSIGN_OR_RETURN(Tlv a_tlv, NextField(c, asn1::kOctetString, "a"));
    ASSIGN_OR_RETURN(Tlv b_tlv, NextField(c, asn1::kOctetString, "b"));
    params.a.assign(a_tlv.value.begin(), a_tlv.value.end());
    params.b.assign(b_tlv.value.begin(), b_tlv.value.end());
    if (!c.AtEnd()) {
      ASSIGN_OR_RETURN(Tlv seed, NextField(c, asn1::kBitString, "seed"));
      (void)seed;
    }
    if (!c.AtEnd()) return Invalid("ECParameters: trailing data in curve");
  }
  ASSIGN_OR_RETURN(Tlv base, NextField(r, asn1::kOctetString, "base"));
  ASSIGN_OR_RETURN(params.order, NextUnsigned(r, "order"));
  if (!r.AtEnd()) {
    ASSIGN_OR_RETURN(params.cofactor, NextUnsigned(r, "cofactor"));
    // EcDomainParameters reads an empty cofactor as 1; an INTEGER 0 is no cofactor at all.
    if (params.cofactor.empty()) return Invalid("ECParameters: cofactor is zero");
  }
  if (!r.AtEnd()) return Invalid("ECParameters: trailing data");

  // The base point: uncompressed, or compressed (then p must be a prime before the square root).
  const size_t fs = params.p.size();
  ByteSpan g = base.value;
  if (g.size() == 1 + 2 * fs && g[0] == 0x04) {
    params.g_x.assign(g.begin() + 1, g.begin() + 1 + fs);
    params.g_y.assign(g.begin() + 1 + fs, g.end());
  } else if (g.size() == 1 + fs && (g[0] == 0x02 || g[0] == 0x03)) {
    try {
      const Botan::BigInt p = ToBigInt(params.p), a = ToBigInt(params.a), b = ToBigInt(params.b);
      const Botan::BigInt x = ToBigInt(g.subspan(1));
      if (p <= 3 || p.bits() > 521 || x >= p || a >= p || b >= p || !IsProbablePrime(p, BlindingRng())) {
        return Invalid("ECParameters: bad field for a compressed base point");
      }
      const Botan::BigInt rhs = (Botan::power_mod(x, 3, p) + a * x + b) % p;
      Botan::BigInt y = Botan::ressol(rhs, p);
      if (y < 0) return Invalid("ECParameters: compressed base point not on the curve");
      if (y.get_bit(0) != (g[0] & 1)) y = p - y;
      params.g_x = FixedBytes(x, fs);
      params.g_y = FixedBytes(y, fs);
    } catch (const std::exception& e) {
      return crypto_internal::FromBotanException("ecc: compressed base point", e);
    }
  } else {
    return Invalid("ECParameters: malformed base point");
  }
  return FromExplicit(params);
}

// ---- EcGroup accessors ---------------------------------------------------------------------------

std::optional<int> EcGroup::parameter_id() const { return impl_->id; }
size_t EcGroup::field_size() const { return impl_->field_size; }
size_t EcGroup::order_size() const { return impl_->order_size; }

EcDomainParameters EcGroup::parameters() const {
  EcDomainParameters out;
  out.p = FixedBytes(impl_->p, impl_->field_size);
  out.a = FixedBytes(impl_->a, impl_->field_size);
  out.b = FixedBytes(impl_->b, impl_->field_size);
  out.g_x = FixedBytes(impl_->generator.get_affine_x(), impl_->field_size);
  out.g_y = FixedBytes(impl_->generator.get_affine_y(), impl_->field_size);
  out.order = FixedBytes(impl_->order, impl_->order_size);
  out.cofactor = FixedBytes(impl_->cofactor, impl_->cofactor.bytes());
  return out;
}

EcPoint EcGroup::generator() const {
  return EcPoint(std::make_shared<EcPoint::Impl>(EcPoint::Impl{impl_->generator, impl_->field_size}));
}

bool EcGroup::operator==(const EcGroup& other) const {
  const Impl& x = *impl_;
  const Impl& y = *other.impl_;
  return x.p == y.p && x.a == y.a && x.b == y.b && x.order == y.order && x.cofactor == y.cofactor &&
         x.generator == y.generator;
}

// ---- Points ----------------------------------------------------------------------------------------

absl::Status EcGroup::CheckMember(const EcPoint& point) const {
  if (!point.impl_ || !(point.impl_->point.get_curve() == impl_->curve)) {
    return Invalid("point belongs to another curve");
  }
  return absl::OkStatus();
}

absl::StatusOr<EcPoint> EcGroup::PointFromCoordinates(ByteSpan x, ByteSpan y) const {
  if (x.size() > impl_->field_size || y.size() > impl_->field_size) return Invalid("coordinate too long");
  const Botan::BigInt bx = ToBigInt(x), by = ToBigInt(y);
  if (bx >= impl_->p || by >= impl_->p) return Invalid("coordinate not below p");
  try {
    Botan::PointGFp pt(impl_->curve, bx, by);
    if (!pt.on_the_curve()) return Invalid("point not on the curve");
    if (impl_->cofactor != 1 && !(impl_->order * pt).is_zero())
      return Invalid("point outside the prime-order subgroup");
    return EcPoint(std::make_shared<EcPoint::Impl>(EcPoint::Impl{std::move(pt), impl_->field_size}));
  } catch (const std::exception& e) {
    return crypto_internal::FromBotanException("ecc: point", e);
  }
}

absl::StatusOr<EcPoint> EcGroup::DecodePoint(ByteSpan encoded) const {
  const size_t fs = impl_->field_size;
  if (encoded.empty() || encoded[0] != 0x04) return Invalid("point is not in uncompressed form");
  if (encoded.size() != 1 + 2 * fs) {
    return Invalid(absl::StrCat("point has ", encoded.size(), " bytes; expected ", 1 + 2 * fs));
  }
  return PointFromCoordinates(encoded.subspan(1, fs), encoded.subspan(1 + fs, fs));
}

absl::StatusOr<EcPoint> EcGroup::Multiply(const EcPoint& point, ByteSpan scalar) const {
  RETURN_IF_ERROR(CheckMember(point));
  try {
    // Every point of this API lies in the subgroup of prime order n, so k may be reduced mod n.
    const Botan::BigInt k = ToBigInt(scalar) % impl_->order;
    if (k.is_zero()) return Invalid("scalar is zero modulo the order");
    Botan::PointGFp r;
    if (impl_->named != nullptr) {
      std::vector<Botan::BigInt> ws;
      r = impl_->named->blinded_var_point_multiply(point.impl_->point, k, BlindingRng(), ws);
    } else {
      r = k * point.impl_->point;
    }
    if (r.is_zero()) return Invalid("result is the point at infinity");
    return EcPoint(std::make_shared<EcPoint::Impl>(EcPoint::Impl{AffinePoint(std::move(r)), impl_->field_size}));
  } catch (const std::exception& e) {
    return crypto_internal::FromBotanException("ecc: multiply", e);
  }
}

absl::StatusOr<EcPoint> EcGroup::MultiplyGenerator(ByteSpan scalar) const {
  if (impl_->named != nullptr && impl_->standard_generator) {
    try {
      const Botan::BigInt k = ToBigInt(scalar) % impl_->order;
      if (k.is_zero()) return Invalid("scalar is zero modulo the order");
      std::vector<Botan::BigInt> ws;
      Botan::PointGFp r = impl_->named->blinded_base_point_multiply(k, BlindingRng(), ws);
      if (r.is_zero()) return Invalid("result is the point at infinity");
      return EcPoint(std::make_shared<EcPoint::Impl>(EcPoint::Impl{AffinePoint(std::move(r)), impl_->field_size}));
    } catch (const std::exception& e) {
      return crypto_internal::FromBotanException("ecc: multiply", e);
    }
  }
  return Multiply(generator(), scalar);
}

absl::StatusOr<EcPoint> EcGroup::Add(const EcPoint& p, const EcPoint& q) const {
  RETURN_IF_ERROR(CheckMember(p));
  RETURN_IF_ERROR(CheckMember(q));
  try {
    Botan::PointGFp r = p.impl_->point + q.impl_->point;
    if (r.is_zero()) return Invalid("sum is the point at infinity");
    return EcPoint(std::make_shared<EcPoint::Impl>(EcPoint::Impl{AffinePoint(std::move(r)), impl_->field_size}));
  } catch (const std::exception& e) {
    return crypto_internal::FromBotanException("ecc: add", e);
  }
}

// ---- Keys and ECDH -------------------------------------------------------------------------------

absl::StatusOr<EcKeyPair> EcGroup::KeyPairFromPrivate(ByteSpan private_key) const {
  const Botan::BigInt d = ToBigInt(private_key);
  if (d.is_zero() || d >= impl_->order) return Invalid("private key not in [1, n-1]");
  ASSIGN_OR_RETURN(EcPoint pub, MultiplyGenerator(private_key));
  return EcKeyPair{FixedSecureBytes(d, impl_->order_size), std::move(pub)};
}

absl::StatusOr<EcKeyPair> EcGroup::GenerateKeyPair(RandomSource& rng, absl::string_view purpose) const {
  ASSIGN_OR_RETURN(SecureBytes d, rng.Scalar(purpose, FixedBytes(impl_->order, impl_->order_size)));
  return KeyPairFromPrivate(d);
}

absl::StatusOr<EcPoint> EcGroup::SharedPoint(ByteSpan private_key, const EcPoint& peer) const {
  const Botan::BigInt d = ToBigInt(private_key);
  if (d.is_zero() || d >= impl_->order) return Invalid("private key not in [1, n-1]");
  return Multiply(peer, private_key);
}

absl::StatusOr<SecureBytes> EcGroup::SharedSecret(ByteSpan private_key, const EcPoint& peer) const {
  ASSIGN_OR_RETURN(EcPoint k, SharedPoint(private_key, peer));
  return FixedSecureBytes(k.impl_->point.get_affine_x(), impl_->field_size);
}

size_t EcGroup::order_bits() const { return impl_->order.bits(); }

absl::StatusOr<bool> EcGroup::VerifyEcdsa(const EcPoint& public_key, ByteSpan digest, ByteSpan r_s) const {
  RETURN_IF_ERROR(CheckMember(public_key));
  const size_t nb = impl_->order_size;
  if (r_s.size() != 2 * nb) return false;
  const Botan::BigInt& n = impl_->order;
  const Botan::BigInt r = ToBigInt(r_s.subspan(0, nb)), s = ToBigInt(r_s.subspan(nb));
  if (r.is_zero() || r >= n || s.is_zero() || s >= n) return false;
  try {
    // The leftmost order-bits bits of the digest.
    Botan::BigInt e = ToBigInt(digest);
    const size_t digest_bits = 8 * digest.size();
    if (digest_bits > n.bits()) e >>= digest_bits - n.bits();
    const Botan::BigInt w = Botan::inverse_mod(s, n);
    const Botan::BigInt u1 = (e * w) % n, u2 = (r * w) % n;
    const Botan::PointGFp point = Botan::multi_exponentiate(impl_->generator, u1, public_key.impl_->point, u2);
    if (point.is_zero()) return false;
    return point.get_affine_x() % n == r;
  } catch (const std::exception& e) {
    return crypto_internal::FromBotanException("ecc: ECDSA", e);
  }
}

absl::StatusOr<EcGroup> EcGroup::WithGenerator(const EcPoint& new_generator) const {
  RETURN_IF_ERROR(CheckMember(new_generator));
  auto impl = std::make_shared<Impl>(*impl_);
  impl->generator = new_generator.impl_->point;
  impl->standard_generator = (impl->named != nullptr && impl->generator == impl->named->get_base_point());
  impl->id = impl->standard_generator ? impl->named_id : std::nullopt;
  return EcGroup(std::move(impl));
}

}  // namespace docval::emrtd
