#include "gateway/ws/http_session.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <type_traits>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "gateway/ws/http_routes.h"
#include "gateway/ws/v4_route.h"
#include "gateway/ws/ws2_session.h"
#include "gateway/ws/ws_session.h"

namespace docval::gateway {
namespace {

absl::string_view View(beast::string_view s) { return absl::string_view(s.data(), s.size()); }

template <typename Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
  using std::enable_shared_from_this<HttpSession<Stream>>::shared_from_this;

 public:
  HttpSession(Stream&& stream, ConnectionSlot slot, GatewayContext& context)
      : stream_(std::move(stream)), slot_(std::move(slot)), context_(context) {}

  void Run() {
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&HttpSession::Begin, shared_from_this()));
  }

 private:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  void Begin() {
    // One deadline for the TLS handshake and the whole first request.
    beast::get_lowest_layer(stream_).expires_after(ToChrono(context_.options().http_request_timeout));
    if constexpr (kTls) {
      stream_.async_handshake(ssl::stream_base::server, [self = shared_from_this()](beast::error_code ec) {
        if (ec) return;  // a failed TLS handshake: nothing to answer
        self->ReadHeader();
      });
    } else {
      ReadHeader();
    }
  }

  void Shutdown() {
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(ToChrono(context_.options().close_timeout));
      stream_.async_shutdown([self = shared_from_this()](beast::error_code) {});
    } else {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
  }

  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(kMaxRequestHeaderBytes);
    // The route, and with it the body limit, is known only after the header: the largest limit
    // here, the route's own once the header is read.
    parser_->body_limit(std::max(BodyLimit(context_, kDevResultServerPath), BodyLimit(context_, kV4ValidatePath)));
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&HttpSession::OnHeader, shared_from_this()));
  }

  void OnHeader(beast::error_code ec, size_t) {
    if (ec) return OnRead(ec, 0);
    const size_t limit = BodyLimit(context_, TargetPath(View(parser_->get().target())));
    if (parser_->content_length().value_or(0) > limit) return Respond(TooLarge(), 11, false);
    parser_->body_limit(limit);
    if (parser_->is_done()) return OnRead({}, 0);
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpSession::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, size_t) {
    if (ec == http::error::end_of_stream) return Shutdown();
    if (ec) {
      // A timeout or a broken connection has nobody to answer; a request we cannot take gets told.
      if (ec == http::error::body_limit || ec == http::error::header_limit) {
        Respond(TooLarge(), 11, false);
      } else if (ec.category() == http::make_error_code(http::error::bad_method).category()) {
        Respond(Malformed(), 11, false);
      }
      return;
    }
    Request req = parser_->release();
    if (beast::websocket::is_upgrade(req)) {
      if (std::optional<HttpAnswer> refusal = CheckUpgrade(context_, req)) {
        return Respond(std::move(*refusal), req.version(), false);
      }
      HeaderList forwarded = ForwardedHeaders(context_, req);
      ProtocolFactory protocol = TargetPath(View(req.target())) == kWs2Path
                                     ? Ws2Protocol(context_, req, std::move(forwarded))
                                     : Ws1Protocol(context_, req, std::move(forwarded));
      beast::get_lowest_layer(stream_).expires_never();
      RunWsConnection(std::move(stream_), std::move(slot_), context_, std::move(req), std::move(protocol));
      return;
    }
    const bool keep_alive = req.keep_alive();
    if (TargetPath(View(req.target())) == kV4ValidatePath) {
      // The answer may come from a gRPC thread: written on the connection's executor.
      return HandleV4Validate(context_, req, PostedAnswer(req.version(), keep_alive));
    }
    // The answer comes from the store's thread: written on the connection's executor.
    if (HandleDevResultPost(context_, req, PostedAnswer(req.version(), keep_alive))) return;
    Respond(Route(context_, req), req.version(), keep_alive);
  }

  // An answer that may come from another thread, written on the connection's executor.
  std::function<void(HttpAnswer)> PostedAnswer(unsigned version, bool keep_alive) {
    return [self = shared_from_this(), version, keep_alive](HttpAnswer answer) {
      net::post(self->stream_.get_executor(), [self, answer = std::move(answer), version, keep_alive]() mutable {
        self->Respond(std::move(answer), version, keep_alive);
      });
    };
  }

  void Respond(HttpAnswer answer, unsigned version, bool keep_alive) {
    context_.RecordHttp(answer.route, static_cast<int>(answer.status));
    auto res = std::make_shared<http::response<http::string_body>>(answer.status, version);
    res->set(http::field::server, context_.options().server_name);
    res->set(http::field::content_type, answer.content_type);
    for (const auto& [name, value] : answer.headers) res->set(name, value);
    res->keep_alive(keep_alive && !answer.close);
    res->body() = std::move(answer.body);
    res->prepare_payload();
    // The answer is written under the request's deadline: a client that does not read it is dropped.
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, size_t) {
      if (ec) return;
      if (!res->keep_alive()) return self->Shutdown();
      beast::get_lowest_layer(self->stream_).expires_after(ToChrono(self->context_.options().http_keep_alive_timeout));
      self->ReadHeader();
    });
  }

  Stream stream_;
  ConnectionSlot slot_;
  GatewayContext& context_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

}  // namespace

void RunHttpSession(tcp::socket socket, ConnectionSlot slot, GatewayContext& context, ssl::context* tls) {
  if (tls != nullptr) {
    std::make_shared<HttpSession<TlsStream>>(TlsStream(std::move(socket), *tls), std::move(slot), context)->Run();
  } else {
    std::make_shared<HttpSession<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)), std::move(slot), context)
        ->Run();
  }
}

}  // namespace docval::gateway
