// WebSocket API v1 (docs/protocol.md §1) as a WsProtocol (ws_link.h): the start message, the relay
// between the phone and the validator stream, the delivery through the poster, the result frame and
// the close notice. The connection it runs on (ws_connection.h) owns the socket, the session limit,
// the start-message timeout, the caps and the accounting; the decisions that involve upstream
// messages are in session_rules.h, the frames and the start message in gateway/protocol/v1.h.
//
// Its own timer: each response APDU within response_timeout (TIMEOUT_WHILE_WAITING_FOR_RESPONSE).
#ifndef DOCVAL_GATEWAY_WS_WS_SESSION_H_
#define DOCVAL_GATEWAY_WS_WS_SESSION_H_

#include "gateway/ws/beast_types.h"
#include "gateway/ws/gateway_context.h"
#include "gateway/ws/session_rules.h"
#include "gateway/ws/ws_connection.h"

namespace docval::gateway {

// The v1 protocol for an upgrade `req` to /ws1/validate (its query: return_result).
ProtocolFactory Ws1Protocol(GatewayContext& context, const Request& req, HeaderList forwarded);

}  // namespace docval::gateway

#endif  // DOCVAL_GATEWAY_WS_WS_SESSION_H_
