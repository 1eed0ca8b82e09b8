// Protocol identifiers and domain parameters of PACE, Chip Authentication and Active Authentication
// (ICAO 9303-11 §9.2, BSI TR-03110-3 Annex A), from the chip's point of view.
//
// OIDs are handled as dotted strings ("0.4.0.127.0.7.2.2.4.2.2"); EncodeOid() gives the DER content
// bytes (without tag and length). Standardized domain parameters (PACEInfo parameterId):
//   0, 1, 2   RFC 5114 MODP groups 1024/160, 2048/224, 2048/256
//   8..18     secp192r1, brainpoolP192r1, secp224r1, brainpoolP224r1, secp256r1, brainpoolP256r1,
//             brainpoolP320r1, secp384r1, brainpoolP384r1, brainpoolP512r1, secp521r1
#ifndef DOCVAL_TOOLS_VCHIP_CHIP_PARAMS_H_
#define DOCVAL_TOOLS_VCHIP_CHIP_PARAMS_H_

#include <optional>
#include <string>

#include <botan/bigint.h>
#include <botan/dl_group.h>
#include <botan/ec_group.h>
#include <botan/point_gfp.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tools/vchip/chip_crypto.h"

namespace docval::vchip {

enum class KeyAgreement { kDh, kEcdh };
enum class Mapping { kGeneric, kIntegrated, kChipAuthentication };

struct PaceProtocol {
  Mapping mapping = Mapping::kGeneric;
  KeyAgreement agreement = KeyAgreement::kEcdh;
  Cipher cipher = Cipher::kAes128;
  bool operator==(const PaceProtocol&) const = default;
};

struct CaProtocol {
  KeyAgreement agreement = KeyAgreement::kEcdh;
  Cipher cipher = Cipher::kAes128;
  bool operator==(const CaProtocol&) const = default;
};

// id-PACE-{DH,ECDH}-{GM,IM,CAM}-{3DES-CBC-CBC,AES-CBC-CMAC-128/192/256}. CAM exists only with ECDH and
// AES; an impossible combination is a caller bug.
std::string PaceOid(const PaceProtocol& p);
std::optional<PaceProtocol> ParsePaceOid(absl::string_view dotted);
// id-CA-{DH,ECDH}-{3DES-CBC-CBC,AES-CBC-CMAC-128/192/256}.
std::string CaOid(const CaProtocol& p);
std::optional<CaProtocol> ParseCaOid(absl::string_view dotted);
// id-PK-DH / id-PK-ECDH (ChipAuthenticationPublicKeyInfo.protocol).
std::string PkOid(KeyAgreement ka);

inline constexpr absl::string_view kOidTa = "0.4.0.127.0.7.2.2.2";              // id-TA
inline constexpr absl::string_view kOidAa = "2.23.136.1.1.5";  // id-icao-mrtd-security-aaProtocolObject
inline constexpr absl::string_view kOidEcdsaPlainSha1 = "0.4.0.127.0.7.1.1.4.1.1";
inline constexpr absl::string_view kOidEcdsaPlainSha224 = "0.4.0.127.0.7.1.1.4.1.2";
inline constexpr absl::string_view kOidEcdsaPlainSha256 = "0.4.0.127.0.7.1.1.4.1.3";
inline constexpr absl::string_view kOidEcdsaPlainSha384 = "0.4.0.127.0.7.1.1.4.1.4";
inline constexpr absl::string_view kOidEcdsaPlainSha512 = "0.4.0.127.0.7.1.1.4.1.5";
inline constexpr absl::string_view kEmrtdAid = "A0000002471001";

// DER content octets of a dotted OID; an invalid string is a caller bug.
Bytes EncodeOid(absl::string_view dotted);

// A group for key agreement: an elliptic curve (points) or a prime-order subgroup of Z_p* (integers).
// Elements are encoded as the chip sends them: EC as an uncompressed point 04 || x || y, DH as the
// integer left-padded to the byte length of p.
class ChipGroup {
 public:
  struct Element {
    Botan::PointGFp point;  // EC
    Botan::BigInt value;    // DH
  };

  static ChipGroup Ec(const Botan::EC_Group& group);
  static ChipGroup Dh(const Botan::BigInt& p, const Botan::BigInt& q, const Botan::BigInt& g);
  // Standardized domain parameters by id (see above); kNotFound for ids 3-7 and > 18.
  static absl::StatusOr<ChipGroup> Standard(int parameter_id);

  KeyAgreement agreement() const { return ec_.has_value() ? KeyAgreement::kEcdh : KeyAgreement::kDh; }
  // The order of the generator (n for EC, q for DH).
  const Botan::BigInt& order() const;
  const Botan::EC_Group& ec() const { return *ec_; }
  const Botan::BigInt& p() const { return p_; }
  const Botan::BigInt& q() const { return q_; }
  const Botan::BigInt& g() const { return g_; }

  Element Generator() const;
  // k * G (EC) / g^k mod p (DH).
  Element Pow(const Botan::BigInt& k) const;
  // k * e / e^k mod p.
  Element Mul(const Element& e, const Botan::BigInt& k) const;
  // a + b / a * b mod p.
  Element Combine(const Element& a, const Element& b) const;
  // The same group with `generator` in place of G (the PACE mapping result).
  ChipGroup WithGenerator(const Element& generator) const;

  Bytes Encode(const Element& e) const;
  // A terminal's public value: on the curve and not the identity (EC); 1 < y < p-1 and y^q = 1 (DH).
  // kInvalidArgument otherwise.
  absl::StatusOr<Element> Decode(ByteSpan encoded) const;
  // The shared secret of a key agreement result: the x-coordinate (field length) or the integer
  // (length of p).
  Bytes SecretOf(const Element& e) const;
  bool Equal(const Element& a, const Element& b) const;
  // Field element length in bytes (EC) / length of p (DH).
  size_t FieldBytes() const;

 private:
  std::optional<Botan::EC_Group> ec_;
  // The mapped generator of PACE (WithGenerator) on the curve of ec_. Not a new EC_Group: Botan 2
  // registers every distinct parameter set process-wide for ever (about 60 KB each), and the chip
  // runs in the reader's process in tests and benchmarks.
  std::optional<Botan::PointGFp> generator_;
  Botan::BigInt p_, q_, g_;
};

// ICAO 9303-11 §4.4.3.3.2 Integrated Mapping: the pseudo-random function R_p(s, t) (block cipher in
// CBC mode with zero IV, t keys the first step) and the mapping of its output onto the group: the
// point encoding for p = 3 mod 4 (EC; kFailedPrecondition for other curves) and x^((p-1)/q) (DH).
Botan::BigInt PseudoRandomRp(Cipher cipher, ByteSpan s, ByteSpan t, const Botan::BigInt& p);
absl::StatusOr<ChipGroup::Element> IntegratedMap(const ChipGroup& group, const Botan::BigInt& rp);

}  // namespace docval::vchip

#endif  // DOCVAL_TOOLS_VCHIP_CHIP_PARAMS_H_
