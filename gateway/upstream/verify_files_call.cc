#include "gateway/upstream/verify_files_call.h"

#include <memory>
#include <utility>

#include "gateway/upstream/unary_call.h"

namespace docval::gateway {
namespace {

struct State final : UnaryCall<v1::VerifyFilesRequest, v1::EmrtdResult> {};

}  // namespace

void VerifyFilesAsync(v1::Validator::StubInterface& stub, v1::VerifyFilesRequest request,
                      std::chrono::system_clock::time_point deadline, VerifyFilesCallback done,
                      const std::string& traceparent) {
  State::Start(
      std::make_shared<State>(),
      [&stub](grpc::ClientContext* c, const v1::VerifyFilesRequest& r, grpc::CompletionQueue* cq) {
        return stub.PrepareAsyncVerifyFiles(c, r, cq);
      },
      std::move(request), deadline, traceparent, std::move(done));
}

}  // namespace docval::gateway
