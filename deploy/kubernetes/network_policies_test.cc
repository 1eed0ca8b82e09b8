// The NetworkPolicies of deploy/kubernetes evaluated (Kubernetes semantics: a pod selected by a policy
// of a direction allows only what some rule of those policies allows) for every port each role's
// process opens with the shipped configuration, against peers inside and outside the cluster:
// only the gateway is reachable from outside, validators and posters only from the gateway, metrics
// only from the monitoring namespace; only the poster reaches out (HTTPS), validators reach nothing.
#include <arpa/inet.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/testing/paths.h"
#include "deploy/kubernetes/rendered_manifests.h"
#include "gtest/gtest.h"

namespace docval::deploy {
namespace {

constexpr char kNamespace[] = "docval";  // where the base lands; the policies select within it

struct Peer {
  std::string name;
  std::string ns;  // empty: outside the cluster
  std::map<std::string, std::string> labels;
  std::string ip;  // outside the cluster only
};

std::map<std::string, std::string> NamespaceLabels(const std::string& ns) {
  return {{"kubernetes.io/metadata.name", ns}};
}

bool InCidr(const std::string& ip, const std::string& cidr) {
  std::vector<std::string> parts = absl::StrSplit(cidr, '/');
  int bits = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[1], &bits)) return false;
  in_addr a{}, net{};
  if (inet_pton(AF_INET, ip.c_str(), &a) != 1)
    return parts[0] == "::" && bits == 0 && ip.find(':') != std::string::npos;
  if (inet_pton(AF_INET, parts[0].c_str(), &net) != 1) return false;
  uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
  return (ntohl(a.s_addr) & mask) == (ntohl(net.s_addr) & mask);
}

bool PeerMatches(const YAML::Node& rule_peer, const Peer& p) {
  if (rule_peer["ipBlock"]) {
    if (!p.ns.empty()) return false;  // pod IPs: implementation-defined; these rules target the outside
    if (!InCidr(p.ip, rule_peer["ipBlock"]["cidr"].as<std::string>())) return false;
    for (const YAML::Node& e : rule_peer["ipBlock"]["except"]) {
      if (InCidr(p.ip, e.as<std::string>())) return false;
    }
    return true;
  }
  if (p.ns.empty()) return false;
  YAML::Node ns_sel = rule_peer["namespaceSelector"], pod_sel = rule_peer["podSelector"];
  bool ns_ok = ns_sel ? SelectorMatches(ns_sel, NamespaceLabels(p.ns)) : p.ns == kNamespace;
  bool pod_ok = pod_sel ? SelectorMatches(pod_sel, p.labels) : true;
  return ns_ok && pod_ok;
}

bool PortMatches(const YAML::Node& rule_ports, int port, const std::string& protocol, const YAML::Node& dst_container) {
  if (!rule_ports || rule_ports.size() == 0) return true;
  for (const YAML::Node& rp : rule_ports) {
    if (rp["protocol"].as<std::string>("TCP") != protocol) continue;
    if (!rp["port"]) return true;
    int n = 0;
    if (absl::SimpleAtoi(rp["port"].as<std::string>(), &n) ? n == port
                                                           : ResolvePort(dst_container, rp["port"]) == port) {
      return true;
    }
  }
  return false;
}

class Policies {
 public:
  explicit Policies(std::vector<YAML::Node> p) : policies_(std::move(p)) {}

  // Whether the policies of `pod_labels`'s pod allow traffic in `direction` ("Ingress": from `peer`,
  // "Egress": to `peer`) on port/protocol. `port_owner` resolves named ports (the receiving container).
  bool Allows(const std::string& direction, const std::map<std::string, std::string>& pod_labels, const Peer& peer,
              int port, const std::string& protocol, const YAML::Node& port_owner) const {
    bool isolated = false;
    for (const YAML::Node& pol : policies_) {
      if (!SelectorMatches(pol["spec"]["podSelector"], pod_labels)) continue;
      bool has_direction = false;
      for (const YAML::Node& t : pol["spec"]["policyTypes"]) has_direction |= t.as<std::string>() == direction;
      if (!has_direction) continue;
      isolated = true;
      const char* rules_key = direction == "Ingress" ? "ingress" : "egress";
      const char* peers_key = direction == "Ingress" ? "from" : "to";
      for (const YAML::Node& rule : pol["spec"][rules_key]) {
        bool peer_ok = !rule[peers_key] || rule[peers_key].size() == 0;
        for (const YAML::Node& rp : rule[peers_key]) peer_ok |= PeerMatches(rp, peer);
        if (peer_ok && PortMatches(rule["ports"], port, protocol, port_owner)) return true;
      }
    }
    return !isolated;
  }

 private:
  std::vector<YAML::Node> policies_;
};

class NetworkPoliciesTest : public testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    absl::StatusOr<RenderedManifests> r =
        RenderedManifests::Render(DOCVAL_KUBECTL, absl::StrCat(docval::SourcePath("deploy/kubernetes/"), GetParam()));
    ASSERT_TRUE(r.ok()) << r.status();
    m_ = *std::move(r);
    for (const char* role : {"gateway", "validator", "poster"}) {
      const RoleDeployment* d = m_.Role(role);
      ASSERT_NE(d, nullptr) << role;
      peers_.push_back(Peer{role, kNamespace, d->pod_labels, ""});
    }
    peers_.push_back(Peer{"another pod of the namespace", kNamespace, {{"app", "intruder"}}, ""});
    peers_.push_back(Peer{"a pod of another namespace", "shop", {{"app", "intruder"}}, ""});
    peers_.push_back(Peer{"prometheus", "monitoring", {{"app", "prometheus"}}, ""});
    peers_.push_back(Peer{"kube-dns", "kube-system", {{"k8s-app", "kube-dns"}}, ""});
    peers_.push_back(Peer{"the internet", "", {}, "203.0.113.7"});
    peers_.push_back(Peer{"the internet (IPv6)", "", {}, "2001:db8::7"});
  }

  const Peer& PeerNamed(const std::string& name) const {
    for (const Peer& p : peers_) {
      if (p.name == name) return p;
    }
    ADD_FAILURE() << "no peer " << name;
    return peers_.front();
  }

  RenderedManifests m_;
  std::vector<Peer> peers_;
};

