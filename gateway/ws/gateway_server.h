// The gateway's network front: one HTTP/WebSocket listener (Boost.Beast), one async session object
// per connection (Beast examples style), all I/O of a connection on its strand. The layers:
// gateway_server.cc listens; http_session.h serves a connection before the upgrade with the routes of
// http_routes.h; ws_session.h runs a v1 session after it, with the decisions of session_rules.h and
// the frames of gateway/protocol/v1.h; gateway_context.h holds what they share and the caps.
//
// Routes:
//   GET  /ws1/validate          WebSocket API v1 (docs/protocol.md §1)
//   GET  /ws2/validate          WebSocket API v2 (docs/protocol.md §3), once ServeV2() named its verifier
//   GET  /healthz, /readyz      liveness; readiness (503 while draining or no validator or poster is reachable)
//   GET  /actuator/health       readiness as the reference product's health endpoint ({"status":"UP"})
//   POST /dev/result-server     the development Result Server (only when enabled)
//   GET  /dev/results           what it received, newest first (only when enabled)
//
// For each v1 session the gateway opens one Validator.Session stream and relays: command APDUs out
// as binary frames, responses back, progress as status frames; on a result it asks the poster to
// deliver, then sends the result (if asked and delivered), the close notice and the close frame.
// It holds no eMRTD logic.
#ifndef DOCVAL_GATEWAY_WS_GATEWAY_SERVER_H_
#define DOCVAL_GATEWAY_WS_GATEWAY_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "docval/v1/poster.grpc.pb.h"
#include "docval/v1/validator.grpc.pb.h"
#include "gateway/upstream/reachability.h"

namespace prometheus {
class Registry;
}

namespace docval::gateway {

class DevResultStore;

// Every limit below is documented in docs/protocol.md §1 and §5 (what the client sees) and keyed in
// docs/configuration.md.
struct GatewayOptions {
  std::string listen = "127.0.0.1:8080";
  std::string tls_certificate_file;  // empty: plain
  std::string tls_private_key_file;
  absl::Duration start_message_timeout = absl::Seconds(10);
  absl::Duration response_timeout = absl::Seconds(15);
  // The session limit, decided by the gateway's own timer. The validator stream's deadline is the
  // hard deadline (session_timeout + close_timeout), so the stream never ends first.
  absl::Duration session_timeout = absl::Seconds(60);
  // Each frame (the close frame included) must be written within it, else the connection is dropped.
  absl::Duration write_timeout = absl::Seconds(10);
  // From the server's close frame (or the session limit) to the TCP close, whatever is pending.
  absl::Duration close_timeout = absl::Seconds(5);
  // Before the upgrade: a connection's first request (TLS handshake included) must be complete within
  // http_request_timeout; each further request on a kept-alive connection within http_keep_alive_timeout.
  absl::Duration http_request_timeout = absl::Seconds(10);
  absl::Duration http_keep_alive_timeout = absl::Seconds(15);
  int max_connections = 2000;  // TCP connections per process, HTTP and WebSocket
  int max_sessions = 1000;
  int max_sessions_per_client = 200;
  std::vector<std::string> client_ids;
  bool handshake_authorization = false;
  std::vector<std::string> handshake_tokens;
  std::vector<std::string> forwarded_headers;
  bool include_binary_files = false;
  std::string server_name = "docval";
  // Threads running the I/O of every connection (docs/configuration.md `io_threads`).
  int io_threads = 1;
};

class GatewayServer {
 public:
  GatewayServer(GatewayOptions options, std::shared_ptr<v1::Validator::StubInterface> validator,
                std::shared_ptr<v1::Poster::StubInterface> poster, prometheus::Registry& registry,
                std::shared_ptr<DevResultStore> dev_results);
  ~GatewayServer();

  // Serves WebSocket API v2 on /ws2/validate, its verdicts from `verifier` (the validators'
  // V2FileVerifier). Before Start(); without it /ws2/validate answers 404.
  void ServeV2(std::shared_ptr<v1::V2FileVerifier::StubInterface> verifier);
  // Makes /readyz and /actuator/health report 503 while `check` says no validator or no poster can be
  // reached (reachability.h). Before Start(); without it only draining counts.
  void CheckReachability(ReachabilityCheck check);
  // Binds and starts serving on background threads.
  absl::Status Start();
  // The bound port (after Start).
  int port() const;
  // Stops accepting, reports not ready, lets running sessions finish for up to `grace`, then drops
  // the connections of the rest and cancels their validator streams and deliveries, and stops the
  // I/O threads once those gRPC calls have reported back (at most 5 s more). Idempotent.
  void Shutdown(absl::Duration grace);
  int active_sessions() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace docval::gateway

#endif  // DOCVAL_GATEWAY_WS_GATEWAY_SERVER_H_
