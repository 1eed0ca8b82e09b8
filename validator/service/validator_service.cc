#include "validator/service/validator_service.h"

#include <atomic>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/logging.h"
#include "common/worker_pool.h"
#include "validator/cache/group_cache.h"
#include "validator/cache/key_cache.h"
#include "validator/service/dialog_trace.h"
#include "validator/service/session_proto.h"
#include "validator/service/usable_cpus.h"
#include "validator/service/validator_metrics.h"
#include "validator/emrtd/auth/verify_files.h"
#include "validator/emrtd/reader_v2_ca.h"
#include "validator/result_json/result_proto.h"

namespace docval::validator {

class SessionReactor;

// What the reactors share with the service. Lock order: `mu` before a reactor's lock; a reactor
// never takes `mu` while holding its own.
struct ValidatorService::Core {
  Core(ValidatorServiceOptions o, TrustStoreProvider t, prometheus::Registry& registry)
      : options(std::move(o)),
        trust(std::move(t)),
        worker_count(options.workers > 0 ? options.workers : UsableCpus()),
        metrics(registry),
        // One step at most per session waits: the queue never needs more than max_sessions.
        pool(worker_count, static_cast<size_t>(std::max(1, options.max_sessions))) {
    metrics.workers.Set(worker_count);
    metrics.max_sessions.Set(options.max_sessions);
  }

  // Called once per reactor, just before it is deleted.
  void Unregister(SessionReactor* r) {
    absl::MutexLock lock(&mu);
    sessions.erase(r);
  }

  const ValidatorServiceOptions options;
  const TrustStoreProvider trust;
  const int worker_count;
  // Verdicts on chips' explicit DH groups, shared by every session: a group is validated (primality
  // of p and q) once per process while it stays among the most recently used.
  cache::BoundedGroupCache group_cache;
  // Document Signer keys, shared by every session: an RSA key is loaded (its Montgomery parameters,
  // a constant-time division) once per process while it stays cached (docs/limits.md).
  cache::BoundedKeyCache key_cache;
  ValidatorMetrics metrics;
  std::atomic<int> queued{0};

  mutable absl::Mutex mu;
  bool accepting ABSL_GUARDED_BY(mu) = true;
  bool stopped ABSL_GUARDED_BY(mu) = false;
  absl::flat_hash_set<SessionReactor*> sessions ABSL_GUARDED_BY(mu);
  int admitted ABSL_GUARDED_BY(mu) = 0;  // RunAdmitted computations queued or running

  WorkerPool pool;  // last: its threads stop first, while everything above is still alive
};

namespace {
emrtd::SecureBytes Secret(const std::string& s) { return emrtd::SecureBytes(s.begin(), s.end()); }

// WebSocket API v2's Chip Authentication as a dialog of the session's kind: the outcome goes to `out`
// (the DialogOutcome is unused).
emrtd::Task<emrtd::DialogOutcome> V2ChipAuthDialog(emrtd::CardLink& link, emrtd::SessionKeys keys, emrtd::Bytes dg14,
                                                   emrtd::RandomSource& rng, emrtd::SessionLimits limits,
                                                   std::optional<absl::StatusOr<emrtd::V2ChipAuthOutcome>>* out) {
  *out = co_await emrtd::RunV2ChipAuthentication(link, std::move(keys), std::move(dg14), rng, limits);
  co_return emrtd::EmrtdResult{};
}

}  // namespace

// One reactor per stream.
//
// Threads: gRPC reactions (OnReadDone, OnWriteDone, OnCancel, OnDone) and the worker running this
// session's step. `mu_` guards everything below it except the dialog objects (`rng_`, `link_`,
// `task_`), which only the worker touches while `step_pending_` is set, and the reactor frees.
// gRPC operations (StartRead, StartWrite, Finish) are made after `mu_` is released, because gRPC
// may run reactions inline from inside them; each handler collects them in `Actions`.
//
// Two guards keep gRPC calls legal from a worker thread, which, unlike a reaction, holds no
// reference on the call: Finish is deferred while another thread is between deciding a read/write
// and starting it (`ops_in_flight_`), so no operation starts after Finish and none after OnDone;
// and the reactor is deleted only when both gRPC (OnDone) and the step (if any) are through with
// it (`refs_`).
class SessionReactor final : public grpc::ServerBidiReactor<v1::SessionRequest, v1::SessionEvent> {
 public:
  SessionReactor(ValidatorService::Core& core, std::shared_ptr<const emrtd::TrustStore> trust, absl::string_view traceparent)
      : core_(core), trust_(std::move(trust)), started_at_(absl::Now()), trace_(traceparent, started_at_) {
    config_.allow_bac_fallback = core_.options.allow_bac_fallback;
    config_.limits = core_.options.limits;
    config_.trust_store = trust_.get();
    config_.group_cache = &core_.group_cache;
    config_.signer_key_cache = &core_.key_cache;
    core_.metrics.active.Increment();
    StartRead(&request_);  // held back by gRPC until the reactor is bound
  }

