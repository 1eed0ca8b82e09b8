// One Validator.Session stream seen from the gateway, on gRPC's asynchronous API: its completions
// run on the gateway's completion thread (completion_thread.h), never inside SendResponse() or
// Cancel(). The owner (a WebSocket session) posts them onto its own strand. `on_event` gets each
// SessionEvent in order; `on_end` is called exactly once, last, with the stream's final status; then
// the callbacks are dropped (so they may capture a shared_ptr to their owner).
//
// Thread-safe: SendResponse/Cancel may be called from any thread, before or after the end.
#ifndef DOCVAL_GATEWAY_UPSTREAM_VALIDATOR_STREAM_H_
#define DOCVAL_GATEWAY_UPSTREAM_VALIDATOR_STREAM_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "docval/v1/validator.grpc.pb.h"

namespace docval::gateway {

class ValidatorStream {
 public:
  using EventCallback = std::function<void(v1::SessionEvent)>;
  using EndCallback = std::function<void(grpc::Status)>;

  // Starts the call with `deadline` (the session's; it bounds the wait for a reachable validator too:
  // upstream_call.h) and sends `start` as the first message.
  // `traceparent` (W3C Trace Context; empty: none) goes into the call's metadata.
  static std::shared_ptr<ValidatorStream> Open(v1::Validator::StubInterface& stub,
                                               std::chrono::system_clock::time_point deadline,
                                               v1::SessionRequest start, EventCallback on_event,
                                               EndCallback on_end, const std::string& traceparent = "");

  // Sends a response APDU. Ignored after the end.
  void SendResponse(std::string response_apdu);
  // Ends the session from the gateway's side at once (client gone, timeout): cancels the call.
  void Cancel();

  class Reactor;

 private:
  explicit ValidatorStream(std::shared_ptr<Reactor> reactor) : reactor_(std::move(reactor)) {}
  // Keeps the reactor (and its ClientContext) alive for as long as the handle exists, so Cancel()
  // after the end is a harmless no-op.
  std::shared_ptr<Reactor> reactor_;
};

}  // namespace docval::gateway

#endif  // DOCVAL_GATEWAY_UPSTREAM_VALIDATOR_STREAM_H_
