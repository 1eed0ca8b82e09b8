#include "validator/emrtd/card_link.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "validator/emrtd/chip_error.h"

namespace docval::emrtd {

const char* StepName(Step step) {
  switch (step) {
    case Step::kReadAtrInfo: return "READ_ATR_INFO";
    case Step::kAccessControl: return "ACCESS_CONTROL";
    case Step::kReadSod: return "READ_SOD";
    case Step::kReadDg14: return "READ_DG14";
    case Step::kChipAuthentication: return "CHIP_AUTHENTICATION";
    case Step::kReadDg15: return "READ_DG15";
    case Step::kActiveAuthentication: return "ACTIVE_AUTHENTICATION";
    case Step::kReadDg1: return "READ_DG1";
    case Step::kReadDg2: return "READ_DG2";
    case Step::kReadDg7: return "READ_DG7";
    case Step::kReadDg11: return "READ_DG11";
    case Step::kReadDg12: return "READ_DG12";
    case Step::kPassiveAuthentication: return "PASSIVE_AUTHENTICATION";
    case Step::kDone: return "DONE";
  }
  return "UNKNOWN";
}

size_t LinkLimits::CommandBytes() const {
  if (max_command_bytes > 0) return max_command_bytes;
  return extended_length ? 4 + 3 + kMaxExtendedNc + 2 : 4 + 1 + kMaxShortNc + 1;
}

size_t LinkLimits::ResponseBytes() const {
  if (max_response_bytes > 0) return max_response_bytes;
  return extended_length ? kMaxExtendedNe + 2 : kMaxShortNe + 2;
}

CardLink::TransmitAwaiter CardLink::Transmit(const CommandApdu& command) {
  DOCVAL_CHECK(!waiting_);
  if (command.IsExtended() && !limits_.extended_length) {
    return TransmitAwaiter(*this, absl::FailedPreconditionError(
                                      "reader bug: extended-length command on a link without extended length"));
  }
  size_t size = command.EncodedSize();
  if (size > limits_.CommandBytes()) {
    return TransmitAwaiter(*this, absl::FailedPreconditionError(absl::StrCat(
                                      "reader bug: command of ", size, " bytes exceeds the link limit of ",
                                      limits_.CommandBytes())));
  }
  if (command.ne + 2 > limits_.ResponseBytes() && command.ne != kMaxShortNe && command.ne != kMaxExtendedNe) {
    return TransmitAwaiter(*this, absl::FailedPreconditionError(absl::StrCat(
                                      "reader bug: Ne ", command.ne, " exceeds the link's response limit of ",
                                      limits_.ResponseBytes())));
  }
  pending_ = command.Encode();
  ++round_trips_;
  return TransmitAwaiter(*this, absl::OkStatus());
}

absl::StatusOr<ResponseApdu> CardLink::TransmitAwaiter::await_resume() {
  if (!refused_.ok()) return refused_;
  DOCVAL_CHECK(link_.response_.has_value());
  absl::StatusOr<ResponseApdu> r = std::move(*link_.response_);
  link_.response_.reset();
  return r;
}

const Bytes& CardLink::pending_command() const {
  DOCVAL_CHECK(waiting_);
  return pending_;
}

void CardLink::Respond(absl::StatusOr<Bytes> raw_response) {
  DOCVAL_CHECK(waiting_);
  if (raw_response.ok()) {
    const size_t size = raw_response->size();
    // The response's buffer becomes the data: no second copy of up to 64 KiB while the step runs.
    absl::StatusOr<ResponseApdu> parsed = ResponseApdu::ParseOwned(*std::move(raw_response));
    if (parsed.ok()) {
      response_ = *std::move(parsed);
    } else {
      // Not a chip's answer at all (no status word): the transport failed, whatever the phone says.
      // Never a file-level error — that would let a relay make an optional data group "absent".
      response_ = MakeChipError(ChipErrorKind::kTransport, absl::StrCat("malformed response APDU of ", size,
                                                                        " bytes (shorter than its 2 status bytes)"));
    }
  } else {
    response_ = raw_response.status();
  }
  std::coroutine_handle<> h = std::exchange(waiting_, {});
  h.resume();
}

std::vector<Step> CardLink::TakeSteps() { return std::exchange(steps_, {}); }

}  // namespace docval::emrtd