  ~SessionReactor() override {
    // Free the dialog (and the secrets in its frames) before what its frames refer to.
    task_ = emrtd::Task<emrtd::DialogOutcome>();
  }

  void OnReadDone(bool ok) override {
    Actions a;
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return;
      if (!ok) {
        // The gateway closed its side or the call was cancelled: the session is over.
        EndLocked(grpc::Status(grpc::StatusCode::CANCELLED, "the gateway ended the session"), "cancelled", a);
      } else if (!dialog_started_) {
        if (!request_.has_start()) {
          EndLocked(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "the first message must be start"), "protocol_error", a);
        } else {
          PrepareDialogLocked(request_.start());
          request_.Clear();
          QueueStepLocked(a);
        }
      } else if (!request_.has_response_apdu() || !awaiting_response_) {
        EndLocked(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "a response APDU arrived when none was awaited"),
                  "protocol_error", a);
      } else {
        // Taken out of the message: Clear() would keep its buffer (up to 64 KiB) for the session.
        std::string raw = std::move(*request_.mutable_response_apdu());
        response_ = emrtd::Bytes(raw.begin(), raw.end());
        request_.Clear();
        awaiting_response_ = false;
        QueueStepLocked(a);
      }
    }
    Perform(a);
  }

  void OnWriteDone(bool ok) override {
    Actions a;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (finished_) return;
      if (!ok) {
        EndLocked(grpc::Status(grpc::StatusCode::CANCELLED, "the stream broke"), "cancelled", a);
      } else {
        WriteNextLocked(a);
      }
    }
    Perform(a);
  }

  void OnCancel() override { Abort(grpc::Status::CANCELLED, "cancelled"); }

  void OnDone() override { Unref(); }

  // Ends the session now (no-op when it has ended). Any thread; the caller holds a reference.
  void Abort(const grpc::Status& status, const std::string& label) {
    Actions a;
    {
      absl::MutexLock lock(&mu_);
      if (!finished_) EndLocked(status, label, a);
    }
    Perform(a);
  }

  // A reference for the service's shutdown; false when the reactor is already being deleted.
  bool TryRef() {
    absl::MutexLock lock(&mu_);
    if (refs_ == 0) return false;
    ++refs_;
    return true;
  }

  void Unref() {
    bool last = false;
    {
      absl::MutexLock lock(&mu_);
      last = --refs_ == 0;
    }
    if (!last) return;
    core_.Unregister(this);
    delete this;
  }

 private:
  struct Actions {
    bool read = false;
    v1::SessionEvent* write = nullptr;
    bool counted = false;  // this thread is counted in ops_in_flight_
    bool step = false;
    std::optional<grpc::Status> finish;
  };

  void CountOpsLocked(Actions& a) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if ((a.read || a.write) && !a.counted) {
      ++ops_in_flight_;
      a.counted = true;
    }
  }

  void Perform(Actions& a) ABSL_LOCKS_EXCLUDED(mu_) {
    if (a.step && !SubmitStep()) {
      Actions b;
      {
        absl::MutexLock lock(&mu_);
        --refs_;  // the step's reference; gRPC still holds one
        if (!finished_) {
          EndLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the validator is shutting down"), "shutting_down", b);
        }
      }
      Perform(b);
    }
    if (a.read) StartRead(&request_);
    if (a.write) StartWrite(a.write);
    if (a.counted) {
      std::optional<grpc::Status> deferred;
      {
        absl::MutexLock lock(&mu_);
        if (--ops_in_flight_ == 0) deferred = std::exchange(deferred_finish_, std::nullopt);
      }
      if (deferred) Finish(*deferred);
    }
    if (a.finish) Finish(*a.finish);
  }

  void PrepareDialogLocked(const v1::SessionStart& start) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    session_id_ = start.session_id();
    params_.access_key.can = Secret(start.access_key().can());
    params_.access_key.document_number = Secret(start.access_key().document_number());
    params_.access_key.date_of_birth = Secret(start.access_key().date_of_birth());
    params_.access_key.date_of_expiry = Secret(start.access_key().date_of_expiry());
    params_.limits.extended_length = start.extended_length();
    params_.limits.max_command_bytes = start.max_command_bytes();
    params_.limits.max_response_bytes = start.max_response_bytes();
    params_.include_files_binary = start.include_files_binary();
    params_.diagnostics = start.diagnostics();
    batch_progress_ = start.batch_progress();
    params_.platform = start.platform();
    params_.now_unix_seconds = absl::ToUnixSeconds(absl::Now());
    if (start.has_v2_chip_authentication()) v2_ca_start_ = start.v2_chip_authentication();
    dialog_started_ = true;
  }

  void QueueStepLocked(Actions& a) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    ++refs_;  // released by the step
    a.step = true;
  }

  bool SubmitStep() {
    core_.queued.fetch_add(1);
    core_.metrics.queued_steps.Increment();
    if (core_.pool.TrySubmit([this] { RunStep(); })) return true;
    core_.queued.fetch_sub(1);
    core_.metrics.queued_steps.Decrement();
    return false;
  }

  // On a worker: one dialog step, unless the session has ended meanwhile.
  void RunStep() {
    core_.queued.fetch_sub(1);
    core_.metrics.queued_steps.Decrement();
    if (core_.options.before_step) core_.options.before_step();
    std::optional<emrtd::Bytes> response;
    {
      absl::MutexLock lock(&mu_);
      if (finished_) {
        core_.metrics.steps.Add({{"outcome", "dropped"}}).Increment();
        response_.reset();
      } else {
        response = std::exchange(response_, std::nullopt);
        step_running_ = true;
      }
    }
    if (!step_running_) return Unref();
    core_.metrics.steps.Add({{"outcome", "run"}}).Increment();
    core_.metrics.busy_workers.Increment();
    if (!task_.valid()) {
      rng_ = emrtd::NewSystemRandom();
      link_ = std::make_unique<emrtd::CardLink>(params_.limits);
      const bool v2_ca = v2_ca_ = v2_ca_start_.has_value();
      if (v2_ca) {
        task_ = V2ChipAuthDialog(*link_, FromProto(v2_ca_start_->phone_keys()),
                                 emrtd::Bytes(v2_ca_start_->dg14().begin(), v2_ca_start_->dg14().end()), *rng_,
                                 config_.limits, &v2_ca_outcome_);
        v2_ca_start_.reset();  // holds the phone's keys
      } else {
        task_ = emrtd::ReadDocument(*link_, params_, config_, *rng_);
      }
      LogInfo("dialog started", {{"session_id", session_id_}, {"v2_chip_authentication", v2_ca}});
      task_.Start();
    } else {
      link_->Respond(trace_.Response(std::move(*response)));
    }
    core_.metrics.busy_workers.Decrement();
    std::vector<v1::SessionEvent> events = CollectEvents();
    Actions a;
    {
      absl::MutexLock lock(&mu_);
      step_running_ = false;
      round_trips_ = link_->round_trips();
      if (!finished_) {
        for (v1::SessionEvent& e : events) queue_.push_back(std::move(e));
        if (task_.done()) {
          final_queued_ = true;
        } else {
          awaiting_response_ = true;
          a.read = true;
        }
        WriteNextLocked(a);
        CountOpsLocked(a);
      }
    }
    Perform(a);
    Unref();
  }

  // On the worker, after a step: the progress, then the next command or the outcome.
  std::vector<v1::SessionEvent> CollectEvents() {
    std::vector<v1::SessionEvent> events;
    // A v2 Chip Authentication's outcome is its own (v2_ca_outcome_), not the dialog's result, and its
    // steps are for the trace only (v2 has no status frames).
    const bool dialog_done = task_.done() && !v2_ca_;
    std::vector<emrtd::Step> steps =
        trace_.AfterStep(*link_, params_.diagnostics, dialog_done ? &task_.result() : nullptr);
    if (v2_ca_) steps.clear();
    if (!batch_progress_) {
      for (emrtd::Step s : steps) events.emplace_back().set_progress(ToProtoStep(s));
    }
    v1::SessionEvent& e = events.emplace_back();
    if (batch_progress_) {
      for (emrtd::Step s : steps) e.add_progress_before(ToProtoStep(s));
    }
    if (!task_.done()) {
      DOCVAL_CHECK(link_->awaiting_response());
      const emrtd::Bytes& cmd = link_->pending_command();
      e.set_command_apdu(std::string(cmd.begin(), cmd.end()));
      return events;
    }
    emrtd::DialogOutcome& outcome = task_.result();
    std::string label;
    if (v2_ca_outcome_.has_value()) {
      if (v2_ca_outcome_->ok()) {
        const emrtd::V2ChipAuthOutcome& o = **v2_ca_outcome_;
        v1::V2ChipAuthOutcome* p = e.mutable_v2_chip_authentication();
        p->set_check_result(ToProto(o.check));
        if (o.keys) KeysToProto(*o.keys, p->mutable_keys());
        if (o.dg1) p->set_dg1(std::string(o.dg1->begin(), o.dg1->end()));
        p->set_detail(o.detail);
        label = "v2_chip_authentication";
        trace_.ChipAuthentication(o.check);
        LogInfo("v2 chip authentication", {{"session_id", session_id_}, {"check", v1::CheckResult_Name(p->check_result())},
                                           {"detail", o.detail}});
      } else {
        e.mutable_failure()->set_reason(v1::EMRTD_PASSPORT_READER_ERROR);
        e.mutable_failure()->set_detail(std::string(v2_ca_outcome_->status().message()));
        label = "emrtd_passport_reader_error";
        trace_.ChipAuthentication(emrtd::CheckResult::kUnavailable, "EMRTD_PASSPORT_READER_ERROR");
        LogInfo("dialog failed", {{"session_id", session_id_}, {"reason", label}, {"detail", e.failure().detail()}});
      }
      v2_ca_outcome_.reset();
    } else if (auto* result = std::get_if<emrtd::EmrtdResult>(&outcome)) {
      ToProto(*result, e.mutable_result());
      label = "result";
    } else {
      const emrtd::DialogFailure& f = std::get<emrtd::DialogFailure>(outcome);
      e.mutable_failure()->set_reason(ToProtoReason(f.reason));
      e.mutable_failure()->set_detail(f.detail);
      label = emrtd::FailureReasonName(f.reason);
      LogInfo("dialog failed", {{"session_id", session_id_}, {"reason", label}, {"detail", f.detail}});
    }
    absl::MutexLock lock(&mu_);
    outcome_label_ = std::move(label);
    return events;
  }

  void WriteNextLocked(Actions& a) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_) return;
    if (queue_.empty()) {
      if (final_queued_) EndLocked(grpc::Status::OK, outcome_label_, a);
      return;
    }
    current_ = std::move(queue_.front());
    queue_.pop_front();
    writing_ = true;
    a.write = &current_;
    CountOpsLocked(a);
  }

  void EndLocked(const grpc::Status& status, const std::string& label, Actions& a) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_) return;
    finished_ = true;
    core_.metrics.active.Decrement();
    core_.metrics.sessions.Add({{"outcome", label}}).Increment();
    trace_.End(label);
    core_.metrics.duration.Observe(absl::ToDoubleSeconds(absl::Now() - started_at_));
    if (dialog_started_) core_.metrics.round_trips.Observe(static_cast<double>(round_trips_));
    queue_.clear();
    a.read = false;
    if (ops_in_flight_ == 0 || (a.counted && ops_in_flight_ == 1)) {
      a.finish = status;
    } else {
      deferred_finish_ = status;
    }
  }

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
  bool v2_ca_ = false;  // the dialog is a v2 Chip Authentication
  bool step_running_ = false;  // the worker's own view; written under mu_
  DialogTrace trace_;         // the session's spans (docs/operations.md, "Traces")

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

