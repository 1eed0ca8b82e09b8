// The trace of one session at the gateway: the root span `docval.session` (kind SERVER), parent of the
// validator's and the poster's spans (docs/operations.md, "Traces"). One implementation for the three
// public APIs: WebSocket v1 (ws_session.cc, docval.protocol `ws1`), WebSocket v2 (ws2_session.cc,
// `ws2`) and the HTTP request POST /v4/validate (v4_route.cc, `v4`).
//
// The span starts at the upgrade (the request, for /v4) and ends with the session. Its parent is the
// `traceparent` header of the WebSocket handshake or the HTTP request when the app sent a valid one
// (W3C Trace Context; an invalid one is ignored and a new trace starts). Attributes: docval.protocol,
// docval.platform (WebSocket sessions), docval.outcome (WebSocket: the docval_sessions_total label of
// the close the session began, `success` or a close reason in lower case, `connection_lost` when the
// client closed or the connection broke before a close began; /v4: `success` or the error code of the
// answer), docval.close_code (WebSocket) or http.response.status_code (/v4), docval.round_trips
// (command APDUs relayed), docval.bytes_to_client and docval.bytes_from_client (WebSocket message
// payloads; the HTTP bodies), docval.files and docval.files.bytes (files the client sent: v2 FILE
// messages, /v4 parts), docval.duration_s, docval.diagnostics; a `file` event per file received (its
// name and size, never its content) and a `status` event per progress step (v1) or protocol step
// (v2). Never personal data or APDU bytes. With diagnostics (the start message asked and the
// deployment allows it, tracing.allow_diagnostics): a `command` event per command APDU (its 4-byte
// header in hex and its size) and a `response` event per answer (status word, size, milliseconds since
// the command).
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
  // The span begins (`protocol`: docval.protocol from the start, so that a session refused before its
  // start message was accepted carries it too).
  void Start(absl::string_view traceparent_header, absl::Time opened_at, absl::string_view protocol);
  // The start message was accepted (/v4: the request). `platform` "": none.
  void Started(absl::string_view protocol, absl::string_view platform, bool diagnostics_requested);
  // A file the client sent (`name`: "sod", "com", "dg1", ...): its size, never its content.
  void File(absl::string_view name, size_t bytes);
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
  // /v4: the HTTP answer (the first one counts); `outcome` "success" or the answer's error code.
  void Answered(absl::string_view outcome, int http_status);
  void End(absl::Time opened_at);

 private:
  tracing::Span span_;
  bool diagnostics_ = false;
  int64_t bytes_in_ = 0;
  int64_t bytes_out_ = 0;
  int64_t round_trips_ = 0;
  int64_t files_ = 0;
  int64_t file_bytes_ = 0;
  absl::Time command_at_;
  std::string outcome_;
  int close_code_ = 0;
  int http_status_ = -1;  // set: an HTTP request, no close code
};

}  // namespace docval::gateway

#endif  // DOCVAL_GATEWAY_WS_SESSION_TRACE_H_
