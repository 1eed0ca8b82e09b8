// The chip's private keys: loading PKCS#8 (Chip Authentication / PACE-CAM key agreement keys, Active
// Authentication signing keys) and the Active Authentication signature itself.
#ifndef DOCVAL_TOOLS_VCHIP_CHIP_KEYS_H_
#define DOCVAL_TOOLS_VCHIP_CHIP_KEYS_H_

#include <memory>

#include <botan/pk_keys.h>

#include "absl/status/statusor.h"
#include "tools/vchip/chip_params.h"
#include "tools/vchip/chip_profile.h"
#include "tools/vchip/chip_rng.h"

namespace docval::vchip {

// A static key agreement key: its group and private value.
struct KeyAgreementKey {
  ChipGroup group;
  Botan::BigInt x;
};

// Unencrypted DER PKCS#8. kInvalidArgument when it does not parse.
absl::StatusOr<std::unique_ptr<Botan::Private_Key>> LoadPrivateKey(ByteSpan pkcs8);
// An EC (any EC algorithm OID) or DH (X9.42, with q) private key as a key agreement key.
absl::StatusOr<KeyAgreementKey> LoadKeyAgreementKey(ByteSpan pkcs8);
// The DER PKCS#8 of the key agreement key `private_value` (big-endian, below the group order) on the
// standardized domain parameters `parameter_id` (chip_params.h): ECDH, or X9.42 DH with q. For
// profiles whose Chip Authentication or PACE-CAM key a test chose. kInvalidArgument for an unknown id
// or a value out of range.
absl::StatusOr<Bytes> KeyAgreementKeyPkcs8(int parameter_id, ByteSpan private_value);

// The INTERNAL AUTHENTICATE answer for `challenge`:
// - RSA: ISO/IEC 9796-2 digital signature scheme 1 with partial message recovery: the representative
//   6A || M1 || H(M1 || challenge) || trailer (BC for SHA-1, else hash-id || CC), M1 drawn from `rng`
//   ("aa.m1") to fill the modulus, raised to d.
// - EC: ECDSA over the challenge with `options.hash`, plain r || s or DER as `options.ecdsa_format`.
// kInvalidArgument for an empty challenge or an unsupported hash/key.
absl::StatusOr<Bytes> SignActiveAuthentication(const Botan::Private_Key& key, const ActiveAuthKey& options,
                                               ByteSpan challenge, ChipRandom& rng);

}  // namespace docval::vchip

#endif  // DOCVAL_TOOLS_VCHIP_CHIP_KEYS_H_
