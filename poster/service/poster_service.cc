#include "poster/service/poster_service.h"

#include <cstdio>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/check.h"
#include "nlohmann/json.hpp"
#include "poster/service/delivery_trace.h"
#include "prometheus/registry.h"

namespace docval::poster {

using docval::v1::DeliveryOutcome;
using docval::v1::DeliveryReport;
using docval::v1::DeliveryRequest;

// Why a delivery was cancelled; the first cause wins.
enum class CancelCause { kNone, kCaller, kDeadline, kShutdown };

// Cancellation of one delivery: by the caller or the call's deadline (OnCancel) or by Shutdown().
class PosterService::CancelToken {
 public:
  void Cancel(CancelCause cause) {
    absl::MutexLock lock(&mu_);
    if (cause_ == CancelCause::kNone) cause_ = cause;
  }
  CancelCause cause() const {
    absl::MutexLock lock(&mu_);
    return cause_;
  }
  bool cancelled() const { return cause() != CancelCause::kNone; }
  // Waits `d`; false when cancelled before or meanwhile.
  bool SleepFor(absl::Duration d) const {
    absl::MutexLock lock(&mu_);
    auto cancelled = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return cause_ != CancelCause::kNone;
    };
    mu_.AwaitWithTimeout(absl::Condition(&cancelled), d);
    return cause_ == CancelCause::kNone;
  }

 private:
  mutable absl::Mutex mu_;
  CancelCause cause_ ABSL_GUARDED_BY(mu_) = CancelCause::kNone;
};

class PosterService::Reactor : public grpc::ServerUnaryReactor {
 public:
  Reactor(DestinationScheduler* scheduler, absl::Time call_deadline)
      : scheduler_(scheduler), call_deadline_(call_deadline), token_(std::make_shared<CancelToken>()) {}

  // gRPC reports a passed deadline as a cancellation too; the clock tells them apart.
  void OnCancel() override {
    token_->Cancel(absl::Now() >= call_deadline_ ? CancelCause::kDeadline : CancelCause::kCaller);
    uint64_t ticket;
    {
      absl::MutexLock lock(&mu_);
      ticket = ticket_;
    }
    // A delivery still waiting for its destination ends now, not when a slot frees up.
    if (ticket != 0) scheduler_->Cancel(ticket);
  }
  void OnDone() override { delete this; }

  // Called by Deliver once the scheduler accepted the delivery (the reactor lives at least until
  // Deliver returns). Closes the race with an OnCancel that came before the ticket was known.
  void SetTicket(uint64_t ticket) {
    {
      absl::MutexLock lock(&mu_);
      ticket_ = ticket;
    }
    if (token_->cancelled()) scheduler_->Cancel(ticket);
  }

  const std::shared_ptr<CancelToken>& token() const { return token_; }

 private:
  DestinationScheduler* const scheduler_;
  const absl::Time call_deadline_;
  const std::shared_ptr<CancelToken> token_;
  absl::Mutex mu_;
  uint64_t ticket_ ABSL_GUARDED_BY(mu_) = 0;
};

// One accepted delivery, shared by the scheduler's run and drop callbacks (exactly one runs).
struct PosterService::Call {
  Reactor* reactor;
  const DeliveryRequest* request;
  DeliveryReport* report;
  Target target;
  absl::Time deadline;       // when the poster stops trying
  bool call_deadline_binds;  // `deadline` comes from the call's deadline, not max_delivery_time
  absl::Time arrived;
  std::shared_ptr<CancelToken> token;
  std::unique_ptr<DeliveryTrace> trace;  // the delivery's spans (docs/operations.md, "Traces")
};

