#include "common/tracing/tracing_runtime.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/status_macros.h"

namespace docval::tracing {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = absl::ascii_tolower(static_cast<unsigned char>(c));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

absl::StatusOr<std::string> PercentDecode(absl::string_view v, size_t pair) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] != '%') {
      out.push_back(v[i]);
      continue;
    }
    int hi = i + 2 < v.size() ? HexDigit(v[i + 1]) : -1;
    int lo = i + 2 < v.size() ? HexDigit(v[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("OTEL_EXPORTER_OTLP_HEADERS (tracing.headers): entry ", pair, ": bad percent-encoding"));
    }
    out.push_back(static_cast<char>(hi << 4 | lo));
    i += 2;
  }
  return out;
}

}  // namespace

absl::StatusOr<http::HeaderList> ParseOtlpHeaders(absl::string_view text) {
  http::HeaderList out;
  if (absl::StripAsciiWhitespace(text).empty()) return out;
  size_t n = 0;
  for (absl::string_view pair : absl::StrSplit(text, ',')) {
    ++n;
    pair = absl::StripAsciiWhitespace(pair);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    const std::string where = absl::StrCat("OTEL_EXPORTER_OTLP_HEADERS (tracing.headers): entry ", n);
    if (eq == absl::string_view::npos) return absl::InvalidArgumentError(absl::StrCat(where, ": must be name=value"));
    std::string name(absl::StripAsciiWhitespace(pair.substr(0, eq)));
    ASSIGN_OR_RETURN(std::string value, PercentDecode(absl::StripAsciiWhitespace(pair.substr(eq + 1)), n));
    if (name.empty() || !http::IsValidHeader(name, value)) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": not a valid HTTP header name and value"));
    }
    out.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

absl::StatusOr<std::string> TracesUrl(const TracingConfig& config) {
  std::string url;
  const char* key = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (tracing.traces_endpoint)";
  if (!config.traces_endpoint.empty()) {
    url = config.traces_endpoint;
  } else if (!config.endpoint.empty()) {
    key = "OTEL_EXPORTER_OTLP_ENDPOINT (tracing.endpoint)";
    absl::string_view base = config.endpoint;
    while (absl::ConsumeSuffix(&base, "/")) {
    }
    url = absl::StrCat(base, "/v1/traces");
  } else {
    return std::string();
  }
  absl::StatusOr<std::string> normalized = http::NormalizeUrl(url);
  if (!normalized.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(key, ": must be an http:// or https:// URL"));
  }
  return *normalized;
}

absl::StatusOr<std::unique_ptr<TracingRuntime>> TracingRuntime::Start(const TracingConfig& config,
                                                                      absl::string_view roles,
                                                                      absl::string_view version,
                                                                      prometheus::Registry* registry) {
  ASSIGN_OR_RETURN(Sampler sampler, Sampler::Create(config.sampler, config.sampler_arg));
  ASSIGN_OR_RETURN(http::HeaderList headers, ParseOtlpHeaders(config.headers));
  ASSIGN_OR_RETURN(std::string url, TracesUrl(config));
  auto rt = std::unique_ptr<TracingRuntime>(new TracingRuntime());
  rt->url_ = url;
  rt->sampler_description_ = sampler.Description();
  if (url.empty()) {
    rt->tracer_ = std::make_unique<Tracer>();
    return rt;
  }
  http::HttpClientOptions http;
  http.user_agent = "docval-otlp";
  ASSIGN_OR_RETURN(std::unique_ptr<http::CurlHttpClient> client, http::CurlHttpClient::Create(http));
  OtlpExporterOptions options;
  options.url = url;
  options.headers = std::move(headers);
  options.resource = {
      {"service.name", config.service_name.empty() ? std::string("docval") : config.service_name},
      {"service.version", std::string(version)},
      {"docval.roles", std::string(roles)},
  };
  options.max_queued_spans = static_cast<size_t>(config.max_queued_spans);
  options.schedule_delay = config.schedule_delay;
  options.export_timeout = config.export_timeout;
  rt->exporter_ = std::make_unique<OtlpHttpExporter>(std::move(options), std::move(client), registry);
  rt->tracer_ = std::make_unique<Tracer>(std::move(sampler), rt->exporter_.get(), config.allow_diagnostics);
  return rt;
}

TracingRuntime::~TracingRuntime() { Shutdown(absl::ZeroDuration()); }

bool TracingRuntime::Shutdown(absl::Duration timeout) { return exporter_ == nullptr || exporter_->Shutdown(timeout); }

}  // namespace docval::tracing
