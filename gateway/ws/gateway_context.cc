#include "gateway/ws/gateway_context.h"

#include <algorithm>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "absl/strings/str_cat.h"

namespace docval::gateway {
namespace {

const prometheus::Histogram::BucketBoundaries kSessionBuckets{1, 2, 3, 5, 8, 13, 20, 30, 60, 120};
// A relayed APDU adds well under a millisecond (bench/README.md): a delay of 5 ms and more is a busy
// or blocked I/O thread.
const prometheus::Histogram::BucketBoundaries kIoDelayBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                              0.025,  0.05,  0.1,    0.25,  1};

}  // namespace

GatewayContext::GatewayContext(GatewayOptions options, std::shared_ptr<v1::Validator::StubInterface> validator,
                               std::shared_ptr<v1::Poster::StubInterface> poster, prometheus::Registry& registry,
                               std::shared_ptr<DevResultStore> dev)
    : options_(std::move(options)),
      validator_(std::move(validator)),
      poster_(std::move(poster)),
      dev_(std::move(dev)),
      sessions_total_(
          prometheus::BuildCounter()
              .Name("docval_sessions_total")
              .Help("WebSocket sessions ended, by protocol (v1, v2) and outcome (success or the close reason)")
              .Register(registry)),
      sessions_active_(prometheus::BuildGauge()
                           .Name("docval_sessions_active")
                           .Help("WebSocket sessions open")
                           .Register(registry)
                           .Add({})),
      session_seconds_(prometheus::BuildHistogram()
                           .Name("docval_session_duration_seconds")
                           .Help("Duration of WebSocket sessions, from upgrade to close, by protocol (v1, v2)")
                           .Register(registry)),
      http_requests_(prometheus::BuildCounter()
                         .Name("docval_http_requests_total")
                         .Help("Plain HTTP requests, by route and status code")
                         .Register(registry)),
      connections_open_(prometheus::BuildGauge()
                            .Name("docval_connections_open")
                            .Help("TCP connections open on the gateway's port, HTTP and WebSocket")
                            .Register(registry)
                            .Add({})),
      connections_refused_(prometheus::BuildCounter()
                               .Name("docval_connections_refused_total")
                               .Help("TCP connections closed at once because limits.max_connections were open")
                               .Register(registry)
                               .Add({})),
      io_delay_seconds_(prometheus::BuildHistogram()
                            .Name("docval_gateway_io_delay_seconds")
                            .Help("How late a timer's handler ran on the gateway's I/O threads, probed every 250 ms: "
                                  "the wait every frame of every session pays at that moment")
                            .Register(registry)
                            .Add({}, kIoDelayBuckets)) {
  // Both protocols' histograms exist from the start, as the unlabelled one did.
  for (const char* protocol : {"v1", "v2"}) session_seconds_.Add({{"protocol", protocol}}, kSessionBuckets);
}

bool GatewayContext::TryAddConnection() {
  if (connections_.fetch_add(1) >= options_.max_connections) {
    connections_.fetch_sub(1);
    return false;
  }
  connections_open_.Increment();
  return true;
}

void GatewayContext::RemoveConnection() {
  connections_.fetch_sub(1);
  connections_open_.Decrement();
}

bool GatewayContext::TryAddSession() {
  if (sessions_.fetch_add(1) >= options_.max_sessions) {
    sessions_.fetch_sub(1);
    return false;
  }
  sessions_active_.Increment();
  return true;
}

void GatewayContext::RemoveSession() {
  sessions_.fetch_sub(1);
  sessions_active_.Decrement();
}

bool GatewayContext::TryAddClientSession(const std::string& client_id) {
  absl::MutexLock lock(&clients_mu_);
  int& n = per_client_[client_id];
  if (n >= options_.max_sessions_per_client) return false;
  ++n;
  return true;
}

void GatewayContext::RemoveClientSession(const std::string& client_id) {
  absl::MutexLock lock(&clients_mu_);
  auto it = per_client_.find(client_id);
  if (it != per_client_.end() && --it->second <= 0) per_client_.erase(it);
}

int GatewayContext::client_sessions(const std::string& client_id) const {
  absl::MutexLock lock(&clients_mu_);
  auto it = per_client_.find(client_id);
  return it == per_client_.end() ? 0 : it->second;
}

uint64_t GatewayContext::RegisterSession(std::function<void()> stop) {
  absl::MutexLock lock(&running_mu_);
  uint64_t id = ++next_session_;
  running_.emplace(id, std::move(stop));
  return id;
}

void GatewayContext::UnregisterSession(uint64_t id) {
  absl::MutexLock lock(&running_mu_);
  running_.erase(id);
}

void GatewayContext::StopAllSessions() {
  std::map<uint64_t, std::function<void()>> running;
  {
    absl::MutexLock lock(&running_mu_);
    running = running_;
  }
  for (auto& [id, stop] : running) stop();  // outside the lock: a stopper may end its session at once
}

void GatewayContext::RecordSession(const std::string& protocol, const std::string& outcome, absl::Duration duration) {
  sessions_total_.Add({{"protocol", protocol}, {"outcome", outcome}}).Increment();
  session_seconds_.Add({{"protocol", protocol}}, kSessionBuckets).Observe(absl::ToDoubleSeconds(duration));
}

void GatewayContext::RecordHttp(const std::string& route, int status) {
  http_requests_.Add({{"route", route}, {"code", absl::StrCat(status)}}).Increment();
}

void GatewayContext::RecordRefusedConnection() { connections_refused_.Increment(); }

void GatewayContext::RecordIoDelay(absl::Duration delay) {
  io_delay_seconds_.Observe(absl::ToDoubleSeconds(std::max(delay, absl::ZeroDuration())));
}

}  // namespace docval::gateway
