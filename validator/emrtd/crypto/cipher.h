// Block ciphers of ICAO 9303-11 secure messaging, BAC and PACE: 2-key 3DES and AES-128/192/256 in
// CBC mode without padding, single-block encryption, and ISO/IEC 9797-1 padding method 2.
//
// Keys: 3DES takes a 16-byte 2-key (K1 || K2, the ICAO KDF output; 24-byte 3-key is accepted too);
// AES takes 16, 24 or 32 bytes and the key length picks AES-128/192/256. IVs are one block (8 bytes
// for 3DES, 16 for AES). CBC input must be a whole number of blocks: pad first with PadIso9797M2().
//
// Errors are kInvalidArgument: a wrong key or IV length (a caller bug or a bad replay trace), or a
// ciphertext that is not a whole number of blocks (untrusted input). Nothing here crashes on input.
#ifndef DOCVAL_VALIDATOR_EMRTD_CRYPTO_CIPHER_H_
#define DOCVAL_VALIDATOR_EMRTD_CRYPTO_CIPHER_H_

#include <cstddef>
#include <memory>

#include "absl/status/statusor.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/crypto/secure_bytes.h"

namespace docval::emrtd {

// The cipher family of a secure channel (SM, BAC, PACE nonce encryption).
enum class CipherFamily { k3Des, kAes };

// A cipher with its key length: what the KDF derives and what a PACE/CA protocol OID names.
enum class KeyAlgorithm { k3Des, kAes128, kAes192, kAes256 };

CipherFamily FamilyOf(KeyAlgorithm alg);
// 16 (3DES 2-key, AES-128), 24 (AES-192), 32 (AES-256).
size_t KeyLength(KeyAlgorithm alg);
// 8 (3DES) or 16 (AES).
size_t BlockSize(CipherFamily family);
// "3DES", "AES-128", ...
const char* KeyAlgorithmName(KeyAlgorithm alg);

// CBC without padding; `data` must be a multiple of the block size.
absl::StatusOr<Bytes> CbcEncrypt(CipherFamily family, ByteSpan key, ByteSpan iv, ByteSpan data);
// Plaintext may be secret (PACE nonce, BAC K.ICC), hence SecureBytes.
absl::StatusOr<SecureBytes> CbcDecrypt(CipherFamily family, ByteSpan key, ByteSpan iv, ByteSpan data);

// Encrypts exactly one block (ECB of a single block): the AES SM IV is E(KS_enc, SSC).
absl::StatusOr<Bytes> EncryptBlock(CipherFamily family, ByteSpan key, ByteSpan block);

// The three operations above with one key, keyed once: a secure messaging channel encrypts and
// decrypts every message with the same key, and finding and keying Botan's objects for each message
// cost more than the 3DES of a short APDU (bench/README.md, crypto floor finding 6). Each object is
// made and keyed on its first use and kept (Botan keeps the key schedule in secure memory). Same
// contract and errors as the free functions. Movable, not copyable, not thread-safe: one channel's.
class CbcCipher {
 public:
  // kInvalidArgument when the key length does not fit the family.
  static absl::StatusOr<CbcCipher> Create(CipherFamily family, ByteSpan key);

  CbcCipher(CbcCipher&&) noexcept;
  CbcCipher& operator=(CbcCipher&&) noexcept;
  ~CbcCipher();

  absl::StatusOr<Bytes> Encrypt(ByteSpan iv, ByteSpan data);
  absl::StatusOr<SecureBytes> Decrypt(ByteSpan iv, ByteSpan data);
  absl::StatusOr<Bytes> EncryptBlock(ByteSpan block);

 private:
  struct Impl;
  explicit CbcCipher(std::unique_ptr<Impl> impl);
  absl::StatusOr<SecureBytes> Cbc(ByteSpan iv, ByteSpan data, bool encrypt);

  std::unique_ptr<Impl> impl_;
};

// ISO/IEC 9797-1 padding method 2: appends 0x80 and then 0x00 up to a multiple of `block_size`
// (always at least one byte, so a full block is added to aligned input). `block_size` > 0.
Bytes PadIso9797M2(ByteSpan data, size_t block_size);
// Strict inverse on untrusted data: `padded` must be a non-empty multiple of `block_size` ending in
// 0x80 followed by fewer than `block_size` zero bytes. Anything else is kInvalidArgument. Returns the
// length of the unpadded data (a prefix of `padded`).
absl::StatusOr<size_t> UnpaddedLength(ByteSpan padded, size_t block_size);
// Convenience: the unpadded prefix as a copy.
absl::StatusOr<Bytes> UnpadIso9797M2(ByteSpan padded, size_t block_size);

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_CRYPTO_CIPHER_H_
