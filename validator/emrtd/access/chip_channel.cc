#include "validator/emrtd/access/chip_channel.h"

#include <utility>

#include "base/check.h"
#include "base/status_macros.h"

namespace docval::emrtd {

Task<absl::StatusOr<ResponseApdu>> ChipChannel::Transmit(CommandApdu command) {
  if (!sm_.has_value()) {
    co_return co_await link_.Transmit(command);
  }
  CO_ASSIGN_OR_RETURN(CommandApdu wrapped, sm_->Wrap(command));
  CO_ASSIGN_OR_RETURN(ResponseApdu response, co_await link_.Transmit(wrapped));
  co_return sm_->Unwrap(response);
}

void ChipChannel::StartSecureMessaging(SessionKeys keys) {
  absl::StatusOr<SecureMessaging> sm = SecureMessaging::Create(std::move(keys));
  DOCVAL_CHECK_OK(sm);
  sm_.emplace(*std::move(sm));
}

}  // namespace docval::emrtd
