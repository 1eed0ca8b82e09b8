// A plaintext gRPC listener that answers grpc.health.v1.Health/Check and nothing else, for probes
// that cannot speak mutual TLS (Kubernetes' gRPC probes; `health_listen`, docs/operations.md).
//
// Contract: every Check is forwarded unchanged to the health service of the process's main gRPC
// server (through `target`, an in-process channel), so the probe port answers exactly what the main
// server says — SERVING, NOT_SERVING while draining, NOT_FOUND for an unknown service name — with
// one source of truth. Any other method, Health/Watch included, is UNIMPLEMENTED: the listener never
// reaches the Validator or Poster services. Requests are at most 1 KiB; a forwarded Check waits at
// most 5 s (less if the prober's deadline is shorter).
#ifndef DOCVAL_COMMON_HEALTH_PROBE_H_
#define DOCVAL_COMMON_HEALTH_PROBE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace grpc {
class Channel;
class Server;
}  // namespace grpc

namespace docval {

class HealthProbeServer {
 public:
  // Listens on `listen` (host:port; port 0 picks one). `target` must outlive the server.
  static absl::StatusOr<std::unique_ptr<HealthProbeServer>> Start(const std::string& listen,
                                                                  std::shared_ptr<grpc::Channel> target);
  ~HealthProbeServer();  // stops listening; calls in flight are cancelled

  int port() const { return port_; }

  class Forwarder;

 private:
  HealthProbeServer() = default;
  std::unique_ptr<Forwarder> forwarder_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace docval

#endif  // DOCVAL_COMMON_HEALTH_PROBE_H_
