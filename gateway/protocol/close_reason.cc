#include "gateway/protocol/close_reason.h"

#include "absl/strings/ascii.h"

namespace docval::gateway {

uint16_t CloseCode(CloseReason reason) {
  switch (reason) {
    case CloseReason::kSuccess: return 1000;
    case CloseReason::kTimeoutWaitingForStartMessage:
    case CloseReason::kTimeoutWaitingForResponse:
    case CloseReason::kServerShuttingDown: return 1001;
    case CloseReason::kInvalidStartMessage:
    case CloseReason::kUnexpectedMessage:
    case CloseReason::kInvalidAccessKeyValues: return 1008;
    case CloseReason::kMessageTooBig: return 1009;
    case CloseReason::kInvalidClientId: return 4401;
    case CloseReason::kAccessControlFailed: return 4403;
    case CloseReason::kEmrtdPassportReaderError:
    case CloseReason::kFileReadError:
    case CloseReason::kCommunicationFailed:
    case CloseReason::kPostToResultServerFailed:
    case CloseReason::kServerError:
    case CloseReason::kMaxSessionTimeExceeded: return 1011;
    case CloseReason::kTryAgainLater: return 1013;
  }
  return 1011;
}

absl::string_view CloseReasonName(CloseReason reason) {
  switch (reason) {
    case CloseReason::kSuccess: return "";
    case CloseReason::kTimeoutWaitingForStartMessage: return "TIMEOUT_WHILE_WAITING_FOR_START_MESSAGE";
    case CloseReason::kTimeoutWaitingForResponse: return "TIMEOUT_WHILE_WAITING_FOR_RESPONSE";
    case CloseReason::kInvalidStartMessage: return "INVALID_START_MESSAGE";
    case CloseReason::kUnexpectedMessage: return "UNEXPECTED_MESSAGE";
    case CloseReason::kInvalidAccessKeyValues: return "INVALID_ACCESS_KEY_VALUES";
    case CloseReason::kMessageTooBig: return "MESSAGE_TOO_BIG";
    case CloseReason::kInvalidClientId: return "INVALID_CLIENT_ID";
    case CloseReason::kAccessControlFailed: return "ACCESS_CONTROL_FAILED";
    case CloseReason::kEmrtdPassportReaderError: return "EMRTD_PASSPORT_READER_ERROR";
    case CloseReason::kFileReadError: return "FILE_READ_ERROR";
    case CloseReason::kCommunicationFailed: return "COMMUNICATION_FAILED";
    case CloseReason::kPostToResultServerFailed: return "POST_TO_RESULT_SERVER_FAILED";
    case CloseReason::kServerError: return "SERVER_ERROR";
    case CloseReason::kMaxSessionTimeExceeded: return "MAX_SESSION_TIME_EXCEEDED";
    case CloseReason::kServerShuttingDown: return "SERVER_SHUTTING_DOWN";
    case CloseReason::kTryAgainLater: return "TRY_AGAIN_LATER";
  }
  return "SERVER_ERROR";
}

std::string CloseReasonLabel(CloseReason reason) {
  if (reason == CloseReason::kSuccess) return "success";
  return absl::AsciiStrToLower(CloseReasonName(reason));
}

}  // namespace docval::gateway
