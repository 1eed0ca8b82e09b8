#include "validator/service/session_reactor.h"

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/time/clock.h"
#include "base/check.h"
#include "common/logging.h"
#include "validator/result_json/result_proto.h"
#include "validator/service/service_core.h"
#include "validator/service/session_proto.h"

namespace docval::validator {

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

SessionReactor::SessionReactor(ValidatorService::Core& core, std::shared_ptr<const emrtd::TrustStore> trust,
                               absl::string_view traceparent)
    : core_(core), trust_(std::move(trust)), started_at_(absl::Now()), trace_(traceparent, started_at_) {
  config_.allow_bac_fallback = core_.options.allow_bac_fallback;
  config_.limits = core_.options.limits;
  config_.trust_store = trust_.get();
  config_.group_cache = &core_.group_cache;
  config_.signer_key_cache = &core_.key_cache;
  core_.metrics.active.Increment();
  StartRead(&request_);  // held back by gRPC until the reactor is bound
}

SessionReactor::~SessionReactor() {
  // Free the dialog (and the secrets in its frames) before what its frames refer to.
  task_ = emrtd::Task<emrtd::DialogOutcome>();
}

void SessionReactor::OnReadDone(bool ok) {
  Actions a;
  {
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    if (!ok) {
      // The gateway closed its side or the call was cancelled: the session is over.
      EndLocked(grpc::Status(grpc::StatusCode::CANCELLED, "the gateway ended the session"), "cancelled", a);
    } else if (!dialog_started_) {
      if (!request_.has_start()) {
        EndLocked(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "the first message must be start"), "protocol_error",
                  a);
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

void SessionReactor::OnWriteDone(bool ok) {
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

void SessionReactor::OnCancel() { Abort(grpc::Status::CANCELLED, "cancelled"); }

void SessionReactor::OnDone() { Unref(); }

void SessionReactor::Abort(const grpc::Status& status, const std::string& label) {
  Actions a;
  {
    absl::MutexLock lock(&mu_);
    if (!finished_) EndLocked(status, label, a);
  }
  Perform(a);
}

bool SessionReactor::TryRef() {
  absl::MutexLock lock(&mu_);
  if (refs_ == 0) return false;
  ++refs_;
  return true;
}

void SessionReactor::Unref() {
  bool last = false;
  {
    absl::MutexLock lock(&mu_);
    last = --refs_ == 0;
  }
  if (!last) return;
  core_.Unregister(this);
  delete this;
}

void SessionReactor::CountOpsLocked(Actions& a) {
  if ((a.read || a.write) && !a.counted) {
    ++ops_in_flight_;
    a.counted = true;
  }
}

void SessionReactor::Perform(Actions& a) {
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

void SessionReactor::PrepareDialogLocked(const v1::SessionStart& start) {
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

void SessionReactor::QueueStepLocked(Actions& a) {
  ++refs_;  // released by the step
  a.step = true;
}

bool SessionReactor::SubmitStep() {
  core_.queued.fetch_add(1);
  core_.metrics.queued_steps.Increment();
  if (core_.pool.TrySubmit([this] { RunStep(); })) return true;
  core_.queued.fetch_sub(1);
  core_.metrics.queued_steps.Decrement();
  return false;
}

void SessionReactor::RunStep() {
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

std::vector<v1::SessionEvent> SessionReactor::CollectEvents() {
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
      LogInfo("v2 chip authentication",
              {{"session_id", session_id_}, {"check", v1::CheckResult_Name(p->check_result())}, {"detail", o.detail}});
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

void SessionReactor::WriteNextLocked(Actions& a) {
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

void SessionReactor::EndLocked(const grpc::Status& status, const std::string& label, Actions& a) {
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

}  // namespace docval::validator
