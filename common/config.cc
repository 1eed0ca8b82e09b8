#include "common/config.h"

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"

namespace docval {
namespace {

absl::Status KeyError(const std::string& key, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(key, ": ", what));
}

std::string Describe(const YAML::Node& n) {
  if (n.IsScalar()) return absl::StrCat("\"", n.Scalar(), "\"");
  if (n.IsSequence()) return "a list";
  if (n.IsMap()) return "a mapping";
  return "nothing";
}

// A number of seconds from 0 ("off") to 86400; `shown` is how an error quotes the value.
absl::StatusOr<absl::Duration> ParseSecondsOrZero(const std::string& name, const std::string& text,
                                                 const std::string& shown) {
  double v = 0;
  if (!absl::SimpleAtod(text, &v) || !(v >= 0) || v > 86400) {
    return KeyError(name, absl::StrCat("must be a number of seconds from 0 (off) to 86400, got ", shown));
  }
  return absl::Seconds(v);
}

// Walks one YAML mapping, reading known keys and rejecting unknown ones.
class MapReader {
 public:
  MapReader(const YAML::Node& node, std::string prefix) : node_(node), prefix_(std::move(prefix)) {}

  absl::Status CheckIsMap() const {
    if (!node_.IsMap()) return KeyError(Name(""), absl::StrCat("must be a mapping, got ", Describe(node_)));
    return absl::OkStatus();
  }

  std::string Name(absl::string_view key) const {
    if (prefix_.empty()) return std::string(key);
    if (key.empty()) return prefix_;
    return absl::StrCat(prefix_, ".", key);
  }

  YAML::Node Get(const char* key) {
    seen_.insert(key);
    return node_[key];
  }

  absl::Status String(const char* key, std::string& out) {
    YAML::Node n = Get(key);
    if (!n) return absl::OkStatus();
    if (!n.IsScalar()) return KeyError(Name(key), absl::StrCat("must be a string, got ", Describe(n)));
    out = n.Scalar();
    return absl::OkStatus();
  }

  absl::Status Bool(const char* key, bool& out) {
    YAML::Node n = Get(key);
    if (!n) return absl::OkStatus();
    bool v = false;
    if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v)) {
      return KeyError(Name(key), absl::StrCat("must be true or false, got ", Describe(n)));
    }
    out = v;
    return absl::OkStatus();
  }

  absl::Status Int(const char* key, int& out, int min, int max) {
    YAML::Node n = Get(key);
    if (!n) return absl::OkStatus();
    int v = 0;
    if (!n.IsScalar() || !absl::SimpleAtoi(n.Scalar(), &v) || v < min || v > max) {
      return KeyError(Name(key), absl::StrCat("must be an integer from ", min, " to ", max, ", got ", Describe(n)));
    }
    out = v;
    return absl::OkStatus();
  }

  absl::Status Seconds(const char* key, absl::Duration& out) {
    YAML::Node n = Get(key);
    if (!n) return absl::OkStatus();
    double v = 0;
    if (!n.IsScalar() || !absl::SimpleAtod(n.Scalar(), &v) || !(v > 0) || v > 86400) {
      return KeyError(Name(key),
                      absl::StrCat("must be a positive number of seconds (at most 86400), got ", Describe(n)));
    }
    out = absl::Seconds(v);
    return absl::OkStatus();
  }

  // Seconds where 0 means "off".
  absl::Status SecondsOrZero(const char* key, absl::Duration& out) {
    YAML::Node n = Get(key);
    if (!n) return absl::OkStatus();
    ASSIGN_OR_RETURN(out, ParseSecondsOrZero(Name(key), n.IsScalar() ? n.Scalar() : "", Describe(n)));
    return absl::OkStatus();
  }

  absl::Status StringList(const char* key, std::vector<std::string>& out) {
    YAML::Node n = Get(key);
    if (!n) return absl::OkStatus();
    if (n.IsScalar()) {  // a single value is a list of one
      out = {n.Scalar()};
      return absl::OkStatus();
    }
    if (!n.IsSequence()) return KeyError(Name(key), absl::StrCat("must be a list of strings, got ", Describe(n)));
    out.clear();
    for (size_t i = 0; i < n.size(); ++i) {
      if (!n[i].IsScalar()) {
        return KeyError(absl::StrCat(Name(key), "[", i, "]"), absl::StrCat("must be a string, got ", Describe(n[i])));
      }
      out.push_back(n[i].Scalar());
    }
    return absl::OkStatus();
  }

  absl::Status Sub(const char* key, const std::function<absl::Status(MapReader&)>& fn) {
    YAML::Node n = Get(key);
    if (!n) return absl::OkStatus();
    MapReader sub(n, Name(key));
    RETURN_IF_ERROR(sub.CheckIsMap());
    RETURN_IF_ERROR(fn(sub));
    return sub.RejectUnknown();
  }

  absl::Status RejectUnknown() const {
    for (const auto& kv : node_) {
      std::string k = kv.first.Scalar();
      if (!seen_.count(k)) return KeyError(Name(k), "unknown key (see docs/configuration.md)");
    }
    return absl::OkStatus();
  }

 private:
  YAML::Node node_;
  std::string prefix_;
  std::set<std::string> seen_;
};

