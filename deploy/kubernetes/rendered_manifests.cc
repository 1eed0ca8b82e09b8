#include "deploy/kubernetes/rendered_manifests.h"

#include <cstdio>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace docval::deploy {
namespace {

absl::StatusOr<std::string> Capture(const std::string& command) {
  FILE* p = ::popen(absl::StrCat(command, " 2>&1").c_str(), "r");
  if (p == nullptr) return absl::InternalError(absl::StrCat("cannot run ", command));
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  int status = ::pclose(p);
  if (status != 0) return absl::InternalError(absl::StrCat(command, " failed (", status, "):\n", out));
  return out;
}

}  // namespace

std::vector<std::string> ListenKeysOf(const std::string& role) {
  if (role == "gateway") return {"listen", "metrics_listen"};
  if (role == "validator") return {"validator_listen", "metrics_listen", "health_listen"};
  if (role == "poster") return {"poster_listen", "metrics_listen", "health_listen"};
  return {};
}

std::map<std::string, std::string> LabelsOf(const YAML::Node& map) {
  std::map<std::string, std::string> out;
  if (!map || !map.IsMap()) return out;
  for (const auto& kv : map) out[kv.first.as<std::string>()] = kv.second.as<std::string>();
  return out;
}

bool LabelsMatch(const std::map<std::string, std::string>& want, const std::map<std::string, std::string>& labels) {
  for (const auto& [k, v] : want) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  return true;
}

bool SelectorMatches(const YAML::Node& selector, const std::map<std::string, std::string>& labels) {
  if (!selector || selector.IsNull()) return true;
  if (selector["matchExpressions"]) return false;  // not used by these manifests; refuse rather than guess
  return LabelsMatch(LabelsOf(selector["matchLabels"]), labels);
}

std::optional<int> ResolvePort(const YAML::Node& container, const YAML::Node& port) {
  if (!port) return std::nullopt;
  int number = 0;
  bool numeric = absl::SimpleAtoi(port.as<std::string>(), &number);
  for (const YAML::Node& p : container["ports"]) {
    int cp = p["containerPort"].as<int>();
    if (numeric ? cp == number : (p["name"] && p["name"].as<std::string>() == port.as<std::string>())) return cp;
  }
  return std::nullopt;
}

absl::StatusOr<int> PreStopSleepSeconds(const YAML::Node& container) {
  YAML::Node pre = container["lifecycle"]["preStop"];
  if (!pre) return 0;
  YAML::Node cmd = pre["exec"]["command"];
  int seconds = 0;
  if (!cmd || cmd.size() != 2 || cmd[0].as<std::string>() != "/bin/sleep" ||
      !absl::SimpleAtoi(cmd[1].as<std::string>(), &seconds)) {
    return absl::InvalidArgumentError("preStop is not exec [/bin/sleep, N]");
  }
  return seconds;
}

absl::StatusOr<std::pair<std::string, int>> ParseGrpcTarget(const std::string& target) {
  absl::string_view t = target;
  absl::ConsumePrefix(&t, "dns:///");
  return ParseHostPort(t);
}

YAML::Node VolumeForPath(const YAML::Node& pod, const YAML::Node& container, const std::string& path) {
  for (const YAML::Node& m : container["volumeMounts"]) {
    std::string dir = m["mountPath"].as<std::string>();
    if (m["subPath"] || !absl::StartsWith(path, dir + "/")) continue;
    for (const YAML::Node& v : pod["volumes"]) {
      if (v["name"].as<std::string>() == m["name"].as<std::string>()) return v;
    }
  }
  return YAML::Node();
}

absl::StatusOr<RenderedManifests> RenderedManifests::Render(const std::string& kubectl,
                                                            const std::string& overlay_dir) {
  absl::StatusOr<std::string> out = Capture(absl::StrCat("'", kubectl, "' kustomize '", overlay_dir, "'"));
  if (!out.ok()) return out.status();
  RenderedManifests r;
  try {
    for (YAML::Node& d : YAML::LoadAll(*out)) {
      if (d && !d.IsNull()) r.docs_.push_back(d);
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("rendered YAML does not parse: ", e.what()));
  }
  absl::Status s = r.ReadRoles();
  if (!s.ok()) return s;
  return r;
}

