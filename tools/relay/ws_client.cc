#include "tools/relay/ws_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace docval::relay {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

absl::StatusOr<WsUrl> ParseWsUrl(const std::string& url) {
  WsUrl u;
  std::string rest;
  if (absl::StartsWith(url, "ws://")) {
    rest = url.substr(5);
  } else if (absl::StartsWith(url, "wss://")) {
    u.tls = true;
    rest = url.substr(6);
  } else {
    return absl::InvalidArgumentError(absl::StrCat("not a ws:// or wss:// URL: ", url));
  }
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  u.target = slash == std::string::npos ? "/" : rest.substr(slash);
  size_t colon = authority.rfind(':');
  if (colon == std::string::npos || (authority[0] == '[' && authority.back() == ']')) {
    u.host = authority;
    u.port = u.tls ? "443" : "80";
  } else {
    u.host = authority.substr(0, colon);
    u.port = authority.substr(colon + 1);
  }
  if (!u.host.empty() && u.host.front() == '[') u.host = u.host.substr(1, u.host.size() - 2);
  if (u.host.empty()) return absl::InvalidArgumentError(absl::StrCat("no host in URL: ", url));
  return u;
}

class WsClient::Impl {
 public:
  virtual ~Impl() = default;
  virtual absl::Status Send(bool text, const std::string& data, absl::Duration timeout) = 0;
  virtual absl::StatusOr<Frame> Read(absl::Duration timeout) = 0;
  virtual absl::Status Close(int code, const std::string& reason, absl::Duration timeout) = 0;
  virtual void Abort() = 0;
  CloseInfo close;
};

namespace {

template <typename Stream>
class StreamImpl final : public WsClient::Impl {
 public:
  template <typename... Args>
  explicit StreamImpl(Args&&... args) : ws_(std::forward<Args>(args)...) {}

  websocket::stream<Stream>& ws() { return ws_; }
  net::io_context& ioc() { return *ioc_; }
  void set_ioc(std::unique_ptr<net::io_context> ioc, std::unique_ptr<ssl::context> ctx) {
    ioc_ = std::move(ioc);
    ssl_ = std::move(ctx);
  }

  // Runs the io_context until `done` or the timeout; on timeout the connection is dropped.
  bool RunUntil(const bool& done, absl::Duration timeout) {
    ioc_->restart();
    ioc_->run_for(absl::ToChronoMilliseconds(timeout));
    if (!done) {
      Abort();
      ioc_->restart();
      ioc_->run_for(std::chrono::milliseconds(200));  // let the cancelled handlers run
      return false;
    }
    return true;
  }

  absl::Status Send(bool text, const std::string& data, absl::Duration timeout) override {
    bool done = false;
    beast::error_code result;
    ws_.text(text);
    ws_.async_write(net::buffer(data), [&](beast::error_code ec, size_t) {
      result = ec;
      done = true;
    });
    if (!RunUntil(done, timeout)) return absl::DeadlineExceededError("write timed out");
    if (result) return absl::UnavailableError(absl::StrCat("write failed: ", result.message()));
    return absl::OkStatus();
  }

  absl::StatusOr<Frame> Read(absl::Duration timeout) override {
    bool done = false;
    beast::error_code result;
    beast::flat_buffer buffer;
    ws_.async_read(buffer, [&](beast::error_code ec, size_t) {
      result = ec;
      done = true;
    });
    if (!RunUntil(done, timeout)) return absl::DeadlineExceededError("read timed out");
    if (result == websocket::error::closed) {
      close.code = ws_.reason().code;
      close.reason = std::string(ws_.reason().reason.c_str());
      return absl::AbortedError(absl::StrCat("closed by the server: ", close.code, " ", close.reason));
    }
    if (result) return absl::UnavailableError(absl::StrCat("read failed: ", result.message()));
    return Frame{ws_.got_text(), beast::buffers_to_string(buffer.data())};
  }

  absl::Status Close(int code, const std::string& reason, absl::Duration timeout) override {
    bool done = false;
    beast::error_code result;
    websocket::close_reason cr(static_cast<uint16_t>(code));
    cr.reason = reason;
    ws_.async_close(cr, [&](beast::error_code ec) {
      result = ec;
      done = true;
    });
    if (!RunUntil(done, timeout)) return absl::DeadlineExceededError("close timed out");
    if (result) return absl::UnavailableError(absl::StrCat("close failed: ", result.message()));
    return absl::OkStatus();
  }

