// Traces for one process: the configuration (`tracing.*`, the OTEL_* variables; common/config.h)
// turned into a sampler, an OTLP/HTTP exporter and the process's tracer (tracer.h).
//
// Off (a disabled tracer, no thread, no connection) when neither `tracing.traces_endpoint` nor
// `tracing.endpoint` is set. The traces URL is `traces_endpoint` as given, or `endpoint` with
// "/v1/traces" appended (one '/' between them), as the OTLP exporter specification says. Start()
// checks every value even when off, so a typo is reported before it matters: a bad URL, header list,
// sampler or ratio is kInvalidArgument naming the key and its variable (exit 2 at start-up).
#ifndef DOCVAL_COMMON_TRACING_TRACING_RUNTIME_H_
#define DOCVAL_COMMON_TRACING_TRACING_RUNTIME_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/config.h"
#include "common/tracing/otlp_exporter.h"
#include "common/tracing/tracer.h"
#include "common/http/http_client.h"

namespace docval::tracing {

// OTEL_EXPORTER_OTLP_HEADERS: comma-separated `name=value` pairs, whitespace around each trimmed, the
// value percent-decoded. kInvalidArgument for a pair without '=', an empty or invalid name, or a value
// that decodes to CR, LF or NUL. The message never repeats a value (they are usually secrets).
absl::StatusOr<http::HeaderList> ParseOtlpHeaders(absl::string_view text);

// The traces URL, or "" when tracing is off; kInvalidArgument for a URL that is not http(s).
absl::StatusOr<std::string> TracesUrl(const TracingConfig& config);

class TracingRuntime {
 public:
  // `roles` ("gateway", "gateway,validator,poster") goes into the resource (`docval.roles`) with
  // service.name and service.version; `registry` (may be null) gets the exporter's counters. Does
  // not set the global tracer: the caller does, with tracer().
  static absl::StatusOr<std::unique_ptr<TracingRuntime>> Start(const TracingConfig& config, absl::string_view roles,
                                                               absl::string_view version,
                                                               prometheus::Registry* registry);
  ~TracingRuntime();

  bool enabled() const { return exporter_ != nullptr; }
  const Tracer& tracer() const { return *tracer_; }
  const std::string& url() const { return url_; }
  std::string sampler() const { return sampler_description_; }
  // Exports what is queued within `timeout` and stops the exporter (the drain's last step).
  bool Shutdown(absl::Duration timeout);

 private:
  TracingRuntime() = default;
  std::string url_;
  std::string sampler_description_;
  std::unique_ptr<OtlpHttpExporter> exporter_;
  std::unique_ptr<Tracer> tracer_;
};

}  // namespace docval::tracing

#endif  // DOCVAL_COMMON_TRACING_TRACING_RUNTIME_H_
