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
// After any failure (bad MAC, missing DO'8E', plain response where protection was due) the object
// is spent: every later call fails. A chip aborts SM after a bad MAC as well.
#ifndef DOCVAL_VALIDATOR_EMRTD_ACCESS_SECURE_MESSAGING_H_
#define DOCVAL_VALIDATOR_EMRTD_ACCESS_SECURE_MESSAGING_H_

#include "absl/status/statusor.h"
#include "validator/emrtd/apdu.h"
#include "validator/emrtd/crypto/secure_bytes.h"

namespace docval::emrtd {

enum class SmCipher { k3Des, kAes };

struct SessionKeys {
  SmCipher cipher = SmCipher::k3Des;
  SecureBytes ks_enc;  // 16 bytes (2-key 3DES) or 16/24/32 bytes (AES)
  SecureBytes ks_mac;
  SecureBytes ssc;     // 8 bytes (3DES) or 16 bytes (AES)
};

class SecureMessaging {
 public:
  // Checks key and SSC lengths for the cipher.
  static absl::StatusOr<SecureMessaging> Create(SessionKeys keys);

  absl::StatusOr<CommandApdu> Wrap(const CommandApdu& plain);
  // Errors: kDataLoss for a bad or missing MAC or malformed protected data (the dialog must end),
  // kFailedPrecondition when the object is spent.
  absl::StatusOr<ResponseApdu> Unwrap(const ResponseApdu& protected_response);

  const SessionKeys& keys() const { return keys_; }
  bool spent() const { return spent_; }

  // Bytes that protection adds to a command with `data_size` data bytes (for block-size choice).
  size_t CommandOverhead(size_t data_size, bool extended) const;
  // Bytes that protection adds to a response of `data_size` plain bytes (DO'87' with padding,
  // DO'99', DO'8E').
  size_t ResponseOverhead(size_t data_size) const;

 private:
  explicit SecureMessaging(SessionKeys keys) : keys_(std::move(keys)) {}
  SessionKeys keys_;
  bool spent_ = false;
};

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_ACCESS_SECURE_MESSAGING_H_
