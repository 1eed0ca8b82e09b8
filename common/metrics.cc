#include "common/metrics.h"

#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/config.h"

#ifndef DOCVAL_VERSION
#define DOCVAL_VERSION "dev"
#endif

namespace docval {

std::shared_ptr<prometheus::Registry> NewMetricsRegistry(const std::string& roles) {
  auto registry = std::make_shared<prometheus::Registry>();
  prometheus::BuildGauge()
      .Name("docval_build_info")
      .Help("DocVal build information; always 1")
      .Register(*registry)
      .Add({{"version", DOCVAL_VERSION}, {"roles", roles}})
      .Set(1);
  return registry;
}

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(const std::string& listen,
                                                                    std::shared_ptr<prometheus::Registry> registry) {
  absl::StatusOr<std::pair<std::string, int>> hp = ParseHostPort(listen);
  if (!hp.ok()) return absl::InvalidArgumentError(absl::StrCat("metrics_listen: ", hp.status().message()));
  std::unique_ptr<MetricsServer> s(new MetricsServer());
  try {
    // civetweb wants "host:port"; IPv6 in brackets works as given.
    s->exposer_ = std::make_unique<prometheus::Exposer>(listen, /*num_threads=*/1);
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("metrics_listen: cannot listen on ", listen, ": ", e.what()));
  }
  s->exposer_->RegisterCollectable(registry);
  std::vector<int> ports = s->exposer_->GetListeningPorts();
  s->port_ = ports.empty() ? 0 : ports.front();
  return s;
}

MetricsServer::~MetricsServer() = default;

std::string SerializeMetrics(prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

}  // namespace docval
