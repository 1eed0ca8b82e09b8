// The Beast adapter of one WebSocket API v1 session (docs/protocol.md §1): one object per connection
// after the upgrade, every handler on the connection's strand. It reads and writes frames, runs the
// session's timers and relays between the phone, the validator stream and the poster call; the
// decisions that involve upstream messages are in session_rules.h, the frames and the start message
// in gateway/protocol/v1.h.
//
// Time limits (GatewayOptions): the start message, each response, the whole session (the gateway's
// own timer decides MAX_SESSION_TIME_EXCEEDED), each frame's write, and the close: once the close
// begins the socket is closed at the latest close_timeout later, whatever is pending (a write to a
// client that stopped reading included). So a session ends, and gives its slots back, at the latest
// session_timeout + close_timeout after the upgrade.
#ifndef DOCVAL_GATEWAY_WS_WS_SESSION_H_
#define DOCVAL_GATEWAY_WS_WS_SESSION_H_

#include "gateway/protocol/v1.h"
#include "gateway/ws/beast_types.h"
#include "gateway/ws/gateway_context.h"
#include "gateway/ws/session_rules.h"

namespace docval::gateway {

// Completes the upgrade of `req` (already accepted by CheckUpgrade) and runs the session. `stream`
// must be on a strand and have no expiry set.
void RunWsSession(beast::tcp_stream&& stream, ConnectionSlot slot, GatewayContext& context, Request req,
                  HeaderList forwarded);
void RunWsSession(TlsStream&& stream, ConnectionSlot slot, GatewayContext& context, Request req, HeaderList forwarded);

}  // namespace docval::gateway

#endif  // DOCVAL_GATEWAY_WS_WS_SESSION_H_
