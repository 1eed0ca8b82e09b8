#include "gateway/upstream/poster_client.h"

#include "common/logging.h"
#include "gateway/upstream/unary_call.h"

namespace docval::gateway {

struct DeliveryCall::State final : UnaryCall<v1::DeliveryRequest, v1::DeliveryReport> {};

void DeliveryCall::Cancel() { state_->Cancel(); }

std::shared_ptr<DeliveryCall> DeliverAsync(v1::Poster::StubInterface& stub, v1::DeliveryRequest request,
                                           std::chrono::system_clock::time_point deadline, DeliverCallback done,
                                           const std::string& traceparent) {
  auto state = std::make_shared<DeliveryCall::State>();
  DeliveryCall::State::Start(
      state,
      [&stub](grpc::ClientContext* c, const v1::DeliveryRequest& r, grpc::CompletionQueue* cq) {
        return stub.PrepareAsyncDeliver(c, r, cq);
      },
      std::move(request), deadline, traceparent, std::move(done));
  return std::shared_ptr<DeliveryCall>(new DeliveryCall(state));
}

void LogUndelivered(const std::string& session_id, const grpc::Status& status, const v1::DeliveryReport& report) {
  LogWarning("result not delivered", {{"session_id", session_id},
                                      {"grpc_code", static_cast<int>(status.error_code())},
                                      {"outcome", v1::DeliveryOutcome_Name(report.outcome())},
                                      {"attempts", static_cast<int64_t>(report.attempts())},
                                      {"last_http_status", report.last_http_status()},
                                      {"error", status.ok() ? report.error() : status.error_message()}});
}

}  // namespace docval::gateway
