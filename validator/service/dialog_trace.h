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
// The same spans serve WebSocket API v2 (docs/operations.md): its Chip Authentication stream is a
// dialog (CHIP_AUTHENTICATION and READ_DG1 steps, the CA verdict through ChipAuthentication()), and
// its verdict on the phone's files (V2FileVerifier.Verify) and POST /v4/validate's (VerifyFiles) are a
// `docval.verify` span with FilesVerified(): a span per file with its size, one per check with its
// verdict.
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

// A file of a verification (FilesVerified): "sod", "com", "dg1", ...; `data_group` 1..16 for a data
// group (its hash is checked by Passive Authentication), else 0.
struct VerifiedFile {
  std::string name;
  size_t bytes = 0;
  int data_group = 0;
};

// The files of a VerifyFilesRequest or V2VerifyRequest (proto/docval/v1/validator.proto), their sizes.
template <typename Request>
std::vector<VerifiedFile> VerifiedFilesOf(const Request& request) {
  std::vector<VerifiedFile> files{{"sod", request.sod().size(), 0}};
  if constexpr (requires { request.has_com(); }) {
    if (request.has_com()) files.push_back({"com", request.com().size(), 0});
  }
  for (const auto& [dg, bytes] : request.data_groups()) {
    files.push_back({"dg" + std::to_string(dg), bytes.size(), static_cast<int>(dg)});
  }
  return files;
}

class DialogTrace {
 public:
  // Starts the span `name` (docval.dialog, docval.verify). `traceparent`: the call's metadata value
  // (empty or invalid: a trace of its own).
  DialogTrace(absl::string_view traceparent, absl::Time started_at, absl::string_view name = "docval.dialog");
  // On the worker, before `response` resumes the dialog; returns it.
  emrtd::Bytes Response(emrtd::Bytes response);
  // On the worker, after a step: takes the steps and notes it emitted from `link` and returns the
  // steps; records the command now pending; `outcome` once the dialog is done. `diagnostics`: the start
  // message asked for them.
  std::vector<emrtd::Step> AfterStep(emrtd::CardLink& link, bool diagnostics, const emrtd::DialogOutcome* outcome);
  // A v2 Chip Authentication stream's end, after its last AfterStep(): the verdict on the dialog span
  // and the CHIP_AUTHENTICATION step, or (`failure` set) that reason as the last step's error.
  void ChipAuthentication(emrtd::CheckResult check, absl::string_view failure = "");
  // Files verified outside a chip dialog, from `start` to `end`: a span VERIFY_<NAME> per file
  // (docval.file, docval.file.bytes; for a data group with a result docval.file.hash_valid) and one
  // per step of `checks` (PASSIVE_AUTHENTICATION, ACTIVE_AUTHENTICATION, CHIP_AUTHENTICATION) with its
  // verdict from `result`. They all span the one computation. `result` nullptr: the files were
  // refused, no verdict; only the file spans.
  void FilesVerified(const std::vector<VerifiedFile>& files, const std::vector<emrtd::Step>& checks, absl::Time start,
                     absl::Time end, const emrtd::EmrtdResult* result);
  // The session is over (`label`: its outcome as counted). Ends and hands over every span. Idempotent.
  void End(absl::string_view label);

 private:
  struct StepSpan {
    std::optional<emrtd::Step> step;  // none: a file of FilesVerified
    tracing::Span span;
    size_t round_trips_at_start = 0;
    std::optional<absl::Time> ended;
  };
  void CloseCurrentLocked(size_t round_trips_now, absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  tracing::Span* SpanOfLocked(std::optional<emrtd::Step> step) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  tracing::Span& StartStepLocked(std::optional<emrtd::Step> step, absl::string_view name, absl::Time start,
                                 size_t round_trips) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void VerdictsLocked(const emrtd::EmrtdResult& r) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CheckResultLocked(emrtd::Step step, absl::string_view key, emrtd::CheckResult check)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  tracing::Span dialog_ ABSL_GUARDED_BY(mu_);
  std::vector<StepSpan> steps_ ABSL_GUARDED_BY(mu_);
  std::optional<bool> diagnostics_ ABSL_GUARDED_BY(mu_);  // decided at the first step
  size_t round_trips_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time command_at_ ABSL_GUARDED_BY(mu_);
};

}  // namespace docval::validator

#endif  // DOCVAL_VALIDATOR_SERVICE_DIALOG_TRACE_H_