namespace {

bool IsReservedHeader(absl::string_view name) {
  static constexpr absl::string_view kReserved[] = {
      "content-type", "content-length", "content-digest", "signature", "signature-input",
      "host",         "connection",     "keep-alive",     "transfer-encoding", "te",
      "trailer",      "upgrade",        "expect"};
  for (absl::string_view r : kReserved) {
    if (absl::EqualsIgnoreCase(name, r)) return true;
  }
  return absl::StartsWithIgnoreCase(name, "proxy-");
}

double DefaultRandom01() {
  thread_local absl::BitGen gen;
  return absl::Uniform(gen, 0.0, 1.0);
}

void StderrLog(absl::string_view line) {
  std::string out = absl::StrCat(line, "\n");
  std::fwrite(out.data(), 1, out.size(), stderr);
}

void EmitLog(const std::function<void(absl::string_view)>& sink, const DeliveryRequest& request,
             absl::string_view event, nlohmann::json fields) {
  nlohmann::json line = {
      {"ts", absl::FormatTime(absl::RFC3339_full, absl::Now(), absl::UTCTimeZone())},
      {"component", "poster"},
      {"event", std::string(event)},
      {"session_id", request.session_id()},
  };
  line.update(fields);
  sink(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace

http::HeaderList ForwardableHeaders(const google::protobuf::RepeatedPtrField<docval::v1::Header>& headers,
                              std::vector<std::string>* dropped) {
  http::HeaderList out;
  for (const auto& h : headers) {
    if (IsReservedHeader(h.name()) || !http::IsValidHeader(h.name(), h.value())) {
      if (dropped != nullptr) {
        // The name only (values may be credentials); invalid names are not echoed.
        bool printable_token = http::IsValidHeader(h.name(), "");
        dropped->push_back(printable_token ? h.name() : "<invalid>");
      }
      continue;
    }
    out.emplace_back(h.name(), h.value());
  }
  return out;
}

absl::StatusOr<std::unique_ptr<PosterService>> PosterService::Create(PosterOptions options,
                                                                     BodyBuilder body_builder,
                                                                     prometheus::Registry& registry,
                                                                     PosterDeps deps) {
  if (!body_builder) return absl::InvalidArgumentError("poster: no body builder");
  if (std::string e = SchedulerOptionsError(options.scheduling); !e.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("poster: delivery limits: ", e));
  }
  if (options.retry.max_attempts < 1 || options.retry.attempt_timeout <= absl::ZeroDuration() ||
      options.retry.max_backoff < options.retry.initial_backoff ||
      options.retry.initial_backoff < absl::ZeroDuration() ||
      options.retry.backoff_multiplier < 1.0 ||
      options.retry.min_attempt_time < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("poster: invalid retry options");
  }
  if (options.reply_margin < absl::ZeroDuration() ||
      options.max_delivery_time <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("poster: invalid time limits");
  }
  absl::flat_hash_map<std::string, Target> targets;
  absl::flat_hash_set<std::string> destination_set;
  for (const auto& [client_id, url] : options.result_server_urls) {
    absl::StatusOr<std::string> normalized = http::NormalizeUrl(url);
    absl::StatusOr<std::string> destination =
        normalized.ok() ? http::UrlDestination(*normalized) : normalized.status();
    if (!destination.ok()) {
      // Client ids are access keys: only a short prefix is named.
      return absl::InvalidArgumentError(
          absl::StrCat("poster: Result Server URL for client id \"", client_id.substr(0, 3),
                       "...\": ", destination.status().message()));
    }
    destination_set.insert(*destination);
    targets.emplace(client_id, Target{*std::move(normalized), *std::move(destination)});
  }
  for (const auto& [destination, limits] : options.scheduling.destinations) {
    if (!destination_set.contains(destination)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "poster: delivery limits for \"", destination,
          "\": no configured Result Server URL has this host (write host, or host:port when the "
          "URL names a port)"));
    }
  }
  std::unique_ptr<SigningKey> key;
  if (!options.signing_key_path.empty()) {
    absl::StatusOr<SigningKey> loaded =
        SigningKey::LoadFile(options.signing_key_path, options.signing_key_id);
    if (!loaded.ok()) return loaded.status();
    key = std::make_unique<SigningKey>(*std::move(loaded));
  } else if (!options.signing_key_id.empty()) {
    return absl::InvalidArgumentError("poster: a signing key id is set but no signing key");
  }
  if (!deps.http) {
    absl::StatusOr<std::unique_ptr<http::CurlHttpClient>> http = http::CurlHttpClient::Create(
        {.ca_bundle_path = options.ca_bundle_path,
         .max_response_body_bytes = options.max_response_body_bytes});
    if (!http.ok()) return http.status();
    deps.http = *std::move(http);
  }
  if (!deps.random01) deps.random01 = &DefaultRandom01;
  if (!deps.log) deps.log = &StderrLog;
  std::vector<std::string> destinations(destination_set.begin(), destination_set.end());
  std::sort(destinations.begin(), destinations.end());
  auto metrics = std::make_unique<PosterMetrics>(registry, destinations);
  return std::unique_ptr<PosterService>(new PosterService(std::move(options), std::move(body_builder),
                                                          std::move(deps), std::move(key),
                                                          std::move(targets), std::move(metrics)));
}

