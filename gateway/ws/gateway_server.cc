// All Beast/Asio templates of the gateway live in this one file (they cost 30-45 s to compile per
// TU; docs/building.md).
#include "gateway/ws/gateway_server.h"

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/config.h"
#include "common/logging.h"
#include "gateway/dev/dev_result_store.h"
#include "gateway/protocol/v1.h"
#include "gateway/upstream/poster_client.h"
#include "gateway/upstream/validator_stream.h"
#include "validator/result_json/result_json.h"

namespace docval::gateway {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using TlsStream = ssl::stream<beast::tcp_stream>;

namespace {

constexpr size_t kMaxHttpBodyBytes = 64 * 1024;  // every route but the dev Result Server
constexpr size_t kReadChunk = 4096;
constexpr size_t kMaxQueuedWrites = 64;

std::chrono::steady_clock::duration ToChrono(absl::Duration d) { return absl::ToChronoMicroseconds(d); }

// Constant-time string equality (client ids and tokens are secrets).
bool SecretEquals(absl::string_view a, absl::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

// True when `value` equals one of `allowed`; every entry is compared, so timing reveals nothing.
bool SecretIn(absl::string_view value, const std::vector<std::string>& allowed) {
  bool found = false;
  for (const std::string& a : allowed) found |= SecretEquals(value, a);
  return found;
}

std::string NewSessionId() {
  static thread_local absl::BitGen gen;
  return absl::StrCat(absl::Hex(absl::Uniform<uint64_t>(gen), absl::kZeroPad16));
}

std::string HexPrefix(const std::string& bytes, size_t n) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (size_t i = 0; i < std::min(n, bytes.size()); ++i) {
    out.push_back(kDigits[static_cast<uint8_t>(bytes[i]) >> 4]);
    out.push_back(kDigits[static_cast<uint8_t>(bytes[i]) & 0x0F]);
  }
  return out;
}

CloseReason FromFailure(v1::FailureReason r) {
  switch (r) {
    case v1::ACCESS_CONTROL_FAILED: return CloseReason::kAccessControlFailed;
    case v1::EMRTD_PASSPORT_READER_ERROR: return CloseReason::kEmrtdPassportReaderError;
    case v1::FILE_READ_ERROR: return CloseReason::kFileReadError;
    case v1::INVALID_ACCESS_KEY_VALUES: return CloseReason::kInvalidAccessKeyValues;
    default: return CloseReason::kServerError;
  }
}

}  // namespace

class GatewayServer::Impl {
 public:
  Impl(GatewayOptions options, std::shared_ptr<v1::Validator::StubInterface> validator,
       std::shared_ptr<v1::Poster::StubInterface> poster, prometheus::Registry& registry,
       std::shared_ptr<DevResultStore> dev)
      : options_(std::move(options)),
        validator_(std::move(validator)),
        poster_(std::move(poster)),
        dev_(std::move(dev)),
        sessions_total_(prometheus::BuildCounter()
                            .Name("docval_sessions_total")
                            .Help("WebSocket sessions ended, by outcome (success or the close reason)")
                            .Register(registry)),
        sessions_active_(prometheus::BuildGauge()
                             .Name("docval_sessions_active")
                             .Help("WebSocket sessions open")
                             .Register(registry)
                             .Add({})),
        session_seconds_(prometheus::BuildHistogram()
                             .Name("docval_session_duration_seconds")
                             .Help("Duration of WebSocket sessions, from upgrade to close")
                             .Register(registry)
                             .Add({}, prometheus::Histogram::BucketBoundaries{1, 2, 3, 5, 8, 13, 20, 30, 60, 120})),
        http_requests_(prometheus::BuildCounter()
                           .Name("docval_http_requests_total")
                           .Help("Plain HTTP requests, by route and status code")
                           .Register(registry)),
        ioc_(std::max(1, options_.io_threads)),
        acceptor_(net::make_strand(ioc_)) {}

