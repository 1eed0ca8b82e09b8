// Secure messaging (ICAO 9303-11 §9.8): 3DES (BAC, PACE-3DES, CA-3DES) and AES-128/192/256.
//
// Wrap() protects a plain command: CLA |= 0x0C, data encrypted into DO'87' (DO'85' for odd INS),
// Le into DO'97' (extended when the command is extended), MAC over the padded header and DOs in
// DO'8E'; the outer Le is '00' (short) or '0000' (extended). Unwrap() checks DO'8E' first — in
// constant time, before anything is decrypted — then DO'99' and DO'87'/'85'. Each call increments
// the SSC once (it is incremented before MAC computation, as the standard says).
//
// SSC: BAC and 3DES — 8 bytes from the nonces (RND.ICC[4..8] || RND.IFD[4..8]); PACE/CA with AES —
// 16 zero bytes at the start; AES IV = E(KS_enc, SSC), 3DES IV = zero.
//
// In detail (the parts the standard leaves to the implementer):
// - Command MAC input: SSC || pad(CLA' INS P1 P2) || DO'87'/'85' || DO'97', padded (method 2) to the
//   block size; the MAC is Mac8() of crypto/mac.h (retail MAC, or AES-CMAC truncated to 8 bytes).
// - DO'97' holds Le in one byte when Ne <= 256 ('00' = 256) and in two bytes otherwise ('0000' =
//   65536). The protected command is extended when the plain one is, when Ne > 256, or when the
//   protected data field exceeds 255 bytes.
// - Response: the data field must be a sequence of DO'87' or DO'85' (optional), DO'99' (optional;
//   when absent the outer SW is taken) and DO'8E' (mandatory, last, 8 bytes); anything else is
//   malformed. The MAC input is SSC || the DOs before DO'8E' as received, padded. DO'87' must start
//   with the padding indicator 01 and its plaintext must carry strict method-2 padding.
//
// Failures and what they mean for the caller (all of them spend the object):
// - ChipError kSecureMessagingBroken (chip_error.h; kDataLoss): bad MAC, DO'8E' missing, malformed
//   protected data, or a plain response (only a status word) where protection was due; for the
//   last, PlainStatusWordOf() gives the SW.
// - ChipError kSecureMessagingEndedByChip (kAborted): a plain 6982/6987/6988 — the chip refused our
//   protection (typically because it found our MAC wrong, i.e. the session keys differ) and has
//   ended secure messaging itself. PlainStatusWordOf() gives the SW.
// - kFailedPrecondition: the object is already spent.
// - kInvalidArgument from Wrap(): a plain command that cannot be protected (too long).
// A chip aborts SM after a bad MAC as well, so nothing may be sent with these keys afterwards.
#ifndef DOCVAL_VALIDATOR_EMRTD_ACCESS_SECURE_MESSAGING_H_
#define DOCVAL_VALIDATOR_EMRTD_ACCESS_SECURE_MESSAGING_H_

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "validator/emrtd/apdu.h"
#include "validator/emrtd/crypto/cipher.h"
#include "validator/emrtd/crypto/mac.h"
#include "validator/emrtd/crypto/secure_bytes.h"

namespace docval::emrtd {

// SmCipher::k3Des / SmCipher::kAes: the cipher family (the AES key length is the key size).
using SmCipher = CipherFamily;

struct SessionKeys {
  SmCipher cipher = SmCipher::k3Des;
  SecureBytes ks_enc;  // 16 bytes (2-key 3DES) or 16/24/32 bytes (AES)
  SecureBytes ks_mac;
  SecureBytes ssc;  // 8 bytes (3DES) or 16 bytes (AES)
};

// The intermediate values of one Wrap()/Unwrap(), named as in ICAO 9303-11 App. D.4 (for tests and
// replay diagnostics; filled only when asked for).
struct SmCommandTrace {
  Bytes ssc;            // after the increment
  Bytes masked_header;  // CLA' INS P1 P2
  Bytes do87;           // DO'87' or DO'85'; empty without data
  Bytes do97;           // empty without Le
  Bytes m;              // pad(masked header) || DO'87' || DO'97'
  Bytes n;              // pad(SSC || M): the MAC input
  Bytes cc;             // the MAC
  Bytes do8e;
};
struct SmResponseTrace {
  Bytes ssc;   // after the increment
  Bytes do87;  // DO'87' or DO'85' as received; empty when absent
  Bytes do99;
  Bytes do8e;
  Bytes k;   // pad(SSC || DOs before DO'8E'): the MAC input
  Bytes cc;  // the MAC we computed (equal to DO'8E' when verified)
};

// The status word of a plain response that Unwrap() rejected, if that was the failure.
std::optional<uint16_t> PlainStatusWordOf(const absl::Status& status);

class SecureMessaging {
 public:
  // Checks key and SSC lengths for the cipher (kInvalidArgument).
  static absl::StatusOr<SecureMessaging> Create(SessionKeys keys);

  SecureMessaging(SecureMessaging&&) = default;
  SecureMessaging& operator=(SecureMessaging&&) = default;

  absl::StatusOr<CommandApdu> Wrap(const CommandApdu& plain, SmCommandTrace* trace = nullptr);
  absl::StatusOr<ResponseApdu> Unwrap(const ResponseApdu& protected_response, SmResponseTrace* trace = nullptr);

  // The keys, with the SSC as it is now.
  const SessionKeys& keys() const { return keys_; }
  // A failure spent the keys (every such failure is a ChipError of kind kSecureMessagingBroken or
  // kSecureMessagingEndedByChip, which is how callers learn why a step failed). Kept as state because
  // the keys' state outlives the failure: Wrap() refuses spent keys (nothing may be sent with them),
  // and v2's Chip Authentication (reader_v2_ca.h) hands the phone back only keys that are not spent.
  bool spent() const { return spent_; }

  // Bytes that protection adds to the data field of a command with `data_size` data bytes and an Le
  // (DO'87'/'85' overhead, DO'97', DO'8E'); `extended` selects the two-byte DO'97'.
  size_t CommandOverhead(size_t data_size, bool extended) const;
  // Bytes that protection adds to a response of `data_size` plain bytes (DO'87' with padding,
  // DO'99', DO'8E').
  size_t ResponseOverhead(size_t data_size) const;
  // The largest plain response size n with n + ResponseOverhead(n) <= max_protected_data (0 when
  // even an empty response does not fit).
  size_t MaxPlainResponse(size_t max_protected_data) const;

 private:
  SecureMessaging(SessionKeys keys, CbcCipher cipher, ChannelMac mac)
      : keys_(std::move(keys)), cipher_(std::move(cipher)), mac_(std::move(mac)) {}
  void IncrementSsc();
  absl::StatusOr<Bytes> Iv();
  absl::Status Fail(absl::Status status);

  SessionKeys keys_;
  CbcCipher cipher_;  // keys_.ks_enc, keyed once for the channel's life
  ChannelMac mac_;    // keys_.ks_mac
  bool spent_ = false;
};

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_ACCESS_SECURE_MESSAGING_H_
