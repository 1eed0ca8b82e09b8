// ChipChannel: what every dialog step talks through. Plain until access control sets session keys,
// then every command is wrapped and every response unwrapped; Chip Authentication replaces the keys.
//
//   ChipChannel ch(link);
//   ResponseApdu r = co_await ch.Transmit(select);          // plain
//   ch.StartSecureMessaging(keys_from_bac);                  // from now on protected
//   r = co_await ch.Transmit(read_binary);                   // wrapped / unwrapped
//
// Transmit's error (a transport failure, or an SM failure) means the dialog must end; a chip's
// error status word is not an error here — it comes back in ResponseApdu::sw for the caller to judge.
// SM failures are those of SecureMessaging::Unwrap (kDataLoss, kAborted with PlainStatusWordOf()).
//
// GCC 12 pitfall (seen under ASan): inside a coroutine, an aggregate temporary whose members are
// initialised from function calls, e.g. `co_await ch.Transmit(CommandApdu{.data = HexOrDie("011E")})`,
// is destroyed twice. Build the command in a named local first, then `co_await ch.Transmit(cmd)`.
#ifndef DOCVAL_VALIDATOR_EMRTD_ACCESS_CHIP_CHANNEL_H_
#define DOCVAL_VALIDATOR_EMRTD_ACCESS_CHIP_CHANNEL_H_

#include <optional>

#include "absl/status/statusor.h"
#include "validator/emrtd/access/secure_messaging.h"
#include "validator/emrtd/apdu.h"
#include "validator/emrtd/card_link.h"
#include "validator/emrtd/task.h"

namespace docval::emrtd {

class ChipChannel {
 public:
  explicit ChipChannel(CardLink& link) : link_(link) {}

  Task<absl::StatusOr<ResponseApdu>> Transmit(CommandApdu command);

  // Replaces any earlier keys. Invalid keys are a broken invariant (they come from our own KDF).
  void StartSecureMessaging(SessionKeys keys);
  void StopSecureMessaging() { sm_.reset(); }
  bool secure() const { return sm_.has_value(); }
  // Null when plain.
  const SecureMessaging* sm() const { return sm_ ? &*sm_ : nullptr; }

  CardLink& link() { return link_; }

 private:
  CardLink& link_;
  std::optional<SecureMessaging> sm_;
};

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_ACCESS_CHIP_CHANNEL_H_
