#include "common/config.h"

#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace docval {
namespace {

using ::testing::HasSubstr;

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(ConfigTest, ParsesEveryDocumentedKey) {
  absl::StatusOr<Config> c = ParseConfigYaml(R"(
listen: 0.0.0.0:8443
tls: {certificate_file: /etc/docval/tls.crt, private_key_file: /etc/docval/tls.key}
validator_address: dns:///validator:50051
poster_address: poster:50052
clients:
  - {client_id: acme, result_server_url: https://results.acme.example/docval}
  - {client_id: beta, result_server_url: http://10.0.0.5:8000/r}
timeouts: {start_message_s: 5, response_s: 12.5, session_s: 90}
limits: {max_sessions: 500, max_sessions_per_client: 50}
handshake_authorization: {enabled: true, tokens: ["Bearer abc"]}
forwarded_headers: [Authorization, X-Request-Id]
include_binary_files: true
server_name: eu-1
io_threads: 3
dev_result_server: false
validator_listen: 0.0.0.0:50051
trust: {csca: [/trust/csca, /trust/ml.ml], crl: /trust/csca.crl, crl_expired: fail, reload_interval_s: 15}
allow_bac_fallback: true
poster_listen: 0.0.0.0:50052
signing: {key_path: /keys/ed25519.pem, key_id: k1}
result_server_ca_file: /etc/ssl/extra.pem
metrics_listen: 0.0.0.0:9090
internal_tls: {certificate_file: /tls/me.pem, private_key_file: /tls/me.key, ca_file: /tls/ca.pem,
               gateway_identities: [spiffe://docval.internal/gateway]}
health_listen: 0.0.0.0:9091
delivery:
  workers: 24
  max_queued: 300
  per_destination: {concurrency: 3, max_queued: 20}
  destinations:
    - {host: results.acme.example, concurrency: 8, max_queued: 64}
    - {host: "10.0.0.5:8000"}
  drain_s: 45
)",
                                             "test.yaml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->listen, "0.0.0.0:8443");
  EXPECT_EQ(c->io_threads, 3);
  EXPECT_EQ(c->tls.private_key_file, "/etc/docval/tls.key");
  ASSERT_EQ(c->clients.size(), 2u);
  EXPECT_EQ(c->clients[1].client_id, "beta");
  EXPECT_EQ(c->timeouts.response, absl::Milliseconds(12500));
  EXPECT_EQ(c->timeouts.session, absl::Seconds(90));
  EXPECT_EQ(c->limits.max_sessions_per_client, 50);
  EXPECT_TRUE(c->handshake_authorization);
  EXPECT_THAT(c->forwarded_headers, testing::ElementsAre("Authorization", "X-Request-Id"));
  EXPECT_TRUE(c->include_binary_files);
  EXPECT_THAT(c->trust.csca, testing::ElementsAre("/trust/csca", "/trust/ml.ml"));
  EXPECT_THAT(c->trust.crl, testing::ElementsAre("/trust/csca.crl"));
  EXPECT_EQ(c->trust.crl_expired, "fail");
  EXPECT_EQ(c->trust.reload_interval, absl::Seconds(15));
  EXPECT_TRUE(c->allow_bac_fallback);
  EXPECT_EQ(c->signing_key_id, "k1");
  EXPECT_TRUE(c->internal_tls.enabled());
  EXPECT_EQ(c->internal_tls.ca_file, "/tls/ca.pem");
  EXPECT_THAT(c->internal_tls.gateway_identities, testing::ElementsAre("spiffe://docval.internal/gateway"));
  EXPECT_EQ(c->health_listen, "0.0.0.0:9091");
  EXPECT_EQ(c->delivery.workers, 24);
  EXPECT_EQ(c->delivery.max_queued, 300);
  EXPECT_EQ(c->delivery.per_destination_concurrency, 3);
  EXPECT_EQ(c->delivery.per_destination_max_queued, 20);
  ASSERT_EQ(c->delivery.destinations.size(), 2u);
  EXPECT_EQ(c->delivery.destinations[0].host, "results.acme.example");
  EXPECT_EQ(c->delivery.destinations[0].concurrency, 8);
  EXPECT_EQ(c->delivery.destinations[0].max_queued, 64);
  EXPECT_EQ(c->delivery.destinations[1].host, "10.0.0.5:8000");
  EXPECT_EQ(c->delivery.destinations[1].concurrency, 0);  // the per-destination default
  EXPECT_EQ(c->delivery.destinations[1].max_queued, -1);
  EXPECT_EQ(c->delivery.drain, absl::Seconds(45));
  EXPECT_TRUE(ValidateConfig(*c).ok()) << ValidateConfig(*c);
}

TEST(ConfigTest, GatewayLimitsBeforeAndAfterTheUpgrade) {
  Config d;
  EXPECT_EQ(d.limits.EffectiveMaxConnections(), 2 * d.limits.max_sessions);  // room for probes and refusals
  absl::StatusOr<Config> c = ParseConfigYaml(R"(
timeouts: {write_s: 4, close_s: 2, http_request_s: 3, http_keep_alive_s: 7}
limits: {max_sessions: 10, max_sessions_per_client: 5, max_connections: 12}
)",
                                             "test.yaml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->timeouts.write, absl::Seconds(4));
  EXPECT_EQ(c->timeouts.close, absl::Seconds(2));
  EXPECT_EQ(c->timeouts.http_request, absl::Seconds(3));
  EXPECT_EQ(c->timeouts.http_keep_alive, absl::Seconds(7));
  EXPECT_EQ(c->limits.EffectiveMaxConnections(), 12);
  c->limits.max_connections = 9;
  absl::Status s = ValidateConfig(*c);
  EXPECT_THAT(s.message(), HasSubstr("limits.max_connections")) << s;
}

TEST(ConfigTest, DeliveryDefaults) {
  Config c;
  EXPECT_EQ(c.delivery.workers, 16);
  EXPECT_EQ(c.delivery.per_destination_concurrency, 4);
  EXPECT_LT(c.delivery.per_destination_concurrency, c.delivery.workers);  // one host cannot take all
  EXPECT_GT(c.delivery.drain, absl::Seconds(30));  // longer than the longest delivery
}

TEST(ConfigTest, DeliveryLimitsAreChecked) {
  struct Case {
    const char* yaml;
    const char* expected;
  } cases[] = {
      {"delivery: {workers: 0}", "delivery.workers: must be an integer from 1"},
      {"delivery: {per_destination: {concurrency: 8}, workers: 4}",
       "delivery.per_destination.concurrency: must not exceed"},
      {"delivery: {per_destination: {max_queued: 500}}", "delivery.per_destination.max_queued: must not exceed"},
      {"delivery: {destinations: [{concurrency: 2}]}", "delivery.destinations[0].host: is required"},
      {"delivery: {destinations: [{host: a.example}, {host: A.example}]}",
       "delivery.destinations[1].host: is listed twice"},
      {"delivery: {destinations: [{host: \"https://a.example/r\"}]}", "not a URL"},
      {"delivery: {destinations: [{host: a.example, concurrency: 99}]}",
       "delivery.destinations[0].concurrency: must not exceed"},
      {"delivery: {destinations: [{host: a.example, colour: red}]}", "delivery.destinations[0].colour: unknown key"},
      {"delivery: {drain_s: 0}", "delivery.drain_s: must be a positive number"},
      {"signing: {key_id: k1}", "signing.key_id: is set but signing.key_path"},
  };
  for (const Case& k : cases) {
    absl::StatusOr<Config> r = ParseConfigYaml(k.yaml, "f.yaml");
    absl::Status s = r.ok() ? ValidateConfig(*r) : r.status();
    ASSERT_FALSE(s.ok()) << k.yaml;
    EXPECT_THAT(std::string(s.message()), HasSubstr(k.expected)) << k.yaml;
  }
}

TEST(ConfigTest, ValidatorKeys) {
  Config d;
  EXPECT_EQ(d.validator.max_sessions, 1000);
  EXPECT_EQ(d.validator.workers, 0);  // derived from the CPUs at start
  EXPECT_EQ(ValidatorDrain(d), d.timeouts.session + absl::Seconds(15));
  EXPECT_EQ(d.validator.max_connection_age, absl::Seconds(300));

  absl::StatusOr<Config> c = ParseConfigYaml(
      "timeouts: {session_s: 30}\nvalidator: {max_sessions: 50, workers: 3, drain_s: 40, max_connection_age_s: 60}\n",
      "f.yaml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->validator.max_sessions, 50);
  EXPECT_EQ(c->validator.workers, 3);
  EXPECT_EQ(ValidatorDrain(*c), absl::Seconds(40));
  EXPECT_EQ(c->validator.max_connection_age, absl::Seconds(60));
  c = ParseConfigYaml("timeouts: {session_s: 30}\n", "f.yaml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(ValidatorDrain(*c), absl::Seconds(45));
  EXPECT_TRUE(c->validator.limits.empty());
  // The session limits are read as names and integers; the validator checks both at start.
  c = ParseConfigYaml("validator:\n  limits:\n    max_dh_bits: 3072\n    max_group_validations: 0\n", "f.yaml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->validator.limits, (std::map<std::string, int64_t>{{"max_dh_bits", 3072}, {"max_group_validations", 0}}));

  for (const auto& [yaml, expected] : std::vector<std::pair<const char*, const char*>>{
           {"validator: {max_sessions: 0}", "validator.max_sessions: must be an integer from 1"},
           {"validator: {workers: -1}", "validator.workers: must be an integer from 0"},
           {"io_threads: 0", "io_threads: must be an integer from 1"},
           {"io_threads: 65", "io_threads: must be an integer from 1"},
           {"validator: {drain_s: 0}", "validator.drain_s: must be a positive number"},
           {"validator: {max_connection_age_s: -5}", "validator.max_connection_age_s: must be a positive number"},
           {"validator: {queue: 5}", "validator.queue: unknown key"},
           {"validator: {limits: 5}", "validator.limits: must be a mapping"},
           {"validator: {limits: {max_dh_bits: big}}", "validator.limits.max_dh_bits: must be an integer"},
           {"validator: {limits: {max_dh_bits: [1]}}", "validator.limits.max_dh_bits: must be an integer"},
       }) {
    absl::StatusOr<Config> r = ParseConfigYaml(yaml, "f.yaml");
    ASSERT_FALSE(r.ok()) << yaml;
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(expected)) << yaml;
  }
}

TEST(ConfigTest, ErrorsNameTheKey) {
  struct Case {
    const char* yaml;
    const char* expected;
  } cases[] = {
      {"timeouts: {response_s: abc}", "timeouts.response_s: must be a positive number"},
      {"timeouts: {session_s: -1}", "timeouts.session_s"},
      {"limits: {max_sessions: 0}", "limits.max_sessions: must be an integer from 1"},
      {"clients: [{client_id: a}]", "clients[0].result_server_url: is required"},
      {"clients: [{client_id: a, result_server_url: x, colour: red}]", "clients[0].colour: unknown key"},
      {"listen_port: 8080", "listen_port: unknown key"},
      {"trust: [a, b]", "trust: must be a mapping"},
      {"include_binary_files: maybe", "include_binary_files: must be true or false"},
      {"trust: {reload_interval_s: -1}", "trust.reload_interval_s: must be a number of seconds from 0 (off)"},
      {"trust: {reload_interval_s: [1]}",
       "trust.reload_interval_s: must be a number of seconds from 0 (off) to 86400, got a list"},
      {"listen: [1]", "listen: must be a string"},
      {"{{{", "not valid YAML"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<Config> r = ParseConfigYaml(c.yaml, "f.yaml");
    ASSERT_FALSE(r.ok()) << c.yaml;
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(c.expected)) << c.yaml;
    EXPECT_THAT(std::string(r.status().message()), HasSubstr("f.yaml")) << c.yaml;
  }
}

TEST(ConfigTest, ValidationCatchesInconsistencies) {
  Config c;
  c.clients = {{"a", "ftp://x"}};
  EXPECT_THAT(std::string(ValidateConfig(c).message()), HasSubstr("clients[0].result_server_url"));
  c.clients = {{"a", "http://x"}, {"a", "http://y"}};
  EXPECT_THAT(std::string(ValidateConfig(c).message()), HasSubstr("listed twice"));
  c.clients = {};
  c.listen = "nope";
  EXPECT_THAT(std::string(ValidateConfig(c).message()), HasSubstr("listen"));
  c = Config();
  c.tls.certificate_file = "a.pem";
  EXPECT_THAT(std::string(ValidateConfig(c).message()), HasSubstr("tls"));
  c = Config();
  c.internal_tls.certificate_file = "me.pem";
  c.internal_tls.private_key_file = "me.key";
  EXPECT_THAT(std::string(ValidateConfig(c).message()), HasSubstr("internal_tls"));
  c.internal_tls.ca_file = "ca.pem";  // all three files, but nobody allowed to call
  EXPECT_THAT(std::string(ValidateConfig(c).message()), HasSubstr("internal_tls.gateway_identities"));
  c.internal_tls.gateway_identities = {"spiffe://docval.internal/gateway"};
  EXPECT_TRUE(ValidateConfig(c).ok()) << ValidateConfig(c);
  c = Config();
  c.internal_tls.gateway_identities = {"spiffe://docval.internal/gateway"};  // identities without TLS
  EXPECT_THAT(std::string(ValidateConfig(c).message()), HasSubstr("internal_tls.gateway_identities"));
  c = Config();
  c.health_listen = "nowhere";
  EXPECT_THAT(std::string(ValidateConfig(c).message()), HasSubstr("health_listen"));
  c = Config();
  c.handshake_authorization = true;
  EXPECT_THAT(std::string(ValidateConfig(c).message()), HasSubstr("handshake_authorization.tokens"));
  c = Config();
  c.trust.crl_expired = "ignore";
  EXPECT_THAT(std::string(ValidateConfig(c).message()), HasSubstr("trust.crl_expired"));
  c.trust.crl_expired = "warn";
  EXPECT_TRUE(ValidateConfig(c).ok()) << ValidateConfig(c);
  EXPECT_TRUE(ValidateConfig(EmbeddedDefaultConfig()).ok());
}

TEST(ConfigTest, EnvironmentOverridesTheFile) {
  Config c = EmbeddedDefaultConfig();
  ASSERT_TRUE(ApplyEnvironment(c, Env({{"CLIENT_IDS", "one;two"},
                                       {"RESULT_SERVER_URLS", "http://a/r;https://b/r"},
                                       {"WS_ENDPOINT_INCLUDE_BINARY_FILES_IN_RESULT", "true"},
                                       {"SERVER_NAME", "node-7"},
                                       {"RESULT_SERVER_SIGNING_KEY_PATH", "/k.pem"}}))
                  .ok());
  ASSERT_EQ(c.clients.size(), 2u);
  EXPECT_EQ(c.clients[0].client_id, "one");
  EXPECT_EQ(c.clients[1].result_server_url, "https://b/r");
  EXPECT_TRUE(c.include_binary_files);
  EXPECT_EQ(c.server_name, "node-7");
  EXPECT_EQ(c.signing_key_path, "/k.pem");
}

TEST(ConfigTest, TrustReloadIntervalIsAMinuteZeroTurnsItOff) {
  EXPECT_EQ(Config().trust.reload_interval, absl::Seconds(60));
  absl::StatusOr<Config> off = ParseConfigYaml("trust: {reload_interval_s: 0}", "f.yaml");
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_EQ(off->trust.reload_interval, absl::ZeroDuration());
  Config c;
  ASSERT_TRUE(ApplyEnvironment(c, Env({{"DOCVAL_TRUST_RELOAD_INTERVAL_S", "5"}})).ok());
  EXPECT_EQ(c.trust.reload_interval, absl::Seconds(5));
  EXPECT_THAT(std::string(ApplyEnvironment(c, Env({{"DOCVAL_TRUST_RELOAD_INTERVAL_S", "soon"}})).message()),
              HasSubstr("DOCVAL_TRUST_RELOAD_INTERVAL_S: must be a number of seconds from 0 (off) to 86400, "
                        "got \"soon\""));
  EXPECT_EQ(c.trust.reload_interval, absl::Seconds(5));
}

TEST(ConfigTest, EnvironmentErrorsAreSpecific) {
  Config c;
  EXPECT_THAT(
      std::string(ApplyEnvironment(c, Env({{"CLIENT_IDS", "a;b"}, {"RESULT_SERVER_URLS", "http://x"}})).message()),
      HasSubstr("pair up"));
  EXPECT_THAT(std::string(ApplyEnvironment(c, Env({{"CLIENT_IDS", "a"}})).message()),
              HasSubstr("CLIENT_IDS is set but RESULT_SERVER_URLS is not"));
  EXPECT_THAT(std::string(ApplyEnvironment(c, Env({{"RESULT_SERVER_URLS", "http://x"}})).message()),
              HasSubstr("RESULT_SERVER_URLS is set but CLIENT_IDS is not"));
  // An empty entry would pair every later URL with the wrong client.
  EXPECT_THAT(
      std::string(
          ApplyEnvironment(c, Env({{"CLIENT_IDS", "a;;b"}, {"RESULT_SERVER_URLS", "http://x;http://y"}})).message()),
      HasSubstr("CLIENT_IDS: entry 2 of 3 is empty"));
  Config trailing;
  ASSERT_TRUE(
      ApplyEnvironment(trailing, Env({{"CLIENT_IDS", "a;b;"}, {"RESULT_SERVER_URLS", "http://x; http://y"}})).ok());
  ASSERT_EQ(trailing.clients.size(), 2u);
  EXPECT_EQ(trailing.clients[1].result_server_url, "http://y");
  EXPECT_THAT(
      std::string(ApplyEnvironment(c, Env({{"WS_HANDSHAKE_AUTHORIZATION_VALIDATION_ENABLED", "perhaps"}})).message()),
      HasSubstr("WS_HANDSHAKE_AUTHORIZATION_VALIDATION_ENABLED"));
}

TEST(ConfigTest, HandshakeAuthorizationVariablesGoTogether) {
  // Enabled alone: the message says what is missing and where to put it.
  Config c;
  absl::Status s = ApplyEnvironment(c, Env({{"WS_HANDSHAKE_AUTHORIZATION_VALIDATION_ENABLED", "true"}}));
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("WS_HANDSHAKE_AUTHORIZATION_VALIDATION_ENABLED is true"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("DOCVAL_HANDSHAKE_TOKENS"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("handshake_authorization.tokens"));
  // With tokens from the environment or the file it is complete.
  c = Config();
  EXPECT_TRUE(ApplyEnvironment(c, Env({{"WS_HANDSHAKE_AUTHORIZATION_VALIDATION_ENABLED", "true"},
                                       {"DOCVAL_HANDSHAKE_TOKENS", "Bearer a;Bearer b"}}))
                  .ok());
  EXPECT_TRUE(c.handshake_authorization);
  EXPECT_THAT(c.handshake_tokens, testing::ElementsAre("Bearer a", "Bearer b"));
  c = Config();
  c.handshake_tokens = {"Bearer file"};
  EXPECT_TRUE(ApplyEnvironment(c, Env({{"WS_HANDSHAKE_AUTHORIZATION_VALIDATION_ENABLED", "true"}})).ok());
  // Tokens without enabling would silently not be checked.
  c = Config();
  s = ApplyEnvironment(c, Env({{"DOCVAL_HANDSHAKE_TOKENS", "Bearer a"}}));
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("DOCVAL_HANDSHAKE_TOKENS is set but handshake authorization is not enabled"));
  c = Config();
  EXPECT_TRUE(ApplyEnvironment(c, Env({{"DOCVAL_HANDSHAKE_TOKENS", "Bearer a"},
                                       {"WS_HANDSHAKE_AUTHORIZATION_VALIDATION_ENABLED", "false"}}))
                  .ok());
  // Enabled false alone is fine.
  c = Config();
  EXPECT_TRUE(ApplyEnvironment(c, Env({{"WS_HANDSHAKE_AUTHORIZATION_VALIDATION_ENABLED", "false"}})).ok());
}

TEST(ConfigTest, TracingKeysAndTheOtelVariables) {
  absl::StatusOr<Config> c = ParseConfigYaml(R"(
tracing:
  endpoint: http://collector:4318
  headers: "x-token=abc"
  service_name: docval-eu
  sampler: parentbased_traceidratio
  sampler_arg: "0.5"
  allow_diagnostics: false
  max_queued_spans: 100
  schedule_delay_s: 0.2
  export_timeout_s: 3
)", "t.yaml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->tracing.traces_endpoint.empty());
  EXPECT_EQ(c->tracing.endpoint, "http://collector:4318");
  EXPECT_EQ(c->tracing.headers, "x-token=abc");
  EXPECT_EQ(c->tracing.service_name, "docval-eu");
  EXPECT_EQ(c->tracing.sampler, "parentbased_traceidratio");
  EXPECT_EQ(c->tracing.sampler_arg, "0.5");
  EXPECT_FALSE(c->tracing.allow_diagnostics);
  EXPECT_EQ(c->tracing.max_queued_spans, 100);
  EXPECT_EQ(c->tracing.schedule_delay, absl::Milliseconds(200));
  EXPECT_EQ(c->tracing.export_timeout, absl::Seconds(3));
  ASSERT_TRUE(ApplyEnvironment(*c, Env({{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c2:4318/v1/traces"},
                                        {"OTEL_SERVICE_NAME", "docval-us"},
                                        {"OTEL_TRACES_SAMPLER", "always_off"}}))
                  .ok());
  EXPECT_EQ(c->tracing.traces_endpoint, "http://c2:4318/v1/traces");
  EXPECT_EQ(c->tracing.service_name, "docval-us");
  EXPECT_EQ(c->tracing.sampler, "always_off");
  ASSERT_TRUE(ApplyEnvironment(*c, Env({{"OTEL_SDK_DISABLED", "true"}})).ok());
  EXPECT_TRUE(c->tracing.endpoint.empty() && c->tracing.traces_endpoint.empty());
  EXPECT_FALSE(ParseConfigYaml("tracing: {endpoint: x, colour: red}", "t.yaml").ok());
}

TEST(ConfigTest, EmptySigningKeyPathMeansUnsigned) {
  Config c;
  c.signing_key_path = "/from/file.pem";
  ASSERT_TRUE(ApplyEnvironment(c, Env({{"RESULT_SERVER_SIGNING_KEY_PATH", "  "}})).ok());
  EXPECT_EQ(c.signing_key_path, "");
  EXPECT_TRUE(ValidateConfig(c).ok());
}

TEST(ConfigTest, HostPort) {
  EXPECT_EQ(*ParseHostPort("127.0.0.1:0"), std::make_pair(std::string("127.0.0.1"), 0));
  EXPECT_EQ(*ParseHostPort("[::1]:8080"), std::make_pair(std::string("::1"), 8080));
  EXPECT_FALSE(ParseHostPort("localhost").ok());
  EXPECT_FALSE(ParseHostPort("a:70000").ok());
}

}  // namespace
}  // namespace docval
