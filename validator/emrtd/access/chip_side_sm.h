// The chip's half of secure messaging (ICAO 9303-11 §9.8), for scripted chips in tests and for a
// virtual passport: verifies and decrypts protected commands, protects responses. It mirrors
// SecureMessaging (same SSC rules: incremented before each command and before each response), so a
// SecureMessaging and a ChipSideSm created from the same SessionKeys talk to each other.
//
// Not used by the reader itself.
#ifndef DOCVAL_VALIDATOR_EMRTD_ACCESS_CHIP_SIDE_SM_H_
#define DOCVAL_VALIDATOR_EMRTD_ACCESS_CHIP_SIDE_SM_H_

#include "absl/status/statusor.h"
#include "validator/emrtd/access/secure_messaging.h"
#include "validator/emrtd/apdu.h"

namespace docval::emrtd {

class ChipSideSm {
 public:
  // Keys as for SecureMessaging::Create (checked the same way).
  static absl::StatusOr<ChipSideSm> Create(SessionKeys keys);

  // Checks DO'8E' and returns the plain command (CLA without the SM bits, data decrypted from
  // DO'87'/'85', Ne from DO'97', `extended` set when the protected command was extended).
  // kDataLoss on a bad MAC or malformed command.
  absl::StatusOr<CommandApdu> UnwrapCommand(const CommandApdu& protected_command);
  // DO'87' (or DO'85' when `odd_ins`) for the data, DO'99' with the SW, DO'8E'; outer SW = the SW.
  absl::StatusOr<ResponseApdu> WrapResponse(const ResponseApdu& plain, bool odd_ins = false);

  const SessionKeys& keys() const { return keys_; }

 private:
  explicit ChipSideSm(SessionKeys keys) : keys_(std::move(keys)) {}
  void IncrementSsc();
  absl::StatusOr<Bytes> Iv();
  SessionKeys keys_;
};

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_ACCESS_CHIP_SIDE_SM_H_