  absl::Status Start() {
    if (!options_.tls_certificate_file.empty()) {
      absl::Status s = LoadTls();
      if (!s.ok()) return s;
    }
    absl::StatusOr<std::pair<std::string, int>> hp = ParseHostPort(options_.listen);
    if (!hp.ok()) return absl::InvalidArgumentError(absl::StrCat("listen: ", hp.status().message()));
    beast::error_code ec;
    net::ip::address address = net::ip::make_address(hp->first, ec);
    if (ec) return absl::InvalidArgumentError(absl::StrCat("listen: \"", hp->first, "\" is not an IP address"));
    tcp::endpoint endpoint(address, static_cast<unsigned short>(hp->second));
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return absl::UnavailableError(absl::StrCat("listen: cannot listen on ", options_.listen, ": ", ec.message()));
    port_ = acceptor_.local_endpoint().port();
    DoAccept();
    // Sessions wait on gRPC callbacks with no Asio operation pending: without the guard, run()
    // would return as soon as the acceptor closes and a posted callback would never run.
    work_.emplace(net::make_work_guard(ioc_));
    for (int i = 0; i < std::max(1, options_.io_threads); ++i) threads_.emplace_back([this] { ioc_.run(); });
    return absl::OkStatus();
  }

  void Shutdown(absl::Duration grace) {
    if (stopped_.exchange(true)) return;
    draining_ = true;
    net::post(acceptor_.get_executor(), [this] {
      beast::error_code ignored;
      acceptor_.close(ignored);
    });
    absl::Time until = absl::Now() + grace;
    while (active_.load() > 0 && absl::Now() < until) absl::SleepFor(absl::Milliseconds(20));
    work_.reset();
    ioc_.stop();
    for (std::thread& t : threads_) t.join();
    threads_.clear();
  }

  int port() const { return port_; }
  int active() const { return active_.load(); }
  ssl::context* tls() { return tls_.get(); }
  const GatewayOptions& options() const { return options_; }
  bool draining() const { return draining_.load(); }
  v1::Validator::StubInterface& validator() { return *validator_; }
  v1::Poster::StubInterface& poster() { return *poster_; }
  DevResultStore* dev() { return dev_.get(); }

  // Session accounting. Returns false when over the per-process cap.
  bool TryAddSession() {
    if (active_.fetch_add(1) >= options_.max_sessions) {
      active_.fetch_sub(1);
      return false;
    }
    sessions_active_.Increment();
    return true;
  }
  void RemoveSession() {
    active_.fetch_sub(1);
    sessions_active_.Decrement();
  }
  bool TryAddClientSession(const std::string& client_id) {
    absl::MutexLock lock(&clients_mu_);
    int& n = per_client_[client_id];
    if (n >= options_.max_sessions_per_client) return false;
    ++n;
    return true;
  }
  void RemoveClientSession(const std::string& client_id) {
    absl::MutexLock lock(&clients_mu_);
    auto it = per_client_.find(client_id);
    if (it != per_client_.end() && --it->second <= 0) per_client_.erase(it);
  }
  void RecordSession(const std::string& outcome, absl::Duration d) {
    sessions_total_.Add({{"outcome", outcome}}).Increment();
    session_seconds_.Observe(absl::ToDoubleSeconds(d));
  }
  void RecordHttp(const std::string& route, int status) {
    http_requests_.Add({{"route", route}, {"code", absl::StrCat(status)}}).Increment();
  }

