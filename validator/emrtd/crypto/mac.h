// Message authentication codes of ICAO 9303-11 secure messaging, BAC and PACE.
//
// - RetailMac: ISO/IEC 9797-1 MAC algorithm 3 with DES (single-DES CBC-MAC with a final 3DES
//   transformation; Botan's "X9.19-MAC"), 16-byte 2-key, 8-byte result. The caller pads (method 2):
//   the input must be a whole number of 8-byte blocks.
// - AesCmac: AES-CMAC (NIST SP 800-38B, RFC 4493) with a 16/24/32-byte key, full 16-byte result.
// - Mac8: the 8-byte MAC of a secure channel: RetailMac for 3DES, AES-CMAC truncated to 8 bytes for
//   AES. It never pads: secure messaging pads its MAC input itself (for both families); PACE
//   authentication tokens are MACed unpadded with AES and padded by the caller with 3DES.
// - Mac8Padded: Mac8 of PadIso9797M2(parts[0] || parts[1] || ..., the family's block size), computed
//   without building that input (a 64 KiB response is not copied twice to be MACed).
//
// Errors are kInvalidArgument (wrong key length, 3DES input not block-aligned).
#ifndef DOCVAL_VALIDATOR_EMRTD_CRYPTO_MAC_H_
#define DOCVAL_VALIDATOR_EMRTD_CRYPTO_MAC_H_

#include <initializer_list>
#include <memory>

#include "absl/status/statusor.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/crypto/cipher.h"

namespace docval::emrtd {

inline constexpr size_t kSmMacSize = 8;

absl::StatusOr<Bytes> RetailMac(ByteSpan key, ByteSpan padded_data);
absl::StatusOr<Bytes> AesCmac(ByteSpan key, ByteSpan data);
absl::StatusOr<Bytes> Mac8(CipherFamily family, ByteSpan key, ByteSpan data);
absl::StatusOr<Bytes> Mac8Padded(CipherFamily family, ByteSpan key, std::initializer_list<ByteSpan> parts);

// Mac8 and Mac8Padded with one key, keyed once (a secure messaging channel MACs every command and
// response with the same key; see CbcCipher in cipher.h for why). Same contract and errors as the
// free functions. Movable, not copyable, not thread-safe: one channel's.
class ChannelMac {
 public:
  // kInvalidArgument when the key length does not fit the family.
  static absl::StatusOr<ChannelMac> Create(CipherFamily family, ByteSpan key);

  ChannelMac(ChannelMac&&) noexcept;
  ChannelMac& operator=(ChannelMac&&) noexcept;
  ~ChannelMac();

  absl::StatusOr<Bytes> Mac8(ByteSpan data);
  absl::StatusOr<Bytes> Mac8Padded(std::initializer_list<ByteSpan> parts);

 private:
  struct Impl;
  explicit ChannelMac(std::unique_ptr<Impl> impl);
  absl::StatusOr<Bytes> Run(std::initializer_list<ByteSpan> parts, bool pad);

  std::unique_ptr<Impl> impl_;
};

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_CRYPTO_MAC_H_
