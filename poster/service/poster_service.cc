#include "poster/service/poster_service.h"

#include <cstdio>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/check.h"
#include "nlohmann/json.hpp"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace docval::poster {

using docval::v1::DeliveryReport;
using docval::v1::DeliveryRequest;

// Cancellation of one delivery: by the caller (OnCancel) or by Shutdown().
class PosterService::CancelToken {
 public:
  void Cancel() {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
  }
  bool cancelled() const {
    absl::MutexLock lock(&mu_);
    return cancelled_;
  }
  // Waits `d`; false when cancelled before or meanwhile.
  bool SleepFor(absl::Duration d) const {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&cancelled_), d);
    return !cancelled_;
  }

 private:
  mutable absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

class PosterService::Reactor : public grpc::ServerUnaryReactor {
 public:
  Reactor() : token_(std::make_shared<CancelToken>()) {}
  void OnCancel() override { token_->Cancel(); }
  void OnDone() override { delete this; }
  const std::shared_ptr<CancelToken>& token() const { return token_; }

 private:
  std::shared_ptr<CancelToken> token_;
};

struct PosterService::Metrics {
  explicit Metrics(prometheus::Registry& registry)
      : deliveries(prometheus::BuildCounter()
                       .Name("docval_result_deliveries_total")
                       .Help("Result deliveries to Result Servers, by outcome.")
                       .Register(registry)),
        attempts(prometheus::BuildCounter()
                     .Name("docval_result_delivery_attempts_total")
                     .Help("HTTP attempts to deliver results, by result class.")
                     .Register(registry)),
        duration(prometheus::BuildHistogram()
                     .Name("docval_result_delivery_duration_seconds")
                     .Help("Time from a Deliver call's arrival to its report.")
                     .Register(registry)
                     .Add({}, prometheus::Histogram::BucketBoundaries{
                                  0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30})) {
    // Every label value exists from the start (at 0), so dashboards and alerts see them.
    for (const char* o : {"delivered", "rejected", "failed", "unknown_client", "bad_result",
                          "overloaded", "cancelled", "unavailable"}) {
      deliveries.Add({{"outcome", o}});
    }
    for (const char* r : {"1xx", "2xx", "3xx", "4xx", "5xx", "network", "timeout", "error"}) {
      attempts.Add({{"result", r}});
    }
  }
  prometheus::Family<prometheus::Counter>& deliveries;
  prometheus::Family<prometheus::Counter>& attempts;
  prometheus::Histogram& duration;
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

std::string AttemptLabel(const AttemptOutcome& o) {
  if (o.http_status > 0) {
    int cls = o.http_status / 100;
    return cls >= 1 && cls <= 5 ? absl::StrCat(cls, "xx") : "error";
  }
  switch (o.error.code()) {
    case absl::StatusCode::kDeadlineExceeded:
      return "timeout";
    case absl::StatusCode::kUnavailable:
      return "network";
    default:
      return "error";
  }
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

HeaderList ForwardableHeaders(const google::protobuf::RepeatedPtrField<docval::v1::Header>& headers,
                              std::vector<std::string>* dropped) {
  HeaderList out;
  for (const auto& h : headers) {
    if (IsReservedHeader(h.name()) || !IsValidHeader(h.name(), h.value())) {
      if (dropped != nullptr) {
        // The name only (values may be credentials); invalid names are not echoed.
        bool printable_token = IsValidHeader(h.name(), "");
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
  if (options.worker_count < 1) return absl::InvalidArgumentError("poster: worker_count < 1");
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
  absl::flat_hash_map<std::string, std::string> urls;
  for (const auto& [client_id, url] : options.result_server_urls) {
    absl::StatusOr<std::string> normalized = NormalizeUrl(url);
    if (!normalized.ok()) {
      // Client ids are access keys: only a short prefix is named.
      return absl::InvalidArgumentError(
          absl::StrCat("poster: Result Server URL for client id \"", client_id.substr(0, 3),
                       "...\": ", normalized.status().message()));
    }
    urls.emplace(client_id, *std::move(normalized));
  }
  std::unique_ptr<SigningKey> key;
  if (!options.signing_key_path.empty()) {
    absl::StatusOr<SigningKey> loaded =
        SigningKey::LoadPemFile(options.signing_key_path, options.signing_key_id);
    if (!loaded.ok()) return loaded.status();
    key = std::make_unique<SigningKey>(*std::move(loaded));
  }
  if (!deps.http) {
    absl::StatusOr<std::unique_ptr<CurlHttpClient>> http = CurlHttpClient::Create(
        {.ca_bundle_path = options.ca_bundle_path,
         .max_response_body_bytes = options.max_response_body_bytes});
    if (!http.ok()) return http.status();
    deps.http = *std::move(http);
  }
  if (!deps.random01) deps.random01 = &DefaultRandom01;
  if (!deps.log) deps.log = &StderrLog;
  auto metrics = std::make_unique<Metrics>(registry);
  return std::unique_ptr<PosterService>(new PosterService(std::move(options), std::move(body_builder),
                                                          std::move(deps), std::move(key),
                                                          std::move(urls), std::move(metrics)));
}

PosterService::PosterService(PosterOptions options, BodyBuilder body_builder, PosterDeps deps,
                             std::unique_ptr<SigningKey> key,
                             absl::flat_hash_map<std::string, std::string> urls,
                             std::unique_ptr<Metrics> metrics)
    : options_(std::move(options)),
      body_builder_(std::move(body_builder)),
      deps_(std::move(deps)),
      key_(std::move(key)),
      urls_(std::move(urls)),
      metrics_(std::move(metrics)),
      deliverer_(RetryPolicy(options_.retry), deps_.http.get(), key_.get()),
      pool_(options_.worker_count, options_.queue_size) {}

PosterService::~PosterService() { Shutdown(); }

std::string PosterService::signing_key_id() const { return key_ ? key_->key_id() : ""; }

void PosterService::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    shutting_down_ = true;
    for (CancelToken* t : active_) t->Cancel();
  }
  pool_.Shutdown();
}

bool PosterService::Register(CancelToken* token) {
  absl::MutexLock lock(&mu_);
  if (shutting_down_) return false;
  active_.insert(token);
  return true;
}

void PosterService::Unregister(CancelToken* token) {
  absl::MutexLock lock(&mu_);
  active_.erase(token);
}

grpc::ServerUnaryReactor* PosterService::Deliver(grpc::CallbackServerContext* context,
                                                 const DeliveryRequest* request,
                                                 DeliveryReport* report) {
  const absl::Time arrived = absl::Now();
  auto* reactor = new Reactor();

  auto it = urls_.find(request->client_id());
  if (it == urls_.end()) {
    report->set_delivered(false);
    report->set_attempts(0);
    report->set_error("unknown client id: no Result Server configured");
    Finish(reactor, *request, *report, "unknown_client", arrived, grpc::Status::OK);
    return reactor;
  }

  absl::Time deadline = arrived + options_.max_delivery_time;
  const auto call_deadline = context->deadline();
  if (call_deadline != std::chrono::system_clock::time_point::max()) {
    deadline = std::min(deadline, absl::FromChrono(call_deadline) - options_.reply_margin);
  }

  if (!Register(reactor->token().get())) {
    Finish(reactor, *request, *report, "unavailable", arrived,
           grpc::Status(grpc::StatusCode::UNAVAILABLE, "poster is shutting down"));
    return reactor;
  }
  std::string url = it->second;
  bool queued = pool_.TrySubmit([this, reactor, request, report, url = std::move(url), deadline,
                                 arrived]() mutable {
    Run(reactor, request, report, std::move(url), deadline, arrived);
  });
  if (!queued) {
    Unregister(reactor->token().get());
    Finish(reactor, *request, *report, "overloaded", arrived,
           grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "poster queue is full"));
  }
  return reactor;
}

void PosterService::Run(Reactor* reactor, const DeliveryRequest* request, DeliveryReport* report,
                        std::string url, absl::Time deadline, absl::Time arrived) {
  const std::shared_ptr<CancelToken> token = reactor->token();
  auto finish = [&](absl::string_view outcome, grpc::Status status) {
    Unregister(token.get());
    Finish(reactor, *request, *report, outcome, arrived, std::move(status));
  };

  absl::StatusOr<std::string> body = body_builder_(*request);
  if (!body.ok()) {
    // The builder's message could quote result data: only the code is reported.
    report->set_delivered(false);
    report->set_error(absl::StrCat("result body could not be built (",
                                   absl::StatusCodeToString(body.status().code()), ")"));
    finish("bad_result", grpc::Status::OK);
    return;
  }

  std::vector<std::string> dropped;
  DeliveryJob job;
  job.url = std::move(url);
  job.headers = ForwardableHeaders(request->forwarded_headers(), &dropped);
  job.body = *std::move(body);
  job.deadline = deadline;
  if (!dropped.empty()) {
    EmitLog(deps_.log, *request, "forwarded_headers_dropped", {{"names", dropped}});
  }

  Deliverer::Env env;
  env.now = [] { return absl::Now(); };
  env.sleep = [&token](absl::Duration d) { return token->SleepFor(d); };
  env.random01 = deps_.random01;
  env.cancelled = [&token] { return token->cancelled(); };
  env.on_attempt = [this, request](int n, const AttemptOutcome& o, absl::Duration took) {
    const std::string label = AttemptLabel(o);
    metrics_->attempts.Add({{"result", label}}).Increment();
    nlohmann::json fields = {{"attempt", n},
                             {"result", label},
                             {"http_status", o.http_status},
                             {"duration_ms", absl::ToInt64Milliseconds(took)}};
    if (o.http_status == 0) fields["error"] = std::string(o.error.message());
    EmitLog(deps_.log, *request, "delivery_attempt", std::move(fields));
  };

  DeliveryResult result = deliverer_.Deliver(job, env);
  report->set_delivered(result.delivered);
  report->set_attempts(static_cast<uint32_t>(result.attempts));
  report->set_last_http_status(result.last_http_status);
  report->set_error(result.error);

  if (result.cancelled) {
    bool shutting_down;
    {
      absl::MutexLock lock(&mu_);
      shutting_down = shutting_down_;
    }
    finish("cancelled", shutting_down
                            ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "poster is shutting down")
                            : grpc::Status(grpc::StatusCode::CANCELLED, "delivery cancelled"));
    return;
  }
  absl::string_view outcome = "failed";
  if (result.delivered) {
    outcome = "delivered";
  } else if (result.last_http_status > 0 &&
             Classify(AttemptOutcome::Http(result.last_http_status)) == AttemptClass::kFinal) {
    outcome = "rejected";
  }
  finish(outcome, grpc::Status::OK);
}

void PosterService::Finish(Reactor* reactor, const DeliveryRequest& request,
                           const DeliveryReport& report, absl::string_view outcome,
                           absl::Time arrived, grpc::Status status) {
  const absl::Duration took = absl::Now() - arrived;
  metrics_->deliveries.Add({{"outcome", std::string(outcome)}}).Increment();
  metrics_->duration.Observe(absl::ToDoubleSeconds(took));
  EmitLog(deps_.log, request, "delivery",
          {{"outcome", std::string(outcome)},
           {"delivered", report.delivered()},
           {"attempts", report.attempts()},
           {"last_http_status", report.last_http_status()},
           {"error", status.ok() ? report.error() : status.error_message()},
           {"grpc_status", static_cast<int>(status.error_code())},
           {"duration_ms", absl::ToInt64Milliseconds(took)}});
  reactor->Finish(std::move(status));  // the last use of reactor, request and report
}

}  // namespace docval::poster
