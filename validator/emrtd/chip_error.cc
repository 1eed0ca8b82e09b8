#include "validator/emrtd/chip_error.h"

#include <algorithm>
#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace docval::emrtd {

const char* ChipErrorKindName(ChipErrorKind kind) {
  switch (kind) {
    case ChipErrorKind::kTransport: return "TRANSPORT";
    case ChipErrorKind::kSecureMessagingBroken: return "SECURE_MESSAGING_BROKEN";
    case ChipErrorKind::kSecureMessagingEndedByChip: return "SECURE_MESSAGING_ENDED_BY_CHIP";
    case ChipErrorKind::kLimitExceeded: return "LIMIT_EXCEEDED";
    case ChipErrorKind::kAccessControlFailed: return "ACCESS_CONTROL_FAILED";
    case ChipErrorKind::kPacePasswordRefused: return "PACE_PASSWORD_REFUSED";
    case ChipErrorKind::kPaceNotSupported: return "PACE_NOT_SUPPORTED";
    case ChipErrorKind::kPaceMalformedChipData: return "PACE_MALFORMED_CHIP_DATA";
    case ChipErrorKind::kPaceInternal: return "PACE_INTERNAL";
    case ChipErrorKind::kFileNotFound: return "FILE_NOT_FOUND";
    case ChipErrorKind::kFileAccessDenied: return "FILE_ACCESS_DENIED";
    case ChipErrorKind::kFileRefused: return "FILE_REFUSED";
    case ChipErrorKind::kFileMalformed: return "FILE_MALFORMED";
    case ChipErrorKind::kBacKeyRefused: return "BAC_KEY_REFUSED";
    case ChipErrorKind::kBacNotSupported: return "BAC_NOT_SUPPORTED";
    case ChipErrorKind::kBacMalformedChipData: return "BAC_MALFORMED_CHIP_DATA";
    case ChipErrorKind::kChipAuthKeyUnusable: return "CHIP_AUTH_KEY_UNUSABLE";
    case ChipErrorKind::kChipAuthKeyMalformed: return "CHIP_AUTH_KEY_MALFORMED";
    case ChipErrorKind::kAnswerTooLong: return "ANSWER_TOO_LONG";
  }
  return "?";
}

absl::StatusCode ChipErrorCode(ChipErrorKind kind) {
  switch (kind) {
    case ChipErrorKind::kTransport: return absl::StatusCode::kUnavailable;
    case ChipErrorKind::kSecureMessagingBroken: return absl::StatusCode::kDataLoss;
    case ChipErrorKind::kSecureMessagingEndedByChip: return absl::StatusCode::kAborted;
    case ChipErrorKind::kLimitExceeded: return absl::StatusCode::kResourceExhausted;
    case ChipErrorKind::kAccessControlFailed: return absl::StatusCode::kPermissionDenied;
    case ChipErrorKind::kPacePasswordRefused: return absl::StatusCode::kPermissionDenied;
    case ChipErrorKind::kPaceNotSupported: return absl::StatusCode::kFailedPrecondition;
    case ChipErrorKind::kPaceMalformedChipData: return absl::StatusCode::kInvalidArgument;
    case ChipErrorKind::kPaceInternal: return absl::StatusCode::kInternal;
    case ChipErrorKind::kFileNotFound: return absl::StatusCode::kNotFound;
    case ChipErrorKind::kFileAccessDenied: return absl::StatusCode::kPermissionDenied;
    case ChipErrorKind::kFileRefused: return absl::StatusCode::kFailedPrecondition;
    case ChipErrorKind::kFileMalformed: return absl::StatusCode::kDataLoss;
    case ChipErrorKind::kBacKeyRefused: return absl::StatusCode::kPermissionDenied;
    case ChipErrorKind::kBacNotSupported: return absl::StatusCode::kFailedPrecondition;
    case ChipErrorKind::kBacMalformedChipData: return absl::StatusCode::kDataLoss;
    case ChipErrorKind::kChipAuthKeyUnusable: return absl::StatusCode::kNotFound;
    case ChipErrorKind::kChipAuthKeyMalformed: return absl::StatusCode::kInvalidArgument;
    case ChipErrorKind::kAnswerTooLong: return absl::StatusCode::kDataLoss;
  }
  return absl::StatusCode::kUnknown;
}

// The payload: the kind's name, then a space and the detail when there is one ("LIMIT_EXCEEDED
// max_dh_bits").
absl::Status MakeChipError(ChipErrorKind kind, absl::string_view message, absl::string_view detail) {
  absl::Status s(ChipErrorCode(kind), message);
  s.SetPayload(kChipErrorPayloadUrl, detail.empty() ? absl::Cord(ChipErrorKindName(kind))
                                                    : absl::Cord(absl::StrCat(ChipErrorKindName(kind), " ", detail)));
  return s;
}

std::optional<ChipError> ChipErrorOf(const absl::Status& status) {
  if (status.ok()) return std::nullopt;
  auto payload = status.GetPayload(kChipErrorPayloadUrl);
  if (!payload.has_value()) return std::nullopt;
  const std::string text(*payload);
  const absl::string_view name = absl::string_view(text).substr(0, text.find(' '));
  for (ChipErrorKind kind : kAllChipErrorKinds) {
    if (name != ChipErrorKindName(kind)) continue;
    ChipError e{.kind = kind};
    if (name.size() < text.size()) e.detail = text.substr(name.size() + 1);
    return e;
  }
  return std::nullopt;
}

bool IsChipError(const absl::Status& status, ChipErrorKind kind) { return IsChipError(status, {kind}); }

bool IsChipError(const absl::Status& status, std::initializer_list<ChipErrorKind> kinds) {
  std::optional<ChipError> e = ChipErrorOf(status);
  return e.has_value() && std::find(kinds.begin(), kinds.end(), e->kind) != kinds.end();
}

}  // namespace docval::emrtd
