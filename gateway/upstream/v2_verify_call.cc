#include "gateway/upstream/v2_verify_call.h"

#include "gateway/upstream/upstream_call.h"

namespace docval::gateway {

struct V2VerifyCall::State {
  grpc::ClientContext context;
  v1::V2VerifyRequest request;
  v1::V2VerifyResponse response;
};

void V2VerifyCall::Cancel() { state_->context.TryCancel(); }

std::shared_ptr<V2VerifyCall> V2VerifyAsync(v1::V2FileVerifier::StubInterface& stub, v1::V2VerifyRequest request,
                                            std::chrono::system_clock::time_point deadline, V2VerifyCallback done,
                                            const std::string& traceparent) {
  auto state = std::make_shared<V2VerifyCall::State>();
  state->request = std::move(request);
  PrepareUpstreamCall(state->context, deadline, traceparent);
  stub.async()->Verify(&state->context, &state->request, &state->response,
                       [state, done = std::move(done)](grpc::Status status) {
                         state->request.Clear();  // the files: personal data
                         done(status, std::move(state->response));
                       });
  return std::shared_ptr<V2VerifyCall>(new V2VerifyCall(state));
}

}  // namespace docval::gateway
