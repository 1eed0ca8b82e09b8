#include "gateway/upstream/v2_verify_call.h"

#include "gateway/upstream/unary_call.h"

namespace docval::gateway {

struct V2VerifyCall::State final : UnaryCall<v1::V2VerifyRequest, v1::V2VerifyResponse> {};

void V2VerifyCall::Cancel() { state_->Cancel(); }

std::shared_ptr<V2VerifyCall> V2VerifyAsync(v1::V2FileVerifier::StubInterface& stub, v1::V2VerifyRequest request,
                                            std::chrono::system_clock::time_point deadline, V2VerifyCallback done,
                                            const std::string& traceparent) {
  auto state = std::make_shared<V2VerifyCall::State>();
  V2VerifyCall::State::Start(
      state,
      [&stub](grpc::ClientContext* c, const v1::V2VerifyRequest& r, grpc::CompletionQueue* cq) {
        return stub.PrepareAsyncVerify(c, r, cq);
      },
      std::move(request), deadline, traceparent, std::move(done));
  return std::shared_ptr<V2VerifyCall>(new V2VerifyCall(state));
}

}  // namespace docval::gateway