absl::Status ReadClients(MapReader& top, Config& c) {
  YAML::Node n = top.Get("clients");
  if (!n) return absl::OkStatus();
  if (!n.IsSequence())
    return KeyError("clients", absl::StrCat("must be a list of {client_id, result_server_url}, got ", Describe(n)));
  c.clients.clear();
  for (size_t i = 0; i < n.size(); ++i) {
    MapReader r(n[i], absl::StrCat("clients[", i, "]"));
    RETURN_IF_ERROR(r.CheckIsMap());
    ClientConfig cc;
    RETURN_IF_ERROR(r.String("client_id", cc.client_id));
    RETURN_IF_ERROR(r.String("result_server_url", cc.result_server_url));
    RETURN_IF_ERROR(r.RejectUnknown());
    if (cc.client_id.empty()) return KeyError(r.Name("client_id"), "is required");
    if (cc.result_server_url.empty()) return KeyError(r.Name("result_server_url"), "is required");
    c.clients.push_back(std::move(cc));
  }
  return absl::OkStatus();
}

absl::Status ReadDelivery(MapReader& r, DeliveryConfig& d) {
  RETURN_IF_ERROR(r.Int("workers", d.workers, 1, 1024));
  RETURN_IF_ERROR(r.Int("max_queued", d.max_queued, 0, 1000000));
  RETURN_IF_ERROR(r.Sub("per_destination", [&](MapReader& t) -> absl::Status {
    RETURN_IF_ERROR(t.Int("concurrency", d.per_destination_concurrency, 1, 1024));
    return t.Int("max_queued", d.per_destination_max_queued, 0, 1000000);
  }));
  RETURN_IF_ERROR(r.Seconds("drain_s", d.drain));
  YAML::Node n = r.Get("destinations");
  if (!n) return absl::OkStatus();
  if (!n.IsSequence()) {
    return KeyError(r.Name("destinations"),
                    absl::StrCat("must be a list of {host, concurrency, max_queued}, got ", Describe(n)));
  }
  d.destinations.clear();
  for (size_t i = 0; i < n.size(); ++i) {
    MapReader e(n[i], absl::StrCat(r.Name("destinations"), "[", i, "]"));
    RETURN_IF_ERROR(e.CheckIsMap());
    DestinationLimitsConfig dl;
    RETURN_IF_ERROR(e.String("host", dl.host));
    RETURN_IF_ERROR(e.Int("concurrency", dl.concurrency, 1, 1024));
    RETURN_IF_ERROR(e.Int("max_queued", dl.max_queued, 0, 1000000));
    RETURN_IF_ERROR(e.RejectUnknown());
    if (dl.host.empty()) return KeyError(e.Name("host"), "is required");
    d.destinations.push_back(std::move(dl));
  }
  return absl::OkStatus();
}