namespace {

// A session refused before any work: finishes at once with `status`.
class RefusedSession final : public grpc::ServerBidiReactor<v1::SessionRequest, v1::SessionEvent> {
 public:
  explicit RefusedSession(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

ValidatorService::ValidatorService(ValidatorServiceOptions options, TrustStoreProvider trust,
                                   prometheus::Registry& registry)
    : core_(std::make_unique<Core>(std::move(options), std::move(trust), registry)) {}

ValidatorService::~ValidatorService() { Shutdown(); }

grpc::ServerBidiReactor<v1::SessionRequest, v1::SessionEvent>* ValidatorService::Session(grpc::CallbackServerContext* context) {
  Core& c = *core_;
  {
    absl::MutexLock lock(&c.mu);
    if (c.accepting && static_cast<int>(c.sessions.size()) + c.admitted < c.options.max_sessions) {
      auto* r = new SessionReactor(c, c.trust ? c.trust() : nullptr, TraceparentOf(context->client_metadata()));
      c.sessions.insert(r);
      return r;
    }
    if (!c.accepting) {
      c.metrics.refused.Add({{"reason", "draining"}}).Increment();
      return new RefusedSession(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                             "the validator is shutting down: open the session on another one"));
    }
  }
  c.metrics.refused.Add({{"reason", "over_capacity"}}).Increment();
  return new RefusedSession(grpc::Status(
      grpc::StatusCode::RESOURCE_EXHAUSTED,
      absl::StrCat("the validator is at its session limit (validator.max_sessions = ", c.options.max_sessions,
                   "): try again later")));
}

grpc::ServerUnaryReactor* ValidatorService::VerifyFiles(grpc::CallbackServerContext* context,
                                                        const v1::VerifyFilesRequest* request,
                                                        v1::EmrtdResult* response) {
  Core& c = *core_;
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (absl::MutexLock lock(&c.mu); !c.accepting) {
    reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the validator is shutting down"));
    return reactor;
  }
  // The pool runs every queued task before Shutdown() returns, so the reactor always finishes.
  auto trace = std::make_shared<DialogTrace>(TraceparentOf(context->client_metadata()), absl::Now(), "docval.verify");
  const bool queued = c.pool.TrySubmit([&c, reactor, request, response, trace] {
    const absl::Time start = absl::Now();
    emrtd::DocumentFiles files;
    files.sod.assign(request->sod().begin(), request->sod().end());
    for (const auto& [dg, bytes] : request->data_groups()) {
      files.data_groups[static_cast<int>(dg)].assign(bytes.begin(), bytes.end());
    }
    std::shared_ptr<const emrtd::TrustStore> trust = c.trust ? c.trust() : nullptr;
    const emrtd::EmrtdResult result =
        emrtd::VerifyDocumentFiles(files, trust.get(), absl::ToUnixSeconds(start), request->include_files_binary());
    trace->FilesVerified(VerifiedFilesOf(*request), {emrtd::Step::kPassiveAuthentication}, start, absl::Now(), &result);
    trace->End("result");
    *response = ToProto(result);
    reactor->Finish(grpc::Status::OK);
  });
  if (!queued) {
    c.metrics.refused.Add({{"reason", "over_capacity"}}).Increment();
    trace->End("over_capacity");
    reactor->Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "the validator's workers are busy"));
  }
  return reactor;
}