PosterService::PosterService(PosterOptions options, BodyBuilder body_builder, PosterDeps deps,
                             std::unique_ptr<SigningKey> key,
                             absl::flat_hash_map<std::string, Target> targets,
                             std::unique_ptr<PosterMetrics> metrics)
    : options_(std::move(options)),
      body_builder_(std::move(body_builder)),
      deps_(std::move(deps)),
      key_(std::move(key)),
      targets_(std::move(targets)),
      metrics_(std::move(metrics)),
      deliverer_(RetryPolicy(options_.retry), deps_.http.get(), key_.get()),
      scheduler_(options_.scheduling,
                 [m = metrics_.get()](const std::string& destination, size_t waiting, int running) {
                   m->Depth(destination, waiting, running);
                 }) {}

PosterService::~PosterService() { Shutdown(); }

std::string PosterService::signing_key_id() const { return key_ ? key_->key_id() : ""; }

void PosterService::StopAccepting() { scheduler_.StopAccepting(); }

bool PosterService::WaitIdle(absl::Time deadline) { return scheduler_.WaitIdle(deadline); }

void PosterService::Shutdown() {
  scheduler_.StopAccepting();
  {
    absl::MutexLock lock(&mu_);
    shutting_down_ = true;
    for (CancelToken* t : active_) t->Cancel(CancelCause::kShutdown);
  }
  scheduler_.Shutdown();  // drops what waits (SHUTTING_DOWN), joins the running deliveries
}

bool PosterService::Drain(absl::Duration limit) {
  StopAccepting();
  const bool drained = WaitIdle(absl::Now() + limit);
  Shutdown();
  return drained;
}

void PosterService::Unregister(CancelToken* token) {
  absl::MutexLock lock(&mu_);
  active_.erase(token);
}

