// The trace of one WebSocket session at the gateway: the root span `docval.session` (kind SERVER),
// parent of the validator's and the poster's spans (docs/operations.md, "Traces").
//
// The span starts at the upgrade and ends with the session. Its parent is the `traceparent` header of
// the WebSocket handshake when the app sent a valid one (W3C Trace Context; an invalid one is ignored
// and a new trace starts). Attributes: docval.protocol, docval.platform, docval.outcome (the
// docval_sessions_total label of the close the session began: `success` or a close reason in lower
// case; `connection_lost` when the client closed or the connection broke before a close began),
// docval.close_code, docval.round_trips (command APDUs relayed), docval.bytes_to_client and
// docval.bytes_from_client (WebSocket message payloads), docval.duration_s, docval.diagnostics; a
// status event per progress step. Never personal data or APDU bytes. With diagnostics (the start
// message asked and the deployment allows it, tracing.allow_diagnostics): a `command` event per
// command APDU (its 4-byte header in hex and its size) and a `response` event per answer (status word,
// size, milliseconds since the command).
//
// Not thread-safe: the session's strand owns it. Costs a few branches per call when traces are off.
#ifndef DOCVAL_GATEWAY_WS_SESSION_TRACE_H_
#define DOCVAL_GATEWAY_WS_SESSION_TRACE_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/tracing/span.h"

namespace docval::gateway {

class SessionTrace {
 public:
  void Start(absl::string_view traceparent_header, absl::Time opened_at);
  // The start message was accepted.
  void Started(absl::string_view protocol, absl::string_view platform, bool diagnostics_requested);
  void BytesToClient(size_t n) { bytes_out_ += static_cast<int64_t>(n); }
  void BytesFromClient(size_t n) { bytes_in_ += static_cast<int64_t>(n); }
  void Command(absl::string_view apdu);
  void Response(absl::string_view apdu);
  void Status(absl::string_view step);
  // The value for the `traceparent` metadata of the calls to the validator and the poster; "" when
  // traces are off.
  std::string Traceparent() const;
  // The close the session begins (the first one counts).
  void Closing(absl::string_view outcome, int close_code);
  void End(absl::Time opened_at);

 private:
  tracing::Span span_;
  bool diagnostics_ = false;
  int64_t bytes_in_ = 0;
  int64_t bytes_out_ = 0;
  int64_t round_trips_ = 0;
  absl::Time command_at_;
  std::string outcome_;
  int close_code_ = 0;
};

}  // namespace docval::gateway

#endif  // DOCVAL_GATEWAY_WS_SESSION_TRACE_H_
