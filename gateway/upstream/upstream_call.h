// What every gRPC call of the gateway to a validator or the poster shares (docs/operations.md
// "Upstream calls").
#ifndef DOCVAL_GATEWAY_UPSTREAM_UPSTREAM_CALL_H_
#define DOCVAL_GATEWAY_UPSTREAM_UPSTREAM_CALL_H_

#include <chrono>
#include <string>

#include <grpcpp/grpcpp.h>

namespace docval::gateway {

// Prepares `context` for one call: `deadline` (the caller's session or request limit) bounds the
// whole call, waiting for a reachable peer included; wait_for_ready is on, so a call made while no
// replica is connected (a poster or validator restarting, one that comes up after the gateway) waits
// for one instead of failing at once with UNAVAILABLE. A session that ends cancels its calls, which
// ends the wait too. `traceparent` (W3C Trace Context; empty: none) goes into the call's metadata.
void PrepareUpstreamCall(grpc::ClientContext& context, std::chrono::system_clock::time_point deadline,
                         const std::string& traceparent);

}  // namespace docval::gateway

#endif  // DOCVAL_GATEWAY_UPSTREAM_UPSTREAM_CALL_H_
