// SessionReactor: the server side of one docval.v1.Validator/Session stream (gRPC callback API, one
// reactor per call), driving one chip dialog (validator/emrtd/reader.h) or one WebSocket v2 Chip
// Authentication (validator/emrtd/reader_v2_ca.h). The stream contract, the statuses and where the
// work runs are the service's (validator_service.h); this is how one session keeps them.
//
// Lifetime: created by ValidatorService::Session() (registered in the service's core), deleted by
// itself once gRPC is through with it (OnDone) and no step of it is queued or running; it then
// unregisters from the core. The core outlives every reactor.
//
// Threads: gRPC reactions (OnReadDone, OnWriteDone, OnCancel, OnDone) and the worker running this
// session's step. `mu_` guards everything below it except the dialog objects (`rng_`, `link_`,
// `task_`), which only the worker touches while a step is queued or running, and the reactor frees.
// gRPC operations (StartRead, StartWrite, Finish) are made after `mu_` is released, because gRPC
// may run reactions inline from inside them; each handler collects them in `Actions`.
//
// Two guards keep gRPC calls legal from a worker thread, which, unlike a reaction, holds no
// reference on the call: Finish is deferred while another thread is between deciding a read/write
// and starting it (`ops_in_flight_`), so no operation starts after Finish and none after OnDone;
// and the reactor is deleted only when both gRPC (OnDone) and the step (if any) are through with
// it (`refs_`).
//
// Lock order: the core's `mu` before `mu_`; the reactor never takes the core's lock while holding
// its own.
#ifndef DOCVAL_VALIDATOR_SERVICE_SESSION_REACTOR_H_
#define DOCVAL_VALIDATOR_SERVICE_SESSION_REACTOR_H_

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "docval/v1/validator.grpc.pb.h"
#include "validator/emrtd/reader.h"
#include "validator/emrtd/reader_v2_ca.h"
#include "validator/service/dialog_trace.h"
#include "validator/service/validator_service.h"

namespace docval::validator {

class SessionReactor final : public grpc::ServerBidiReactor<v1::SessionRequest, v1::SessionEvent> {
 public:
  // `trust` is the snapshot this session validates against (may be null); `traceparent` the
  // gateway's W3C trace context (may be empty). Starts the first read.
  SessionReactor(ValidatorService::Core& core, std::shared_ptr<const emrtd::TrustStore> trust,
                 absl::string_view traceparent);
  ~SessionReactor() override;

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

  // Ends the session now with `status`, counted under the outcome `label` (no-op when it has
  // ended). Any thread; the caller holds a reference.
  void Abort(const grpc::Status& status, const std::string& label);

  // A reference for the service's shutdown; false when the reactor is already being deleted.
  bool TryRef();
  // Drops a reference; the last one unregisters the reactor from the core and deletes it.
  void Unref();

 private:
  struct Actions {
    bool read = false;
    v1::SessionEvent* write = nullptr;
    bool counted = false;  // this thread is counted in ops_in_flight_
    bool step = false;
    std::optional<grpc::Status> finish;
  };

  void CountOpsLocked(Actions& a) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Perform(Actions& a) ABSL_LOCKS_EXCLUDED(mu_);
  void PrepareDialogLocked(const v1::SessionStart& start) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void QueueStepLocked(Actions& a) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool SubmitStep();
  // On a worker: one dialog step, unless the session has ended meanwhile.
  void RunStep();
  // On the worker, after a step: the progress, then the next command or the outcome.
  std::vector<v1::SessionEvent> CollectEvents();
  void WriteNextLocked(Actions& a) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void EndLocked(const grpc::Status& status, const std::string& label, Actions& a) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  ValidatorService::Core& core_;
  const std::shared_ptr<const emrtd::TrustStore> trust_;
  emrtd::ReaderConfig config_;
  const absl::Time started_at_;
  // The dialog: written before the first step is queued, then touched by the worker only.
  emrtd::SessionParams params_;
  bool batch_progress_ = false;  // SessionStart.batch_progress
  std::unique_ptr<emrtd::RandomSource> rng_;
  std::unique_ptr<emrtd::CardLink> link_;
  emrtd::Task<emrtd::DialogOutcome> task_;
  // SessionStart.v2_chip_authentication until the dialog starts (secret), then its outcome.
  std::optional<v1::V2ChipAuthStart> v2_ca_start_;
  std::optional<absl::StatusOr<emrtd::V2ChipAuthOutcome>> v2_ca_outcome_;
  bool v2_ca_ = false;         // the dialog is a v2 Chip Authentication
  bool step_running_ = false;  // the worker's own view; written under mu_
  DialogTrace trace_;          // the session's spans (docs/operations.md, "Traces")

  absl::Mutex mu_;
  int refs_ ABSL_GUARDED_BY(mu_) = 1;  // gRPC's, until OnDone; +1 while a step is queued or running
  int ops_in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  std::optional<grpc::Status> deferred_finish_ ABSL_GUARDED_BY(mu_);
  std::string session_id_;
  std::optional<emrtd::Bytes> response_ ABSL_GUARDED_BY(mu_);
  v1::SessionRequest request_;
  v1::SessionEvent current_;
  std::deque<v1::SessionEvent> queue_ ABSL_GUARDED_BY(mu_);
  std::string outcome_label_ ABSL_GUARDED_BY(mu_);
  size_t round_trips_ ABSL_GUARDED_BY(mu_) = 0;
  bool dialog_started_ ABSL_GUARDED_BY(mu_) = false;
  bool awaiting_response_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool final_queued_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace docval::validator

#endif  // DOCVAL_VALIDATOR_SERVICE_SESSION_REACTOR_H_