 private:
  void DoAccept() {
    acceptor_.async_accept(net::make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
        LogWarning("accept failed", {{"error", ec.message()}});
      } else {
        StartHttpSession(std::move(socket));
      }
      DoAccept();
    });
  }
  void StartHttpSession(tcp::socket socket);

  // TLS 1.2 and 1.3 only, server cipher preference.
  absl::Status LoadTls() {
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                     ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    SSL_CTX_set_options(ctx->native_handle(), SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
    beast::error_code ec;
    ctx->use_certificate_chain_file(options_.tls_certificate_file, ec);
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrCat("tls.certificate_file: cannot use ", options_.tls_certificate_file, ": ", ec.message()));
    }
    ctx->use_private_key_file(options_.tls_private_key_file, ssl::context::pem, ec);
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrCat("tls.private_key_file: cannot use ", options_.tls_private_key_file, ": ", ec.message()));
    }
    if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
      return absl::InvalidArgumentError("tls.private_key_file: does not match tls.certificate_file");
    }
    tls_ = std::move(ctx);
    return absl::OkStatus();
  }

  GatewayOptions options_;
  std::shared_ptr<v1::Validator::StubInterface> validator_;
  std::shared_ptr<v1::Poster::StubInterface> poster_;
  std::shared_ptr<DevResultStore> dev_;
  std::unique_ptr<ssl::context> tls_;
  std::atomic<int> active_{0};
  std::atomic<bool> draining_{false};
  std::atomic<bool> stopped_{false};
  int port_ = 0;
  absl::Mutex clients_mu_;
  std::map<std::string, int> per_client_ ABSL_GUARDED_BY(clients_mu_);
  prometheus::Family<prometheus::Counter>& sessions_total_;
  prometheus::Gauge& sessions_active_;
  prometheus::Histogram& session_seconds_;
  prometheus::Family<prometheus::Counter>& http_requests_;
  // Declared last, destroyed first: sessions still queued in the io_context at shutdown are
  // destroyed with it and touch the members above.
  net::io_context ioc_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
};

namespace {

using Request = http::request<http::string_body>;

// One WebSocket v1 session over `Stream` (beast::tcp_stream or TlsStream). Every handler runs on
// the connection's strand.
template <typename Stream>
class WsSession : public std::enable_shared_from_this<WsSession<Stream>> {
  using std::enable_shared_from_this<WsSession<Stream>>::shared_from_this;

 public:
  WsSession(Stream&& stream, GatewayServer::Impl& server, ws1::HandshakeQuery query,
            std::vector<std::pair<std::string, std::string>> forwarded)
      : ws_(std::move(stream)),
        server_(server),
        query_(query),
        forwarded_(std::move(forwarded)),
        start_timer_(ws_.get_executor()),
        response_timer_(ws_.get_executor()),
        session_timer_(ws_.get_executor()),
        session_id_(NewSessionId()),
        opened_at_(absl::Now()) {}

  ~WsSession() {
    if (counted_) server_.RemoveSession();
    if (!client_id_.empty()) server_.RemoveClientSession(client_id_);
    server_.RecordSession(outcome_, absl::Now() - opened_at_);
    LogInfo("session ended", {{"session_id", session_id_},
                              {"outcome", outcome_},
                              {"close_code", static_cast<int>(close_code_)},
                              {"duration_s", absl::ToDoubleSeconds(absl::Now() - opened_at_)},
                              {"apdus", static_cast<int64_t>(apdus_)}});
  }

  void Accept(Request req) {
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(10);  // also bounds the close handshake
    t.idle_timeout = websocket::stream_base::none();  // our own timers govern the dialog
    t.keep_alive_pings = false;
    ws_.set_option(t);
    std::string server_name = server_.options().server_name;
    ws_.set_option(websocket::stream_base::decorator(
        [server_name](websocket::response_type& res) { res.set(http::field::server, server_name); }));
    websocket::permessage_deflate pmd;
    pmd.server_enable = true;
    ws_.set_option(pmd);
    ws_.read_message_max(0);  // frame limits are enforced per message type in OnRead
    ws_.auto_fragment(false);
    ws_.async_accept(req, beast::bind_front_handler(&WsSession::OnAccept, shared_from_this()));
  }

 private:
  enum class State { kAwaitStart, kRelaying, kPosting, kClosing, kClosed };
  struct Outgoing {
    enum Kind { kText, kBinary, kClose } kind;
    std::string data;
    CloseReason reason = CloseReason::kSuccess;
  };

  void OnAccept(beast::error_code ec) {
    if (ec) {
      outcome_ = "handshake_failed";
      state_ = State::kClosed;
      return;
    }
    counted_ = server_.TryAddSession();
    ArmTimer(session_timer_, server_.options().session_timeout, [](WsSession& s) {
      s.Close(CloseReason::kMaxSessionTimeExceeded);
    });
    DoRead();
    if (!counted_ || server_.draining()) {
      Close(CloseReason::kTryAgainLater);
      return;
    }
    ArmTimer(start_timer_, server_.options().start_message_timeout, [](WsSession& s) {
      if (s.state_ == State::kAwaitStart) s.Close(CloseReason::kTimeoutWaitingForStartMessage);
    });
  }

