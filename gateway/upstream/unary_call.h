// One unary gRPC call of the gateway on the completion thread (completion_thread.h): the shape the
// gateway's Deliver, Verify and VerifyFiles calls share.
//
// Start() sends the request (serialized at once) and keeps the call alive until its completion,
// when `done(status, response)` runs on the completion thread, exactly once, also after Cancel()
// (then usually with CANCELLED); the request is cleared before (it may hold personal data). A
// handle (a shared_ptr to the call) keeps the context alive, so Cancel() after the end is a harmless
// no-op; Cancel() is thread-safe.
#ifndef DOCVAL_GATEWAY_UPSTREAM_UNARY_CALL_H_
#define DOCVAL_GATEWAY_UPSTREAM_UNARY_CALL_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include <grpcpp/grpcpp.h>

#include "gateway/upstream/completion_thread.h"
#include "gateway/upstream/upstream_call.h"

namespace docval::gateway {

template <class Request, class Response>
class UnaryCall : public CompletionTag {
 public:
  using Done = std::function<void(grpc::Status, Response)>;

  // `prepare(context, request, cq)` is the stub's PrepareAsync<Method>; `deadline` and `traceparent`
  // as in PrepareUpstreamCall (upstream_call.h).
  template <class Prepare>
  static void Start(std::shared_ptr<UnaryCall> call, Prepare prepare, Request request,
                    std::chrono::system_clock::time_point deadline, const std::string& traceparent, Done done) {
    UnaryCall& c = *call;
    c.request_ = std::move(request);
    c.done_ = std::move(done);
    PrepareUpstreamCall(c.context_, deadline, traceparent);
    c.reader_ = prepare(&c.context_, c.request_, &UpstreamCompletionQueue());
    c.self_ = call;  // `call` keeps it alive until Start returns, however soon it completes
    c.reader_->StartCall();
    c.reader_->Finish(&c.response_, &c.status_, &c);
  }

  void Cancel() { context_.TryCancel(); }

 protected:
  ~UnaryCall() = default;

 private:
  void Complete(bool) override {
    std::shared_ptr<UnaryCall> keep = std::move(self_);  // may destroy this on return
    request_.Clear();
    Done done = std::move(done_);
    done(status_, std::move(response_));
  }

  grpc::ClientContext context_;
  Request request_;
  Response response_;
  grpc::Status status_;
  Done done_;
  std::unique_ptr<grpc::ClientAsyncResponseReaderInterface<Response>> reader_;
  std::shared_ptr<UnaryCall> self_;  // from Start() until the completion
};

}  // namespace docval::gateway

#endif  // DOCVAL_GATEWAY_UPSTREAM_UNARY_CALL_H_