grpc::ServerUnaryReactor* PosterService::Deliver(grpc::CallbackServerContext* context,
                                                 const DeliveryRequest* request,
                                                 DeliveryReport* report) {
  const absl::Time arrived = absl::Now();
  const auto chrono_deadline = context->deadline();
  const absl::Time call_deadline = chrono_deadline == std::chrono::system_clock::time_point::max()
                                       ? absl::InfiniteFuture()
                                       : absl::FromChrono(chrono_deadline);
  auto* reactor = new Reactor(&scheduler_, call_deadline);

  auto it = targets_.find(request->client_id());
  if (it == targets_.end()) {
    report->set_delivered(false);
    report->set_attempts(0);
    report->set_error("unknown client id: no Result Server configured");
    report->set_outcome(v1::NOT_CONFIGURED);
    Finish(reactor, *request, *report, kNoDestination, OutcomeLabel(v1::NOT_CONFIGURED), arrived,
           grpc::Status::OK);
    return reactor;
  }

  auto call = std::make_shared<Call>();
  call->reactor = reactor;
  call->request = request;
  call->report = report;
  call->target = it->second;
  call->arrived = arrived;
  call->trace = std::make_unique<DeliveryTrace>(context->client_metadata(), arrived);
  call->token = reactor->token();
  call->deadline = arrived + options_.max_delivery_time;
  call->call_deadline_binds = call_deadline - options_.reply_margin <= call->deadline;
  if (call->call_deadline_binds) call->deadline = call_deadline - options_.reply_margin;
  {
    absl::MutexLock lock(&mu_);
    active_.insert(call->token.get());
    if (shutting_down_) call->token->Cancel(CancelCause::kShutdown);
  }

  DestinationScheduler::Task task;
  task.destination = call->target.destination;
  task.expires = call->deadline;
  task.run = [this, call] { Run(call); };
  task.drop = [this, call](DestinationScheduler::Drop why) { Dropped(call, why); };
  const DestinationScheduler::Ticket ticket = scheduler_.Submit(std::move(task));
  if (ticket.admission == DestinationScheduler::Admission::kQueued) {
    reactor->SetTicket(ticket.id);
    return reactor;
  }
  Unregister(call->token.get());
  report->set_delivered(false);
  grpc::Status status;
  absl::string_view label;
  const DestinationLimits& limits = scheduler_.LimitsFor(call->target.destination);
  switch (ticket.admission) {
    case DestinationScheduler::Admission::kDestinationFull:
      label = "overloaded";
      status = grpc::Status(
          grpc::StatusCode::RESOURCE_EXHAUSTED,
          absl::StrCat("delivery queue for this Result Server is full (", limits.concurrency,
                       " running, ", limits.max_queued, " waiting); nothing was sent"));
      break;
    case DestinationScheduler::Admission::kQueueFull:
      label = "overloaded";
      status = grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                            absl::StrCat("poster delivery queue is full (",
                                         options_.scheduling.max_queued,
                                         " waiting); nothing was sent"));
      break;
    default:
      label = "unavailable";
      report->set_outcome(v1::SHUTTING_DOWN);
      status = grpc::Status(grpc::StatusCode::UNAVAILABLE,
                            "poster is draining or stopped; nothing was sent, deliver elsewhere");
      break;
  }
  Finish(reactor, *request, *report, call->target.destination, label, arrived, std::move(status));
  return reactor;
}

void PosterService::Dropped(const std::shared_ptr<Call>& call, DestinationScheduler::Drop why) {
  DeliveryReport& report = *call->report;
  report.set_delivered(false);
  report.set_attempts(0);
  switch (why) {
    case DestinationScheduler::Drop::kExpired:
      report.set_error("no attempt: no free slot for this Result Server before the deadline");
      Complete(*call, call->call_deadline_binds ? v1::DEADLINE_REACHED : v1::RETRIES_EXHAUSTED);
      return;
    case DestinationScheduler::Drop::kShutdown:
      call->token->Cancel(CancelCause::kShutdown);
      report.set_error("no attempt: the poster stopped");
      Complete(*call, v1::SHUTTING_DOWN);
      return;
    case DestinationScheduler::Drop::kCancelled:
      report.set_error("no attempt: cancelled while waiting for this Result Server");
      Complete(*call, v1::CANCELLED);  // Complete() refines by the token's cause
      return;
  }
}

