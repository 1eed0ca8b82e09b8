// The validator's part of a session's trace (docs/operations.md, "Traces"): the span `docval.dialog`
// (kind SERVER) under the gateway's session span, named by the `traceparent` metadata of the
// Validator/Session call, and under it one span per step of the dialog (the progress steps of
// docs/protocol.md §1.4: READ_ATR_INFO, ACCESS_CONTROL, READ_SOD, READ_DG14, CHIP_AUTHENTICATION, ...).
//
// The eMRTD core keeps no clock: its steps and notes come through the CardLink (Progress(), Note())
// and are timed here, on the worker, after each dialog step. A step's span ends when the next step
// begins; it holds the command APDUs sent in it (docval.round_trips), the notes made in it (a file's
// size: docval.file.bytes; access control: docval.access_control.protocol and .mapping) and, for
// CHIP_AUTHENTICATION, ACTIVE_AUTHENTICATION and PASSIVE_AUTHENTICATION, the verdict of the result
// (which is why step spans are exported when the dialog ends, with the end times they had). The dialog
// span holds the outcome (`result` or the failure reason, as docval_validator_sessions_total), the
// round trips and the three verdicts. No personal data, no APDU bytes. With diagnostics (asked by the
// start message, allowed by tracing.allow_diagnostics): per command an event with its 4-byte header
// and size, per response its status word and size, and EF.CardAccess and EF.ATR/INFO in hex.
//
// Thread-safe (the worker runs steps, gRPC threads end sessions). Inert when traces are off.
#ifndef DOCVAL_VALIDATOR_SERVICE_DIALOG_TRACE_H_
#define DOCVAL_VALIDATOR_SERVICE_DIALOG_TRACE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <grpcpp/support/string_ref.h>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/tracing/span.h"
#include "validator/emrtd/card_link.h"
#include "validator/emrtd/result.h"

namespace docval::validator {

// The `traceparent` value of a call's metadata, or "".
std::string TraceparentOf(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata);

class DialogTrace {
 public:
  // Starts the dialog span. `traceparent`: the call's metadata value (empty or invalid: a trace of its
  // own).
  DialogTrace(absl::string_view traceparent, absl::Time started_at);
  // On the worker, before `response` resumes the dialog; returns it.
  emrtd::Bytes Response(emrtd::Bytes response);
  // On the worker, after a step: takes the steps and notes it emitted from `link` and returns the
  // steps; records the command now pending; `outcome` once the dialog is done. `diagnostics`: the start
  // message asked for them.
  std::vector<emrtd::Step> AfterStep(emrtd::CardLink& link, bool diagnostics, const emrtd::DialogOutcome* outcome);
  // The session is over (`label`: its outcome as counted). Ends and hands over every span. Idempotent.
  void End(absl::string_view label);

 private:
  struct StepSpan {
    emrtd::Step step;
    tracing::Span span;
    size_t round_trips_at_start = 0;
    std::optional<absl::Time> ended;
  };
  void CloseCurrentLocked(size_t round_trips_now, absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  tracing::Span* SpanOfLocked(std::optional<emrtd::Step> step) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  tracing::Span dialog_ ABSL_GUARDED_BY(mu_);
  std::vector<StepSpan> steps_ ABSL_GUARDED_BY(mu_);
  std::optional<bool> diagnostics_ ABSL_GUARDED_BY(mu_);  // decided at the first step
  size_t round_trips_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time command_at_ ABSL_GUARDED_BY(mu_);
};

}  // namespace docval::validator

#endif  // DOCVAL_VALIDATOR_SERVICE_DIALOG_TRACE_H_
