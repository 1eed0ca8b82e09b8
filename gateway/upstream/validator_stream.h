// One Validator.Session stream seen from the gateway (gRPC callback API: one reactor per RPC).
//
// Callbacks run on gRPC threads; the owner (a WebSocket session) posts them onto its own strand.
// `on_event` gets each SessionEvent in order; `on_end` is called exactly once, last, with the
// stream's final status. After on_end the stream frees itself and drops the callbacks (so a
// callback may safely capture a shared_ptr to its owner).
//
// Thread-safe: Send/Close/Cancel may be called from any thread, before or after the end.
#ifndef DOCVAL_GATEWAY_UPSTREAM_VALIDATOR_STREAM_H_
#define DOCVAL_GATEWAY_UPSTREAM_VALIDATOR_STREAM_H_

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

#include <grpcpp/grpcpp.h>

#include "docval/v1/validator.grpc.pb.h"

namespace docval::gateway {

class ValidatorStream {
 public:
  using EventCallback = std::function<void(v1::SessionEvent)>;
  using EndCallback = std::function<void(grpc::Status)>;

  // Starts the call with `deadline` (the session's) and sends `start` as the first message.
  // Returns a handle; the stream itself lives until on_end has run.
  static std::shared_ptr<ValidatorStream> Open(v1::Validator::StubInterface& stub,
                                               std::chrono::system_clock::time_point deadline,
                                               v1::SessionRequest start, EventCallback on_event,
                                               EndCallback on_end);

  // Sends a response APDU. Ignored after the end.
  void SendResponse(std::string response_apdu);
  // Ends the session from the gateway's side at once (client gone, timeout): cancels the call.
  void Cancel();

  class Reactor;

 private:
  explicit ValidatorStream(Reactor* reactor) : reactor_(reactor) {}
  std::mutex mu_;
  Reactor* reactor_;  // null once the reactor is done
  friend class Reactor;
};

}  // namespace docval::gateway

#endif  // DOCVAL_GATEWAY_UPSTREAM_VALIDATOR_STREAM_H_
