// The nonce mappings of PACE (ICAO 9303-11 §4.4.3.3) and the Chip Authentication Mapping check
// (§4.4.3.5.2): the mathematics only; the APDUs are in access/pace.h.
//
// Generic Mapping (GM, also the mapping phase of CAM):
//   ECDH  G~ = [s]G + H,   H = [SK_map,IFD] PK_map,IC   (the whole point, not only its x)
//   DH    g~ = g^s * h mod p,   h = PK_map,IC ^ SK_map,IFD mod p
// Integrated Mapping (IM):
//   R(s,t): k_0 = E(t, s); for i = 0..n-1: k_{i+1} = E(k_i, c0), x_i = E(k_i, c1), each E in CBC mode
//           with a zero IV and the key k_i truncated to the key size k; R = x_0 || ... || x_{n-1},
//           n the smallest number with n*l >= log2(p) + 64, l the bit length of s (c0, c1 of length
//           l: 128 bits for 3DES and AES-128, 256 bits for AES-192/256). 3DES counts as k = 128.
//   R_p(s,t) = int(R(s,t)) mod p.
//   ECDH  G~ = f_G(R_p(s,t)), f_G the point encoding of [BCIMRT2010] in its affine form of 9303-11
//         Appendix B (needs p = 3 mod 4, i.e. not NIST P-224, and cofactor 1).
//   DH    g~ = R_p(s,t)^((p-1)/q) mod p, refused when it is 1.
// Nonce lengths: s is a multiple of the block size (GM: usually one block; IM: the smallest multiple
// of the block size that is at least the key size), t is exactly the key size (16 bytes for 3DES).
//
// Errors are kInvalidArgument (bad chip data: a public key off the curve or outside the subgroup, a
// mapped generator that is infinity or 1) or kUnimplemented (IM on a curve the encoding cannot serve).
#ifndef DOCVAL_VALIDATOR_EMRTD_CRYPTO_PACE_MAPPING_H_
#define DOCVAL_VALIDATOR_EMRTD_CRYPTO_PACE_MAPPING_H_

#include "absl/status/statusor.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/crypto/cipher.h"
#include "validator/emrtd/crypto/ecc.h"
#include "validator/emrtd/crypto/key_agreement.h"
#include "validator/emrtd/crypto/secure_bytes.h"

namespace docval::emrtd {

struct GenericMappingResult {
  // H (encoded point, ECDH) or h (|p| bytes, DH): secret, kept for tests and diagnostics.
  SecureBytes shared;
  // The ephemeral domain: the static one with the mapped generator.
  KeyAgreementGroup mapped;
};

// `chip_mapping_public` is validated first (ValidatePublic).
absl::StatusOr<GenericMappingResult> MapGeneric(const KeyAgreementGroup& group, ByteSpan nonce_s,
                                                ByteSpan terminal_mapping_private, ByteSpan chip_mapping_public);

// R(s,t) before the reduction (n blocks of l bits), and R_p(s,t) left-padded to |p|.
// `p_bits` is the bit length of p.
absl::StatusOr<SecureBytes> PseudoRandomR(KeyAlgorithm alg, ByteSpan s, ByteSpan t, size_t p_bits);
absl::StatusOr<SecureBytes> PseudoRandomRp(KeyAlgorithm alg, ByteSpan s, ByteSpan t, ByteSpan p);

// f_G(u) for a field element u (< p): 9303-11 Appendix B.2.
absl::StatusOr<EcPoint> PointEncode(const EcGroup& group, ByteSpan u);

// The IM ephemeral domain. `alg` is the PACE cipher (E and the constants).
absl::StatusOr<KeyAgreementGroup> MapIntegrated(const KeyAgreementGroup& group, KeyAlgorithm alg, ByteSpan nonce_s,
                                                ByteSpan nonce_t);

// PACE-CAM, §4.4.3.5.2: checks PK_map,IC = KA(CA_IC, PK_IC) = [CA_IC] PK_IC, with the chip's static
// public key PK_IC (from EF.CardSecurity, on `group`), the decrypted chip authentication data CA_IC
// (FE2OS: the byte length of the order) and the chip's mapping public key. The full points are
// compared. kPermissionDenied when they differ (the chip is not the one the key belongs to);
// kInvalidArgument for malformed input.
absl::Status VerifyChipAuthenticationMapping(const EcGroup& group, ByteSpan chip_static_public,
                                             ByteSpan chip_authentication_data, ByteSpan chip_mapping_public);

// The chip's side of PACE-CAM (§4.4.3.5.1), for chip simulators and tests: CA_IC = SK_IC^-1 * SK_map,IC
// mod n, FE2OS (the byte length of the order).
absl::StatusOr<SecureBytes> ComputeChipAuthenticationData(const EcGroup& group, ByteSpan chip_static_private,
                                                          ByteSpan chip_mapping_private);

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_CRYPTO_PACE_MAPPING_H_
