#include "gateway/upstream/verify_files_call.h"

#include <memory>
#include <utility>

#include "gateway/upstream/upstream_call.h"

namespace docval::gateway {
namespace {

struct State {
  grpc::ClientContext context;
  v1::VerifyFilesRequest request;
  v1::EmrtdResult result;
};

}  // namespace

void VerifyFilesAsync(v1::Validator::StubInterface& stub, v1::VerifyFilesRequest request,
                      std::chrono::system_clock::time_point deadline, VerifyFilesCallback done,
                      const std::string& traceparent) {
  auto state = std::make_shared<State>();
  state->request = std::move(request);
  PrepareUpstreamCall(state->context, deadline, traceparent);
  stub.async()->VerifyFiles(&state->context, &state->request, &state->result,
                            [state, done = std::move(done)](grpc::Status status) {
                              state->request.Clear();
                              done(status, std::move(state->result));
                            });
}

}  // namespace docval::gateway
