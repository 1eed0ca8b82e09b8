// POST /v4/validate (docs/protocol.md §6): the request checked without sockets (gateway/protocol/v4.h),
// then Passive Authentication on a validator (Validator.VerifyFiles: the validator holds the trust
// store and runs the work on its bounded workers, never on the gateway's I/O threads).
#ifndef DOCVAL_GATEWAY_WS_V4_ROUTE_H_
#define DOCVAL_GATEWAY_WS_V4_ROUTE_H_

#include <cstddef>
#include <functional>

#include "absl/strings/string_view.h"
#include "gateway/ws/beast_types.h"
#include "gateway/ws/gateway_context.h"
#include "gateway/ws/http_routes.h"

namespace docval::gateway {

inline constexpr absl::string_view kV4ValidatePath = "/v4/validate";

// The body cap of the route (v4::MaxBodyBytes()): over it, 413 before the body is read.
size_t V4BodyLimit();

// Answers `req` (a request for kV4ValidatePath) through `answer`, exactly once: at once for a refused
// request (405, 415, 400, 401, 413, 503 while draining), from a gRPC thread after the validator's
// answer otherwise (200 with {"emrtd_passport": ...}; 503 when the validator is busy, draining or
// unreachable; 500 on another validator error). Logs nothing about the request's content.
void HandleV4Validate(GatewayContext& context, const Request& req, std::function<void(HttpAnswer)> answer);

}  // namespace docval::gateway

#endif  // DOCVAL_GATEWAY_WS_V4_ROUTE_H_
