// Prometheus metrics: one registry and one /metrics endpoint per process (docs/architecture.md).
// Names follow Prometheus practice: `docval_` prefix, `_total` counters, `_seconds` histograms, base
// units, and never personal data (no MRZ, names, client URLs) in labels.
#ifndef DOCVAL_COMMON_METRICS_H_
#define DOCVAL_COMMON_METRICS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace prometheus {
class Exposer;
class Registry;
}  // namespace prometheus

namespace docval {

// A registry that already holds `docval_build_info{version, roles} 1`.
std::shared_ptr<prometheus::Registry> NewMetricsRegistry(const std::string& roles);

// Serves `registry` at http://<listen>/metrics until destroyed.
class MetricsServer {
 public:
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(const std::string& listen,
                                                              std::shared_ptr<prometheus::Registry> registry);
  ~MetricsServer();
  int port() const { return port_; }

 private:
  MetricsServer() = default;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;
};

// The text exposition of `registry` (tests, /metrics in-process).
std::string SerializeMetrics(prometheus::Registry& registry);

}  // namespace docval

#endif  // DOCVAL_COMMON_METRICS_H_
