#include "gateway/ws/session_trace.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/time/clock.h"
#include "common/tracing/tracer.h"

namespace docval::gateway {
namespace {

constexpr char kScope[] = "docval.gateway";

// Upper case, as the diagnostics log channel writes them.
std::string Hex(absl::string_view bytes) { return absl::AsciiStrToUpper(absl::BytesToHexString(bytes)); }

}  // namespace

void SessionTrace::Start(absl::string_view traceparent_header, absl::Time opened_at, absl::string_view protocol) {
  const tracing::Tracer& tracer = tracing::GlobalTracer();
  if (!tracer.enabled()) return;
  absl::StatusOr<tracing::SpanContext> parent = tracing::ParseTraceparent(traceparent_header);
  span_ = tracer.StartSpan(kScope, "docval.session", tracing::SpanKind::kServer, parent.ok() ? &*parent : nullptr,
                           opened_at);
  span_.SetAttribute("docval.protocol", protocol);
}

void SessionTrace::Started(absl::string_view protocol, absl::string_view platform, bool diagnostics_requested) {
  diagnostics_ = diagnostics_requested && tracing::GlobalTracer().DiagnosticsAllowed();
  span_.SetAttribute("docval.protocol", protocol);
  if (!platform.empty()) span_.SetAttribute("docval.platform", platform);
  span_.SetAttribute("docval.diagnostics", diagnostics_);
}

void SessionTrace::File(absl::string_view name, size_t bytes) {
  ++files_;
  file_bytes_ += static_cast<int64_t>(bytes);
  if (span_.recording()) span_.AddEvent("file", {{"file", std::string(name)}, {"bytes", static_cast<int64_t>(bytes)}});
}

void SessionTrace::Command(absl::string_view apdu) {
  ++round_trips_;
  if (!diagnostics_ || !span_.recording()) return;
  command_at_ = absl::Now();
  span_.AddEvent("command", {{"header", Hex(apdu.substr(0, 4))}, {"bytes", static_cast<int64_t>(apdu.size())}},
                 command_at_);
}

void SessionTrace::Response(absl::string_view apdu) {
  if (!diagnostics_ || !span_.recording()) return;
  const absl::Time now = absl::Now();
  span_.AddEvent("response",
                 {{"sw", apdu.size() >= 2 ? Hex(apdu.substr(apdu.size() - 2)) : std::string()},
                  {"bytes", static_cast<int64_t>(apdu.size())},
                  {"ms", absl::ToDoubleMilliseconds(now - command_at_)}},
                 now);
}

void SessionTrace::Status(absl::string_view step) {
  if (span_.recording()) span_.AddEvent("status", {{"step", std::string(step)}});
}

std::string SessionTrace::Traceparent() const {
  return span_.context().valid() ? tracing::FormatTraceparent(span_.context()) : std::string();
}

void SessionTrace::Closing(absl::string_view outcome, int close_code) {
  if (!outcome_.empty()) return;
  outcome_ = std::string(outcome);
  close_code_ = close_code;
}

void SessionTrace::Answered(absl::string_view outcome, int http_status) {
  if (!outcome_.empty()) return;
  outcome_ = std::string(outcome);
  http_status_ = http_status;
}

void SessionTrace::End(absl::Time opened_at) {
  if (!span_.recording()) return;
  const absl::Time now = absl::Now();
  const std::string outcome = outcome_.empty() ? "connection_lost" : outcome_;
  span_.SetAttribute("docval.outcome", outcome);
  if (http_status_ >= 0) {
    span_.SetAttribute("http.response.status_code", http_status_);
  } else {
    span_.SetAttribute("docval.close_code", close_code_);
  }
  span_.SetAttribute("docval.round_trips", round_trips_);
  if (files_ > 0) {
    span_.SetAttribute("docval.files", files_);
    span_.SetAttribute("docval.files.bytes", file_bytes_);
  }
  span_.SetAttribute("docval.bytes_to_client", bytes_out_);
  span_.SetAttribute("docval.bytes_from_client", bytes_in_);
  span_.SetAttribute("docval.duration_s", absl::ToDoubleSeconds(now - opened_at));
  span_.SetStatus(outcome == "success" ? tracing::StatusCode::kOk : tracing::StatusCode::kError, outcome);
  span_.End(now);
}

}  // namespace docval::gateway
