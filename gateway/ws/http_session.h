// One accepted TCP connection before any WebSocket upgrade (docs/protocol.md §5): the TLS handshake
// when configured, HTTP/1.1 requests with keep-alive answered by http_routes.h, and the hand-over of
// the stream to a WebSocket session (ws_session.h). Limits: the first request (TLS handshake
// included) must be complete within http_request_timeout, each later one within
// http_keep_alive_timeout; request headers up to kMaxRequestHeaderBytes; bodies per BodyLimit().
#ifndef DOCVAL_GATEWAY_WS_HTTP_SESSION_H_
#define DOCVAL_GATEWAY_WS_HTTP_SESSION_H_

#include "gateway/ws/beast_types.h"
#include "gateway/ws/gateway_context.h"

namespace docval::gateway {

// Serves `socket` (on its own strand). `tls` null: plain HTTP.
void RunHttpSession(tcp::socket socket, ConnectionSlot slot, GatewayContext& context, ssl::context* tls);

}  // namespace docval::gateway

#endif  // DOCVAL_GATEWAY_WS_HTTP_SESSION_H_
