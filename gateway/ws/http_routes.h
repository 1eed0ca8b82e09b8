// The gateway's HTTP routes before any WebSocket upgrade (docs/protocol.md §1.1 and §5), without
// sockets: which body a route may carry, whether an upgrade may proceed, and the answer to a plain
// request. http_session.cc reads requests and writes these answers.
#ifndef DOCVAL_GATEWAY_WS_HTTP_ROUTES_H_
#define DOCVAL_GATEWAY_WS_HTTP_ROUTES_H_

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "gateway/ws/beast_types.h"
#include "gateway/ws/gateway_context.h"
#include "gateway/ws/session_rules.h"

namespace docval::gateway {

inline constexpr size_t kMaxRequestHeaderBytes = 16 * 1024;
inline constexpr absl::string_view kWs1Path = "/ws1/validate";
inline constexpr absl::string_view kWs2Path = "/ws2/validate";  // served once context.v2_verifier() is set
// The reference product's health endpoint (Spring Boot Actuator), for drop-in monitoring.
inline constexpr absl::string_view kActuatorHealthPath = "/actuator/health";
// The development Result Server (when on): POSTed results; GET /dev/results shows them.
inline constexpr absl::string_view kDevResultServerPath = "/dev/result-server";

struct HttpAnswer {
  http::status status = http::status::ok;
  std::string body;
  std::string content_type = "text/plain; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string route;   // metric label
  std::string error;   // a JSON error answer's code ("" otherwise): the outcome in the request's span
  bool close = false;  // end the connection after this answer
};

// The path of a request target (before '?').
absl::string_view TargetPath(absl::string_view target);

// The largest body a request for `path` may carry: the development Result Server's POST (when it is
// on) up to DevResultStore::kMaxBodyBytes, POST /v4/validate up to V4BodyLimit() (v4_route.h,
// docs/protocol.md §6), every other route none (docs/protocol.md §5).
size_t BodyLimit(const GatewayContext& context, absl::string_view path);

// An upgrade request: nullopt when it may become a v1 or v2 session (its path says which), otherwise
// the refusal (404 for another path, 401 without an accepted Authorization when handshake
// authorization is on).
std::optional<HttpAnswer> CheckUpgrade(const GatewayContext& context, const Request& req);

// The handshake headers kept for the Result Server (forwarded_headers).
HeaderList ForwardedHeaders(const GatewayContext& context, const Request& req);

// The answer to a plain (non-upgrade) request. /readyz answers 200 `ready`, or 503 with why not:
// `draining`, `no validator reachable`, `poster unreachable` (context.reachability()); /actuator/health
// the same as JSON: 200 {"status":"UP"}, 503 {"status":"OUT_OF_SERVICE"} draining, {"status":"DOWN"}.
HttpAnswer Route(GatewayContext& context, const Request& req);

// POST /dev/result-server while the development Result Server is on: stored on the store's own thread
// (DevResultStore::AddAsync), and `answer` is called exactly once from there: 200 {"status":"stored"},
// 400 with the reason (not a JSON object), 503 when the store is busy or shutting down. Returns false,
// without calling `answer`, for any other request (Route() answers it).
bool HandleDevResultPost(GatewayContext& context, const Request& req, std::function<void(HttpAnswer)> answer);

// The answers to requests that could not be read.
HttpAnswer TooLarge();
HttpAnswer Malformed();

}  // namespace docval::gateway

#endif  // DOCVAL_GATEWAY_WS_HTTP_ROUTES_H_
