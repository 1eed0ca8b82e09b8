// DocVal configuration: one YAML file (`docval <role> --config FILE`), then the environment variables
// of docs/protocol.md §5 on top. Every key is documented in docs/configuration.md.
//
// Loading is strict: an unknown key, a value of the wrong type or form, or an inconsistent
// combination is an error whose message names the key (e.g. `timeouts.response_s: must be a
// positive number, got "abc"`). A role exits non-zero with that message.
#ifndef DOCVAL_COMMON_CONFIG_H_
#define DOCVAL_COMMON_CONFIG_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace docval {

struct ClientConfig {
  std::string client_id;
  std::string result_server_url;
};

struct TrustConfig {
  std::vector<std::string> csca;  // files or folders: certificates (PEM/DER) and CSCA master lists
  std::vector<std::string> crl;   // CRL files (PEM/DER)
  std::string crl_expired = "warn";  // "warn" | "fail": a CRL past its nextUpdate at the validation time
  // How often the validator looks at the trust files for changes (and reloads them); zero: never,
  // only on SIGHUP.
  absl::Duration reload_interval = absl::Seconds(60);
};

// The gateway's time limits (docs/protocol.md §1 and §5).
struct TimeoutsConfig {
  absl::Duration start_message = absl::Seconds(10);
  absl::Duration response = absl::Seconds(15);
  absl::Duration session = absl::Seconds(60);
  absl::Duration write = absl::Seconds(10);            // one WebSocket frame to the client
  absl::Duration close = absl::Seconds(5);             // from the start of the close to the TCP close
  absl::Duration http_request = absl::Seconds(10);     // a connection's first request, TLS included
  absl::Duration http_keep_alive = absl::Seconds(15);  // each later request on a kept-alive connection
};

struct LimitsConfig {
  int max_sessions = 1000;            // per gateway process
  int max_sessions_per_client = 200;  // per gateway process and client_id
  int max_connections = 0;            // TCP connections per gateway process; 0: 2 × max_sessions
  int EffectiveMaxConnections() const { return max_connections > 0 ? max_connections : 2 * max_sessions; }
};

struct TlsConfig {
  std::string certificate_file;  // PEM chain; empty: plain WebSocket
  std::string private_key_file;
};

// TLS between the roles (gateway -> validator, gateway -> poster), mutual: each process presents its
// certificate and accepts peers signed by `ca_file`. All three set, or none (plaintext gRPC, for
// `serve` and for meshes that encrypt on their own). Validators and posters accept only clients whose
// certificate names one of `gateway_identities` (subjectAltName DNS name or URI); required with TLS.
struct InternalTlsConfig {
  std::string certificate_file;
  std::string private_key_file;
  std::string ca_file;
  std::vector<std::string> gateway_identities;
  bool enabled() const { return !certificate_file.empty(); }
};

// Limits for the deliveries to one Result Server host (`host`, or `host:port` when its URL names
// a port). A value of 0 (concurrency) or -1 (max_queued) takes the per-destination default.
struct DestinationLimitsConfig {
  std::string host;
  int concurrency = 0;
  int max_queued = -1;
};

// The poster's delivery scheduling and drain (docs/poster.md, "Fair delivery" and "Drain").
struct DeliveryConfig {
  int workers = 16;                     // threads shared by every Result Server
  int max_queued = 256;                 // deliveries waiting over all Result Servers
  int per_destination_concurrency = 4;  // deliveries running at once to one Result Server
  int per_destination_max_queued = 32;  // deliveries waiting for one Result Server
  std::vector<DestinationLimitsConfig> destinations;
  // On SIGTERM: how long accepted deliveries may go on before they are stopped. Longer than the
  // longest delivery (30 s after its arrival), so with the default every accepted one completes.
  absl::Duration drain = absl::Seconds(35);
};

// The validator's admission, workers and drain (docs/configuration.md, `validator.*`).
struct ValidatorConfig {
  int max_sessions = 1000;  // sessions open at once; over it, RESOURCE_EXHAUSTED (gateway: 1013)
  int workers = 0;          // dialog worker threads; 0: the CPUs the process may use
  // On SIGTERM: how long open sessions may go on before they are ended. Zero: timeouts.session_s
  // + 15 s, so with the defaults every session that started before SIGTERM completes.
  absl::Duration drain = absl::ZeroDuration();
  // How long one gateway connection may live before the validator asks it (HTTP/2 GOAWAY) to connect
  // again, which makes a gateway resolving `dns:///` names look the replicas up again: a validator the
  // autoscaler added gets sessions within this time. Open sessions go on for ValidatorDrain().
  absl::Duration max_connection_age = absl::Seconds(300);
  // `validator.limits.<field>`: the session's budget against the chip (validator/emrtd/limits.h,
  // docs/limits.md), field name -> value, overriding the defaults. Read here as integers; names and
  // ranges are checked by the validator's start-up (emrtd::SetLimit), a bad one is a config error.
  std::map<std::string, int64_t> limits;
};

