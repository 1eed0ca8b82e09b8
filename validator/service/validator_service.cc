#include "validator/service/validator_service.h"

#include <deque>
#include <mutex>
#include <optional>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "absl/time/clock.h"
#include "common/logging.h"
#include "validator/result_json/result_proto.h"

namespace docval::validator {

struct ValidatorService::Metrics {
  explicit Metrics(prometheus::Registry& r)
      : sessions(prometheus::BuildCounter()
                     .Name("docval_validator_sessions_total")
                     .Help("Chip dialogs ended, by outcome (result or the failure reason)")
                     .Register(r)),
        active(prometheus::BuildGauge()
                   .Name("docval_validator_sessions_active")
                   .Help("Chip dialogs in progress")
                   .Register(r)
                   .Add({})),
        duration(prometheus::BuildHistogram()
                     .Name("docval_validator_session_duration_seconds")
                     .Help("Duration of chip dialogs")
                     .Register(r)
                     .Add({}, prometheus::Histogram::BucketBoundaries{0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60})),
        round_trips(prometheus::BuildHistogram()
                        .Name("docval_validator_round_trips")
                        .Help("Command APDUs per chip dialog")
                        .Register(r)
                        .Add({}, prometheus::Histogram::BucketBoundaries{5, 10, 15, 20, 30, 40, 60, 100, 200})) {}
  prometheus::Family<prometheus::Counter>& sessions;
  prometheus::Gauge& active;
  prometheus::Histogram& duration;
  prometheus::Histogram& round_trips;
};

namespace {

emrtd::SecureBytes Secret(const std::string& s) { return emrtd::SecureBytes(s.begin(), s.end()); }

v1::Step ToProtoStep(emrtd::Step s) {
  switch (s) {
    case emrtd::Step::kReadAtrInfo: return v1::READ_ATR_INFO;
    case emrtd::Step::kAccessControl: return v1::ACCESS_CONTROL;
    case emrtd::Step::kReadSod: return v1::READ_SOD;
    case emrtd::Step::kReadDg14: return v1::READ_DG14;
    case emrtd::Step::kChipAuthentication: return v1::CHIP_AUTHENTICATION;
    case emrtd::Step::kReadDg15: return v1::READ_DG15;
    case emrtd::Step::kActiveAuthentication: return v1::ACTIVE_AUTHENTICATION;
    case emrtd::Step::kReadDg1: return v1::READ_DG1;
    case emrtd::Step::kReadDg2: return v1::READ_DG2;
    case emrtd::Step::kReadDg7: return v1::READ_DG7;
    case emrtd::Step::kReadDg11: return v1::READ_DG11;
    case emrtd::Step::kReadDg12: return v1::READ_DG12;
    case emrtd::Step::kPassiveAuthentication: return v1::PASSIVE_AUTHENTICATION;
    case emrtd::Step::kDone: return v1::DONE;
  }
  return v1::STEP_UNSPECIFIED;
}

v1::FailureReason ToProtoReason(emrtd::FailureReason r) {
  switch (r) {
    case emrtd::FailureReason::kAccessControlFailed: return v1::ACCESS_CONTROL_FAILED;
    case emrtd::FailureReason::kEmrtdPassportReaderError: return v1::EMRTD_PASSPORT_READER_ERROR;
    case emrtd::FailureReason::kFileReadError: return v1::FILE_READ_ERROR;
    case emrtd::FailureReason::kInvalidAccessKeyValues: return v1::INVALID_ACCESS_KEY_VALUES;
    case emrtd::FailureReason::kServerError: return v1::SERVER_ERROR;
  }
  return v1::SERVER_ERROR;
}

// One reactor per stream. Locking rule: `mu_` guards the dialog and the write queue; gRPC calls
// (StartRead, StartWrite, Finish) are made after `mu_` is released, because gRPC may run reactions
// inline from inside them. Each handler collects what to do in `Actions` and performs it unlocked.
class SessionReactor final : public grpc::ServerBidiReactor<v1::SessionRequest, v1::SessionEvent> {
 public:
  SessionReactor(const ValidatorServiceOptions& options, std::shared_ptr<const emrtd::TrustStore> trust,
                 ValidatorService::Metrics& metrics)
      : trust_(std::move(trust)), metrics_(metrics), started_at_(absl::Now()) {
    config_.allow_bac_fallback = options.allow_bac_fallback;
    config_.trust_store = trust_.get();
    metrics_.active.Increment();
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    Actions a;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (finished_) return;
      if (!ok) {
        // The gateway closed its side or the call was cancelled: the session is over.
        EndLocked(grpc::Status(grpc::StatusCode::CANCELLED, "the gateway ended the session"), "cancelled", a);
      } else if (!dialog_started_) {
        if (!request_.has_start()) {
          EndLocked(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "the first message must be start"), "protocol_error", a);
        } else {
          StartDialogLocked(request_.start());
          request_.Clear();
          AfterStepLocked(a);
        }
      } else if (!request_.has_response_apdu() || !link_->awaiting_response()) {
        EndLocked(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "a response APDU arrived when none was awaited"),
                  "protocol_error", a);
      } else {
        std::string raw = std::move(*request_.mutable_response_apdu());
        request_.Clear();
        link_->Respond(emrtd::Bytes(raw.begin(), raw.end()));
        AfterStepLocked(a);
      }
    }
    Perform(a);
  }

  void OnWriteDone(bool ok) override {
    Actions a;
    {
      std::lock_guard<std::mutex> lock(mu_);
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

  void OnCancel() override {
    Actions a;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!finished_) EndLocked(grpc::Status::CANCELLED, "cancelled", a);
    }
    Perform(a);
  }

  void OnDone() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      // Free the dialog (and the secrets in its frames) before the reactor goes.
      task_ = emrtd::Task<emrtd::DialogOutcome>();
    }
    delete this;
  }

 private:
  struct Actions {
    bool read = false;
    v1::SessionEvent* write = nullptr;
    std::optional<grpc::Status> finish;
  };

  void Perform(Actions& a) {
    if (a.read) StartRead(&request_);
    if (a.write) StartWrite(a.write);
    if (a.finish) Finish(*a.finish);
  }

  void StartDialogLocked(const v1::SessionStart& start) {
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
    params_.platform = start.platform();
    params_.now_unix_seconds = absl::ToUnixSeconds(absl::Now());
    rng_ = emrtd::NewSystemRandom();
    link_ = std::make_unique<emrtd::CardLink>(params_.limits);
    task_ = emrtd::ReadDocument(*link_, params_, config_, *rng_);
    dialog_started_ = true;
    LogInfo("dialog started", {{"session_id", session_id_}});
    task_.Start();
  }

  // After the dialog ran until it suspended or finished: queue what it produced.
  void AfterStepLocked(Actions& a) {
    for (emrtd::Step s : link_->TakeSteps()) {
      v1::SessionEvent e;
      e.set_progress(ToProtoStep(s));
      queue_.push_back(std::move(e));
    }
    if (task_.done()) {
      v1::SessionEvent e;
      emrtd::DialogOutcome& outcome = task_.result();
      if (auto* result = std::get_if<emrtd::EmrtdResult>(&outcome)) {
        ToProto(*result, e.mutable_result());
        outcome_label_ = "result";
      } else {
        const emrtd::DialogFailure& f = std::get<emrtd::DialogFailure>(outcome);
        e.mutable_failure()->set_reason(ToProtoReason(f.reason));
        e.mutable_failure()->set_detail(f.detail);
        outcome_label_ = emrtd::FailureReasonName(f.reason);
        LogInfo("dialog failed", {{"session_id", session_id_}, {"reason", outcome_label_}, {"detail", f.detail}});
      }
      queue_.push_back(std::move(e));
      final_queued_ = true;
    } else {
      DOCVAL_CHECK(link_->awaiting_response());
      v1::SessionEvent e;
      const emrtd::Bytes& cmd = link_->pending_command();
      e.set_command_apdu(std::string(cmd.begin(), cmd.end()));
      queue_.push_back(std::move(e));
      a.read = true;
    }
    WriteNextLocked(a);
  }

  void WriteNextLocked(Actions& a) {
    if (writing_) return;
    if (queue_.empty()) {
      if (final_queued_) EndLocked(grpc::Status::OK, outcome_label_, a);
      return;
    }
    current_ = std::move(queue_.front());
    queue_.pop_front();
    writing_ = true;
    a.write = &current_;
  }

  void EndLocked(const grpc::Status& status, const std::string& label, Actions& a) {
    if (finished_) return;
    finished_ = true;
    metrics_.active.Decrement();
    metrics_.sessions.Add({{"outcome", label}}).Increment();
    metrics_.duration.Observe(absl::ToDoubleSeconds(absl::Now() - started_at_));
    if (link_) metrics_.round_trips.Observe(static_cast<double>(link_->round_trips()));
    a.read = false;
    a.finish = status;
  }

  std::mutex mu_;
  std::shared_ptr<const emrtd::TrustStore> trust_;
  emrtd::ReaderConfig config_;
  ValidatorService::Metrics& metrics_;
  absl::Time started_at_;
  std::string session_id_;
  emrtd::SessionParams params_;
  std::unique_ptr<emrtd::RandomSource> rng_;
  std::unique_ptr<emrtd::CardLink> link_;
  emrtd::Task<emrtd::DialogOutcome> task_;
  v1::SessionRequest request_;
  v1::SessionEvent current_;
  std::deque<v1::SessionEvent> queue_;
  std::string outcome_label_;
  bool dialog_started_ = false;
  bool writing_ = false;
  bool final_queued_ = false;
  bool finished_ = false;
};

}  // namespace

ValidatorService::ValidatorService(ValidatorServiceOptions options, TrustStoreProvider trust,
                                   prometheus::Registry& registry)
    : options_(options), trust_(std::move(trust)), metrics_(std::make_unique<Metrics>(registry)) {}

ValidatorService::~ValidatorService() = default;

grpc::ServerBidiReactor<v1::SessionRequest, v1::SessionEvent>* ValidatorService::Session(grpc::CallbackServerContext*) {
  return new SessionReactor(options_, trust_ ? trust_() : nullptr, *metrics_);
}

}  // namespace docval::validator
