#include "poster/service/deliverer.h"

#include "absl/strings/str_cat.h"
#include "base/check.h"

namespace docval::poster {

namespace {
constexpr absl::string_view kContentType = "application/json";
}  // namespace

Deliverer::Deliverer(RetryPolicy policy, http::HttpClient* http, const SigningKey* signing_key)
    : policy_(std::move(policy)), http_(http), signing_key_(signing_key) {
  DOCVAL_CHECK(http_ != nullptr);
}

absl::StatusOr<http::HttpRequest> Deliverer::BuildRequest(const DeliveryJob& job, absl::Time now,
                                                    absl::Duration timeout) const {
  http::HttpRequest req;
  req.url = job.url;
  req.timeout = timeout;
  req.body = job.body;
  req.headers.reserve(job.headers.size() + 4);
  req.headers.emplace_back("Content-Type", std::string(kContentType));
  for (const auto& h : job.headers) req.headers.push_back(h);
  if (signing_key_ == nullptr) {
    req.headers.emplace_back("Content-Digest", ContentDigest(job.body));
    return req;
  }
  SignedRequestParts parts;
  parts.method = "POST";
  parts.target_uri = job.url;
  parts.content_type = std::string(kContentType);
  parts.body = job.body;
  parts.created = now;
  absl::StatusOr<SignatureHeaders> sig = SignRequest(*signing_key_, parts);
  if (!sig.ok()) return sig.status();
  req.headers.emplace_back("Content-Digest", std::move(sig->content_digest));
  req.headers.emplace_back("Signature-Input", std::move(sig->signature_input));
  req.headers.emplace_back("Signature", std::move(sig->signature));
  return req;
}

DeliveryResult Deliverer::Deliver(const DeliveryJob& job, const Env& env) const {
  DeliveryResult result;
  for (;;) {
    if (env.cancelled()) {
      result.stop = DeliveryStop::kCancelled;
      result.error = absl::StrCat("cancelled after ", result.attempts, " attempts");
      return result;
    }
    const absl::Time start = env.now();
    const absl::Duration timeout = policy_.AttemptTimeout(start, job.deadline);
    if (timeout <= absl::ZeroDuration()) {
      result.stop = DeliveryStop::kOutOfTime;
      result.error = result.attempts == 0
                         ? "deadline exceeded before the first attempt"
                         : absl::StrCat("deadline exceeded after ", result.attempts, " attempts");
      return result;
    }
    absl::StatusOr<http::HttpRequest> req = BuildRequest(job, start, timeout);
    if (!req.ok()) {
      result.stop = DeliveryStop::kNotBuildable;
      result.error = absl::StrCat("cannot sign the request: ", req.status().message());
      return result;
    }
    ++result.attempts;
    absl::StatusOr<http::HttpResponse> response = http_->Post(*req, env.cancelled);
    const absl::Time end = env.now();
    AttemptOutcome outcome =
        response.ok() ? AttemptOutcome::Http(response->status, response->Header("Retry-After"))
                      : AttemptOutcome::Error(response.status());
    if (response.ok()) result.last_http_status = response->status;
    if (env.on_attempt) env.on_attempt(result.attempts, outcome, end - start);
    if (!response.ok() && response.status().code() == absl::StatusCode::kCancelled &&
        env.cancelled()) {
      result.stop = DeliveryStop::kCancelled;
      result.error = absl::StrCat("cancelled during attempt ", result.attempts);
      return result;
    }
    RetryDecision decision =
        policy_.Next(result.attempts, outcome, end, job.deadline, env.random01());
    switch (decision.action) {
      case RetryDecision::Action::kDelivered:
        result.stop = DeliveryStop::kDelivered;
        result.delivered = true;
        result.error.clear();
        return result;
      case RetryDecision::Action::kGiveUp:
        switch (decision.give_up) {
          case RetryDecision::GiveUp::kFinal:
            result.stop = DeliveryStop::kRejected;
            break;
          case RetryDecision::GiveUp::kAttemptsExhausted:
            result.stop = DeliveryStop::kAttemptsExhausted;
            break;
          case RetryDecision::GiveUp::kOutOfTime:
            result.stop = DeliveryStop::kOutOfTime;
            break;
        }
        result.error = std::move(decision.reason);
        return result;
      case RetryDecision::Action::kRetry:
        if (!env.sleep(decision.delay)) {
          result.stop = DeliveryStop::kCancelled;
          result.error = absl::StrCat("cancelled after ", result.attempts, " attempts");
          return result;
        }
        break;
    }
  }
}

}  // namespace docval::poster
