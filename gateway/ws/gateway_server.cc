// The listener: accepts TCP connections (within limits.max_connections) and hands each to an HTTP
// session on its own strand (http_session.h), which may upgrade it to a WebSocket session
// (ws_session.h). Owns the I/O threads and the TLS context.
#include "gateway/ws/gateway_server.h"

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/config.h"
#include "common/logging.h"
#include "gateway/dev/dev_result_store.h"
#include "gateway/ws/beast_types.h"
#include "gateway/ws/gateway_context.h"
#include "gateway/ws/http_session.h"

namespace docval::gateway {

// After the grace and the sessions' closes (at most close_timeout each, run in parallel): how long
// their cancelled gRPC calls may take to report back.
constexpr absl::Duration kStopLimit = absl::Seconds(5);
// How often the I/O threads are probed for delay (docval_gateway_io_delay_seconds).
constexpr std::chrono::milliseconds kIoProbeInterval{250};

class GatewayServer::Impl {
 public:
  Impl(GatewayOptions options, std::shared_ptr<v1::Validator::StubInterface> validator,
       std::shared_ptr<v1::Poster::StubInterface> poster, prometheus::Registry& registry,
       std::shared_ptr<DevResultStore> dev)
      : context_(std::move(options), std::move(validator), std::move(poster), registry, std::move(dev)),
        ioc_(std::max(1, context_.options().io_threads)),
        acceptor_(net::make_strand(ioc_)),
        io_probe_(net::make_strand(ioc_)) {}

  void ServeV2(std::shared_ptr<v1::V2FileVerifier::StubInterface> verifier) {
    context_.set_v2_verifier(std::move(verifier));
  }

  void CheckReachability(ReachabilityCheck check) { context_.set_reachability(std::move(check)); }

  absl::Status Start() {
    const GatewayOptions& options = context_.options();
    if (!options.tls_certificate_file.empty()) {
      absl::Status s = LoadTls();
      if (!s.ok()) return s;
    }
    absl::StatusOr<std::pair<std::string, int>> hp = ParseHostPort(options.listen);
    if (!hp.ok()) return absl::InvalidArgumentError(absl::StrCat("listen: ", hp.status().message()));
    beast::error_code ec;
    net::ip::address address = net::ip::make_address(hp->first, ec);
    if (ec) return absl::InvalidArgumentError(absl::StrCat("listen: \"", hp->first, "\" is not an IP address"));
    tcp::endpoint endpoint(address, static_cast<unsigned short>(hp->second));
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return absl::UnavailableError(absl::StrCat("listen: cannot listen on ", options.listen, ": ", ec.message()));
    }
    port_ = acceptor_.local_endpoint().port();
    DoAccept();
    ProbeIo();
    // Sessions wait on gRPC callbacks with no Asio operation pending: without the guard, run()
    // would return as soon as the acceptor closes and a posted callback would never run.
    work_.emplace(net::make_work_guard(ioc_));
    for (int i = 0; i < std::max(1, options.io_threads); ++i) threads_.emplace_back([this] { ioc_.run(); });
    return absl::OkStatus();
  }

  void Shutdown(absl::Duration grace) {
    if (stopped_.exchange(true)) return;
    // The listener stays open through the grace: /readyz answers 503 (a refused connection would read
    // as a dead pod to a probe and to a load balancer still sending), new sessions are told
    // TRY_AGAIN_LATER, the running ones go on.
    context_.StartDraining();
    absl::Time until = absl::Now() + grace;
    while (context_.active_sessions() > 0 && absl::Now() < until) absl::SleepFor(absl::Milliseconds(20));
    // Closed on its strand, and waited for: were the I/O threads stopped first, the kernel would keep
    // queueing connections on a socket nobody accepts from.
    absl::Notification closed;
    net::post(acceptor_.get_executor(), [this, &closed] {
      beast::error_code ignored;
      acceptor_.close(ignored);
      closed.Notify();
    });
    closed.WaitForNotificationWithTimeout(kStopLimit);
    net::post(io_probe_.get_executor(), [this] { io_probe_.cancel(); });
    // The grace is over: the remaining sessions close with 1001 SERVER_SHUTTING_DOWN (each drops its
    // connection at the latest close_timeout later) and cancel their upstream calls; the I/O threads
    // stop once no session is left and no gRPC callback can post onto them any more.
    context_.StopAllSessions();
    until = absl::Now() + context_.options().close_timeout + kStopLimit;
    while ((context_.active_sessions() > 0 || context_.upstream_calls() > 0) && absl::Now() < until) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    if (context_.upstream_calls() > 0) {
      LogWarning("gateway stopped with upstream calls still open", {{"calls", context_.upstream_calls()}});
    }
    // Results POSTed to the development Result Server and still being stored get their answers
    // posted while the I/O threads run.
    if (context_.dev() != nullptr) context_.dev()->Shutdown();
    work_.reset();
    ioc_.stop();
    for (std::thread& t : threads_) t.join();
    threads_.clear();
  }

