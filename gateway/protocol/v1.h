// WebSocket API v1 (docs/protocol.md §1), the pure part: the handshake's query, the start message, the
// frames the server writes. No sockets here: gateway/ws drives these functions.
#ifndef DOCVAL_GATEWAY_PROTOCOL_V1_H_
#define DOCVAL_GATEWAY_PROTOCOL_V1_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "gateway/protocol/close_reason.h"

namespace docval::gateway::ws1 {

// Frame size limits: a larger frame ends the session with 1009 before it is read (§1, issue 6).
inline constexpr size_t kMaxTextFrameBytes = 16 * 1024;
inline constexpr size_t kMaxBinaryFrameBytes = 65538;  // 65536 data bytes + SW1 SW2

// Limits we accept from the start message (ours): below 64 bytes no protected APDU fits; above the
// extended-length maxima the value means nothing more.
inline constexpr int kMinApduLimit = 64;
inline constexpr int kMaxCommandLimit = 65544;
inline constexpr int kMaxResponseLimit = 65538;

struct HandshakeQuery {
  bool return_result = false;
};

// Parses the query of "/ws1/validate?..." (the part after '?', or the whole target). Tolerates other
// parameters, empty ones, repeated '&' and a trailing '&'. `return_result` is true only for the
// value "true" (any case).
HandshakeQuery ParseHandshakeQuery(absl::string_view target);

// The access key as sent. Secret: the caller wipes it once it is handed on.
struct AccessKeyFields {
  std::string can;
  std::string document_number;  // upper-cased
  std::string date_of_birth;
  std::string date_of_expiry;
  bool has_can() const { return !can.empty(); }
  bool has_mrz() const { return !document_number.empty(); }
  void Wipe();
};

struct StartMessage {
  std::string client_id;
  std::string validation_id;
  AccessKeyFields access_key;
  bool nfc_adapter_supports_extended_length = false;
  std::optional<int> max_command_bytes;
  std::optional<int> max_response_bytes;
  std::string platform;  // lower-cased
  bool enable_diagnostics = false;
};

struct StartMessageResult {
  std::optional<StartMessage> message;    // set on success
  CloseReason reason = CloseReason::kInvalidStartMessage;  // otherwise
  std::string detail;                     // for logs: names the field, never its value
};

// Applies every rule of §1.2 except the client_id lookup (the caller holds the configured ids).
StartMessageResult ParseStartMessage(absl::string_view text);

// Field checks of §1.2 (exposed for the v2 API and tests).
bool IsValidCan(absl::string_view can);
bool IsValidMrzDate(absl::string_view yymmdd);
bool IsValidDocumentNumber(absl::string_view upper_cased);

// Frames the server writes.
std::string StatusFrame(absl::string_view status);  // {"status":"READ_SOD"}
std::string CloseNoticeFrame(CloseReason reason);   // {"close_code":1000,"close_reason":""}

}  // namespace docval::gateway::ws1

#endif  // DOCVAL_GATEWAY_PROTOCOL_V1_H_
