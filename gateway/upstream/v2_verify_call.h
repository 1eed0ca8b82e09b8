// Asynchronous V2FileVerifier.Verify calls from the gateway (WebSocket API v2's verdict at FINISH,
// docs/protocol.md §3.6). The callback runs on the gateway's completion thread
// (completion_thread.h), exactly once, also after Cancel() (then usually with CANCELLED). The request
// holds personal data: it is cleared when the call ends.
#ifndef DOCVAL_GATEWAY_UPSTREAM_V2_VERIFY_CALL_H_
#define DOCVAL_GATEWAY_UPSTREAM_V2_VERIFY_CALL_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "docval/v1/validator.grpc.pb.h"

namespace docval::gateway {

using V2VerifyCallback = std::function<void(grpc::Status, v1::V2VerifyResponse)>;

// One Verify call in flight. Thread-safe; holding the handle keeps the call's context alive, so
// Cancel() after the end is a harmless no-op.
class V2VerifyCall {
 public:
  void Cancel();  // the session ended

  struct State;

 private:
  friend std::shared_ptr<V2VerifyCall> V2VerifyAsync(v1::V2FileVerifier::StubInterface&, v1::V2VerifyRequest,
                                                     std::chrono::system_clock::time_point, V2VerifyCallback,
                                                     const std::string&);
  explicit V2VerifyCall(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

// Calls Verify with `deadline` (the session's limit; it bounds the wait for a reachable validator too:
// upstream_call.h). `traceparent` (W3C Trace Context; empty: none) goes into the call's metadata.
std::shared_ptr<V2VerifyCall> V2VerifyAsync(v1::V2FileVerifier::StubInterface& stub, v1::V2VerifyRequest request,
                                            std::chrono::system_clock::time_point deadline, V2VerifyCallback done,
                                            const std::string& traceparent = "");

}  // namespace docval::gateway

#endif  // DOCVAL_GATEWAY_UPSTREAM_V2_VERIFY_CALL_H_
