#include "gateway/upstream/validator_stream.h"

#include <deque>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "gateway/upstream/upstream_call.h"

namespace docval::gateway {

// Lifetime: the reactor owns itself (`self_`) from Begin() until OnDone(), and the handle owns it
// too. Locking rule: `mu_` guards the write queue and flags only; every gRPC call (StartWrite,
// RemoveHold, TryCancel) happens with `mu_` released, because gRPC may run reactions inline.
// `current_` is the message gRPC is writing: it is replaced under `mu_` only while no write runs
// (`writing_` false), and gRPC reads it without the lock until OnWriteDone.
class ValidatorStream::Reactor final : public grpc::ClientBidiReactor<v1::SessionRequest, v1::SessionEvent> {
 public:
  Reactor(EventCallback on_event, EndCallback on_end) : on_event_(std::move(on_event)), on_end_(std::move(on_end)) {}

  void Begin(std::shared_ptr<Reactor> self, v1::Validator::StubInterface& stub,
             std::chrono::system_clock::time_point deadline, v1::SessionRequest start, const std::string& traceparent) {
    self_ = std::move(self);
    PrepareUpstreamCall(context_, deadline, traceparent);
    stub.async()->Session(&context_, this);
    // Writes start outside reactions: the hold keeps OnDone away until reads have ended and no
    // write is being started.
    AddHold();
    {
      absl::MutexLock lock(&mu_);
      writing_ = true;
      current_ = std::move(start);
    }
    StartWrite(&current_);
    StartRead(&event_);
    StartCall();
  }

  void Enqueue(v1::SessionRequest request) ABSL_LOCKS_EXCLUDED(mu_) {
    {
      absl::MutexLock lock(&mu_);
      if (reads_done_) return;
      queue_.push_back(std::move(request));
      if (writing_) return;
      writing_ = true;
      current_ = std::move(queue_.front());
      queue_.pop_front();
    }
    StartWrite(&current_);
  }

  void Cancel() { context_.TryCancel(); }

  void OnWriteDone(bool ok) override ABSL_LOCKS_EXCLUDED(mu_) {
    bool start = false;
    bool release = false;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (ok && !reads_done_ && !queue_.empty()) {
        writing_ = true;
        current_ = std::move(queue_.front());
        queue_.pop_front();
        start = true;
      } else {
        release = ReleaseHoldLocked();
      }
    }
    if (start) StartWrite(&current_);
    if (release) RemoveHold();
  }

  void OnReadDone(bool ok) override ABSL_LOCKS_EXCLUDED(mu_) {
    if (ok) {
      on_event_(std::move(event_));
      event_.Clear();
      StartRead(&event_);
      return;
    }
    // The server has finished (or the call was cancelled): accept no more writes.
    bool release = false;
    {
      absl::MutexLock lock(&mu_);
      reads_done_ = true;
      queue_.clear();
      release = ReleaseHoldLocked();
    }
    if (release) RemoveHold();
  }

  void OnDone(const grpc::Status& status) override {
    on_end_(status);
    on_event_ = nullptr;
    on_end_ = nullptr;
    std::shared_ptr<Reactor> self = std::move(self_);  // may destroy this on return
  }

 private:
  bool ReleaseHoldLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!reads_done_ || writing_ || hold_released_) return false;
    hold_released_ = true;
    return true;
  }

  grpc::ClientContext context_;
  EventCallback on_event_;
  EndCallback on_end_;
  std::shared_ptr<Reactor> self_;
  v1::SessionEvent event_;
  absl::Mutex mu_;
  std::deque<v1::SessionRequest> queue_ ABSL_GUARDED_BY(mu_);
  v1::SessionRequest current_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
  bool hold_released_ ABSL_GUARDED_BY(mu_) = false;
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
