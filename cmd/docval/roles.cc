#include "cmd/docval/roles.h"

#include <cstdio>
#include <iostream>

#include <grpcpp/ext/health_check_service_server_builder_option.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <prometheus/registry.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/config.h"
#include "common/health_probe.h"
#include "common/internal_tls.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "common/private_socket.h"
#include "common/signals.h"
#include "common/tracing/tracing_runtime.h"
#include "gateway/dev/dev_result_store.h"
#include "gateway/upstream/reachability.h"
#include "gateway/ws/gateway_server.h"
#include "poster/service/poster_service.h"
#include "validator/emrtd/auth/trust_store.h"
#include "validator/emrtd/limits.h"
#include "validator/result_json/result_json.h"
#include "validator/service/file_verifier_service.h"
#include "validator/service/validator_service.h"
#include "validator/trust/trust_store_loader.h"
#include "validator/trust/trust_store_source.h"
#include "validator/trust/trust_store_watcher.h"

namespace docval::cmd {
namespace {

constexpr absl::Duration kDrainGrace = absl::Seconds(30);
constexpr char kDemoClientId[] = "demo-client";
constexpr absl::Duration kTraceFlush = absl::Seconds(5);  // the spans of the drain's last sessions

const char* RoleName(Role r) {
  switch (r) {
    case Role::kServe: return "serve";
    case Role::kGateway: return "gateway";
    case Role::kValidator: return "validator";
    case Role::kPoster: return "poster";
  }
  return "docval";
}

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "docval: %s\n", std::string(s.message()).c_str());
  LogError("start-up failed", {{"error", std::string(s.message())}});
  return 2;
}

// validator.limits over SessionLimits' defaults (validator/emrtd/limits.h): an unknown name or a value
// outside its range is a configuration error.
absl::StatusOr<emrtd::SessionLimits> SessionLimitsFrom(const Config& c) {
  emrtd::SessionLimits limits;
  for (const auto& [name, value] : c.validator.limits) {
    absl::Status s = emrtd::SetLimit(limits, name, value);
    if (!s.ok()) return absl::InvalidArgumentError(absl::StrCat("validator.limits.", name, ": ", s.message()));
  }
  return limits;
}

absl::StatusOr<Config> LoadConfig(Role role, const std::string& path) {
  Config c;
  if (path.empty()) {
    c = role == Role::kServe ? EmbeddedDefaultConfig() : Config();
  } else {
    absl::StatusOr<Config> loaded = LoadConfigFile(path);
    if (!loaded.ok()) return loaded.status();
    c = *std::move(loaded);
  }
  absl::Status s = ApplyEnvironment(c, ProcessEnvironment());
  if (!s.ok()) return s;
  if (role == Role::kServe && path.empty()) {
    // The demo client posts to the development Result Server on the gateway's own address.
    for (ClientConfig& cc : c.clients) {
      if (cc.client_id == kDemoClientId) cc.result_server_url = absl::StrCat("http://", c.listen, "/dev/result-server");
    }
  }
  s = ValidateConfig(c);
  if (s.ok()) s = SessionLimitsFrom(c).status();
  if (!s.ok())
    return absl::InvalidArgumentError(absl::StrCat(path.empty() ? "configuration" : path, ": ", s.message()));
  return c;
}

// `health_checked`: new calls go only to replicas whose grpc.health.v1 service says SERVING (gRPC's
// client-side health checking, a Health/Watch stream per connection), so a validator or poster that
// drains (NOT_SERVING from SIGTERM on) gets no new session or delivery while its open ones finish;
// a server without the health service counts as serving. Not for `serve`'s own channel (its Unix
// socket): its only server turns NOT_SERVING at SIGTERM while the gateway's own sessions still need it.
grpc::ChannelArguments ChannelArgs(bool health_checked) {
  grpc::ChannelArguments args;
  // Validators are stateless replicas: spread new streams over every address DNS returns.
  args.SetLoadBalancingPolicyName("round_robin");
  if (health_checked) {
    args.SetServiceConfigJSON(
        R"({"loadBalancingConfig": [{"round_robin": {}}], "healthCheckConfig": {"serviceName": ""}})");
  }
  // Keepalive: must stay within what the servers allow (ServerKeepalive below).
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 20000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  // Reconnect to a replica that went away at least every 5 s (gRPC's default backoff grows to 120 s):
  // the gateway's calls wait for a reachable replica (wait_for_ready), so one that restarts is used
  // again within 5 s of listening, well inside a session.
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5000);
  args.SetMaxReceiveMessageSize(16 << 20);
  return args;
}

