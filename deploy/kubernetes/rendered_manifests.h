// Test support for deploy/kubernetes: an overlay rendered with `kubectl kustomize` and read back, with
// the DocVal configuration each Deployment runs with (the ConfigMap it mounts plus the literal
// environment variables it sets, as the binary itself reads them: ParseConfigYaml, ApplyEnvironment).
#ifndef DOCVAL_DEPLOY_KUBERNETES_RENDERED_MANIFESTS_H_
#define DOCVAL_DEPLOY_KUBERNETES_RENDERED_MANIFESTS_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "absl/status/statusor.h"
#include "common/config.h"

namespace docval::deploy {

// A port a role's process opens, by the config key that sets it.
struct OpenedPort {
  std::string key;  // "listen", "validator_listen", ..., "health_listen"
  std::string host;
  int port = 0;
};

// One Deployment's pod and what its process is configured to do.
struct RoleDeployment {
  std::string role;  // args[0]: gateway, validator, poster (serve is not deployed)
  YAML::Node deployment;
  YAML::Node pod;        // spec.template.spec
  YAML::Node container;  // the one container
  std::map<std::string, std::string> pod_labels;
  std::map<std::string, std::string> env;  // literal `value`s only
  Config config;
  std::vector<OpenedPort> opened;  // what the binary listens on in this role
};

class RenderedManifests {
 public:
  // Runs `kubectl kustomize overlay_dir` and reads every document.
  static absl::StatusOr<RenderedManifests> Render(const std::string& kubectl, const std::string& overlay_dir);

  const std::vector<YAML::Node>& documents() const { return docs_; }
  std::vector<YAML::Node> OfKind(const std::string& kind) const;
  // Null node when absent.
  YAML::Node Find(const std::string& kind, const std::string& name) const;
  const std::vector<RoleDeployment>& roles() const { return roles_; }
  const RoleDeployment* Role(const std::string& role) const;

 private:
  absl::Status ReadRoles();
  std::vector<YAML::Node> docs_;
  std::vector<RoleDeployment> roles_;
};

// The config keys whose ports a role opens (roles.cc; docs/operations.md "Processes").
std::vector<std::string> ListenKeysOf(const std::string& role);

// matchLabels of `selector` all present in `labels` (matchExpressions are refused: not used here).
bool SelectorMatches(const YAML::Node& selector, const std::map<std::string, std::string>& labels);
std::map<std::string, std::string> LabelsOf(const YAML::Node& map);
// Every label of `want` (a Service's selector) present in `labels`.
bool LabelsMatch(const std::map<std::string, std::string>& want, const std::map<std::string, std::string>& labels);

// A container port by number or name; nullopt when the container declares no such port.
std::optional<int> ResolvePort(const YAML::Node& container, const YAML::Node& port);

// The seconds of a preStop `exec: ["/bin/sleep", "N"]`; 0 when there is no preStop.
absl::StatusOr<int> PreStopSleepSeconds(const YAML::Node& container);

// `dns:///name:port`, `name:port` -> {name, port}.
absl::StatusOr<std::pair<std::string, int>> ParseGrpcTarget(const std::string& target);

// The directory a volume of `pod` named by a mount of `container` holds `path` under: the mount
// whose mountPath prefixes `path`, and that mount's volume. Null when none.
YAML::Node VolumeForPath(const YAML::Node& pod, const YAML::Node& container, const std::string& path);

}  // namespace docval::deploy

#endif  // DOCVAL_DEPLOY_KUBERNETES_RENDERED_MANIFESTS_H_