absl::Status ReadValidator(MapReader& r, ValidatorConfig& v) {
  RETURN_IF_ERROR(r.Int("max_sessions", v.max_sessions, 1, 1000000));
  RETURN_IF_ERROR(r.Int("workers", v.workers, 0, 1024));
  RETURN_IF_ERROR(r.Seconds("max_connection_age_s", v.max_connection_age));
  YAML::Node limits = r.Get("limits");
  if (limits) {
    const std::string prefix = r.Name("limits");
    if (!limits.IsMap()) return KeyError(prefix, absl::StrCat("must be a mapping, got ", Describe(limits)));
    v.limits.clear();
    for (const auto& kv : limits) {
      const std::string key = absl::StrCat(prefix, ".", kv.first.Scalar());
      int64_t value = 0;
      if (!kv.second.IsScalar() || !absl::SimpleAtoi(kv.second.Scalar(), &value)) {
        return KeyError(key, absl::StrCat("must be an integer, got ", Describe(kv.second)));
      }
      v.limits[kv.first.Scalar()] = value;
    }
  }
  return r.Seconds("drain_s", v.drain);
}

absl::Status ReadTracing(MapReader& r, TracingConfig& t) {
  RETURN_IF_ERROR(r.String("endpoint", t.endpoint));
  RETURN_IF_ERROR(r.String("traces_endpoint", t.traces_endpoint));
  RETURN_IF_ERROR(r.String("headers", t.headers));
  RETURN_IF_ERROR(r.String("service_name", t.service_name));
  RETURN_IF_ERROR(r.String("sampler", t.sampler));
  RETURN_IF_ERROR(r.String("sampler_arg", t.sampler_arg));
  RETURN_IF_ERROR(r.Bool("allow_diagnostics", t.allow_diagnostics));
  RETURN_IF_ERROR(r.Int("max_queued_spans", t.max_queued_spans, 1, 1000000));
  RETURN_IF_ERROR(r.Seconds("schedule_delay_s", t.schedule_delay));
  return r.Seconds("export_timeout_s", t.export_timeout);
}

absl::Status ReadTop(MapReader& r, Config& c) {
  RETURN_IF_ERROR(r.String("listen", c.listen));
  RETURN_IF_ERROR(r.Sub("tls", [&](MapReader& t) -> absl::Status {
    RETURN_IF_ERROR(t.String("certificate_file", c.tls.certificate_file));
    return t.String("private_key_file", c.tls.private_key_file);
  }));
  RETURN_IF_ERROR(r.String("validator_address", c.validator_address));
  RETURN_IF_ERROR(r.String("poster_address", c.poster_address));
  RETURN_IF_ERROR(ReadClients(r, c));
  RETURN_IF_ERROR(r.Sub("timeouts", [&](MapReader& t) -> absl::Status {
    RETURN_IF_ERROR(t.Seconds("start_message_s", c.timeouts.start_message));
    RETURN_IF_ERROR(t.Seconds("response_s", c.timeouts.response));
    RETURN_IF_ERROR(t.Seconds("session_s", c.timeouts.session));
    RETURN_IF_ERROR(t.Seconds("write_s", c.timeouts.write));
    RETURN_IF_ERROR(t.Seconds("close_s", c.timeouts.close));
    RETURN_IF_ERROR(t.Seconds("http_request_s", c.timeouts.http_request));
    return t.Seconds("http_keep_alive_s", c.timeouts.http_keep_alive);
  }));
  RETURN_IF_ERROR(r.Sub("limits", [&](MapReader& t) -> absl::Status {
    RETURN_IF_ERROR(t.Int("max_sessions", c.limits.max_sessions, 1, 1000000));
    RETURN_IF_ERROR(t.Int("max_connections", c.limits.max_connections, 1, 10000000));
    return t.Int("max_sessions_per_client", c.limits.max_sessions_per_client, 1, 1000000);
  }));
  RETURN_IF_ERROR(r.Sub("handshake_authorization", [&](MapReader& t) -> absl::Status {
    RETURN_IF_ERROR(t.Bool("enabled", c.handshake_authorization));
    return t.StringList("tokens", c.handshake_tokens);
  }));
  RETURN_IF_ERROR(r.StringList("forwarded_headers", c.forwarded_headers));
  RETURN_IF_ERROR(r.Bool("include_binary_files", c.include_binary_files));
  RETURN_IF_ERROR(r.String("server_name", c.server_name));
  RETURN_IF_ERROR(r.Int("io_threads", c.io_threads, 1, 64));
  RETURN_IF_ERROR(r.Bool("dev_result_server", c.dev_result_server));
  RETURN_IF_ERROR(r.String("validator_listen", c.validator_listen));
  RETURN_IF_ERROR(r.Sub("trust", [&](MapReader& t) -> absl::Status {
    RETURN_IF_ERROR(t.StringList("csca", c.trust.csca));
    RETURN_IF_ERROR(t.String("crl_expired", c.trust.crl_expired));
    RETURN_IF_ERROR(t.SecondsOrZero("reload_interval_s", c.trust.reload_interval));
    return t.StringList("crl", c.trust.crl);
  }));
  RETURN_IF_ERROR(r.Bool("allow_bac_fallback", c.allow_bac_fallback));
  RETURN_IF_ERROR(r.Sub("validator", [&](MapReader& t) { return ReadValidator(t, c.validator); }));
  RETURN_IF_ERROR(r.String("poster_listen", c.poster_listen));
  RETURN_IF_ERROR(r.Sub("signing", [&](MapReader& t) -> absl::Status {
    RETURN_IF_ERROR(t.String("key_path", c.signing_key_path));
    return t.String("key_id", c.signing_key_id);
  }));
  RETURN_IF_ERROR(r.String("result_server_ca_file", c.result_server_ca_file));
  RETURN_IF_ERROR(r.Sub("delivery", [&](MapReader& t) { return ReadDelivery(t, c.delivery); }));
  RETURN_IF_ERROR(r.String("metrics_listen", c.metrics_listen));
  RETURN_IF_ERROR(r.Sub("internal_tls", [&](MapReader& t) -> absl::Status {
    RETURN_IF_ERROR(t.String("certificate_file", c.internal_tls.certificate_file));
    RETURN_IF_ERROR(t.String("private_key_file", c.internal_tls.private_key_file));
    RETURN_IF_ERROR(t.String("ca_file", c.internal_tls.ca_file));
    return t.StringList("gateway_identities", c.internal_tls.gateway_identities);
  }));
  RETURN_IF_ERROR(r.String("health_listen", c.health_listen));
  RETURN_IF_ERROR(r.Sub("tracing", [&](MapReader& t) { return ReadTracing(t, c.tracing); }));
  return r.RejectUnknown();
}

