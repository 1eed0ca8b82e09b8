// CardLink: the dialog's one connection to the chip, and its one suspension point.
//
// Inside the dialog (coroutines):
//   absl::StatusOr<ResponseApdu> r = co_await link.Transmit(command);
//   link.Progress(Step::kReadSod);
// Outside (the driver: gRPC reactor, virtual chip, replay):
//   task.Start();
//   while (link.awaiting_response()) { send(link.pending_command()); link.Respond(answer); }
//   // task.done(): take task.result(); link.TakeSteps() between resumptions for progress.
//
// The link also guards the client's limits: a command longer than max_command_bytes, or asking for
// more than the client can receive, is refused here without reaching the chip (a bug in the reader
// must not become a chip error on the phone). A transport failure (client gone, time-out) reaches
// the dialog as an error status from Transmit; the dialog must then end.
#ifndef DOCVAL_VALIDATOR_EMRTD_CARD_LINK_H_
#define DOCVAL_VALIDATOR_EMRTD_CARD_LINK_H_

#include <coroutine>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "validator/emrtd/apdu.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/task.h"

namespace docval::emrtd {

// docs/protocol.md §1.4, in order.
enum class Step {
  kReadAtrInfo,
  kAccessControl,
  kReadSod,
  kReadDg14,
  kChipAuthentication,
  kReadDg15,
  kActiveAuthentication,
  kReadDg1,
  kReadDg2,
  kReadDg7,
  kReadDg11,
  kReadDg12,
  kPassiveAuthentication,
  kDone,
};
const char* StepName(Step step);  // "READ_SOD", ...

// A fact about the dialog for the driver's traces, under the step that was current when it was noted:
// protocol names and sizes (`access_control.protocol` "PACE", `file.bytes` 1234), never personal
// data; file contents only when SessionParams::diagnostics is set and the file holds none
// (EF.CardAccess, EF.ATR/INFO). The core only records; the driver decides what to keep.
struct StepNote {
  std::optional<Step> step;  // none before the first Progress()
  std::string key;
  std::variant<int64_t, std::string> value;
};

// What the client told us about its NFC link (start message) or what EF.ATR/INFO said.
struct LinkLimits {
  bool extended_length = false;
  size_t max_command_bytes = 0;   // 0: unknown (short: 261, extended: 65544)
  size_t max_response_bytes = 0;  // 0: unknown (short: 258, extended: 65538)

  // The effective limits, defaults applied.
  size_t CommandBytes() const;
  size_t ResponseBytes() const;
};

class CardLink {
 public:
  explicit CardLink(LinkLimits limits = {}) : limits_(limits) {}
  CardLink(const CardLink&) = delete;
  CardLink& operator=(const CardLink&) = delete;

  class TransmitAwaiter {
   public:
    TransmitAwaiter(CardLink& link, absl::Status refused) : link_(link), refused_(std::move(refused)) {}
    bool await_ready() const noexcept { return !refused_.ok(); }
    void await_suspend(std::coroutine_handle<> h) noexcept { link_.waiting_ = h; }
    absl::StatusOr<ResponseApdu> await_resume();

   private:
    CardLink& link_;
    absl::Status refused_;
  };

  // Dialog side.
  TransmitAwaiter Transmit(const CommandApdu& command);
  void Progress(Step step) {
    steps_.push_back(step);
    current_step_ = step;
  }
  void Note(std::string key, std::variant<int64_t, std::string> value) {
    notes_.push_back({current_step_, std::move(key), std::move(value)});
  }
  const LinkLimits& limits() const { return limits_; }
  // The dialog may learn better limits (EF.ATR/INFO) once it has read them.
  void set_limits(LinkLimits limits) { limits_ = limits; }

  // Driver side.
  bool awaiting_response() const { return static_cast<bool>(waiting_); }
  // The encoded command APDU. Requires awaiting_response().
  const Bytes& pending_command() const;
  // Resumes the dialog with the chip's answer (raw bytes: data || SW1 SW2) or a transport error.
  // Returns when the dialog suspends again or finishes. An answer shorter than its 2 status bytes is
  // a transport failure (kUnavailable), never a chip's status: the dialog ends with
  // EMRTD_PASSPORT_READER_ERROR wherever it is.
  void Respond(absl::StatusOr<Bytes> raw_response);
  // Progress steps emitted since the last call.
  std::vector<Step> TakeSteps();
  // Notes since the last call, in order.
  std::vector<StepNote> TakeNotes() { return std::exchange(notes_, {}); }
  // Commands sent so far.
  size_t round_trips() const { return round_trips_; }

 private:
  LinkLimits limits_;
  std::coroutine_handle<> waiting_;
  Bytes pending_;
  std::optional<absl::StatusOr<ResponseApdu>> response_;
  std::vector<Step> steps_;
  std::optional<Step> current_step_;
  std::vector<StepNote> notes_;
  size_t round_trips_ = 0;
};

// Runs `task` to completion with a synchronous chip: tests, replay and benchmarks. `chip` gets each
// encoded command and returns the raw response (or an error, which ends the dialog).
template <typename T>
T RunDialog(Task<T>& task, CardLink& link, absl::FunctionRef<absl::StatusOr<Bytes>(ByteSpan)> chip) {
  task.Start();
  while (!task.done()) {
    DOCVAL_CHECK(link.awaiting_response());
    Bytes command = link.pending_command();
    link.Respond(chip(command));
  }
  return std::move(task.result());
}

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_CARD_LINK_H_
