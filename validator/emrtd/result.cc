#include "validator/emrtd/result.h"

namespace docval::emrtd {

const char* CheckResultName(CheckResult result) {
  switch (result) {
    case CheckResult::kSuccess: return "SUCCESS";
    case CheckResult::kFailed: return "FAILED";
    case CheckResult::kUnavailable: return "UNAVAILABLE";
  }
  return "UNAVAILABLE";
}

const char* FailureReasonName(FailureReason reason) {
  switch (reason) {
    case FailureReason::kAccessControlFailed: return "ACCESS_CONTROL_FAILED";
    case FailureReason::kEmrtdPassportReaderError: return "EMRTD_PASSPORT_READER_ERROR";
    case FailureReason::kFileReadError: return "FILE_READ_ERROR";
    case FailureReason::kInvalidAccessKeyValues: return "INVALID_ACCESS_KEY_VALUES";
    case FailureReason::kServerError: return "SERVER_ERROR";
  }
  return "SERVER_ERROR";
}

}  // namespace docval::emrtd
