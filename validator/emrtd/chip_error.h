// ChipError: why a step against the chip failed, carried the same way by every part of the core
// (the link, secure messaging, access control, PACE, BAC, the files, Chip Authentication's key, the
// session's budget).
//
// A failure is an absl::Status as everywhere else; its kind rides in one payload
// (kChipErrorPayloadUrl) written only by MakeChipError() and read only by ChipErrorOf(). The status
// code is the kind's (ChipErrorCode()), so callers that only look at codes see what they always saw;
// callers that must tell kinds apart ask ChipErrorOf() instead of decoding codes or messages. The
// kind survives RETURN_IF_ERROR / CO_ASSIGN_OR_RETURN (the status is passed on as it is); whoever
// builds a new status from an old one's message drops it, so a layer that rewords a failure must
// re-attach the kind with MakeChipError().
//
// A status without a ChipError is not the chip's in a known way: a driver's transport error (any
// code the driver chooses) or our own bug (randomness, a command we cannot build or protect, keys
// used after secure messaging ended). The reader ends the dialog on those.
#ifndef DOCVAL_VALIDATOR_EMRTD_CHIP_ERROR_H_
#define DOCVAL_VALIDATOR_EMRTD_CHIP_ERROR_H_

#include <initializer_list>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace docval::emrtd {

enum class ChipErrorKind {
  // The link: a response APDU that is not one (shorter than its status word). kUnavailable.
  kTransport,
  // Secure messaging broke on our side of the check: bad or missing MAC, malformed protected data,
  // a plain answer where protection was due (detail: its SW, "6A82"). The keys are spent. kDataLoss.
  kSecureMessagingBroken,
  // The chip ended secure messaging itself with a plain 6982/6987/6988 (detail: the SW): it found
  // our protection wrong. The keys are spent. kAborted.
  kSecureMessagingEndedByChip,
  // The chip went over the session's budget (limits.h; detail: the limit's name). kResourceExhausted.
  kLimitExceeded,
  // Access control's verdict (access/access_control.h): PACE or BAC refused, the chip's protocol
  // not supported, malformed chip data, no usable password. kPermissionDenied.
  kAccessControlFailed,
  // One PACE run (access/pace.h): the password refused or the chip's token wrong
  // (kPermissionDenied); the protocol or its parameters refused (kFailedPrecondition); malformed
  // chip data (kInvalidArgument); our randomness failed (kInternal).
  kPacePasswordRefused,
  kPaceNotSupported,
  kPaceMalformedChipData,
  kPaceInternal,
  // A file-level answer (files/file_reader.h; detail: the SW where there is one, "6A82"): the file is
  // absent (6A82; kNotFound); it needs an access right this session lacks (6982; kPermissionDenied);
  // the chip refused the SELECT or READ BINARY with another status word (kFailedPrecondition); its
  // bytes are not a whole TLV as announced (kDataLoss). The reader records them for optional files and
  // goes on.
  kFileNotFound,
  kFileAccessDenied,
  kFileRefused,
  kFileMalformed,
  // One BAC run (access/bac.h): the MRZ key refused or the chip's answer does not verify
  // (kPermissionDenied); GET CHALLENGE or EXTERNAL AUTHENTICATE refused with another status word
  // (detail: the SW; kFailedPrecondition); an answer of the wrong length (kDataLoss).
  kBacKeyRefused,
  kBacNotSupported,
  kBacMalformedChipData,
  // Chip Authentication's key in DG14 (auth/chip_auth.h SelectChipAuthentication): none this core can
  // use (none offered, no known protocol, domain parameters it does not support; kNotFound), or one
  // that does not decode, does not fit its protocol or is not a valid public key (kInvalidArgument).
  kChipAuthKeyUnusable,
  kChipAuthKeyMalformed,
  // An answer collected in 61xx parts that goes on beyond 65536 bytes (access/pace.h
  // TransmitShortChained: PACE, Chip and Active Authentication). kDataLoss.
  kAnswerTooLong,
};
// Every kind, in declaration order.
inline constexpr ChipErrorKind kAllChipErrorKinds[] = {
    ChipErrorKind::kTransport,
    ChipErrorKind::kSecureMessagingBroken,
    ChipErrorKind::kSecureMessagingEndedByChip,
    ChipErrorKind::kLimitExceeded,
    ChipErrorKind::kAccessControlFailed,
    ChipErrorKind::kPacePasswordRefused,
    ChipErrorKind::kPaceNotSupported,
    ChipErrorKind::kPaceMalformedChipData,
    ChipErrorKind::kPaceInternal,
    ChipErrorKind::kFileNotFound,
    ChipErrorKind::kFileAccessDenied,
    ChipErrorKind::kFileRefused,
    ChipErrorKind::kFileMalformed,
    ChipErrorKind::kBacKeyRefused,
    ChipErrorKind::kBacNotSupported,
    ChipErrorKind::kBacMalformedChipData,
    ChipErrorKind::kChipAuthKeyUnusable,
    ChipErrorKind::kChipAuthKeyMalformed,
    ChipErrorKind::kAnswerTooLong,
};
const char* ChipErrorKindName(ChipErrorKind kind);  // "TRANSPORT", "SECURE_MESSAGING_BROKEN", ...
absl::StatusCode ChipErrorCode(ChipErrorKind kind);

inline constexpr char kChipErrorPayloadUrl[] = "type.docval.dev/emrtd.ChipError";

struct ChipError {
  ChipErrorKind kind = ChipErrorKind::kTransport;
  std::string detail;  // machine-readable, per kind (above); empty when the kind has none
};

// A status of ChipErrorCode(kind) with `message`, carrying {kind, detail}. `detail` must not
// contain personal data (it is logged with the status).
absl::Status MakeChipError(ChipErrorKind kind, absl::string_view message, absl::string_view detail = "");
// The ChipError `status` carries; nullopt for OK and for a status without one (or with a payload
// that MakeChipError did not write).
std::optional<ChipError> ChipErrorOf(const absl::Status& status);
// ChipErrorOf(status) has `kind`.
bool IsChipError(const absl::Status& status, ChipErrorKind kind);
// ChipErrorOf(status) has one of `kinds`.
bool IsChipError(const absl::Status& status, std::initializer_list<ChipErrorKind> kinds);

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_CHIP_ERROR_H_
