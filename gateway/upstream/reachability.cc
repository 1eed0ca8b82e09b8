#include "gateway/upstream/reachability.h"

#include <utility>

namespace docval::gateway {

bool Reachable(grpc_connectivity_state state) {
  switch (state) {
    case GRPC_CHANNEL_IDLE:
    case GRPC_CHANNEL_CONNECTING:
    case GRPC_CHANNEL_READY: return true;
    case GRPC_CHANNEL_TRANSIENT_FAILURE:
    case GRPC_CHANNEL_SHUTDOWN: return false;
  }
  return false;
}

ReachabilityCheck ChannelReachability(std::shared_ptr<grpc::ChannelInterface> validators,
                                      std::shared_ptr<grpc::ChannelInterface> poster) {
  return [validators = std::move(validators), poster = std::move(poster)] {
    return UpstreamReachability{.validators = Reachable(validators->GetState(/*try_to_connect=*/true)),
                                .poster = Reachable(poster->GetState(/*try_to_connect=*/true))};
  };
}

}  // namespace docval::gateway