void PosterService::Run(const std::shared_ptr<Call>& call) {
  const DeliveryRequest& request = *call->request;
  DeliveryReport& report = *call->report;
  const std::shared_ptr<CancelToken>& token = call->token;

  absl::StatusOr<std::string> body = body_builder_(request);
  if (!body.ok()) {
    // The builder's message could quote result data: only the code is reported.
    report.set_delivered(false);
    report.set_error(absl::StrCat("result body could not be built (",
                                  absl::StatusCodeToString(body.status().code()), ")"));
    Complete(*call, v1::NOT_CONFIGURED);
    return;
  }

  std::vector<std::string> dropped;
  DeliveryJob job;
  job.url = call->target.url;
  job.headers = ForwardableHeaders(request.forwarded_headers(), &dropped);
  job.body = *std::move(body);
  job.deadline = call->deadline;
  if (!dropped.empty()) {
    EmitLog(deps_.log, request, "forwarded_headers_dropped", {{"names", dropped}});
  }

  const std::string& destination = call->target.destination;
  Deliverer::Env env;
  env.now = [] { return absl::Now(); };
  env.sleep = [&token](absl::Duration d) { return token->SleepFor(d); };
  env.random01 = deps_.random01;
  env.cancelled = [&token] { return token->cancelled(); };
  env.on_attempt = [this, &request, &destination, trace = call->trace.get()](int n, const AttemptOutcome& o,
                                                                           absl::Duration took) {
    metrics_->Attempt(destination, o, took);
    trace->Attempt(n, o, took);
    nlohmann::json fields = {{"attempt", n},
                             {"destination", destination},
                             {"result", AttemptLabel(o)},
                             {"http_status", o.http_status},
                             {"duration_ms", absl::ToInt64Milliseconds(took)}};
    if (o.http_status == 0) fields["error"] = std::string(o.error.message());
    EmitLog(deps_.log, request, "delivery_attempt", std::move(fields));
  };

  DeliveryResult result = deliverer_.Deliver(job, env);
  report.set_delivered(result.delivered);
  report.set_attempts(static_cast<uint32_t>(result.attempts));
  report.set_last_http_status(result.last_http_status);
  report.set_error(result.error);
  DeliveryOutcome outcome = v1::RETRIES_EXHAUSTED;
  switch (result.stop) {
    case DeliveryStop::kDelivered: outcome = v1::DELIVERED; break;
    case DeliveryStop::kRejected: outcome = v1::REJECTED; break;
    case DeliveryStop::kAttemptsExhausted: outcome = v1::RETRIES_EXHAUSTED; break;
    case DeliveryStop::kOutOfTime:
      // The session's deadline, or the poster's own max_delivery_time (then it is the poster's
      // budget that ran out, not the session's).
      outcome = call->call_deadline_binds ? v1::DEADLINE_REACHED : v1::RETRIES_EXHAUSTED;
      break;
    case DeliveryStop::kCancelled: outcome = v1::CANCELLED; break;
    case DeliveryStop::kNotBuildable: outcome = v1::NOT_CONFIGURED; break;
  }
  Complete(*call, outcome);
}

void PosterService::Complete(const Call& call, DeliveryOutcome outcome) {
  Unregister(call.token.get());
  grpc::Status status = grpc::Status::OK;
  if (outcome == v1::CANCELLED) {
    switch (call.token->cause()) {
      case CancelCause::kShutdown:
        outcome = v1::SHUTTING_DOWN;  // the gateway gets the report: gRPC OK
        break;
      case CancelCause::kDeadline:
        outcome = v1::DEADLINE_REACHED;
        status = grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "call deadline passed");
        break;
      default:
        status = grpc::Status(grpc::StatusCode::CANCELLED, "delivery cancelled by the caller");
        break;
    }
  }
  call.report->set_outcome(outcome);
  if (outcome != v1::DELIVERED && call.report->error().empty()) {
    call.report->set_error(std::string(OutcomeLabel(outcome)));
  }
  call.trace->End(OutcomeLabel(outcome), static_cast<int>(call.report->attempts()));
  Finish(call.reactor, *call.request, *call.report, call.target.destination, OutcomeLabel(outcome),
         call.arrived, std::move(status));
}

void PosterService::Finish(Reactor* reactor, const DeliveryRequest& request,
                           const DeliveryReport& report, const std::string& destination,
                           absl::string_view outcome_label, absl::Time arrived,
                           grpc::Status status) {
  const absl::Duration took = absl::Now() - arrived;
  metrics_->Delivery(destination, outcome_label, took);
  EmitLog(deps_.log, request, "delivery",
          {{"outcome", std::string(outcome_label)},
           {"destination", destination},
           {"delivered", report.delivered()},
           {"attempts", report.attempts()},
           {"last_http_status", report.last_http_status()},
           {"error", status.ok() ? report.error() : status.error_message()},
           {"grpc_status", static_cast<int>(status.error_code())},
           {"duration_ms", absl::ToInt64Milliseconds(took)}});
  reactor->Finish(std::move(status));  // the last use of reactor, request and report
}

}  // namespace docval::poster