// Traces (docs/operations.md, "Traces"): OTLP/HTTP export, off unless an endpoint is set. The
// OTEL_* variables of the OpenTelemetry SDKs override these keys; common/tracing/ checks the values.
struct TracingConfig {
  std::string endpoint;         // base URL; /v1/traces is appended (OTEL_EXPORTER_OTLP_ENDPOINT)
  std::string traces_endpoint;  // the traces URL as is (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
  std::string headers;          // "k=v,k2=v2", values percent-encoded (OTEL_EXPORTER_OTLP_HEADERS)
  std::string service_name;     // empty: "docval" (OTEL_SERVICE_NAME)
  std::string sampler;          // empty: parentbased_always_on (OTEL_TRACES_SAMPLER)
  std::string sampler_arg;      // OTEL_TRACES_SAMPLER_ARG
  bool allow_diagnostics = true;  // false: enable_diagnostics adds nothing to spans
  int max_queued_spans = 2048;
  absl::Duration schedule_delay = absl::Seconds(1);
  absl::Duration export_timeout = absl::Seconds(10);
};

struct Config {
  // Gateway.
  std::string listen = "127.0.0.1:8080";
  TlsConfig tls;
  std::string validator_address = "127.0.0.1:50051";
  std::string poster_address = "127.0.0.1:50052";
  std::vector<ClientConfig> clients;
  TimeoutsConfig timeouts;
  LimitsConfig limits;
  bool handshake_authorization = false;           // WS_HANDSHAKE_AUTHORIZATION_VALIDATION_ENABLED
  std::vector<std::string> handshake_tokens;      // accepted Authorization header values
  std::vector<std::string> forwarded_headers;     // handshake headers passed to the Result Server
  bool include_binary_files = false;              // WS_ENDPOINT_INCLUDE_BINARY_FILES_IN_RESULT
  std::string server_name = "docval";             // SERVER_NAME
  int io_threads = 1;                             // the gateway's I/O threads (docs/configuration.md)
  // The built-in development Result Server (/dev/result-server, /dev/results). Defaults to on only
  // in the embedded default (`docval serve` without --config).
  bool dev_result_server = false;

  // Validator.
  std::string validator_listen = "127.0.0.1:50051";
  TrustConfig trust;
  bool allow_bac_fallback = false;
  ValidatorConfig validator;

  // Poster.
  std::string poster_listen = "127.0.0.1:50052";
  std::string signing_key_path;       // RESULT_SERVER_SIGNING_KEY_PATH
  std::string signing_key_id;         // optional; derived from the key when empty
  std::string result_server_ca_file;  // extra CA bundle for Result Servers; empty: system store
  DeliveryConfig delivery;

  // Every process.
  std::string metrics_listen = "127.0.0.1:9090";
  InternalTlsConfig internal_tls;
  // Validator and poster: a plaintext gRPC listener that answers grpc.health.v1.Health/Check only
  // (the main port may require mutual TLS, which Kubernetes' gRPC probes cannot speak). Empty: none.
  std::string health_listen;
  TracingConfig tracing;
};

// The embedded default of `docval serve` without a config file: loopback only, the demo client
// "demo-client" posting to the built-in development Result Server.
Config EmbeddedDefaultConfig();

// Parses YAML text (`source` names it in messages). Keys absent from the text keep their defaults.
absl::StatusOr<Config> ParseConfigYaml(absl::string_view yaml, absl::string_view source, Config defaults = Config());
absl::StatusOr<Config> LoadConfigFile(const std::string& path, Config defaults = Config());

// Applies docs/protocol.md §5 environment variables (and DOCVAL_* ones) over `config`. `getenv` is
// injected for tests. Variables that only make sense together are checked as a group, and the
// error names what is missing: CLIENT_IDS with RESULT_SERVER_URLS (same number of non-empty
// entries), WS_HANDSHAKE_AUTHORIZATION_VALIDATION_ENABLED=true with accepted tokens
// (DOCVAL_HANDSHAKE_TOKENS or the file), DOCVAL_HANDSHAKE_TOKENS with the feature enabled.
// An empty RESULT_SERVER_SIGNING_KEY_PATH means no signing.
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;
absl::Status ApplyEnvironment(Config& config, const EnvLookup& getenv);
EnvLookup ProcessEnvironment();

// Checks cross-key consistency (addresses parse, client ids unique, URLs are http(s), ...).
absl::Status ValidateConfig(const Config& config);

// validator.drain_s, or timeouts.session_s + 15 s when it is not set.
absl::Duration ValidatorDrain(const Config& config);

// "host:port" → {host, port}; accepts "[v6]:port". Port 0 is allowed (ephemeral).
absl::StatusOr<std::pair<std::string, int>> ParseHostPort(absl::string_view address);

}  // namespace docval

#endif  // DOCVAL_COMMON_CONFIG_H_
