#include "validator/service/validator_service.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/logging.h"
#include "validator/emrtd/auth/verify_files.h"
#include "validator/result_json/result_proto.h"
#include "validator/service/dialog_trace.h"
#include "validator/service/service_core.h"
#include "validator/service/session_proto.h"
#include "validator/service/session_reactor.h"

namespace docval::validator {

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

grpc::ServerBidiReactor<v1::SessionRequest, v1::SessionEvent>* ValidatorService::Session(
    grpc::CallbackServerContext* context) {
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
        emrtd::VerifyDocumentFiles(files, trust.get(), absl::ToUnixSeconds(start),
                                   {.limits = c.options.limits,
                                    .include_files_binary = request->include_files_binary(),
                                    .signer_keys = &c.key_cache});
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

emrtd::VerificationKeyCache& ValidatorService::signer_keys() { return core_->key_cache; }

int ValidatorService::workers() const { return core_->worker_count; }

}  // namespace docval::validator
