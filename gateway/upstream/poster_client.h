// Asynchronous Poster.Deliver calls from the gateway. The callback runs on the gateway's completion
// thread (completion_thread.h), exactly once, also after Cancel() (then usually with CANCELLED).
#ifndef DOCVAL_GATEWAY_UPSTREAM_POSTER_CLIENT_H_
#define DOCVAL_GATEWAY_UPSTREAM_POSTER_CLIENT_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "docval/v1/poster.grpc.pb.h"

namespace docval::gateway {

using DeliverCallback = std::function<void(grpc::Status, v1::DeliveryReport)>;

// One Deliver call in flight. Thread-safe; holding the handle keeps the call's context alive, so
// Cancel() after the end is a harmless no-op.
class DeliveryCall {
 public:
  // Stops the delivery (the session ended): the poster stops at once (docs/poster.md).
  void Cancel();

  struct State;

 private:
  friend std::shared_ptr<DeliveryCall> DeliverAsync(v1::Poster::StubInterface&, v1::DeliveryRequest,
                                                    std::chrono::system_clock::time_point, DeliverCallback,
                                                    const std::string&);
  explicit DeliveryCall(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

// Calls Deliver with `deadline` (the session's limit bounds all attempts, and the wait for a reachable
// poster before them: upstream_call.h).
// `traceparent` (W3C Trace Context; empty: none) goes into the call's metadata.
std::shared_ptr<DeliveryCall> DeliverAsync(v1::Poster::StubInterface& stub, v1::DeliveryRequest request,
                                           std::chrono::system_clock::time_point deadline, DeliverCallback done,
                                           const std::string& traceparent = "");

// The warning line of a delivery that did not succeed: the call's status and what the poster's
// report says (outcome, attempts, last HTTP status, error). No personal data.
void LogUndelivered(const std::string& session_id, const grpc::Status& status, const v1::DeliveryReport& report);

}  // namespace docval::gateway

#endif  // DOCVAL_GATEWAY_UPSTREAM_POSTER_CLIENT_H_
