// What every connection of one gateway process shares: the options, the upstream stubs, the
// development Result Server, the metrics and the accounting behind the limits of docs/protocol.md §1
// (sessions per process and per client_id) and §5 (connections per process). No sockets here.
//
// Thread-safe. It must outlive every connection and session (GatewayServer destroys the I/O context,
// and with it the remaining sessions, before it).
#ifndef DOCVAL_GATEWAY_WS_GATEWAY_CONTEXT_H_
#define DOCVAL_GATEWAY_WS_GATEWAY_CONTEXT_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/upstream/reachability.h"
#include "gateway/ws/gateway_server.h"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
template <typename T>
class Family;
class Registry;
}  // namespace prometheus

namespace docval::gateway {

class DevResultStore;

class GatewayContext {
 public:
  GatewayContext(GatewayOptions options, std::shared_ptr<v1::Validator::StubInterface> validator,
                 std::shared_ptr<v1::Poster::StubInterface> poster, prometheus::Registry& registry,
                 std::shared_ptr<DevResultStore> dev);
  GatewayContext(const GatewayContext&) = delete;
  GatewayContext& operator=(const GatewayContext&) = delete;

  const GatewayOptions& options() const { return options_; }
  v1::Validator::StubInterface& validator() { return *validator_; }
  v1::Poster::StubInterface& poster() { return *poster_; }
  DevResultStore* dev() const { return dev_.get(); }  // null unless the development Result Server is on
  // WebSocket API v2's verdicts; null: /ws2/validate is not served. Set before the server starts.
  void set_v2_verifier(std::shared_ptr<v1::V2FileVerifier::StubInterface> v) { v2_verifier_ = std::move(v); }
  v1::V2FileVerifier::StubInterface* v2_verifier() const { return v2_verifier_.get(); }

  // Shutdown began: /readyz answers 503, new sessions are told TRY_AGAIN_LATER.
  bool draining() const { return draining_.load(); }
  void StartDraining() { draining_ = true; }

  // Whether validators and poster can be reached (/readyz). Unset: always (`docval serve` reaches its
  // own process). Set before the server starts.
  void set_reachability(ReachabilityCheck check) { reachability_ = std::move(check); }
  UpstreamReachability reachability() const { return reachability_ ? reachability_() : UpstreamReachability{}; }

  // TCP connections (HTTP and WebSocket). False over limits.max_connections.
  bool TryAddConnection();
  void RemoveConnection();
  int connections() const { return connections_.load(); }

  // WebSocket sessions. False over limits.max_sessions.
  bool TryAddSession();
  void RemoveSession();
  int active_sessions() const { return sessions_.load(); }

  // Sessions per client_id. False over limits.max_sessions_per_client. A session gives its slot
  // back when its dialog ends (the close begins), so the slot is held no longer than the session limit.
  bool TryAddClientSession(const std::string& client_id);
  void RemoveClientSession(const std::string& client_id);
  int client_sessions(const std::string& client_id) const;

  // Shutdown: every running session registers how to stop it (drop the connection, cancel its
  // upstream calls); StopAllSessions() calls them once the grace period is over.
  uint64_t RegisterSession(std::function<void()> stop);
  void UnregisterSession(uint64_t id);
  void StopAllSessions();

  // gRPC calls (validator streams, deliveries) whose callbacks may still post onto the I/O threads:
  // the I/O context must not stop before they are through.
  void UpstreamCallStarted() { upstream_calls_.fetch_add(1); }
  void UpstreamCallEnded() { upstream_calls_.fetch_sub(1); }
  int upstream_calls() const { return upstream_calls_.load(); }

  // Metrics. `protocol`: "v1" or "v2".
  void RecordSession(const std::string& protocol, const std::string& outcome, absl::Duration duration);
  void RecordHttp(const std::string& route, int status);
  void RecordRefusedConnection();
  // How late a handler ran on an I/O thread: the gateway's probe timer's lateness (gateway_server.cc).
  void RecordIoDelay(absl::Duration delay);

 private:
  const GatewayOptions options_;
  std::shared_ptr<v1::Validator::StubInterface> validator_;
  std::shared_ptr<v1::Poster::StubInterface> poster_;
  std::shared_ptr<DevResultStore> dev_;
  std::shared_ptr<v1::V2FileVerifier::StubInterface> v2_verifier_;
  ReachabilityCheck reachability_;
  std::atomic<bool> draining_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> sessions_{0};
  mutable absl::Mutex clients_mu_;
  std::map<std::string, int> per_client_ ABSL_GUARDED_BY(clients_mu_);
  std::atomic<int> upstream_calls_{0};
  absl::Mutex running_mu_;
  uint64_t next_session_ ABSL_GUARDED_BY(running_mu_) = 0;
  std::map<uint64_t, std::function<void()>> running_ ABSL_GUARDED_BY(running_mu_);
  prometheus::Family<prometheus::Counter>& sessions_total_;
  prometheus::Gauge& sessions_active_;
  prometheus::Family<prometheus::Histogram>& session_seconds_;
  prometheus::Family<prometheus::Counter>& http_requests_;
  prometheus::Gauge& connections_open_;
  prometheus::Counter& connections_refused_;
  prometheus::Histogram& io_delay_seconds_;
};

// A counted TCP connection: gives its place back when destroyed. Moves from the HTTP session into the
// WebSocket session on upgrade.
class ConnectionSlot {
 public:
  ConnectionSlot() = default;
  explicit ConnectionSlot(GatewayContext* context) : context_(context) {}
  ConnectionSlot(ConnectionSlot&& o) noexcept : context_(std::exchange(o.context_, nullptr)) {}
  ConnectionSlot& operator=(ConnectionSlot&& o) noexcept {
    if (this != &o) {
      Release();
      context_ = std::exchange(o.context_, nullptr);
    }
    return *this;
  }
  ~ConnectionSlot() { Release(); }

 private:
  void Release() {
    if (context_ != nullptr) context_->RemoveConnection();
    context_ = nullptr;
  }
  GatewayContext* context_ = nullptr;
};

}  // namespace docval::gateway

#endif  // DOCVAL_GATEWAY_WS_GATEWAY_CONTEXT_H_