absl::StatusOr<bool> ParseBoolEnv(const char* name, const std::string& v) {
  std::string s = absl::AsciiStrToLower(v);
  if (s == "true" || s == "1" || s == "yes") return true;
  if (s == "false" || s == "0" || s == "no" || s.empty()) return false;
  return absl::InvalidArgumentError(absl::StrCat(name, ": must be true or false, got \"", v, "\""));
}

std::vector<std::string> SplitList(const std::string& v) {
  std::vector<std::string> out;
  for (absl::string_view p : absl::StrSplit(v, ';')) {
    absl::string_view t = absl::StripAsciiWhitespace(p);
    if (!t.empty()) out.emplace_back(t);
  }
  return out;
}

// A ';'-separated list whose entries pair up with another list: an empty entry would shift every
// pair after it, so only a trailing ';' is tolerated.
absl::StatusOr<std::vector<std::string>> SplitPairedList(const char* name, const std::string& v) {
  std::vector<std::string> out;
  std::vector<absl::string_view> parts = absl::StrSplit(v, ';');
  if (parts.size() > 1 && absl::StripAsciiWhitespace(parts.back()).empty()) parts.pop_back();
  for (size_t i = 0; i < parts.size(); ++i) {
    absl::string_view t = absl::StripAsciiWhitespace(parts[i]);
    if (t.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": entry ", i + 1, " of ", parts.size(),
                                                     " is empty; entries pair up one to one with ",
                                                     "the other list, so none may be left out"));
    }
    out.emplace_back(t);
  }
  return out;
}

bool IsHttpUrl(const std::string& url) {
  std::string l = absl::AsciiStrToLower(url);
  return (l.rfind("http://", 0) == 0 && l.size() > 7) || (l.rfind("https://", 0) == 0 && l.size() > 8);
}

}  // namespace

Config EmbeddedDefaultConfig() {
  Config c;
  c.dev_result_server = true;
  c.clients.push_back({"demo-client", "http://127.0.0.1:8080/dev/result-server"});
  return c;
}