  template <typename F>
  void ArmTimer(net::steady_timer& timer, absl::Duration d, F on_expiry) {
    timer.expires_after(ToChrono(d));
    timer.async_wait([self = shared_from_this(), on_expiry](beast::error_code ec) {
      if (ec || self->state_ == State::kClosing || self->state_ == State::kClosed) return;
      on_expiry(*self);
    });
  }

  void DoRead() {
    ws_.async_read_some(buffer_, kReadChunk, beast::bind_front_handler(&WsSession::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, size_t) {
    if (ec) {
      if (state_ == State::kClosed) return;
      if (ec == websocket::error::closed) {
        OnClientClosed();
      } else if (state_ != State::kClosing) {
        EndWithoutClose("communication_failed", ec);
      }
      return;
    }
    if (state_ == State::kClosing || state_ == State::kClosed) {
      buffer_.consume(buffer_.size());
      DoRead();
      return;
    }
    const bool text = ws_.got_text();
    const size_t limit = text ? ws1::kMaxTextFrameBytes : ws1::kMaxBinaryFrameBytes;
    if (buffer_.size() > limit) {
      buffer_.consume(buffer_.size());
      Close(CloseReason::kMessageTooBig);
      DoRead();
      return;
    }
    if (!ws_.is_message_done()) {
      DoRead();
      return;
    }
    std::string message = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    OnMessage(text, std::move(message));
    DoRead();
  }

  void OnMessage(bool text, std::string message) {
    switch (state_) {
      case State::kAwaitStart:
        if (!text) {
          Close(CloseReason::kInvalidStartMessage);
          return;
        }
        HandleStart(message);
        return;
      case State::kRelaying:
        if (text || !awaiting_response_) {
          Close(CloseReason::kUnexpectedMessage);
          return;
        }
        awaiting_response_ = false;
        response_timer_.cancel();
        if (diagnostics_) {
          LogDiagnostic(session_id_, "response", {{"bytes", static_cast<int64_t>(message.size())},
                                                  {"sw", message.size() >= 2 ? HexPrefix(message.substr(message.size() - 2), 2) : ""},
                                                  {"ms", absl::ToDoubleMilliseconds(absl::Now() - command_sent_at_)}});
        }
        validator_->SendResponse(std::move(message));
        return;
      case State::kPosting:
        Close(CloseReason::kUnexpectedMessage);
        return;
      case State::kClosing:
      case State::kClosed:
        return;
    }
  }

  void HandleStart(const std::string& text) {
    start_timer_.cancel();
    ws1::StartMessageResult parsed = ws1::ParseStartMessage(text);
    if (!parsed.message) {
      LogInfo("start message refused", {{"session_id", session_id_}, {"detail", parsed.detail}});
      Close(parsed.reason);
      return;
    }
    ws1::StartMessage& m = *parsed.message;
    if (!SecretIn(m.client_id, server_.options().client_ids)) {
      m.access_key.Wipe();
      Close(CloseReason::kInvalidClientId);
      return;
    }
    if (!server_.TryAddClientSession(m.client_id)) {
      m.access_key.Wipe();
      Close(CloseReason::kTryAgainLater);
      return;
    }
    client_id_ = m.client_id;
    validation_id_ = m.validation_id;
    if (server_.dev()) server_.dev()->SessionStarted(m.validation_id);  // the results page's timings
    diagnostics_ = m.enable_diagnostics;
    v1::SessionRequest start;
    v1::SessionStart* s = start.mutable_start();
    s->set_session_id(session_id_);
    s->mutable_access_key()->set_can(m.access_key.can);
    s->mutable_access_key()->set_document_number(m.access_key.document_number);
    s->mutable_access_key()->set_date_of_birth(m.access_key.date_of_birth);
    s->mutable_access_key()->set_date_of_expiry(m.access_key.date_of_expiry);
    m.access_key.Wipe();
    s->set_extended_length(m.nfc_adapter_supports_extended_length);
    s->set_max_command_bytes(static_cast<uint32_t>(m.max_command_bytes.value_or(0)));
    s->set_max_response_bytes(static_cast<uint32_t>(m.max_response_bytes.value_or(0)));
    s->set_platform(m.platform);
    s->set_diagnostics(m.enable_diagnostics);
    s->set_include_files_binary(server_.options().include_binary_files);
    state_ = State::kRelaying;
    LogInfo("session started", {{"session_id", session_id_}, {"platform", m.platform},
                                {"extended_length", m.nfc_adapter_supports_extended_length}});
    start_request_ = std::move(start);
    OpenValidator();
  }

  // Opens the validator stream. The start request is kept until the validator answers, so a
  // session whose validator is unreachable can be retried once on another replica.
  void OpenValidator() {
    auto self = shared_from_this();
    auto executor = ws_.get_executor();
    validator_done_ = false;
    validator_ = ValidatorStream::Open(
        server_.validator(), SessionDeadline(), start_request_,
        [self, executor](v1::SessionEvent e) {
          net::post(executor, [self, e = std::move(e)]() mutable { self->OnValidatorEvent(std::move(e)); });
        },
        [self, executor](grpc::Status status) {
          net::post(executor, [self, status]() { self->OnValidatorEnd(status); });
        });
  }

  std::chrono::system_clock::time_point SessionDeadline() const {
    return absl::ToChronoTime(opened_at_ + server_.options().session_timeout);
  }

  void OnValidatorEvent(v1::SessionEvent e) {
    if (state_ != State::kRelaying) return;
    if (!validator_answered_) {
      validator_answered_ = true;
      start_request_.Clear();  // holds the access key
    }
    switch (e.kind_case()) {
      case v1::SessionEvent::kCommandApdu:
        ++apdus_;
        awaiting_response_ = true;
        if (diagnostics_) {
          // Header and size only: the data of a protected command is ciphertext anyway.
          LogDiagnostic(session_id_, "command", {{"header", HexPrefix(e.command_apdu(), 4)},
                                                 {"bytes", static_cast<int64_t>(e.command_apdu().size())}});
          command_sent_at_ = absl::Now();
        }
        Send(Outgoing::kBinary, std::move(*e.mutable_command_apdu()));
        ArmTimer(response_timer_, server_.options().response_timeout, [](WsSession& s) {
          if (s.awaiting_response_) s.Close(CloseReason::kTimeoutWaitingForResponse);
        });
        return;
      case v1::SessionEvent::kProgress:
        if (diagnostics_) LogDiagnostic(session_id_, "status", {{"status", v1::Step_Name(e.progress())}});
        Send(Outgoing::kText, ws1::StatusFrame(v1::Step_Name(e.progress())));
        return;
      case v1::SessionEvent::kResult:
        state_ = State::kPosting;
        result_ = std::move(*e.mutable_result());
        Post();
        return;
      case v1::SessionEvent::kFailure:
        LogInfo("dialog failed", {{"session_id", session_id_},
                                  {"reason", v1::FailureReason_Name(e.failure().reason())},
                                  {"detail", e.failure().detail()}});
        Close(FromFailure(e.failure().reason()));
        return;
      case v1::SessionEvent::KIND_NOT_SET:
        Close(CloseReason::kServerError);
        return;
    }
  }

  void OnValidatorEnd(const grpc::Status& status) {
    validator_done_ = true;
    if (state_ == State::kRelaying && !validator_answered_ && !validator_retried_ &&
        status.error_code() == grpc::StatusCode::UNAVAILABLE) {
      LogWarning("validator unreachable before the first APDU; retrying once",
                 {{"session_id", session_id_}, {"grpc_message", status.error_message()}});
      validator_retried_ = true;
      OpenValidator();
      return;
    }
    start_request_.Clear();
    if (state_ == State::kRelaying) {
      LogWarning("validator stream ended without an outcome",
                 {{"session_id", session_id_}, {"grpc_code", static_cast<int>(status.error_code())},
                  {"grpc_message", status.error_message()}});
      Close(CloseReason::kServerError);
    }
  }

  void Post() {
    v1::DeliveryRequest req;
    req.set_session_id(session_id_);
    req.set_client_id(client_id_);
    req.set_validation_id(validation_id_);
    *req.mutable_result() = result_;
    for (const auto& [name, value] : forwarded_) {
      v1::Header* h = req.add_forwarded_headers();
      h->set_name(name);
      h->set_value(value);
    }
    auto self = shared_from_this();
    auto executor = ws_.get_executor();
    DeliverAsync(server_.poster(), std::move(req), SessionDeadline(),
                 [self, executor](grpc::Status status, v1::DeliveryReport report) {
                   net::post(executor, [self, status, report = std::move(report)]() { self->OnPosted(status, report); });
                 });
  }

  void OnPosted(const grpc::Status& status, const v1::DeliveryReport& report) {
    if (state_ != State::kPosting) return;
    if (!status.ok() || !report.delivered()) {
      LogWarning("result not delivered", {{"session_id", session_id_},
                                          {"grpc_code", static_cast<int>(status.error_code())},
                                          {"attempts", static_cast<int64_t>(report.attempts())},
                                          {"last_http_status", report.last_http_status()},
                                          {"error", status.ok() ? report.error() : status.error_message()}});
      // Delivery cut short by the session's own deadline (the poster stops just before it): the
      // session limit is the cause an operator must see.
      const bool out_of_time = absl::Now() + absl::Seconds(1) >= opened_at_ + server_.options().session_timeout;
      Close(out_of_time ? CloseReason::kMaxSessionTimeExceeded : CloseReason::kPostToResultServerFailed);
      return;
    }
    if (query_.return_result) Send(Outgoing::kText, ResultFrameV1(result_));
    result_.Clear();
    Close(CloseReason::kSuccess);
  }

  // Sends the close notice and then the close frame; ends the validator stream at once.
  void Close(CloseReason reason) {
    if (state_ == State::kClosing || state_ == State::kClosed) return;
    state_ = State::kClosing;
    outcome_ = CloseReasonLabel(reason);
    close_code_ = CloseCode(reason);
    CancelTimers();
    if (validator_ && !validator_done_) validator_->Cancel();
    result_.Clear();
    start_request_.Clear();
    Send(Outgoing::kText, ws1::CloseNoticeFrame(reason));
    queue_.push_back(Outgoing{Outgoing::kClose, "", reason});
    WriteNext();
  }

  void OnClientClosed() {
    if (state_ == State::kClosing || state_ == State::kClosed) {
      state_ = State::kClosed;
      return;
    }
    state_ = State::kClosed;
    outcome_ = "client_closed";
    close_code_ = ws_.reason().code;
    CancelTimers();
    if (validator_ && !validator_done_) validator_->Cancel();
    result_.Clear();
  }

  void EndWithoutClose(const char* outcome, beast::error_code ec) {
    if (state_ == State::kClosed) return;
    LogInfo("connection lost", {{"session_id", session_id_}, {"error", ec.message()}});
    state_ = State::kClosed;
    outcome_ = outcome;
    CancelTimers();
    if (validator_ && !validator_done_) validator_->Cancel();
    result_.Clear();
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

  void CancelTimers() {
    start_timer_.cancel();
    response_timer_.cancel();
    session_timer_.cancel();
  }

  void Send(Outgoing::Kind kind, std::string data) {
    if (queue_.size() >= kMaxQueuedWrites) {
      // The validator produces at most a few frames per response: a long queue is a bug.
      EndWithoutClose("server_error", net::error::no_buffer_space);
      return;
    }
    queue_.push_back(Outgoing{kind, std::move(data)});
    WriteNext();
  }

  void WriteNext() {
    if (writing_ || queue_.empty() || state_ == State::kClosed) return;
    writing_ = true;
    Outgoing& o = queue_.front();
    if (o.kind == Outgoing::kClose) {
      websocket::close_reason cr(CloseCode(o.reason));
      if (o.reason != CloseReason::kSuccess) cr.reason = std::string(CloseReasonName(o.reason));
      ws_.async_close(cr, beast::bind_front_handler(&WsSession::OnCloseSent, shared_from_this()));
      return;
    }
    ws_.text(o.kind == Outgoing::kText);
    ws_.async_write(net::buffer(o.data), beast::bind_front_handler(&WsSession::OnWrite, shared_from_this()));
  }

  void OnWrite(beast::error_code ec, size_t) {
    writing_ = false;
    queue_.pop_front();
    if (ec) {
      EndWithoutClose("communication_failed", ec);
      return;
    }
    WriteNext();
  }

  void OnCloseSent(beast::error_code) {
    writing_ = false;
    queue_.clear();
    state_ = State::kClosed;
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

  websocket::stream<Stream> ws_;
  GatewayServer::Impl& server_;
  ws1::HandshakeQuery query_;
  std::vector<std::pair<std::string, std::string>> forwarded_;
  beast::flat_buffer buffer_;
  net::steady_timer start_timer_;
  net::steady_timer response_timer_;
  net::steady_timer session_timer_;
  std::string session_id_;
  absl::Time opened_at_;
  State state_ = State::kAwaitStart;
  bool counted_ = false;
  bool awaiting_response_ = false;
  bool writing_ = false;
  bool validator_done_ = false;
  bool validator_answered_ = false;
  bool diagnostics_ = false;
  absl::Time command_sent_at_;
  bool validator_retried_ = false;
  v1::SessionRequest start_request_;
  std::deque<Outgoing> queue_;
  std::shared_ptr<ValidatorStream> validator_;
  std::string client_id_;
  std::string validation_id_;
  v1::EmrtdResult result_;
  std::string outcome_ = "client_closed";
  uint16_t close_code_ = 0;
  int64_t apdus_ = 0;
};

// HTTP over `Stream`: routes, then the WebSocket upgrade (the stream moves into the WsSession).
template <typename Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
  using std::enable_shared_from_this<HttpSession<Stream>>::shared_from_this;

 public:
  HttpSession(Stream&& stream, GatewayServer::Impl& server) : stream_(std::move(stream)), server_(server) {}

  void Run() {
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&HttpSession::Begin, shared_from_this()));
  }

 private:
  void Begin() {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(10));
      stream_.async_handshake(ssl::stream_base::server, [self = shared_from_this()](beast::error_code ec) {
        if (ec) return;  // a failed TLS handshake: nothing to answer
        self->DoRead();
      });
    } else {
      DoRead();
    }
  }

