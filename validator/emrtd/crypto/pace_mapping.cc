#include "validator/emrtd/crypto/pace_mapping.h"

#include <exception>
#include <utility>

#include <botan/bigint.h>
#include <botan/numthry.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "validator/emrtd/crypto/bigint_codec.h"

namespace docval::emrtd {

using crypto_internal::FixedBytes;
using crypto_internal::FixedSecureBytes;
using crypto_internal::ToBigInt;

namespace {

absl::Status Invalid(absl::string_view msg) { return absl::InvalidArgumentError(absl::StrCat("pace mapping: ", msg)); }

// ICAO 9303-11 §4.4.3.3.2, the constants of the pseudo-random function.
constexpr char kC0_128[] = "a668892a7c41e3ca739f40b057d85904";
constexpr char kC1_128[] = "a4e136ac725f738b01c1f60217c188ad";
constexpr char kC0_256[] = "d463d65234124ef7897054986dca0a174e28df758cbaa03f240616414d5a1676";
constexpr char kC1_256[] = "54bd7255f0aaf831bec3423fcf39d69b6cbf066677d0faae5aadd99df8e53517";

}  // namespace

absl::StatusOr<GenericMappingResult> MapGeneric(const KeyAgreementGroup& group, ByteSpan nonce_s,
                                                ByteSpan terminal_mapping_private, ByteSpan chip_mapping_public) {
  if (nonce_s.empty()) return Invalid("empty nonce");
  ASSIGN_OR_RETURN(Bytes chip_public, group.ValidatePublic(chip_mapping_public));
  if (group.is_ec()) {
    const EcGroup& ec = group.ec();
    ASSIGN_OR_RETURN(EcPoint chip_point, ec.DecodePoint(chip_public));
    ASSIGN_OR_RETURN(EcPoint h, ec.SharedPoint(terminal_mapping_private, chip_point));
    ASSIGN_OR_RETURN(EcPoint s_g, ec.MultiplyGenerator(nonce_s));
    ASSIGN_OR_RETURN(EcPoint mapped_generator, ec.Add(s_g, h));
    ASSIGN_OR_RETURN(EcGroup mapped, ec.WithGenerator(mapped_generator));
    return GenericMappingResult{ToSecure(h.Encode()), KeyAgreementGroup(std::move(mapped))};
  }
  const DhGroup& dh = group.dh();
  if (!dh.has_q()) return Invalid("DH mapping needs the subgroup order q");
  ASSIGN_OR_RETURN(SecureBytes h, dh.SharedSecret(terminal_mapping_private, chip_public));
  const Bytes g_s = dh.PowerMod(dh.g(), nonce_s);
  const Bytes mapped_generator = dh.MultiplyMod(g_s, h);
  ASSIGN_OR_RETURN(DhGroup mapped, dh.WithGenerator(mapped_generator));
  return GenericMappingResult{std::move(h), KeyAgreementGroup(std::move(mapped))};
}

absl::StatusOr<SecureBytes> PseudoRandomR(KeyAlgorithm alg, ByteSpan s, ByteSpan t, size_t p_bits) {
  const CipherFamily family = FamilyOf(alg);
  const size_t block = BlockSize(family);
  const size_t k = KeyLength(alg);  // 16 for 3DES: "k is considered to be equal to 128 bits"
  const size_t l = s.size();
  if (l != 16 && l != 32) return Invalid("nonce s must be 16 or 32 bytes");
  if (l < k) return Invalid("nonce s shorter than the key size");
  if (t.size() != k) return Invalid(absl::StrCat("nonce t must be ", k, " bytes"));
  if (p_bits == 0 || p_bits > 16384) return Invalid("bad field size");
  const Bytes c0 = HexOrDie(l == 16 ? kC0_128 : kC0_256);
  const Bytes c1 = HexOrDie(l == 16 ? kC1_128 : kC1_256);
  const Bytes zero_iv(block, 0);
  const size_t n = (p_bits + 64 + 8 * l - 1) / (8 * l);

  ASSIGN_OR_RETURN(Bytes key_bytes, CbcEncrypt(family, t, zero_iv, s));
  SecureBytes key = ToSecure(key_bytes);
  SecureBytes out;
  out.reserve(n * l);
  for (size_t i = 0; i < n; ++i) {
    const ByteSpan ki(key.data(), k);
    ASSIGN_OR_RETURN(Bytes next, CbcEncrypt(family, ki, zero_iv, c0));
    ASSIGN_OR_RETURN(Bytes x, CbcEncrypt(family, ki, zero_iv, c1));
    out.insert(out.end(), x.begin(), x.end());
    key = ToSecure(next);
  }
  return out;
}

absl::StatusOr<SecureBytes> PseudoRandomRp(KeyAlgorithm alg, ByteSpan s, ByteSpan t, ByteSpan p_bytes) {
  const Botan::BigInt p = ToBigInt(p_bytes);
  if (p < 3) return Invalid("bad modulus");
  ASSIGN_OR_RETURN(SecureBytes r, PseudoRandomR(alg, s, t, p.bits()));
  return FixedSecureBytes(ToBigInt(r) % p, p.bytes());
}

absl::StatusOr<EcPoint> PointEncode(const EcGroup& group, ByteSpan u) {
  const EcDomainParameters params = group.parameters();
  const Botan::BigInt p = ToBigInt(params.p), a = ToBigInt(params.a), b = ToBigInt(params.b);
  if (ToBigInt(params.cofactor) != 1) return absl::UnimplementedError("pace mapping: IM on a curve with a cofactor");
  if (p % 4 != 3) return absl::UnimplementedError("pace mapping: IM point encoding needs p = 3 (mod 4)");
  try {
    const Botan::BigInt t = ToBigInt(u) % p;
    if (t.is_zero()) return Invalid("point encoding of zero");
    const Botan::BigInt alpha = (p - (t * t) % p) % p;                       // -t^2
    const Botan::BigInt alpha_sum = (alpha + (alpha * alpha) % p) % p;       // alpha + alpha^2
    const Botan::BigInt denominator = (a * alpha_sum) % p;
    if (denominator.is_zero()) return Invalid("degenerate point encoding");
    const Botan::BigInt x2 =
        ((p - b) * ((1 + alpha_sum) % p) % p) * Botan::power_mod(denominator, p - 2, p) % p;
    const Botan::BigInt x3 = (alpha * x2) % p;
    const Botan::BigInt h2 = (Botan::power_mod(x2, 3, p) + a * x2 + b) % p;
    const Botan::BigInt u3 = (Botan::power_mod(t, 3, p) * h2) % p;
    const Botan::BigInt e = p - 1 - (p + 1) / 4;
    const Botan::BigInt big_a = Botan::power_mod(h2, e, p);
    Botan::BigInt x, y;
    if ((big_a * big_a % p) * h2 % p == 1) {
      x = x2;
      y = (big_a * h2) % p;
    } else {
      x = x3;
      y = (big_a * u3) % p;
    }
    return group.PointFromCoordinates(FixedBytes(x, group.field_size()), FixedBytes(y, group.field_size()));
  } catch (const std::exception& e) {
    return crypto_internal::FromBotanException("pace mapping: point encoding", e);
  }
}

absl::StatusOr<KeyAgreementGroup> MapIntegrated(const KeyAgreementGroup& group, KeyAlgorithm alg, ByteSpan nonce_s,
                                                ByteSpan nonce_t) {
  if (group.is_ec()) {
    const EcGroup& ec = group.ec();
    ASSIGN_OR_RETURN(SecureBytes rp, PseudoRandomRp(alg, nonce_s, nonce_t, ec.parameters().p));
    ASSIGN_OR_RETURN(EcPoint mapped_generator, PointEncode(ec, rp));
    ASSIGN_OR_RETURN(EcGroup mapped, ec.WithGenerator(mapped_generator));
    return KeyAgreementGroup(std::move(mapped));
  }
  const DhGroup& dh = group.dh();
  if (!dh.has_q()) return Invalid("DH mapping needs the subgroup order q");
  const Bytes p = dh.p();
  ASSIGN_OR_RETURN(SecureBytes rp, PseudoRandomRp(alg, nonce_s, nonce_t, p));
  const Botan::BigInt cofactor = (ToBigInt(p) - 1) / ToBigInt(dh.q());
  const Bytes mapped_generator = dh.PowerMod(rp, FixedBytes(cofactor, cofactor.bytes()));
  ASSIGN_OR_RETURN(DhGroup mapped, dh.WithGenerator(mapped_generator));
  return KeyAgreementGroup(std::move(mapped));
}

absl::Status VerifyChipAuthenticationMapping(const EcGroup& group, ByteSpan chip_static_public,
                                             ByteSpan chip_authentication_data, ByteSpan chip_mapping_public) {
  ASSIGN_OR_RETURN(EcPoint static_key, group.DecodePoint(chip_static_public));
  ASSIGN_OR_RETURN(EcPoint mapping_key, group.DecodePoint(chip_mapping_public));
  if (chip_authentication_data.empty() || chip_authentication_data.size() > group.order_size()) {
    return Invalid("chip authentication data has the wrong length");
  }
  const Botan::BigInt ca = ToBigInt(chip_authentication_data);
  if (ca.is_zero() || ca >= ToBigInt(group.parameters().order)) return Invalid("chip authentication data out of range");
  ASSIGN_OR_RETURN(EcPoint expected, group.Multiply(static_key, chip_authentication_data));
  if (!(expected == mapping_key)) {
    return absl::PermissionDeniedError(
        "PACE-CAM: the chip's mapping key does not match its static key and authentication data");
  }
  return absl::OkStatus();
}

absl::StatusOr<SecureBytes> ComputeChipAuthenticationData(const EcGroup& group, ByteSpan chip_static_private,
                                                          ByteSpan chip_mapping_private) {
  const Botan::BigInt n = ToBigInt(group.parameters().order);
  const Botan::BigInt sk = ToBigInt(chip_static_private), sk_map = ToBigInt(chip_mapping_private);
  if (sk.is_zero() || sk >= n || sk_map.is_zero() || sk_map >= n) return Invalid("private key out of range");
  try {
    const Botan::BigInt ca = (Botan::inverse_mod(sk, n) * sk_map) % n;
    return FixedSecureBytes(ca, group.order_size());
  } catch (const std::exception& e) {
    return crypto_internal::FromBotanException("pace mapping: CA data", e);
  }
}

}  // namespace docval::emrtd
