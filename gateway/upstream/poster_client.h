// Asynchronous Poster.Deliver calls from the gateway. The callback runs on a gRPC thread.
#ifndef DOCVAL_GATEWAY_UPSTREAM_POSTER_CLIENT_H_
#define DOCVAL_GATEWAY_UPSTREAM_POSTER_CLIENT_H_

#include <chrono>
#include <functional>
#include <memory>

#include <grpcpp/grpcpp.h>

#include "docval/v1/poster.grpc.pb.h"

namespace docval::gateway {

using DeliverCallback = std::function<void(grpc::Status, v1::DeliveryReport)>;

// Calls Deliver with `deadline` (the session's remaining time bounds all attempts).
void DeliverAsync(v1::Poster::StubInterface& stub, v1::DeliveryRequest request,
                  std::chrono::system_clock::time_point deadline, DeliverCallback done);

}  // namespace docval::gateway

#endif  // DOCVAL_GATEWAY_UPSTREAM_POSTER_CLIENT_H_