absl::StatusOr<Config> ParseConfigYaml(absl::string_view yaml, absl::string_view source, Config defaults) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": not valid YAML: ", e.what()));
  }
  Config c = std::move(defaults);
  if (!root || root.IsNull()) return c;  // an empty file keeps every default
  MapReader r(root, "");
  if (!root.IsMap())
    return absl::InvalidArgumentError(absl::StrCat(source, ": the top level must be a mapping of keys"));
  absl::Status s = ReadTop(r, c);
  if (!s.ok()) return absl::InvalidArgumentError(absl::StrCat(source, ": ", s.message()));
  return c;
}

absl::StatusOr<Config> LoadConfigFile(const std::string& path, Config defaults) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open the config file"));
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseConfigYaml(ss.str(), path, std::move(defaults));
}

absl::Status ApplyEnvironment(Config& c, const EnvLookup& getenv) {
  std::optional<std::string> ids = getenv("CLIENT_IDS");
  std::optional<std::string> urls = getenv("RESULT_SERVER_URLS");
  if (ids.has_value() != urls.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        ids ? "CLIENT_IDS" : "RESULT_SERVER_URLS", " is set but ", ids ? "RESULT_SERVER_URLS" : "CLIENT_IDS",
        " is not: set both, ';'-separated, the n-th URL belonging to the n-th client id"));
  }
  if (ids) {
    ASSIGN_OR_RETURN(std::vector<std::string> id_list, SplitPairedList("CLIENT_IDS", *ids));
    ASSIGN_OR_RETURN(std::vector<std::string> url_list, SplitPairedList("RESULT_SERVER_URLS", *urls));
    if (id_list.size() != url_list.size()) {
      return absl::InvalidArgumentError(absl::StrCat("CLIENT_IDS has ", id_list.size(),
                                                     " entries but RESULT_SERVER_URLS has ", url_list.size(),
                                                     "; they pair up one to one"));
    }
    c.clients.clear();
    for (size_t i = 0; i < id_list.size(); ++i) c.clients.push_back({id_list[i], url_list[i]});
  }
  // An empty (or blank) path is the same as none: results are delivered unsigned.
  if (auto v = getenv("RESULT_SERVER_SIGNING_KEY_PATH"))
    c.signing_key_path = std::string(absl::StripAsciiWhitespace(*v));
  if (auto v = getenv("WS_ENDPOINT_INCLUDE_BINARY_FILES_IN_RESULT")) {
    ASSIGN_OR_RETURN(c.include_binary_files, ParseBoolEnv("WS_ENDPOINT_INCLUDE_BINARY_FILES_IN_RESULT", *v));
  }
  if (auto v = getenv("SERVER_NAME")) c.server_name = *v;
  std::optional<std::string> auth_enabled = getenv("WS_HANDSHAKE_AUTHORIZATION_VALIDATION_ENABLED");
  if (auth_enabled) {
    ASSIGN_OR_RETURN(c.handshake_authorization,
                     ParseBoolEnv("WS_HANDSHAKE_AUTHORIZATION_VALIDATION_ENABLED", *auth_enabled));
  }
  std::optional<std::string> tokens = getenv("DOCVAL_HANDSHAKE_TOKENS");
  if (tokens) c.handshake_tokens = SplitList(*tokens);
  if (auth_enabled && c.handshake_authorization && c.handshake_tokens.empty()) {
    return absl::InvalidArgumentError(
        "WS_HANDSHAKE_AUTHORIZATION_VALIDATION_ENABLED is true but no accepted Authorization value is configured: "
        "set DOCVAL_HANDSHAKE_TOKENS (';'-separated, e.g. \"Bearer abc;Bearer def\") or "
        "handshake_authorization.tokens in the config file");
  }
  if (tokens && !c.handshake_tokens.empty() && !c.handshake_authorization && !auth_enabled) {
    return absl::InvalidArgumentError(
        "DOCVAL_HANDSHAKE_TOKENS is set but handshake authorization is not enabled, so the tokens would not be "
        "checked: set WS_HANDSHAKE_AUTHORIZATION_VALIDATION_ENABLED=true (or =false to run without it on purpose)");
  }
  if (auto v = getenv("DOCVAL_LISTEN")) c.listen = *v;
  if (auto v = getenv("DOCVAL_METRICS_LISTEN")) c.metrics_listen = *v;
  if (auto v = getenv("DOCVAL_HEALTH_LISTEN")) c.health_listen = *v;
  if (auto v = getenv("DOCVAL_VALIDATOR_ADDRESS")) c.validator_address = *v;
  if (auto v = getenv("DOCVAL_POSTER_ADDRESS")) c.poster_address = *v;
  if (auto v = getenv("DOCVAL_VALIDATOR_LISTEN")) c.validator_listen = *v;
  if (auto v = getenv("DOCVAL_POSTER_LISTEN")) c.poster_listen = *v;
  if (auto v = getenv("DOCVAL_TRUST_CSCA")) c.trust.csca = SplitList(*v);
  if (auto v = getenv("DOCVAL_TRUST_CRL")) c.trust.crl = SplitList(*v);
  if (auto v = getenv("DOCVAL_TRUST_CRL_EXPIRED")) c.trust.crl_expired = *v;
  if (auto v = getenv("DOCVAL_TRUST_RELOAD_INTERVAL_S")) {
    ASSIGN_OR_RETURN(c.trust.reload_interval,
                     ParseSecondsOrZero("DOCVAL_TRUST_RELOAD_INTERVAL_S", *v, absl::StrCat("\"", *v, "\"")));
  }
  if (auto v = getenv("OTEL_EXPORTER_OTLP_ENDPOINT")) c.tracing.endpoint = *v;
  if (auto v = getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) c.tracing.traces_endpoint = *v;
  if (auto v = getenv("OTEL_EXPORTER_OTLP_HEADERS")) c.tracing.headers = *v;
  if (auto v = getenv("OTEL_SERVICE_NAME")) c.tracing.service_name = *v;
  if (auto v = getenv("OTEL_TRACES_SAMPLER")) c.tracing.sampler = *v;
  if (auto v = getenv("OTEL_TRACES_SAMPLER_ARG")) c.tracing.sampler_arg = *v;
  if (auto v = getenv("OTEL_SDK_DISABLED")) {
    ASSIGN_OR_RETURN(bool disabled, ParseBoolEnv("OTEL_SDK_DISABLED", *v));
    if (disabled) c.tracing.endpoint = c.tracing.traces_endpoint = "";
  }
  return absl::OkStatus();
}

