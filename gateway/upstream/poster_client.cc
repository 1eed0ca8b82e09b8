#include "gateway/upstream/poster_client.h"

#include "common/logging.h"
#include "gateway/upstream/upstream_call.h"

namespace docval::gateway {

struct DeliveryCall::State {
  grpc::ClientContext context;
  v1::DeliveryRequest request;
  v1::DeliveryReport report;
};

void DeliveryCall::Cancel() { state_->context.TryCancel(); }

std::shared_ptr<DeliveryCall> DeliverAsync(v1::Poster::StubInterface& stub, v1::DeliveryRequest request,
                                           std::chrono::system_clock::time_point deadline, DeliverCallback done,
                                           const std::string& traceparent) {
  auto state = std::make_shared<DeliveryCall::State>();
  state->request = std::move(request);
  PrepareUpstreamCall(state->context, deadline, traceparent);
  stub.async()->Deliver(&state->context, &state->request, &state->report,
                        [state, done = std::move(done)](grpc::Status status) {
                          state->request.Clear();  // holds the result
                          done(status, std::move(state->report));
                        });
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
