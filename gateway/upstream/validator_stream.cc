#include "gateway/upstream/validator_stream.h"

#include <deque>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "gateway/upstream/completion_thread.h"
#include "gateway/upstream/upstream_call.h"

namespace docval::gateway {

// Lifetime: the call owns itself (`self_`) from Begin() until its last operation has completed, and
// the handle owns it too. Operations complete on the completion thread (completion_thread.h), one at
// a time: the read chain (each read, then Finish once reads fail) and at most one write (`writing_`:
// gRPC allows one write in flight; it serializes the message when the write starts, so the message
// need not outlive that call). `mu_` guards the write queue, the flags and the count of operations
// in flight; `event_`, `status_` and the callbacks belong to the completion thread once Begin() has
// started the call.
class ValidatorStream::Reactor final {
 public:
  Reactor(EventCallback on_event, EndCallback on_end) : on_event_(std::move(on_event)), on_end_(std::move(on_end)) {}

  void Begin(std::shared_ptr<Reactor> self, v1::Validator::StubInterface& stub,
             std::chrono::system_clock::time_point deadline, v1::SessionRequest start, const std::string& traceparent) {
    PrepareUpstreamCall(context_, deadline, traceparent);
    // The call's headers go out with the start message, in one write (and StartCall performs no
    // operation of its own then, so the write may follow it at once).
    context_.set_initial_metadata_corked(true);
    stream_ = stub.PrepareAsyncSession(&context_, &UpstreamCompletionQueue());
    {
      absl::MutexLock lock(&mu_);
      self_ = std::move(self);
      in_flight_ = 2;  // the first write, the read chain
      writing_ = true;
    }
    stream_->StartCall(nullptr);
    stream_->Write(start, &written_);
    stream_->Read(&event_, &read_);
  }

  void Enqueue(v1::SessionRequest request) ABSL_LOCKS_EXCLUDED(mu_) {
    {
      absl::MutexLock lock(&mu_);
      if (reads_done_) return;
      queue_.push_back(std::move(request));
      if (writing_) return;
      writing_ = true;
      request = std::move(queue_.front());
      queue_.pop_front();
      ++in_flight_;
    }
    stream_->Write(request, &written_);
  }

  void Cancel() { context_.TryCancel(); }

 private:
  // An operation's tag: runs its handler on the completion thread. The handler may end the call's
  // life (the last operation), so nothing follows it.
  struct Op final : CompletionTag {
    Op(Reactor* r, void (Reactor::*h)(bool)) : reactor(r), handler(h) {}
    void Complete(bool ok) override { (reactor->*handler)(ok); }
    Reactor* const reactor;
    void (Reactor::*const handler)(bool);
  };

  void OnWritten(bool ok) ABSL_LOCKS_EXCLUDED(mu_) {
    std::optional<v1::SessionRequest> next;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (ok && !reads_done_ && !queue_.empty()) {
        writing_ = true;
        next = std::move(queue_.front());
        queue_.pop_front();
        ++in_flight_;
      }
    }
    if (next) stream_->Write(*next, &written_);
    OperationEnded();
  }

  void OnRead(bool ok) ABSL_LOCKS_EXCLUDED(mu_) {
    if (ok) {
      on_event_(std::move(event_));
      event_.Clear();
      stream_->Read(&event_, &read_);
      return;
    }
    // The validator has finished (or the call was cancelled): accept no more writes, get the status.
    {
      absl::MutexLock lock(&mu_);
      reads_done_ = true;
      queue_.clear();
    }
    stream_->Finish(&status_, &finished_);
  }

  void OnFinished(bool) {
    on_end_(status_);
    on_event_ = nullptr;
    on_end_ = nullptr;
    OperationEnded();
  }

  void OperationEnded() ABSL_LOCKS_EXCLUDED(mu_) {
    std::shared_ptr<Reactor> last;
    {
      absl::MutexLock lock(&mu_);
      if (--in_flight_ == 0) last = std::move(self_);
    }
    // `last` may destroy this on return.
  }

  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientAsyncReaderWriterInterface<v1::SessionRequest, v1::SessionEvent>> stream_;
  EventCallback on_event_;
  EndCallback on_end_;
  v1::SessionEvent event_;
  grpc::Status status_;
  Op written_{this, &Reactor::OnWritten};
  Op read_{this, &Reactor::OnRead};
  Op finished_{this, &Reactor::OnFinished};
  absl::Mutex mu_;
  std::shared_ptr<Reactor> self_ ABSL_GUARDED_BY(mu_);
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  std::deque<v1::SessionRequest> queue_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
};

std::shared_ptr<ValidatorStream> ValidatorStream::Open(v1::Validator::StubInterface& stub,
                                                       std::chrono::system_clock::time_point deadline,
                                                       v1::SessionRequest start, EventCallback on_event,
                                                       EndCallback on_end, const std::string& traceparent) {
  auto reactor = std::make_shared<Reactor>(std::move(on_event), std::move(on_end));
  reactor->Begin(reactor, stub, deadline, std::move(start), traceparent);
  return std::shared_ptr<ValidatorStream>(new ValidatorStream(std::move(reactor)));
}

void ValidatorStream::SendResponse(std::string response_apdu) {
  v1::SessionRequest r;
  r.set_response_apdu(std::move(response_apdu));
  reactor_->Enqueue(std::move(r));
}

void ValidatorStream::Cancel() { reactor_->Cancel(); }

}  // namespace docval::gateway
