#include "gateway/upstream/upstream_call.h"

namespace docval::gateway {

void PrepareUpstreamCall(grpc::ClientContext& context, std::chrono::system_clock::time_point deadline,
                         const std::string& traceparent) {
  context.set_deadline(deadline);
  context.set_wait_for_ready(true);
  if (!traceparent.empty()) context.AddMetadata("traceparent", traceparent);
}

}  // namespace docval::gateway