// Who may open a connection to each port a process listens on (and to a port nothing listens on).
TEST_P(NetworkPoliciesTest, IngressOnlyFromTheRolesThatCall) {
  Policies pol(m_.OfKind("NetworkPolicy"));
  for (const RoleDeployment& r : m_.roles()) {
    std::vector<OpenedPort> ports = r.opened;
    ports.push_back(OpenedPort{"(nothing listens)", "0.0.0.0", 2222});
    for (const OpenedPort& port : ports) {
      for (const Peer& peer : peers_) {
        bool expected = false;
        if (port.key == "listen") expected = true;  // the public WebSocket port: everyone
        if (port.key == "metrics_listen") expected = peer.name == "prometheus";
        if (port.key == "validator_listen" || port.key == "poster_listen") expected = peer.name == "gateway";
        // health_listen: the kubelet's probes come from the node, outside NetworkPolicy; nobody else.
        EXPECT_EQ(pol.Allows("Ingress", r.pod_labels, peer, port.port, "TCP", r.container), expected)
            << peer.name << " -> " << r.role << " " << port.key << " (" << port.port << ")";
      }
    }
  }
}

// Where each role may connect: the gateway to the validators, the posters and DNS; the poster to
// HTTPS anywhere and DNS; the validator nowhere. And the receiving side lets the gateway in.
TEST_P(NetworkPoliciesTest, EgressOnlyWhereEachRoleMustGo) {
  Policies pol(m_.OfKind("NetworkPolicy"));
  const RoleDeployment* gw = m_.Role("gateway");
  const RoleDeployment* validator = m_.Role("validator");
  const RoleDeployment* poster = m_.Role("poster");
  int validator_port = ParseGrpcTarget(gw->config.validator_address)->second;
  int poster_port = ParseGrpcTarget(gw->config.poster_address)->second;
  struct Case {
    const RoleDeployment* from;
    std::string to;
    int port;
    std::string protocol;
    bool expected;
  };
  std::vector<Case> cases = {
      {gw, "validator", validator_port, "TCP", true},
      {gw, "poster", poster_port, "TCP", true},
      {gw, "kube-dns", 53, "UDP", true},
      {gw, "kube-dns", 53, "TCP", true},
      {gw, "the internet", 443, "TCP", false},
      {gw, "validator", 9090, "TCP", false},
      {gw, "another pod of the namespace", 8080, "TCP", false},
      {poster, "the internet", 443, "TCP", true},
      {poster, "the internet (IPv6)", 443, "TCP", true},
      {poster, "kube-dns", 53, "UDP", true},
      {poster, "the internet", 80, "TCP", false},
      {poster, "the internet", 25, "TCP", false},
      {poster, "validator", validator_port, "TCP", false},
      {poster, "gateway", 8080, "TCP", false},
      {validator, "kube-dns", 53, "UDP", false},
      {validator, "the internet", 443, "TCP", false},
      {validator, "poster", poster_port, "TCP", false},
      {validator, "gateway", 8080, "TCP", false},
  };
  for (const Case& c : cases) {
    const Peer& to = PeerNamed(c.to);
    const RoleDeployment* dst = m_.Role(c.to);
    YAML::Node owner = dst ? dst->container : YAML::Node();
    EXPECT_EQ(pol.Allows("Egress", c.from->pod_labels, to, c.port, c.protocol, owner), c.expected)
        << c.from->role << " -> " << c.to << ":" << c.port << "/" << c.protocol;
  }
  // Both ends agree for the calls DocVal makes.
  EXPECT_TRUE(
      pol.Allows("Ingress", validator->pod_labels, PeerNamed("gateway"), validator_port, "TCP", validator->container));
  EXPECT_TRUE(pol.Allows("Ingress", poster->pod_labels, PeerNamed("gateway"), poster_port, "TCP", poster->container));
}

// A pod added to the release later (any label set carrying the part-of label) is isolated both ways
// until a policy of its own allows something.
TEST_P(NetworkPoliciesTest, NewDocValPodsStartIsolated) {
  Policies pol(m_.OfKind("NetworkPolicy"));
  std::map<std::string, std::string> newcomer = {{"app", "docval-new"}, {"app.kubernetes.io/part-of", "docval"}};
  for (const Peer& peer : peers_) {
    EXPECT_FALSE(pol.Allows("Ingress", newcomer, peer, 8080, "TCP", YAML::Node())) << peer.name;
    EXPECT_FALSE(pol.Allows("Egress", newcomer, peer, 443, "TCP", YAML::Node())) << peer.name;
  }
  for (const RoleDeployment& r : m_.roles()) {
    EXPECT_EQ(r.pod_labels.count("app.kubernetes.io/part-of"), 1u) << r.role;
  }
}

INSTANTIATE_TEST_SUITE_P(Overlays, NetworkPoliciesTest, testing::Values("base", "example"));

}  // namespace
}  // namespace docval::deploy