EnvLookup ProcessEnvironment() {
  return [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

absl::Duration ValidatorDrain(const Config& c) {
  return c.validator.drain > absl::ZeroDuration() ? c.validator.drain : c.timeouts.session + absl::Seconds(15);
}

absl::StatusOr<std::pair<std::string, int>> ParseHostPort(absl::string_view address) {
  std::string host;
  absl::string_view port_part;
  if (!address.empty() && address[0] == '[') {
    size_t close = address.find(']');
    if (close == absl::string_view::npos || close + 1 >= address.size() || address[close + 1] != ':') {
      return absl::InvalidArgumentError(absl::StrCat("\"", address, "\" is not host:port"));
    }
    host = std::string(address.substr(1, close - 1));
    port_part = address.substr(close + 2);
  } else {
    size_t colon = address.rfind(':');
    if (colon == absl::string_view::npos || colon == 0) {
      return absl::InvalidArgumentError(absl::StrCat("\"", address, "\" is not host:port"));
    }
    host = std::string(address.substr(0, colon));
    port_part = address.substr(colon + 1);
  }
  int port = 0;
  if (!absl::SimpleAtoi(port_part, &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("\"", address, "\" has no valid port"));
  }
  return std::make_pair(host, port);
}

namespace {

absl::Status ValidateDelivery(const DeliveryConfig& d) {
  if (d.per_destination_concurrency > d.workers) {
    return KeyError("delivery.per_destination.concurrency",
                    absl::StrCat("must not exceed delivery.workers (", d.workers, ")"));
  }
  if (d.per_destination_max_queued > d.max_queued) {
    return KeyError("delivery.per_destination.max_queued",
                    absl::StrCat("must not exceed delivery.max_queued (", d.max_queued, ")"));
  }
  std::set<std::string> hosts;
  for (size_t i = 0; i < d.destinations.size(); ++i) {
    const DestinationLimitsConfig& dl = d.destinations[i];
    const std::string k = absl::StrCat("delivery.destinations[", i, "]");
    if (!hosts.insert(absl::AsciiStrToLower(dl.host)).second) return KeyError(k + ".host", "is listed twice");
    if (dl.host.find_first_of("/?#@ ") != std::string::npos) {
      return KeyError(k + ".host", absl::StrCat("must be a host or host:port, not a URL, got \"", dl.host, "\""));
    }
    if (dl.concurrency > d.workers) {
      return KeyError(k + ".concurrency", absl::StrCat("must not exceed delivery.workers (", d.workers, ")"));
    }
    if (dl.max_queued > d.max_queued) {
      return KeyError(k + ".max_queued", absl::StrCat("must not exceed delivery.max_queued (", d.max_queued, ")"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateConfig(const Config& c) {
  for (const auto& [key, value] : std::vector<std::pair<const char*, const std::string*>>{
           {"listen", &c.listen}, {"metrics_listen", &c.metrics_listen}, {"validator_listen", &c.validator_listen},
           {"poster_listen", &c.poster_listen}}) {
    absl::StatusOr<std::pair<std::string, int>> hp = ParseHostPort(*value);
    if (!hp.ok()) return KeyError(key, hp.status().message());
  }
  if (!c.health_listen.empty()) {
    absl::StatusOr<std::pair<std::string, int>> hp = ParseHostPort(c.health_listen);
    if (!hp.ok()) return KeyError("health_listen", hp.status().message());
  }
  if (c.trust.crl_expired != "warn" && c.trust.crl_expired != "fail") {
    return KeyError("trust.crl_expired", absl::StrCat("must be warn or fail, got \"", c.trust.crl_expired, "\""));
  }
  if (c.validator_address.empty()) return KeyError("validator_address", "is required");
  if (c.poster_address.empty()) return KeyError("poster_address", "is required");
  std::set<std::string> ids;
  for (size_t i = 0; i < c.clients.size(); ++i) {
    const ClientConfig& cc = c.clients[i];
    std::string k = absl::StrCat("clients[", i, "]");
    if (cc.client_id.empty()) return KeyError(k + ".client_id", "is required");
    if (!ids.insert(cc.client_id).second) return KeyError(k + ".client_id", "is listed twice");
    if (!IsHttpUrl(cc.result_server_url)) {
      return KeyError(k + ".result_server_url",
                      absl::StrCat("must be an http:// or https:// URL, got \"", cc.result_server_url, "\""));
    }
  }
  if (c.tls.certificate_file.empty() != c.tls.private_key_file.empty()) {
    return KeyError("tls", "certificate_file and private_key_file must be given together");
  }
  const InternalTlsConfig& it = c.internal_tls;
  if (it.certificate_file.empty() != it.private_key_file.empty() || it.certificate_file.empty() != it.ca_file.empty()) {
    return KeyError("internal_tls", "certificate_file, private_key_file and ca_file must be given together");
  }
  if (it.enabled() && it.gateway_identities.empty()) {
    return KeyError("internal_tls.gateway_identities",
                    "must list the gateway certificate's subjectAltName (DNS name or URI) when internal_tls is on: "
                    "validators and posters accept no other client");
  }
  if (!it.enabled() && !it.gateway_identities.empty()) {
    return KeyError("internal_tls.gateway_identities", "needs certificate_file, private_key_file and ca_file");
  }
  if (c.timeouts.session < c.timeouts.response) {
    return KeyError("timeouts.session_s", "must not be shorter than timeouts.response_s");
  }
  if (c.limits.EffectiveMaxConnections() < c.limits.max_sessions) {
    return KeyError("limits.max_connections", "must not be below limits.max_sessions (each session is a connection)");
  }
  if (c.limits.max_sessions_per_client > c.limits.max_sessions) {
    return KeyError("limits.max_sessions_per_client", "must not exceed limits.max_sessions");
  }
  if (c.handshake_authorization && c.handshake_tokens.empty()) {
    return KeyError("handshake_authorization.tokens",
                    "must list at least one accepted Authorization value when handshake authorization is enabled "
                    "(environment: DOCVAL_HANDSHAKE_TOKENS)");
  }
  if (!c.signing_key_id.empty() && c.signing_key_path.empty()) {
    return KeyError("signing.key_id", "is set but signing.key_path (RESULT_SERVER_SIGNING_KEY_PATH) is not");
  }
  RETURN_IF_ERROR(ValidateDelivery(c.delivery));
  return absl::OkStatus();
}

}  // namespace docval