std::vector<YAML::Node> RenderedManifests::OfKind(const std::string& kind) const {
  std::vector<YAML::Node> out;
  for (const YAML::Node& d : docs_) {
    if (d["kind"].as<std::string>() == kind) out.push_back(d);
  }
  return out;
}

YAML::Node RenderedManifests::Find(const std::string& kind, const std::string& name) const {
  for (const YAML::Node& d : OfKind(kind)) {
    if (d["metadata"]["name"].as<std::string>() == name) return d;
  }
  return YAML::Node();
}

const RoleDeployment* RenderedManifests::Role(const std::string& role) const {
  for (const RoleDeployment& r : roles_) {
    if (r.role == role) return &r;
  }
  return nullptr;
}

absl::Status RenderedManifests::ReadRoles() {
  for (const YAML::Node& d : OfKind("Deployment")) {
    RoleDeployment r;
    r.deployment = d;
    r.pod = d["spec"]["template"]["spec"];
    std::string name = d["metadata"]["name"].as<std::string>();
    if (r.pod["containers"].size() != 1) return absl::InvalidArgumentError(name + ": expected one container");
    r.container = r.pod["containers"][0];
    r.pod_labels = LabelsOf(d["spec"]["template"]["metadata"]["labels"]);
    YAML::Node args = r.container["args"];
    if (!args || args.size() != 3 || args[1].as<std::string>() != "--config") {
      return absl::InvalidArgumentError(name + ": args are not [ROLE, --config, FILE]");
    }
    r.role = args[0].as<std::string>();
    std::string config_path = args[2].as<std::string>();
    // The config file: a key of the ConfigMap mounted over its directory.
    YAML::Node volume = VolumeForPath(r.pod, r.container, config_path);
    if (!volume || !volume["configMap"]) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": ", config_path, " is not in a mounted ConfigMap"));
    }
    YAML::Node cm = Find("ConfigMap", volume["configMap"]["name"].as<std::string>());
    std::string key = config_path.substr(config_path.rfind('/') + 1);
    if (!cm || !cm["data"][key]) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": the ConfigMap has no key ", key));
    }
    absl::StatusOr<Config> c = ParseConfigYaml(cm["data"][key].as<std::string>(), config_path);
    if (!c.ok()) return c.status();
    r.config = *std::move(c);
    for (const YAML::Node& e : r.container["env"]) {
      if (e["value"]) r.env[e["name"].as<std::string>()] = e["value"].as<std::string>();
    }
    absl::Status s = ApplyEnvironment(r.config, [&](const char* var) -> std::optional<std::string> {
      auto it = r.env.find(var);
      if (it == r.env.end()) return std::nullopt;
      return it->second;
    });
    if (!s.ok()) return s;
    s = ValidateConfig(r.config);
    if (!s.ok()) return absl::InvalidArgumentError(absl::StrCat(name, ": ", s.message()));
    for (const std::string& k : ListenKeysOf(r.role)) {
      std::string address = k == "listen"             ? r.config.listen
                            : k == "metrics_listen"    ? r.config.metrics_listen
                            : k == "validator_listen"  ? r.config.validator_listen
                            : k == "poster_listen"     ? r.config.poster_listen
                                                       : r.config.health_listen;
      if (address.empty()) continue;  // health_listen unset: not opened
      absl::StatusOr<std::pair<std::string, int>> hp = ParseHostPort(address);
      if (!hp.ok()) return hp.status();
      r.opened.push_back(OpenedPort{k, hp->first, hp->second});
    }
    roles_.push_back(std::move(r));
  }
  return absl::OkStatus();
}

}  // namespace docval::deploy
