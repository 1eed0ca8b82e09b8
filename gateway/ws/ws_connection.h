// The Beast adapter every WebSocket session runs on, whatever its protocol (v1, v2): one object per
// connection after the upgrade, every handler on the connection's strand. It implements WsLink
// (ws_link.h: what it owns and guarantees) and drives the connection's WsProtocol.
//
// Time limits (GatewayOptions): the start message, the whole session (the gateway's own timer decides
// MAX_SESSION_TIME_EXCEEDED), each frame's write, and the close: once the close begins the socket is
// closed at the latest close_timeout later, whatever is pending (a write to a client that stopped
// reading included). So a session ends, and gives its slots back, at the latest session_timeout +
// close_timeout after the upgrade.
#ifndef DOCVAL_GATEWAY_WS_WS_CONNECTION_H_
#define DOCVAL_GATEWAY_WS_WS_CONNECTION_H_

#include <functional>
#include <memory>

#include "gateway/ws/beast_types.h"
#include "gateway/ws/gateway_context.h"
#include "gateway/ws/ws_link.h"

namespace docval::gateway {

// Makes the session's protocol once the connection exists (called on the strand, before the upgrade
// is answered).
using ProtocolFactory = std::function<std::unique_ptr<WsProtocol>(WsLink& link)>;

// Completes the upgrade of `req` (already accepted by CheckUpgrade) and runs the session. `stream`
// must be on a strand and have no expiry set.
void RunWsConnection(beast::tcp_stream&& stream, ConnectionSlot slot, GatewayContext& context, Request req,
                     ProtocolFactory make_protocol);
void RunWsConnection(TlsStream&& stream, ConnectionSlot slot, GatewayContext& context, Request req,
                     ProtocolFactory make_protocol);

}  // namespace docval::gateway

#endif  // DOCVAL_GATEWAY_WS_WS_CONNECTION_H_