  void Shutdown() {
    beast::error_code ignored;
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
      stream_.async_shutdown([self = shared_from_this()](beast::error_code) {});
    } else {
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
  }

  void DoRead() {
    parser_.emplace();
    parser_->body_limit(server_.dev() ? DevResultStore::kMaxBodyBytes : kMaxHttpBodyBytes);
    parser_->header_limit(16 * 1024);
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(30));
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpSession::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, size_t) {
    if (ec == http::error::end_of_stream) {
      Shutdown();
      return;
    }
    if (ec) {
      if (ec == http::error::body_limit || ec == http::error::header_limit) {
        Respond(Text(http::status::payload_too_large, "request too large\n", 11, false), "too_large");
      } else if (ec.category() == http::make_error_code(http::error::bad_method).category()) {
        Respond(Text(http::status::bad_request, "malformed HTTP request\n", 11, false), "bad_request");
      }
      return;
    }
    Request req = parser_->release();
    absl::string_view target(req.target().data(), req.target().size());
    absl::string_view path = target.substr(0, target.find('?'));
    if (websocket::is_upgrade(req)) {
      if (path != "/ws1/validate") {
        Respond(Text(http::status::not_found, "no WebSocket endpoint here\n", req.version(), false), "not_found");
        return;
      }
      if (server_.options().handshake_authorization) {
        auto it = req.find(http::field::authorization);
        absl::string_view value = it == req.end() ? absl::string_view() : absl::string_view(it->value().data(), it->value().size());
        if (it == req.end() || !SecretIn(value, server_.options().handshake_tokens)) {
          auto res = Text(http::status::unauthorized, "missing or wrong Authorization\n", req.version(), false);
          res.set(http::field::www_authenticate, "Bearer");
          Respond(std::move(res), "ws1_unauthorized");
          return;
        }
      }
      std::vector<std::pair<std::string, std::string>> forwarded;
      for (const std::string& name : server_.options().forwarded_headers) {
        auto it = req.find(name);
        if (it != req.end()) forwarded.emplace_back(name, std::string(it->value()));
      }
      beast::get_lowest_layer(stream_).expires_never();
      std::make_shared<WsSession<Stream>>(std::move(stream_), server_, ws1::ParseHandshakeQuery(target),
                                          std::move(forwarded))
          ->Accept(std::move(req));
      return;
    }
    Route(std::move(req), path);
  }

  http::response<http::string_body> Text(http::status status, std::string body, unsigned version, bool keep_alive,
                                         const char* content_type = "text/plain; charset=utf-8") {
    http::response<http::string_body> res{status, version};
    res.set(http::field::server, server_.options().server_name);
    res.set(http::field::content_type, content_type);
    res.keep_alive(keep_alive);
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
  }

  void Route(Request req, absl::string_view path) {
    const bool ka = req.keep_alive();
    const unsigned v = req.version();
    if (path == "/healthz") {
      Respond(Text(http::status::ok, "ok\n", v, ka), "healthz");
    } else if (path == "/readyz") {
      if (server_.draining()) {
        Respond(Text(http::status::service_unavailable, "draining\n", v, ka), "readyz");
      } else {
        Respond(Text(http::status::ok, "ready\n", v, ka), "readyz");
      }
    } else if (path == "/ws1/validate") {
      Respond(Text(http::status::upgrade_required, "WebSocket upgrade required\n", v, ka), "ws1_no_upgrade");
    } else if (server_.dev() && path == "/dev/result-server") {
      if (req.method() != http::verb::post) {
        Respond(Text(http::status::method_not_allowed, "POST only\n", v, ka), "dev_result_server");
        return;
      }
      absl::Status s = server_.dev()->Add(req.body());
      if (s.ok()) {
        Respond(Text(http::status::ok, "{\"status\":\"stored\"}\n", v, ka, "application/json"), "dev_result_server");
      } else {
        Respond(Text(http::status::bad_request, std::string(s.message()) + "\n", v, ka), "dev_result_server");
      }
    } else if (server_.dev() && path == "/dev/results") {
      auto accept = req.find(http::field::accept);
      DevResultStore::Response r = server_.dev()->Render(
          absl::string_view(req.target().data(), req.target().size()),
          accept == req.end() ? absl::string_view() : absl::string_view(accept->value().data(), accept->value().size()),
          server_.active());
      auto res = Text(http::status::ok, std::move(r.body), v, ka, r.content_type.c_str());
      for (const auto& [name, value] : r.headers) res.set(name, value);
      Respond(std::move(res), "dev_results");
    } else {
      Respond(Text(http::status::not_found, "not found\n", v, ka), "not_found");
    }
  }

  void Respond(http::response<http::string_body> res, const char* route) {
    server_.RecordHttp(route, res.result_int());
    auto sp = std::make_shared<http::response<http::string_body>>(std::move(res));
    http::async_write(stream_, *sp, [self = shared_from_this(), sp](beast::error_code ec, size_t) {
      if (ec) return;
      if (!sp->keep_alive()) {
        self->Shutdown();
        return;
      }
      self->DoRead();
    });
  }

  Stream stream_;
  GatewayServer::Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

}  // namespace

void GatewayServer::Impl::StartHttpSession(tcp::socket socket) {
  if (tls_) {
    std::make_shared<HttpSession<TlsStream>>(TlsStream(std::move(socket), *tls_), *this)->Run();
  } else {
    std::make_shared<HttpSession<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)), *this)->Run();
  }
}

GatewayServer::GatewayServer(GatewayOptions options, std::shared_ptr<v1::Validator::StubInterface> validator,
                             std::shared_ptr<v1::Poster::StubInterface> poster, prometheus::Registry& registry,
                             std::shared_ptr<DevResultStore> dev_results)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(validator), std::move(poster), registry,
                                   std::move(dev_results))) {}

GatewayServer::~GatewayServer() { impl_->Shutdown(absl::ZeroDuration()); }

absl::Status GatewayServer::Start() { return impl_->Start(); }
int GatewayServer::port() const { return impl_->port(); }
void GatewayServer::Shutdown(absl::Duration grace) { impl_->Shutdown(grace); }
int GatewayServer::active_sessions() const { return impl_->active(); }

}  // namespace docval::gateway
