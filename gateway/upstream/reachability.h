// Whether the gateway can reach its upstreams: what /readyz and /actuator/health report besides
// draining (docs/operations.md "Readiness"). Read from the gRPC channels' connectivity states, so a
// check makes no call, never blocks and costs a lock per channel: safe on an I/O thread at every probe.
#ifndef DOCVAL_GATEWAY_UPSTREAM_REACHABILITY_H_
#define DOCVAL_GATEWAY_UPSTREAM_REACHABILITY_H_

#include <functional>
#include <memory>

#include <grpcpp/grpcpp.h>

namespace docval::gateway {

struct UpstreamReachability {
  bool validators = true;  // at least one validator replica can take calls
  bool poster = true;
};

// Thread-safe; called on the I/O threads.
using ReachabilityCheck = std::function<UpstreamReachability()>;

// Whether a channel in `state` can carry calls now or soon: READY, IDLE (it connects at the next call)
// and CONNECTING count; TRANSIENT_FAILURE does not (every address of the channel failed its last
// connection attempt or, with client-side health checking, says NOT_SERVING), nor does SHUTDOWN.
// With round robin over several replicas the channel is READY while any one of them is, and stays in
// TRANSIENT_FAILURE while all of them reconnect: one replica restarting does not make it unreachable.
bool Reachable(grpc_connectivity_state state);

// The reachability of the validators' and the poster's channels. Each check asks the channels with
// GetState(true), so an idle channel starts connecting and the next check knows the answer.
ReachabilityCheck ChannelReachability(std::shared_ptr<grpc::ChannelInterface> validators,
                                      std::shared_ptr<grpc::ChannelInterface> poster);

}  // namespace docval::gateway

#endif  // DOCVAL_GATEWAY_UPSTREAM_REACHABILITY_H_
