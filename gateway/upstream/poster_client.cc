#include "gateway/upstream/poster_client.h"

namespace docval::gateway {
namespace {

struct Call {
  grpc::ClientContext context;
  v1::DeliveryRequest request;
  v1::DeliveryReport report;
};

}  // namespace

void DeliverAsync(v1::Poster::StubInterface& stub, v1::DeliveryRequest request,
                  std::chrono::system_clock::time_point deadline, DeliverCallback done) {
  auto call = std::make_shared<Call>();
  call->request = std::move(request);
  call->context.set_deadline(deadline);
  stub.async()->Deliver(&call->context, &call->request, &call->report,
                        [call, done = std::move(done)](grpc::Status status) { done(status, std::move(call->report)); });
}

}  // namespace docval::gateway
