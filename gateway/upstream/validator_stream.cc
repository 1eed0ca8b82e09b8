#include "gateway/upstream/validator_stream.h"

#include "common/check.h"

namespace docval::gateway {

class ValidatorStream::Reactor final : public grpc::ClientBidiReactor<v1::SessionRequest, v1::SessionEvent> {
 public:
  Reactor(EventCallback on_event, EndCallback on_end) : on_event_(std::move(on_event)), on_end_(std::move(on_end)) {}

  void Begin(v1::Validator::StubInterface& stub, std::chrono::system_clock::time_point deadline,
             v1::SessionRequest start, std::shared_ptr<ValidatorStream> handle) {
    handle_ = std::move(handle);
    context_.set_deadline(deadline);
    // Wait for a connection up to the deadline instead of failing fast: a validator that restarts
    // is given the session's time, and the gateway retries unreachable replicas itself.
    context_.set_wait_for_ready(false);
    stub.async()->Session(&context_, this);
    Enqueue(std::move(start));
    StartRead(&event_);
    AddHold();  // writes start outside reactions: keep OnDone away until reads have ended
    StartCall();
  }

  void Enqueue(v1::SessionRequest request) {
    std::lock_guard<std::mutex> lock(mu_);
    if (done_) return;
    queue_.push_back(std::move(request));
    WriteNextLocked();
  }

  void Cancel() { context_.TryCancel(); }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    writing_ = false;
    if (!ok) return;  // the call is ending; OnDone follows
    WriteNextLocked();
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      // The server has finished (or the call was cancelled): accept no more writes, then let the
      // call complete. The hold guarantees OnDone cannot run while a write is being started.
      {
        std::lock_guard<std::mutex> lock(mu_);
        done_ = true;
      }
      RemoveHold();
      return;
    }
    on_event_(std::move(event_));
    event_.Clear();
    StartRead(&event_);
  }

  void OnDone(const grpc::Status& status) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    {
      std::lock_guard<std::mutex> lock(handle_->mu_);
      handle_->reactor_ = nullptr;
    }
    on_end_(status);
    on_event_ = nullptr;
    on_end_ = nullptr;
    delete this;
  }

 private:
  void WriteNextLocked() {
    if (writing_ || queue_.empty()) return;
    current_ = std::move(queue_.front());
    queue_.pop_front();
    writing_ = true;
    StartWrite(&current_);
  }

  grpc::ClientContext context_;
  EventCallback on_event_;
  EndCallback on_end_;
  std::shared_ptr<ValidatorStream> handle_;
  v1::SessionEvent event_;
  std::mutex mu_;
  std::deque<v1::SessionRequest> queue_;
  v1::SessionRequest current_;
  bool writing_ = false;
  bool done_ = false;
};

std::shared_ptr<ValidatorStream> ValidatorStream::Open(v1::Validator::StubInterface& stub,
                                                       std::chrono::system_clock::time_point deadline,
                                                       v1::SessionRequest start, EventCallback on_event,
                                                       EndCallback on_end) {
  auto* reactor = new Reactor(std::move(on_event), std::move(on_end));
  std::shared_ptr<ValidatorStream> handle(new ValidatorStream(reactor));
  reactor->Begin(stub, deadline, std::move(start), handle);
  return handle;
}

void ValidatorStream::SendResponse(std::string response_apdu) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!reactor_) return;
  v1::SessionRequest r;
  r.set_response_apdu(std::move(response_apdu));
  reactor_->Enqueue(std::move(r));
}

void ValidatorStream::Cancel() {
  std::lock_guard<std::mutex> lock(mu_);
  if (reactor_) reactor_->Cancel();
}

}  // namespace docval::gateway
