#include "poster/service/delivery_trace.h"

#include "absl/time/clock.h"
#include "common/tracing/tracer.h"
#include "poster/service/poster_metrics.h"

namespace docval::poster {
namespace {

constexpr char kScope[] = "docval.poster";

}  // namespace

DeliveryTrace::DeliveryTrace(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata, absl::Time arrived) {
  const tracing::Tracer& tracer = tracing::GlobalTracer();
  if (!tracer.enabled()) return;
  auto it = metadata.find(tracing::kTraceparentHeader);
  absl::StatusOr<tracing::SpanContext> parent =
      it == metadata.end() ? absl::StatusOr<tracing::SpanContext>(absl::NotFoundError("none"))
                           : tracing::ParseTraceparent(absl::string_view(it->second.data(), it->second.size()));
  absl::MutexLock lock(&mu_);
  span_ = tracer.StartSpan(kScope, "docval.delivery", tracing::SpanKind::kServer, parent.ok() ? &*parent : nullptr,
                           arrived);
}

void DeliveryTrace::Attempt(int n, const AttemptOutcome& outcome, absl::Duration took) {
  absl::MutexLock lock(&mu_);
  if (!span_.recording()) return;
  const absl::Time now = absl::Now();
  tracing::Span a = tracing::GlobalTracer().StartSpan(kScope, "docval.delivery_attempt", tracing::SpanKind::kClient,
                                                      &span_.context(), now - took);
  const std::string label = AttemptLabel(outcome);
  a.SetAttribute("docval.attempt", n);
  a.SetAttribute("http.response.status_code", outcome.http_status);
  a.SetAttribute("docval.result", label);
  const AttemptClass c = Classify(outcome);
  if (c == AttemptClass::kRetryable) {
    a.SetAttribute("docval.retry_reason", label);
    if (!outcome.retry_after.empty()) a.SetAttribute("docval.retry_after", outcome.retry_after);
  }
  a.SetStatus(c == AttemptClass::kSuccess ? tracing::StatusCode::kOk : tracing::StatusCode::kError, label);
  a.End(now);
}

void DeliveryTrace::End(absl::string_view outcome_label, int attempts) {
  absl::MutexLock lock(&mu_);
  if (!span_.recording()) return;
  span_.SetAttribute("docval.outcome", outcome_label);
  span_.SetAttribute("docval.attempts", attempts);
  span_.SetStatus(outcome_label == "delivered" ? tracing::StatusCode::kOk : tracing::StatusCode::kError, outcome_label);
  span_.End();
}

}  // namespace docval::poster