void ServerKeepalive(grpc::ServerBuilder& b) {
  b.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  b.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  b.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 20000);
  b.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  b.SetMaxReceiveMessageSize(16 << 20);
}

poster::PosterOptions PosterOptionsFrom(const Config& c) {
  poster::PosterOptions o;
  for (const ClientConfig& cc : c.clients) o.result_server_urls[cc.client_id] = cc.result_server_url;
  o.signing_key_path = c.signing_key_path;
  o.signing_key_id = c.signing_key_id;
  o.ca_bundle_path = c.result_server_ca_file;
  const DeliveryConfig& d = c.delivery;
  o.scheduling.workers = d.workers;
  o.scheduling.max_queued = static_cast<size_t>(d.max_queued);
  o.scheduling.per_destination = {.concurrency = d.per_destination_concurrency,
                                  .max_queued = static_cast<size_t>(d.per_destination_max_queued)};
  for (const DestinationLimitsConfig& dl : d.destinations) {
    poster::DestinationLimits limits = o.scheduling.per_destination;
    if (dl.concurrency > 0) limits.concurrency = dl.concurrency;
    if (dl.max_queued >= 0) limits.max_queued = static_cast<size_t>(dl.max_queued);
    o.scheduling.destinations[absl::AsciiStrToLower(dl.host)] = limits;
  }
  return o;
}

poster::BodyBuilder ResultServerBodyBuilder() {
  return [](const v1::DeliveryRequest& r) -> absl::StatusOr<std::string> {
    return ResultServerBody(r.result(), r.validation_id());
  };
}

// The poster, with start-up errors that name the setting to fix.
absl::StatusOr<std::unique_ptr<poster::PosterService>> StartPoster(const Config& c, prometheus::Registry& registry) {
  absl::StatusOr<std::unique_ptr<poster::PosterService>> p =
      poster::PosterService::Create(PosterOptionsFrom(c), ResultServerBodyBuilder(), registry);
  if (!p.ok()) {
    if (!c.signing_key_path.empty() && absl::StrContains(p.status().message(), c.signing_key_path)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "signing.key_path (RESULT_SERVER_SIGNING_KEY_PATH): ", p.status().message(),
          "; leave it unset (or empty) to deliver results unsigned"));
    }
    return p.status();
  }
  LogInfo("result signing", {{"signed", !(*p)->signing_key_id().empty()}, {"key_id", (*p)->signing_key_id()}});
  return p;
}

gateway::GatewayOptions GatewayOptionsFrom(const Config& c) {
  gateway::GatewayOptions o;
  o.listen = c.listen;
  o.tls_certificate_file = c.tls.certificate_file;
  o.tls_private_key_file = c.tls.private_key_file;
  o.start_message_timeout = c.timeouts.start_message;
  o.response_timeout = c.timeouts.response;
  o.session_timeout = c.timeouts.session;
  o.write_timeout = c.timeouts.write;
  o.close_timeout = c.timeouts.close;
  o.http_request_timeout = c.timeouts.http_request;
  o.http_keep_alive_timeout = c.timeouts.http_keep_alive;
  o.max_connections = c.limits.EffectiveMaxConnections();
  o.max_sessions = c.limits.max_sessions;
  o.max_sessions_per_client = c.limits.max_sessions_per_client;
  for (const ClientConfig& cc : c.clients) o.client_ids.push_back(cc.client_id);
  o.handshake_authorization = c.handshake_authorization;
  o.handshake_tokens = c.handshake_tokens;
  o.forwarded_headers = c.forwarded_headers;
  o.include_binary_files = c.include_binary_files;
  o.server_name = c.server_name;
  o.io_threads = c.io_threads;
  return o;
}

trust::TrustStoreConfig TrustConfigFrom(const Config& c) {
  return trust::TrustStoreConfig{.trust_paths = c.trust.csca,
                                 .crl_paths = c.trust.crl,
                                 .crl_expired = c.trust.crl_expired == "fail" ? emrtd::CrlExpiredPolicy::kFail
                                                                              : emrtd::CrlExpiredPolicy::kWarn};
}

}  // namespace

