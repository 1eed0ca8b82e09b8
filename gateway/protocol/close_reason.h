// Close reasons and codes of the WebSocket API (docs/protocol.md §1.6).
#ifndef DOCVAL_GATEWAY_PROTOCOL_CLOSE_REASON_H_
#define DOCVAL_GATEWAY_PROTOCOL_CLOSE_REASON_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace docval::gateway {

enum class CloseReason {
  kSuccess,                            // 1000, reason ""
  kTimeoutWaitingForStartMessage,      // 1001
  kTimeoutWaitingForResponse,          // 1001
  kInvalidStartMessage,                // 1008
  kUnexpectedMessage,                  // 1008
  kInvalidAccessKeyValues,             // 1008
  kMessageTooBig,                      // 1009 (ours: a frame over the size limit)
  kInvalidClientId,                    // 4401
  kAccessControlFailed,                // 4403
  kEmrtdPassportReaderError,           // 1011
  kFileReadError,                      // 1011
  kCommunicationFailed,                // 1011
  kPostToResultServerFailed,           // 1011
  kServerError,                        // 1011
  kMaxSessionTimeExceeded,             // 1011
  kServerShuttingDown,                 // 1001 (ours: still open when the gateway's drain ended)
  kTryAgainLater,                      // 1013 (ours: over the session cap)
};

uint16_t CloseCode(CloseReason reason);
// The reason string of the close-notice frame and the close frame; "" for success.
absl::string_view CloseReasonName(CloseReason reason);
// Metric label: "success" or the reason in lower case.
std::string CloseReasonLabel(CloseReason reason);

}  // namespace docval::gateway

#endif  // DOCVAL_GATEWAY_PROTOCOL_CLOSE_REASON_H_