grpc::Status ValidatorService::RunAdmitted(std::function<void()> work) {
  Core& c = *core_;
  {
    absl::MutexLock lock(&c.mu);
    if (!c.accepting) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "the validator is shutting down");
    if (static_cast<int>(c.sessions.size()) + c.admitted >= c.options.max_sessions) {
      c.metrics.refused.Add({{"reason", "over_capacity"}}).Increment();
      return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                          absl::StrCat("the validator is at its session limit (validator.max_sessions = ",
                                       c.options.max_sessions, "): try again later"));
    }
    ++c.admitted;
  }
  const bool queued = c.pool.TrySubmit([&c, work = std::move(work)] {
    work();
    absl::MutexLock lock(&c.mu);
    --c.admitted;
  });
  if (queued) return grpc::Status::OK;
  absl::MutexLock lock(&c.mu);
  --c.admitted;
  c.metrics.refused.Add({{"reason", "over_capacity"}}).Increment();
  return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "the validator's workers are busy");
}

void ValidatorService::StopAccepting() {
  absl::MutexLock lock(&core_->mu);
  core_->accepting = false;
}

bool ValidatorService::WaitIdle(absl::Time deadline) {
  absl::MutexLock lock(&core_->mu);
  auto idle = [this]() ABSL_SHARED_LOCKS_REQUIRED(core_->mu) {
    return core_->sessions.empty() && core_->admitted == 0;
  };
  return core_->mu.AwaitWithDeadline(absl::Condition(&idle), deadline);
}

void ValidatorService::Shutdown() {
  std::vector<SessionReactor*> open;
  {
    absl::MutexLock lock(&core_->mu);
    core_->accepting = false;
    if (core_->stopped) return;
    core_->stopped = true;
    for (SessionReactor* r : core_->sessions) {
      if (r->TryRef()) open.push_back(r);
    }
  }
  if (!open.empty()) LogInfo("ending open sessions", {{"sessions", static_cast<int64_t>(open.size())}});
  for (SessionReactor* r : open) {
    r->Abort(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the validator shut down"), "shutting_down");
    r->Unref();
  }
  core_->pool.Shutdown();  // queued steps are dropped (their sessions ended); running ones finish
}

bool ValidatorService::Drain(absl::Duration limit) {
  StopAccepting();
  const bool drained = WaitIdle(absl::Now() + limit);
  Shutdown();
  return drained;
}

int ValidatorService::sessions() const {
  absl::MutexLock lock(&core_->mu);
  return static_cast<int>(core_->sessions.size()) + core_->admitted;
}

int ValidatorService::queued_steps() const { return core_->queued.load(); }

int ValidatorService::workers() const { return core_->worker_count; }

}  // namespace docval::validator
