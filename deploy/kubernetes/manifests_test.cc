// deploy/kubernetes read against the code: the ports each role's process opens with the shipped
// configuration (common/config, the same parser the binary uses) against containerPorts, probes and
// Services; grace periods against the drain times; the Kubernetes details of docs/operations.md
// (HPA without replicas, PDBs, startup probes, topology spread, the "restricted" Pod Security
// Standard, internal mTLS certificates and identities, the optional signing key).
// The NetworkPolicies are checked in network_policies_test.cc.
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/testing/paths.h"
#include "deploy/kubernetes/rendered_manifests.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace docval::deploy {
namespace {

using ::testing::Contains;

const char* const kOverlays[] = {"base", "example"};

RenderedManifests RenderOrDie(const std::string& overlay) {
  absl::StatusOr<RenderedManifests> r =
      RenderedManifests::Render(DOCVAL_KUBECTL, absl::StrCat(docval::SourcePath("deploy/kubernetes/"), overlay));
  if (!r.ok()) {
    ADD_FAILURE() << r.status();
    return RenderedManifests();
  }
  return *std::move(r);
}

// How long a stopping process of `role` keeps working after SIGTERM (docs/configuration.md): the
// poster's delivery.drain_s; the validator's validator.drain_s (ValidatorDrain: timeouts.session_s + 15 s
// unless set); the gateway's, timeouts.session_s + 15 s.
absl::Duration DrainTime(const std::string& role, const Config& c) {
  if (role == "poster") return c.delivery.drain;
  if (role == "validator") return ValidatorDrain(c);
  return c.timeouts.session + absl::Seconds(15);
}

class ManifestsTest : public testing::TestWithParam<const char*> {
 protected:
  void SetUp() override { m_ = RenderOrDie(GetParam()); }
  RenderedManifests m_;
};

TEST_P(ManifestsTest, EveryRoleIsDeployedOnce) {
  std::multiset<std::string> roles;
  for (const RoleDeployment& r : m_.roles()) roles.insert(r.role);
  EXPECT_EQ(roles, (std::multiset<std::string>{"gateway", "poster", "validator"}));
}

// containerPorts are exactly the ports the process opens, on an address reachable from outside the pod.
TEST_P(ManifestsTest, ContainerPortsAreThePortsTheProcessOpens) {
  for (const RoleDeployment& r : m_.roles()) {
    SCOPED_TRACE(r.role);
    std::set<int> opened, declared;
    for (const OpenedPort& p : r.opened) {
      EXPECT_THAT((std::set<std::string>{"0.0.0.0", "::"}), Contains(p.host)) << p.key << " listens on " << p.host;
      opened.insert(p.port);
    }
    for (const YAML::Node& p : r.container["ports"]) declared.insert(p["containerPort"].as<int>());
    EXPECT_EQ(declared, opened);
    // The plaintext health port is what makes gRPC probes work under mutual TLS.
    if (r.role != "gateway") {
      EXPECT_FALSE(r.config.health_listen.empty());
    }
  }
}

// Probes ask ports that answer them: gRPC probes the plaintext health port (never the mTLS port),
// HTTP probes the gateway's /healthz and /readyz, TCP any opened port. All three probes are set.
TEST_P(ManifestsTest, ProbesMatchThePortsAndProtocols) {
  for (const RoleDeployment& r : m_.roles()) {
    for (const char* kind : {"startupProbe", "readinessProbe", "livenessProbe"}) {
      SCOPED_TRACE(absl::StrCat(r.role, " ", kind));
      YAML::Node probe = r.container[kind];
      ASSERT_TRUE(probe) << "missing";
      std::optional<int> port;
      if (probe["grpc"]) {
        port = ResolvePort(r.container, probe["grpc"]["port"]);
        ASSERT_FALSE(r.config.health_listen.empty());
        EXPECT_EQ(port, ParseHostPort(r.config.health_listen)->second) << "gRPC probes need the plaintext health port";
      } else if (probe["httpGet"]) {
        ASSERT_EQ(r.role, "gateway");
        port = ResolvePort(r.container, probe["httpGet"]["port"]);
        EXPECT_EQ(port, ParseHostPort(r.config.listen)->second);
        std::string path = probe["httpGet"]["path"].as<std::string>();
        EXPECT_EQ(path, std::string(kind) == "readinessProbe" ? "/readyz" : "/healthz");
        std::string scheme = probe["httpGet"]["scheme"] ? probe["httpGet"]["scheme"].as<std::string>() : "HTTP";
        EXPECT_EQ(scheme, r.config.tls.certificate_file.empty() ? "HTTP" : "HTTPS");
      } else if (probe["tcpSocket"]) {
        port = ResolvePort(r.container, probe["tcpSocket"]["port"]);
        EXPECT_TRUE(port.has_value());
      } else {
        ADD_FAILURE() << "unknown probe type";
      }
      ASSERT_TRUE(port.has_value()) << "the probe's port is not a containerPort";
      // A draining process is NOT_SERVING but alive: liveness must not ask the serving status.
      if (std::string(kind) == "livenessProbe") {
        EXPECT_FALSE(probe["grpc"]) << "liveness on the serving status";
      }
    }
  }
}

// The gateway dials validator_address and poster_address: Services that exist, select those pods,
// are headless (round robin over every pod) and lead to the ports those processes listen on.
TEST_P(ManifestsTest, GatewayTargetsReachTheServers) {
  const RoleDeployment* gw = m_.Role("gateway");
  ASSERT_NE(gw, nullptr);
  for (auto [target, role] : std::vector<std::pair<std::string, std::string>>{
           {gw->config.validator_address, "validator"}, {gw->config.poster_address, "poster"}}) {
    SCOPED_TRACE(target);
    const RoleDeployment* server = m_.Role(role);
    ASSERT_NE(server, nullptr);
    absl::StatusOr<std::pair<std::string, int>> t = ParseGrpcTarget(target);
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_TRUE(absl::StartsWith(target, "dns:///")) << "round robin needs the dns resolver";
    YAML::Node svc = m_.Find("Service", t->first);
    ASSERT_TRUE(svc) << "no Service " << t->first;
    EXPECT_EQ(svc["spec"]["clusterIP"].as<std::string>(""), "None") << "headless, so DNS lists every pod";
    EXPECT_TRUE(LabelsMatch(LabelsOf(svc["spec"]["selector"]), server->pod_labels));
    int listen =
        ParseHostPort(role == "validator" ? server->config.validator_listen : server->config.poster_listen)->second;
    bool found = false;
    for (const YAML::Node& p : svc["spec"]["ports"]) {
      if (p["port"].as<int>() != t->second) continue;
      found = true;
      EXPECT_EQ(ResolvePort(server->container, p["targetPort"]), listen);
    }
    EXPECT_TRUE(found) << "the Service has no port " << t->second;
  }
}

// Every Service port leads to a port its pods open.
TEST_P(ManifestsTest, ServicesTargetOpenedPorts) {
  for (const YAML::Node& svc : m_.OfKind("Service")) {
    SCOPED_TRACE(svc["metadata"]["name"].as<std::string>());
    int selected = 0;
    for (const RoleDeployment& r : m_.roles()) {
      if (!LabelsMatch(LabelsOf(svc["spec"]["selector"]), r.pod_labels)) continue;
      ++selected;
      for (const YAML::Node& p : svc["spec"]["ports"]) {
        EXPECT_TRUE(ResolvePort(r.container, p["targetPort"]).has_value());
      }
    }
    EXPECT_EQ(selected, 1);
  }
}

// SIGTERM comes after preStop; the process then drains; the grace period must cover both, or the
// kubelet kills sessions the drain would have finished.
TEST_P(ManifestsTest, GracePeriodsCoverPreStopAndDrain) {
  for (const RoleDeployment& r : m_.roles()) {
    SCOPED_TRACE(r.role);
    absl::StatusOr<int> pre_stop = PreStopSleepSeconds(r.container);
    ASSERT_TRUE(pre_stop.ok()) << pre_stop.status();
    EXPECT_GE(*pre_stop, 1) << "a preStop pause lets endpoints drop the pod before SIGTERM";
    int grace = r.pod["terminationGracePeriodSeconds"].as<int>(30);
    int64_t drain = absl::ToInt64Seconds(DrainTime(r.role, r.config));
    EXPECT_GE(grace, *pre_stop + drain + 5) << "preStop " << *pre_stop << " s + drain " << drain << " s + 5 s to exit";
    // Not absurdly more either: a stuck pod should not hold a rollout for long.
    EXPECT_LE(grace, *pre_stop + drain + 30);
  }
}

TEST_P(ManifestsTest, AutoscaledDeploymentsLeaveReplicasToTheHpa) {
  std::vector<YAML::Node> hpas = m_.OfKind("HorizontalPodAutoscaler");
  EXPECT_FALSE(hpas.empty());
  for (const YAML::Node& hpa : hpas) {
    YAML::Node target = m_.Find("Deployment", hpa["spec"]["scaleTargetRef"]["name"].as<std::string>());
    ASSERT_TRUE(target) << "HPA target missing";
    EXPECT_FALSE(target["spec"]["replicas"]) << target["metadata"]["name"] << " sets replicas under an HPA";
  }
}

// Each role has a PodDisruptionBudget that selects its pods and still lets a node drain.
TEST_P(ManifestsTest, EveryRoleHasAPodDisruptionBudget) {
  for (const RoleDeployment& r : m_.roles()) {
    SCOPED_TRACE(r.role);
    int budgets = 0;
    for (const YAML::Node& pdb : m_.OfKind("PodDisruptionBudget")) {
      if (!SelectorMatches(pdb["spec"]["selector"], r.pod_labels)) continue;
      ++budgets;
      ASSERT_TRUE(pdb["spec"]["maxUnavailable"]) << "maxUnavailable (minAvailable can block every eviction)";
      EXPECT_GE(pdb["spec"]["maxUnavailable"].as<int>(), 1);
    }
    EXPECT_EQ(budgets, 1);
  }
}

TEST_P(ManifestsTest, PodsSpreadOverZonesAndNodes) {
  for (const RoleDeployment& r : m_.roles()) {
    SCOPED_TRACE(r.role);
    std::set<std::string> keys;
    for (const YAML::Node& t : r.pod["topologySpreadConstraints"]) {
      EXPECT_TRUE(SelectorMatches(t["labelSelector"], r.pod_labels));
      EXPECT_EQ(LabelsOf(t["labelSelector"]["matchLabels"]).size(), 1u) << "selects this role's pods only";
      keys.insert(t["topologyKey"].as<std::string>());
    }
    EXPECT_EQ(keys, (std::set<std::string>{"kubernetes.io/hostname", "topology.kubernetes.io/zone"}));
  }
}

// The "restricted" Pod Security Standard (and a read-only root file system, no API token).
TEST_P(ManifestsTest, PodsMeetTheRestrictedPodSecurityStandard) {
  for (const RoleDeployment& r : m_.roles()) {
    SCOPED_TRACE(r.role);
    YAML::Node psc = r.pod["securityContext"], csc = r.container["securityContext"];
    EXPECT_TRUE(psc["runAsNonRoot"].as<bool>(false) || csc["runAsNonRoot"].as<bool>(false));
    EXPECT_NE(psc["runAsUser"].as<int>(-1), 0);
    std::string seccomp =
        csc["seccompProfile"]["type"].as<std::string>(psc["seccompProfile"]["type"].as<std::string>(""));
    EXPECT_THAT((std::set<std::string>{"RuntimeDefault", "Localhost"}), Contains(seccomp));
    EXPECT_FALSE(csc["allowPrivilegeEscalation"].as<bool>(true));
    std::vector<std::string> drop;
    for (const YAML::Node& c : csc["capabilities"]["drop"]) drop.push_back(c.as<std::string>());
    EXPECT_THAT(drop, Contains("ALL"));
    EXPECT_FALSE(csc["capabilities"]["add"]);
    EXPECT_FALSE(csc["privileged"].as<bool>(false));
    EXPECT_TRUE(csc["readOnlyRootFilesystem"].as<bool>(false));
    for (const char* host : {"hostNetwork", "hostPID", "hostIPC"}) {
      EXPECT_FALSE(r.pod[host].as<bool>(false)) << host;
    }
    for (const YAML::Node& p : r.container["ports"]) {
      EXPECT_FALSE(p["hostPort"]);
    }
    for (const YAML::Node& v : r.pod["volumes"]) {
      EXPECT_TRUE(v["configMap"] || v["secret"] || v["emptyDir"] || v["projected"]) << v["name"];
    }
    EXPECT_FALSE(r.pod["automountServiceAccountToken"].as<bool>(true));
    std::string sa = r.pod["serviceAccountName"].as<std::string>("");
    EXPECT_TRUE(m_.Find("ServiceAccount", sa)) << "service account " << sa;
  }
}

// Mutual TLS is on, each role reads its certificate from a Secret mounted as a directory (so
// rotation reaches the files), and every role has a Secret of its own.
TEST_P(ManifestsTest, InternalTlsFromOneSecretPerRole) {
  std::set<std::string> secrets;
  for (const RoleDeployment& r : m_.roles()) {
    SCOPED_TRACE(r.role);
    const InternalTlsConfig& t = r.config.internal_tls;
    ASSERT_TRUE(t.enabled());
    EXPECT_FALSE(t.gateway_identities.empty());
    std::string secret;
    for (const std::string& path : {t.certificate_file, t.private_key_file, t.ca_file}) {
      YAML::Node v = VolumeForPath(r.pod, r.container, path);
      ASSERT_TRUE(v && v["secret"]) << path << " is not in a mounted Secret (without subPath)";
      EXPECT_FALSE(v["secret"]["optional"].as<bool>(false));
      if (secret.empty()) secret = v["secret"]["secretName"].as<std::string>();
      EXPECT_EQ(v["secret"]["secretName"].as<std::string>(), secret) << "certificate, key and CA from one Secret";
    }
    EXPECT_TRUE(secrets.insert(secret).second) << secret << " is shared with another role";
  }
}

// With cert-manager (the example): the gateway's certificate carries a gateway identity, no other
// role's does, and the servers' certificates name the hosts the gateway dials.
TEST(ExampleOverlayTest, CertificatesCarryTheRightIdentities) {
  RenderedManifests m = RenderOrDie("example");
  std::map<std::string, YAML::Node> by_secret;
  for (const YAML::Node& c : m.OfKind("Certificate")) by_secret[c["spec"]["secretName"].as<std::string>()] = c;
  const RoleDeployment* gw = m.Role("gateway");
  ASSERT_NE(gw, nullptr);
  for (const RoleDeployment& r : m.roles()) {
    SCOPED_TRACE(r.role);
    YAML::Node v = VolumeForPath(r.pod, r.container, r.config.internal_tls.certificate_file);
    ASSERT_TRUE(v);
    YAML::Node cert = by_secret[v["secret"]["secretName"].as<std::string>()];
    ASSERT_TRUE(cert) << "no Certificate writes " << v["secret"]["secretName"];
    std::set<std::string> names;
    for (const char* field : {"dnsNames", "uris"}) {
      for (const YAML::Node& n : cert["spec"][field]) names.insert(n.as<std::string>());
    }
    bool is_gateway = false;
    for (const std::string& id : r.config.internal_tls.gateway_identities) is_gateway |= names.count(id) > 0;
    EXPECT_EQ(is_gateway, r.role == "gateway");
    std::vector<std::string> usages;
    for (const YAML::Node& u : cert["spec"]["usages"]) usages.push_back(u.as<std::string>());
    EXPECT_THAT(usages, Contains(r.role == "gateway" ? "client auth" : "server auth"));
    if (r.role != "gateway") {
      std::string target = r.role == "validator" ? gw->config.validator_address : gw->config.poster_address;
      EXPECT_THAT(names, Contains(ParseGrpcTarget(target)->first)) << "hostname verification of " << target;
    }
  }
}

// The signing key is optional for real: without the example's patch, nothing points at a key file;
// with it, the path and the (then required) Secret come together.
TEST(ManifestsSigningTest, SigningKeyPathOnlyWithItsSecret) {
  for (const char* overlay : kOverlays) {
    SCOPED_TRACE(overlay);
    RenderedManifests m = RenderOrDie(overlay);
    const RoleDeployment* poster = m.Role("poster");
    ASSERT_NE(poster, nullptr);
    const std::string& path = poster->config.signing_key_path;
    if (std::string(overlay) == "base") {
      EXPECT_EQ(path, "");
      for (const YAML::Node& v : poster->pod["volumes"]) {
        EXPECT_FALSE(v["secret"] && v["secret"]["secretName"].as<std::string>() == "docval-signing-key");
      }
    } else {
      ASSERT_NE(path, "");
      YAML::Node v = VolumeForPath(poster->pod, poster->container, path);
      ASSERT_TRUE(v && v["secret"]) << path;
      EXPECT_EQ(v["secret"]["secretName"].as<std::string>(), "docval-signing-key");
      EXPECT_FALSE(v["secret"]["optional"].as<bool>(false)) << "a path to a file that may be absent";
    }
  }
}

TEST(ExampleOverlayTest, NamespaceEnforcesTheRestrictedStandard) {
  RenderedManifests m = RenderOrDie("example");
  YAML::Node ns = m.Find("Namespace", "docval");
  ASSERT_TRUE(ns);
  EXPECT_EQ(ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"].as<std::string>(""), "restricted");
  for (const YAML::Node& d : m.documents()) {
    if (d["kind"].as<std::string>() == "Namespace") continue;
    EXPECT_EQ(d["metadata"]["namespace"].as<std::string>(""), "docval") << d["kind"] << " " << d["metadata"]["name"];
  }
}

INSTANTIATE_TEST_SUITE_P(Overlays, ManifestsTest, testing::ValuesIn(kOverlays));

}  // namespace
}  // namespace docval::deploy
