#include "gateway/ws/session_rules.h"

#include <algorithm>

namespace docval::gateway {

CloseReason CloseReasonForFailure(v1::FailureReason reason) {
  switch (reason) {
    case v1::ACCESS_CONTROL_FAILED: return CloseReason::kAccessControlFailed;
    case v1::EMRTD_PASSPORT_READER_ERROR: return CloseReason::kEmrtdPassportReaderError;
    case v1::FILE_READ_ERROR: return CloseReason::kFileReadError;
    case v1::INVALID_ACCESS_KEY_VALUES: return CloseReason::kInvalidAccessKeyValues;
    default: return CloseReason::kServerError;
  }
}

ValidatorEnd DecideValidatorEnd(const grpc::Status& status, bool answered, bool retried) {
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      if (!answered && !retried) return ValidatorEnd{.retry = true};
      break;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      if (!answered) return ValidatorEnd{.reason = CloseReason::kTryAgainLater};
      break;
    case grpc::StatusCode::DEADLINE_EXCEEDED: return ValidatorEnd{.reason = CloseReason::kMaxSessionTimeExceeded};
    default: break;
  }
  return ValidatorEnd{.reason = CloseReason::kServerError};
}

CloseReason CloseReasonForDelivery(const grpc::Status& status, const v1::DeliveryReport& report) {
  if (!status.ok()) {
    return status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ? CloseReason::kMaxSessionTimeExceeded
                                                                      : CloseReason::kPostToResultServerFailed;
  }
  if (report.delivered()) return CloseReason::kSuccess;
  if (report.outcome() == v1::DEADLINE_REACHED) return CloseReason::kMaxSessionTimeExceeded;
  return CloseReason::kPostToResultServerFailed;
}

v1::SessionRequest BuildSessionStart(const ws1::StartMessage& m, const std::string& session_id,
                                     bool include_binary_files) {
  v1::SessionRequest request;
  v1::SessionStart* s = request.mutable_start();
  s->set_session_id(session_id);
  s->mutable_access_key()->set_can(m.access_key.can);
  s->mutable_access_key()->set_document_number(m.access_key.document_number);
  s->mutable_access_key()->set_date_of_birth(m.access_key.date_of_birth);
  s->mutable_access_key()->set_date_of_expiry(m.access_key.date_of_expiry);
  s->set_extended_length(m.nfc_adapter_supports_extended_length);
  s->set_max_command_bytes(static_cast<uint32_t>(m.max_command_bytes.value_or(0)));
  s->set_max_response_bytes(static_cast<uint32_t>(m.max_response_bytes.value_or(0)));
  s->set_platform(m.platform);
  s->set_diagnostics(m.enable_diagnostics);
  s->set_include_files_binary(include_binary_files);
  s->set_batch_progress(true);
  return request;
}

v1::DeliveryRequest BuildDeliveryRequest(const std::string& session_id, const std::string& client_id,
                                         const std::string& validation_id, const v1::EmrtdResult& result,
                                         const HeaderList& forwarded) {
  v1::DeliveryRequest req;
  req.set_session_id(session_id);
  req.set_client_id(client_id);
  req.set_validation_id(validation_id);
  *req.mutable_result() = result;
  for (const auto& [name, value] : forwarded) {
    v1::Header* h = req.add_forwarded_headers();
    h->set_name(name);
    h->set_value(value);
  }
  return req;
}

std::string HexPrefix(const std::string& bytes, size_t n) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (size_t i = 0; i < std::min(n, bytes.size()); ++i) {
    out.push_back(kDigits[static_cast<uint8_t>(bytes[i]) >> 4]);
    out.push_back(kDigits[static_cast<uint8_t>(bytes[i]) & 0x0F]);
  }
  return out;
}

}  // namespace docval::gateway
