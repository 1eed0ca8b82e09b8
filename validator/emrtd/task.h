// Task<T>: a lazily started C++20 coroutine that yields one T, for writing the chip dialog as
// straight-line code (docs/architecture.md).
//
//   Task<absl::StatusOr<Bytes>> ReadFile(CardLink& link, ...) {
//     absl::StatusOr<ResponseApdu> r = co_await link.Transmit(cmd);
//     if (!r.ok()) co_return r.status();
//     ...
//     co_return data;
//   }
//
// `co_await task` starts the child and resumes the parent when the child finishes (symmetric
// transfer, so deep call chains do not grow the stack). A dialog suspends only inside
// CardLink::Transmit; whoever drives it (the gRPC reactor, a virtual chip, a replay) resumes it
// with the chip's answer. Destroying a Task destroys its frame and, through it, any child frames:
// abandoning a dialog mid-way frees everything.
//
// Exceptions are bugs here: they terminate (untrusted input becomes a Status, and Botan exceptions
// are converted in crypto/).
#ifndef DOCVAL_VALIDATOR_EMRTD_TASK_H_
#define DOCVAL_VALIDATOR_EMRTD_TASK_H_

#include <coroutine>
#include <exception>
#include <optional>
#include <utility>

#include "base/check.h"

namespace docval::emrtd {

template <typename T>
class [[nodiscard]] Task {
 public:
  struct promise_type;
  using Handle = std::coroutine_handle<promise_type>;

  struct FinalAwaiter {
    bool await_ready() const noexcept { return false; }
    std::coroutine_handle<> await_suspend(Handle h) noexcept {
      std::coroutine_handle<> c = h.promise().continuation;
      return c ? c : std::noop_coroutine();
    }
    void await_resume() const noexcept {}
  };

  struct promise_type {
    std::optional<T> value;
    std::coroutine_handle<> continuation;

    Task get_return_object() { return Task(Handle::from_promise(*this)); }
    std::suspend_always initial_suspend() const noexcept { return {}; }
    FinalAwaiter final_suspend() const noexcept { return {}; }
    void return_value(T v) { value.emplace(std::move(v)); }
    void unhandled_exception() const noexcept { std::terminate(); }
  };

  Task() = default;
  Task(Task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      if (handle_) handle_.destroy();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() {
    if (handle_) handle_.destroy();
  }

  // Awaiting from another coroutine.
  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> continuation) noexcept {
    handle_.promise().continuation = continuation;
    return handle_;
  }
  T await_resume() {
    DOCVAL_CHECK(handle_.promise().value.has_value());
    return std::move(*handle_.promise().value);
  }

  // Driving a root task: Start() runs it until it first suspends (or finishes).
  void Start() {
    DOCVAL_CHECK(handle_ && !started_);
    started_ = true;
    handle_.resume();
  }
  bool valid() const { return static_cast<bool>(handle_); }
  bool started() const { return started_; }
  bool done() const { return handle_ && handle_.done(); }
  // Requires done().
  T& result() {
    DOCVAL_CHECK(done() && handle_.promise().value.has_value());
    return *handle_.promise().value;
  }

 private:
  explicit Task(Handle h) : handle_(h) {}
  Handle handle_;
  bool started_ = false;
};

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_TASK_H_
