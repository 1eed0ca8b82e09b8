// The key derivation function of ICAO 9303-11 §9.7.1 (= BSI TR-03110-3 A.2.3):
//
//   KDF(K, c) = H(K || c)  truncated,   c a 32-bit big-endian counter
//
//   3DES     SHA-1,   first 16 bytes (Ka || Kb), DES parity bits adjusted
//   AES-128  SHA-1,   first 16 bytes
//   AES-192  SHA-256, first 24 bytes
//   AES-256  SHA-256, all 32 bytes
//
// Counters: 1 session/encryption key (KS_enc, BAC K_enc), 2 MAC key (KS_mac, BAC K_mac), 3 the PACE
// password key K_pi. BAC uses K = K_seed (16 bytes); PACE uses K = the shared secret (or for K_pi
// the password: SHA-1(MRZ_information), or the CAN/PIN bytes as they are); Chip Authentication v2 /
// TR-03110 uses K || r, for which `nonce` is appended to the secret.
#ifndef DOCVAL_VALIDATOR_EMRTD_CRYPTO_KDF_H_
#define DOCVAL_VALIDATOR_EMRTD_CRYPTO_KDF_H_

#include <cstdint>

#include "validator/emrtd/bytes.h"
#include "validator/emrtd/crypto/cipher.h"
#include "validator/emrtd/crypto/secure_bytes.h"

namespace docval::emrtd {

inline constexpr uint32_t kKdfCounterEnc = 1;
inline constexpr uint32_t kKdfCounterMac = 2;
inline constexpr uint32_t kKdfCounterPace = 3;

// KDF(secret || nonce, counter) for `alg`; the result has KeyLength(alg) bytes.
SecureBytes Kdf(KeyAlgorithm alg, ByteSpan secret, uint32_t counter, ByteSpan nonce = {});

// Sets the least significant bit of each byte so that the byte has odd parity (DES keys).
void AdjustDesParity(SecureBytes& key);

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_CRYPTO_KDF_H_