int RunRole(Role role, const std::string& config_path) {
  InitLogging(RoleName(role));
  absl::StatusOr<Config> config = LoadConfig(role, config_path);
  if (!config.ok()) return Fail(config.status());
  const Config& c = *config;

  const bool runs_gateway = role == Role::kServe || role == Role::kGateway;
  const bool runs_validator = role == Role::kServe || role == Role::kValidator;
  const bool runs_poster = role == Role::kServe || role == Role::kPoster;

  std::vector<std::string> roles;
  if (runs_gateway) roles.push_back("gateway");
  if (runs_validator) roles.push_back("validator");
  if (runs_poster) roles.push_back("poster");
  std::shared_ptr<prometheus::Registry> registry = NewMetricsRegistry(absl::StrJoin(roles, ","));
  absl::StatusOr<std::unique_ptr<MetricsServer>> metrics = MetricsServer::Start(c.metrics_listen, registry);
  if (!metrics.ok()) return Fail(metrics.status());
  // Traces (docs/operations.md): off unless an OTLP endpoint is configured; flushed after the drain.
  absl::StatusOr<std::unique_ptr<tracing::TracingRuntime>> traces =
      tracing::TracingRuntime::Start(c.tracing, absl::StrJoin(roles, ","), DOCVAL_VERSION, registry.get());
  if (!traces.ok()) return Fail(traces.status());
  tracing::SetGlobalTracer(&(*traces)->tracer());
  if ((*traces)->enabled()) {
    LogInfo("traces", {{"sampler", (*traces)->sampler()}, {"allow_diagnostics", c.tracing.allow_diagnostics}});
  }

  // The validator's trust store: loaded before serving (a bad file stops start-up), reloaded on SIGHUP
  // and when its files change (trust.reload_interval_s); a bad reload keeps the previous snapshot,
  // and running sessions keep the one they started with.
  std::unique_ptr<trust::TrustStoreSource> trust_store;
  std::unique_ptr<trust::TrustStoreWatcher> trust_watcher;
  if (runs_validator) {
    absl::StatusOr<std::unique_ptr<trust::TrustStoreSource>> loaded =
        trust::TrustStoreSource::Open(TrustConfigFrom(c), registry.get());
    if (!loaded.ok()) return Fail(absl::InvalidArgumentError(absl::StrCat("trust: ", loaded.status().message())));
    trust_store = *std::move(loaded);
    if (trust_store->Get()->size() == 0) {
      LogWarning("no trusted CSCA configured (trust.csca): every document fails Passive Authentication");
    }
    if (c.trust.reload_interval > absl::ZeroDuration()) {
      trust_watcher = std::make_unique<trust::TrustStoreWatcher>(*trust_store, c.trust.reload_interval);
    }
  }

  // Mutual TLS between the roles; validators and posters accept only the gateway's identity.
  absl::StatusOr<std::unique_ptr<InternalTls>> loaded_tls = InternalTls::Load(c.internal_tls);
  if (!loaded_tls.ok()) return Fail(loaded_tls.status());
  const InternalTls* internal_tls = loaded_tls->get();
  if (role == Role::kGateway && internal_tls && !internal_tls->HasIdentity(c.internal_tls.gateway_identities)) {
    return Fail(absl::InvalidArgumentError(absl::StrCat(
        "internal_tls.certificate_file: ", c.internal_tls.certificate_file,
        " carries none of internal_tls.gateway_identities (its subjectAltNames: ",
        absl::StrJoin(internal_tls->identities(), ", "), "); validators and posters would refuse this gateway")));
  }

  std::unique_ptr<validator::ValidatorService> validator_service;
  std::unique_ptr<validator::FileVerifierService> file_verifier;  // WebSocket API v2's verdict
  std::unique_ptr<poster::PosterService> poster_service;
  if (runs_validator) {
    validator_service = std::make_unique<validator::ValidatorService>(
        validator::ValidatorServiceOptions{.allow_bac_fallback = c.allow_bac_fallback,
                                           .max_sessions = c.validator.max_sessions,
                                           .workers = c.validator.workers,
                                           .limits = *SessionLimitsFrom(c)},
        [holder = trust_store.get()] { return holder->Get(); }, *registry);
    // The v2 verdict: the same byte caps, session limit and workers as a dialog (docs/limits.md).
    file_verifier = std::make_unique<validator::FileVerifierService>(
        [holder = trust_store.get()] { return holder->Get(); }, *SessionLimitsFrom(c), nullptr,
        [v = validator_service.get()](std::function<void()> work) { return v->RunAdmitted(std::move(work)); },
        &validator_service->signer_keys());
    LogInfo("validator workers", {{"workers", validator_service->workers()},
                                  {"max_sessions", c.validator.max_sessions}});
  }
  if (runs_poster) {
    absl::StatusOr<std::unique_ptr<poster::PosterService>> p = StartPoster(c, *registry);
    if (!p.ok()) return Fail(p.status());
    poster_service = *std::move(p);
  }

  // One gRPC server per process: both services in `serve` (reached over a Unix socket of its own),
  // one in a single role (on its listen address). grpc.health.v1 on every server.
  // `serve` does not use gRPC's in-process channel: with gRPC 1.51 its transport keeps both call
  // objects of every completed stream that the client did not cancel (about 23 KB per session, live
  // for the life of the process: bench/README.md, validator_load); HTTP/2 over the socket frees them.
  grpc::EnableDefaultHealthCheckService(true);
  std::unique_ptr<grpc::Server> grpc_server;
  std::unique_ptr<PrivateSocket> serve_socket;
  int grpc_port = 0;
  if (runs_validator || runs_poster) {
    grpc::ServerBuilder b;
    ServerKeepalive(b);
    if (role == Role::kValidator) {
      // GOAWAY after validator.max_connection_age_s, so gateways resolve the replicas again; the
      // sessions open on the old connection keep it for as long as the drain would give them.
      b.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                           static_cast<int>(absl::ToInt64Milliseconds(c.validator.max_connection_age)));
      b.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                           static_cast<int>(absl::ToInt64Milliseconds(ValidatorDrain(c))));
    }
    if (validator_service) b.RegisterService(validator_service.get());
    if (file_verifier) b.RegisterService(file_verifier.get());
    if (poster_service) b.RegisterService(poster_service.get());
    std::string listen;
    if (role == Role::kValidator) listen = c.validator_listen;
    if (role == Role::kPoster) listen = c.poster_listen;
    if (!listen.empty()) {
      b.AddListeningPort(listen, InternalServerCredentials(internal_tls, c.internal_tls.gateway_identities),
                         &grpc_port);
    }
    if (role == Role::kServe) {
      absl::StatusOr<std::unique_ptr<PrivateSocket>> socket = PrivateSocket::Create("grpc.sock");
      if (!socket.ok()) return Fail(socket.status());
      serve_socket = *std::move(socket);
      b.AddListeningPort(serve_socket->GrpcAddress(), grpc::InsecureServerCredentials());
    }
    grpc_server = b.BuildAndStart();
    if (!grpc_server || (!listen.empty() && grpc_port == 0)) {
      if (serve_socket) return Fail(absl::UnavailableError(absl::StrCat("cannot listen on ", serve_socket->path())));
      return Fail(absl::UnavailableError(absl::StrCat(role == Role::kValidator ? "validator_listen" : "poster_listen",
                                                      ": cannot listen on ", listen)));
    }
    if (!listen.empty()) {
      LogInfo("listening", {{"service", role == Role::kValidator ? "validator" : "poster"},
                            {"address", listen},
                            {"port", grpc_port},
                            {"tls", internal_tls != nullptr}});
    }
  }
  // Plaintext grpc.health.v1 Check for probes that cannot speak mutual TLS (Kubernetes).
  std::unique_ptr<HealthProbeServer> health_probe;
  if ((role == Role::kValidator || role == Role::kPoster) && !c.health_listen.empty()) {
    absl::StatusOr<std::unique_ptr<HealthProbeServer>> hp =
        HealthProbeServer::Start(c.health_listen, grpc_server->InProcessChannel(grpc::ChannelArguments()));
    if (!hp.ok()) return Fail(hp.status());
    health_probe = *std::move(hp);
    LogInfo("listening", {{"service", "health"}, {"address", c.health_listen}, {"port", health_probe->port()}});
  }

  std::unique_ptr<gateway::GatewayServer> gateway_server;
  if (runs_gateway) {
    std::shared_ptr<grpc::Channel> validator_channel;
    std::shared_ptr<grpc::Channel> poster_channel;
    if (role == Role::kServe) {
      validator_channel = grpc::CreateCustomChannel(serve_socket->GrpcAddress(), grpc::InsecureChannelCredentials(),
                                                    ChannelArgs(/*health_checked=*/false));
      poster_channel = validator_channel;
    } else {
      validator_channel = grpc::CreateCustomChannel(c.validator_address, InternalChannelCredentials(internal_tls),
                                                    ChannelArgs(/*health_checked=*/true));
      poster_channel = grpc::CreateCustomChannel(c.poster_address, InternalChannelCredentials(internal_tls),
                                                 ChannelArgs(/*health_checked=*/true));
    }
    std::shared_ptr<gateway::DevResultStore> dev;
    if (c.dev_result_server) dev = std::make_shared<gateway::DevResultStore>();
    gateway_server = std::make_unique<gateway::GatewayServer>(
        GatewayOptionsFrom(c), std::shared_ptr<v1::Validator::StubInterface>(v1::Validator::NewStub(validator_channel)),
        std::shared_ptr<v1::Poster::StubInterface>(v1::Poster::NewStub(poster_channel)), *registry, dev);
    // WebSocket API v2: its verdicts come from the validators, over the same channel as their sessions.
    gateway_server->ServeV2(std::shared_ptr<v1::V2FileVerifier::StubInterface>(
        v1::V2FileVerifier::NewStub(validator_channel)));
    // /readyz follows the channels' states (`serve` reaches its own process: always ready). Both start
    // connecting now, so the first probe already knows.
    if (role != Role::kServe) {
      gateway_server->CheckReachability(gateway::ChannelReachability(validator_channel, poster_channel));
      validator_channel->GetState(/*try_to_connect=*/true);
      poster_channel->GetState(/*try_to_connect=*/true);
    }
    absl::Status s = gateway_server->Start();
    if (!s.ok()) return Fail(s);
    LogInfo("listening", {{"service", "gateway"}, {"address", c.listen}, {"port", gateway_server->port()},
                          {"dev_result_server", c.dev_result_server}});
  }
  LogInfo("metrics", {{"address", c.metrics_listen}, {"port", (*metrics)->port()}});

  while (true) {
    ProcessSignal sig = WaitForSignal();
    if (sig == ProcessSignal::kReload) {
      if (trust_store) trust_store->Reload().IgnoreError();  // logged and counted by the source
      continue;
    }
    break;
  }
  LogInfo("shutting down");
  if (trust_watcher) trust_watcher->Stop();
  if (grpc_server) grpc_server->GetHealthCheckService()->Shutdown();
  if (gateway_server) gateway_server->Shutdown(kDrainGrace);
  if (poster_service) {
    // Drain: refuse new deliveries (UNAVAILABLE; health is NOT_SERVING above), let accepted ones
    // finish up to delivery.drain_s, then stop the rest (their reports say SHUTTING_DOWN).
    LogInfo("draining deliveries", {{"drain_s", absl::ToDoubleSeconds(c.delivery.drain)}});
    const absl::Time started = absl::Now();
    const bool drained = poster_service->Drain(c.delivery.drain);
    LogInfo("deliveries drained", {{"complete", drained},
                                   {"duration_ms", absl::ToInt64Milliseconds(absl::Now() - started)}});
  }
  if (validator_service) {
    // Drain: refuse new sessions (UNAVAILABLE; health is NOT_SERVING above), let open ones finish
    // up to validator.drain_s, then end the rest (UNAVAILABLE) and stop the workers.
    const absl::Duration limit = ValidatorDrain(c);
    LogInfo("draining sessions",
            {{"drain_s", absl::ToDoubleSeconds(limit)}, {"sessions", validator_service->sessions()}});
    const absl::Time started = absl::Now();
    const bool drained = validator_service->Drain(limit);
    LogInfo("sessions drained", {{"complete", drained},
                                 {"duration_ms", absl::ToInt64Milliseconds(absl::Now() - started)}});
  }
  if (grpc_server) grpc_server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  if ((*traces)->enabled()) LogInfo("traces flushed", {{"complete", (*traces)->Shutdown(kTraceFlush)}});
  tracing::SetGlobalTracer(nullptr);
  LogInfo("stopped");
  return 0;
}

}  // namespace docval::cmd
