// Symmetric primitives of the chip side, straight on Botan: 3DES / AES in CBC, the ICAO key derivation
// function, ISO/IEC 9797-1 padding method 2, retail MAC (ISO/IEC 9797-1 MAC algorithm 3) and AES-CMAC.
// These are the only pieces the chip shares in kind with the reader (both sit on Botan's primitives);
// everything above them (SM, BAC, PACE, CA) is the chip's own code.
//
// Key sizes: 3DES takes a 16-byte 2-key, AES 16/24/32 bytes. Inputs to the CBC functions must be whole
// blocks; a caller passing anything else has a bug (DOCVAL_CHECK), except CbcDecrypt, which sees
// terminal data and returns nullopt for a partial block.
#ifndef DOCVAL_TOOLS_VCHIP_CHIP_CRYPTO_H_
#define DOCVAL_TOOLS_VCHIP_CHIP_CRYPTO_H_

#include <cstdint>
#include <optional>

#include "absl/strings/string_view.h"
#include "validator/emrtd/bytes.h"

namespace docval::vchip {

using emrtd::Bytes;
using emrtd::ByteSpan;

// A cipher with its key length, as named by the PACE / CA protocol OIDs.
enum class Cipher { kTdes, kAes128, kAes192, kAes256 };

size_t KeyBytes(Cipher c);    // 16, 16, 24, 32
size_t BlockBytes(Cipher c);  // 8 or 16
bool IsAes(Cipher c);
absl::string_view CipherName(Cipher c);  // "3DES", "AES-128", ...

// ICAO 9303-11 §9.7.1: keydata = H(secret || counter) with SHA-1 for 3DES and AES-128, SHA-256 for
// AES-192/256, truncated to the key length. 3DES keys get their DES parity bits adjusted (so the values
// match the worked examples; DES itself ignores them). Counters: 1 = KS_enc, 2 = KS_mac, 3 = K_pi.
Bytes DeriveKey(ByteSpan secret, uint32_t counter, Cipher c);

// ISO/IEC 9797-1 padding method 2 (0x80 then zeros to a block boundary; always adds a byte).
Bytes Pad(ByteSpan data, size_t block);
// Strict inverse; nullopt when `padded` is not validly padded.
std::optional<Bytes> Unpad(ByteSpan padded, size_t block);

Bytes CbcEncrypt(Cipher c, ByteSpan key, ByteSpan iv, ByteSpan data);
std::optional<Bytes> CbcDecrypt(Cipher c, ByteSpan key, ByteSpan iv, ByteSpan data);
// One block in ECB (the AES SM IV is E(KS_enc, SSC); the CAM IV is E(KS_enc, FF..FF)).
Bytes EncryptBlock(Cipher c, ByteSpan key, ByteSpan block);

// The 8-byte MAC of ICAO SM and PACE tokens over `data` as given (callers pad where the protocol
// pads): retail MAC with the 16-byte key for 3DES (`data` a multiple of 8), AES-CMAC truncated to 8.
Bytes Mac8(Cipher c, ByteSpan key, ByteSpan data);

}  // namespace docval::vchip

#endif  // DOCVAL_TOOLS_VCHIP_CHIP_CRYPTO_H_
