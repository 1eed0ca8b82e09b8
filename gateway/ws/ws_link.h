// The seam between a WebSocket session's protocol logic (v1: ws_session.h, v2: ws2_session.h) and its
// connection (ws_connection.h, the one Beast adapter both protocols run on). No Beast here: a protocol
// is written against these two interfaces and tested with fakes of them.
//
// The connection owns what every session has, whatever its protocol (docs/protocol.md §1, §3.4): the
// socket and TLS, the frame limits while reading (a message over its protocol's limit is not read
// further: MESSAGE_TOO_BIG), the bounded write queue and each write's deadline, the close sequence (the
// protocol's close notice, then the close frame, then the TCP close at the latest close_timeout
// later), the session limit (MAX_SESSION_TIME_EXCEEDED), the start-message timeout, the caps per process
// and per client_id (TRY_AGAIN_LATER), shutdown, and the accounting (metrics labelled with the
// protocol, the "session ended" log line). The protocol owns its messages, its own timers and its
// upstream calls.
//
// Threading: the connection calls the protocol on the connection's strand, and the protocol calls the
// link only there; Strand() is the way back onto it from a gRPC thread.
#ifndef DOCVAL_GATEWAY_WS_WS_LINK_H_
#define DOCVAL_GATEWAY_WS_WS_LINK_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "gateway/protocol/close_reason.h"

namespace docval::gateway {

// How a session closes, rendered by its protocol: the close notice (a text frame, §1.5 / §3.2 CLOSE)
// precedes the close frame with `code` and `phrase`.
struct SessionClose {
  uint16_t code = 1000;
  std::string phrase;   // the close frame's reason phrase; "" on success
  std::string notice;   // the text frame sent before the close frame
  std::string outcome;  // metric label and log: "success", "protocol_error", ...
};

// A one-shot timer on the session's strand. Start() replaces a pending start; a timer whose session
// ended never fires.
class LinkTimer {
 public:
  virtual ~LinkTimer() = default;
  virtual void Start(absl::Duration after, std::function<void()> fire) = 0;
  virtual void Cancel() = 0;
};

// Runs a task on the session's strand, or drops it when the session is gone. Thread-safe, copyable.
using StrandPoster = std::function<void(std::function<void()>)>;

// What a protocol may do with its connection.
class WsLink {
 public:
  virtual ~WsLink() = default;
  virtual const std::string& session_id() const = 0;  // random, no personal data: for logs
  virtual absl::Time opened_at() const = 0;           // the upgrade: the session limit counts from it
  virtual void SendText(std::string frame) = 0;
  virtual void SendBinary(std::string frame) = 0;
  // Frames sent between BeginBatch() and EndBatch() are written together with the socket corked, so
  // they leave in one TCP segment (v1: the status frames and the command after them).
  virtual void BeginBatch() = 0;
  virtual void EndBatch() = 0;
  // Begins the close (the first call wins; later calls do nothing): the protocol's Stop() runs, the
  // client's place is given back, then the notice and the close frame are written.
  virtual void Close(SessionClose close) = 0;
  virtual bool ending() const = 0;  // a close began or the connection is gone
  // The start message arrived: the start-message timeout no longer applies.
  virtual void StartMessageReceived() = 0;
  // Takes a place under limits.max_sessions_per_client; false over the cap. Given back when the close
  // begins (docs/protocol.md §1.1).
  virtual bool ClaimClient(const std::string& client_id) = 0;
  virtual std::unique_ptr<LinkTimer> NewTimer() = 0;
  virtual StrandPoster Strand() = 0;
};

// One protocol's session logic. The connection owns it and destroys it after the session ended.
class WsProtocol {
 public:
  virtual ~WsProtocol() = default;
  virtual const char* name() const = 0;  // "v1", "v2": the metrics' `protocol` label
  // The largest message of each kind; a message over it is not read further (MESSAGE_TOO_BIG).
  virtual size_t max_message_bytes(bool text) const = 0;
  // The protocol's rendering of a close the connection decides (start timeout, session limit, message
  // too big, over a cap or shutting down).
  virtual SessionClose CloseFor(CloseReason reason) const = 0;
  // One whole message, while no close has begun.
  virtual void OnMessage(bool text, std::string message) = 0;
  // The dialog is over (a close began or the connection is gone): stop the protocol's timers and
  // upstream calls, drop personal data. Called once, before the connection goes.
  virtual void Stop() = 0;
  // For the "session ended" log line.
  virtual int64_t apdus() const { return 0; }
};

}  // namespace docval::gateway

#endif  // DOCVAL_GATEWAY_WS_WS_LINK_H_