  int port() const { return port_; }
  int active() const { return context_.active_sessions(); }

 private:
  // A timer due every kIoProbeInterval: how late its handler runs is how long any handler waits for an
  // I/O thread at that moment (a blocked or saturated thread; io_threads in docs/configuration.md).
  void ProbeIo() {
    io_probe_.expires_after(kIoProbeInterval);
    io_probe_.async_wait([this](beast::error_code ec) {
      if (ec || stopped_.load()) return;
      context_.RecordIoDelay(absl::FromChrono(std::chrono::steady_clock::now() - io_probe_.expiry()));
      ProbeIo();
    });
  }

  void DoAccept() {
    acceptor_.async_accept(net::make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
        LogWarning("accept failed", {{"error", ec.message()}});
      } else if (!context_.TryAddConnection()) {
        // Over limits.max_connections: closed at once, nothing read (docs/protocol.md §5).
        context_.RecordRefusedConnection();
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        // A dialog is a chain of small frames each waiting for the last: Nagle's algorithm would hold
        // a command behind an unacknowledged status frame for the phone's delayed ACK (40-200 ms).
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        RunHttpSession(std::move(socket), ConnectionSlot(&context_), context_, tls_.get());
      }
      DoAccept();
    });
  }

  // TLS 1.2 and 1.3 only, server cipher preference.
  absl::Status LoadTls() {
    const GatewayOptions& options = context_.options();
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                     ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    SSL_CTX_set_options(ctx->native_handle(), SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
    beast::error_code ec;
    ctx->use_certificate_chain_file(options.tls_certificate_file, ec);
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrCat("tls.certificate_file: cannot use ", options.tls_certificate_file, ": ", ec.message()));
    }
    ctx->use_private_key_file(options.tls_private_key_file, ssl::context::pem, ec);
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrCat("tls.private_key_file: cannot use ", options.tls_private_key_file, ": ", ec.message()));
    }
    if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
      return absl::InvalidArgumentError("tls.private_key_file: does not match tls.certificate_file");
    }
    tls_ = std::move(ctx);
    return absl::OkStatus();
  }

  // Declared first, destroyed last: sessions still queued in the io_context at shutdown are
  // destroyed with it and give their places back to the context.
  GatewayContext context_;
  std::unique_ptr<ssl::context> tls_;
  std::atomic<bool> stopped_{false};
  int port_ = 0;
  net::io_context ioc_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  tcp::acceptor acceptor_;
  net::steady_timer io_probe_;
  std::vector<std::thread> threads_;
};

GatewayServer::GatewayServer(GatewayOptions options, std::shared_ptr<v1::Validator::StubInterface> validator,
                             std::shared_ptr<v1::Poster::StubInterface> poster, prometheus::Registry& registry,
                             std::shared_ptr<DevResultStore> dev_results)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(validator), std::move(poster), registry,
                                   std::move(dev_results))) {}

GatewayServer::~GatewayServer() { impl_->Shutdown(absl::ZeroDuration()); }

void GatewayServer::ServeV2(std::shared_ptr<v1::V2FileVerifier::StubInterface> verifier) {
  impl_->ServeV2(std::move(verifier));
}
void GatewayServer::CheckReachability(ReachabilityCheck check) { impl_->CheckReachability(std::move(check)); }
absl::Status GatewayServer::Start() { return impl_->Start(); }
int GatewayServer::port() const { return impl_->port(); }
void GatewayServer::Shutdown(absl::Duration grace) { impl_->Shutdown(grace); }
int GatewayServer::active_sessions() const { return impl_->active(); }

}  // namespace docval::gateway