  void Abort() override {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

 private:
  std::unique_ptr<net::io_context> ioc_;
  std::unique_ptr<ssl::context> ssl_;
  websocket::stream<Stream> ws_;
};

absl::Status HandshakeError(const beast::error_code& ec, const websocket::response_type& res) {
  if (ec == websocket::error::upgrade_declined) {
    int status = res.result_int();
    std::string msg = absl::StrCat("handshake refused: HTTP ", status);
    if (status == 401) return absl::UnauthenticatedError(msg);
    if (status == 403) return absl::PermissionDeniedError(msg);
    return absl::FailedPreconditionError(msg);
  }
  return absl::UnavailableError(absl::StrCat("handshake failed: ", ec.message()));
}

template <typename Impl>
absl::Status Handshake(Impl& impl, const WsUrl& u, const WsClientOptions& options) {
  auto& ws = impl.ws();
  ws.set_option(websocket::stream_base::decorator([headers = options.headers](websocket::request_type& req) {
    for (const auto& [k, v] : headers) req.set(k, v);
  }));
  if (options.permessage_deflate) {
    websocket::permessage_deflate pmd;
    pmd.client_enable = true;
    ws.set_option(pmd);
  }
  ws.read_message_max(0);
  bool done = false;
  beast::error_code result;
  websocket::response_type res;
  ws.async_handshake(res, absl::StrCat(u.host, ":", u.port), u.target, [&](beast::error_code ec) {
    result = ec;
    done = true;
  });
  if (!impl.RunUntil(done, options.connect_timeout)) return absl::DeadlineExceededError("handshake timed out");
  if (result) return HandshakeError(result, res);
  return absl::OkStatus();
}

absl::Status ConnectTcp(net::io_context& ioc, tcp::socket& socket, const WsUrl& u, absl::Duration timeout) {
  tcp::resolver resolver(ioc);
  beast::error_code ec;
  auto endpoints = resolver.resolve(u.host, u.port, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot resolve ", u.host, ": ", ec.message()));
  bool done = false;
  beast::error_code result;
  net::async_connect(socket, endpoints, [&](beast::error_code e, const tcp::endpoint&) {
    result = e;
    done = true;
  });
  ioc.restart();
  ioc.run_for(absl::ToChronoMilliseconds(timeout));
  if (!done) {
    socket.close(ec);
    return absl::DeadlineExceededError("connect timed out");
  }
  if (result)
    return absl::UnavailableError(absl::StrCat("cannot connect to ", u.host, ":", u.port, ": ", result.message()));
  // As a phone's stack: each response goes out at once, not behind the previous frame's ACK.
  socket.set_option(tcp::no_delay(true), ec);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<WsClient>> WsClient::Connect(const std::string& url, const WsClientOptions& options) {
  absl::StatusOr<WsUrl> u = ParseWsUrl(url);
  if (!u.ok()) return u.status();
  auto ioc = std::make_unique<net::io_context>();
  if (!u->tls) {
    auto impl = std::make_unique<StreamImpl<beast::tcp_stream>>(*ioc);
    absl::Status s = ConnectTcp(*ioc, beast::get_lowest_layer(impl->ws()).socket(), *u, options.connect_timeout);
    impl->set_ioc(std::move(ioc), nullptr);
    if (!s.ok()) return s;
    s = Handshake(*impl, *u, options);
    if (!s.ok()) return s;
    return std::unique_ptr<WsClient>(new WsClient(std::move(impl)));
  }
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  ctx->set_verify_mode(ssl::verify_peer);
  beast::error_code ec;
  if (options.ca_file.empty()) {
    ctx->set_default_verify_paths(ec);
  } else {
    ctx->load_verify_file(options.ca_file, ec);
  }
  if (ec) return absl::InvalidArgumentError(absl::StrCat("cannot load CA: ", ec.message()));
  ctx->set_verify_callback(ssl::host_name_verification(u->host));
  auto impl = std::make_unique<StreamImpl<ssl::stream<beast::tcp_stream>>>(*ioc, *ctx);
  auto& tls = impl->ws().next_layer();
  if (!SSL_set_tlsext_host_name(tls.native_handle(), u->host.c_str())) {
    return absl::InternalError("cannot set SNI");
  }
  absl::Status s = ConnectTcp(*ioc, beast::get_lowest_layer(impl->ws()).socket(), *u, options.connect_timeout);
  impl->set_ioc(std::move(ioc), std::move(ctx));
  if (!s.ok()) return s;
  bool done = false;
  beast::error_code result;
  tls.async_handshake(ssl::stream_base::client, [&](beast::error_code e) {
    result = e;
    done = true;
  });
  if (!impl->RunUntil(done, options.connect_timeout)) return absl::DeadlineExceededError("TLS handshake timed out");
  if (result) return absl::UnavailableError(absl::StrCat("TLS handshake failed: ", result.message()));
  s = Handshake(*impl, *u, options);
  if (!s.ok()) return s;
  return std::unique_ptr<WsClient>(new WsClient(std::move(impl)));
}

WsClient::WsClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WsClient::~WsClient() = default;

absl::Status WsClient::SendText(const std::string& text, absl::Duration timeout) {
  return impl_->Send(true, text, timeout);
}
absl::Status WsClient::SendBinary(const std::string& data, absl::Duration timeout) {
  return impl_->Send(false, data, timeout);
}
absl::StatusOr<Frame> WsClient::Read(absl::Duration timeout) { return impl_->Read(timeout); }
absl::Status WsClient::Close(int code, const std::string& reason, absl::Duration timeout) {
  return impl_->Close(code, reason, timeout);
}
void WsClient::Abort() { impl_->Abort(); }
const CloseInfo& WsClient::close_info() const { return impl_->close; }

}  // namespace docval::relay
