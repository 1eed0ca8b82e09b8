// The Boost.Beast and Asio names the gateway's network code shares. Beast templates are costly to
// compile (docs/development.md): only the .cc files of gateway/ws/ instantiate them.
#ifndef DOCVAL_GATEWAY_WS_BEAST_TYPES_H_
#define DOCVAL_GATEWAY_WS_BEAST_TYPES_H_

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl.hpp>

#include "absl/time/time.h"

namespace docval::gateway {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using TlsStream = ssl::stream<beast::tcp_stream>;
using Request = http::request<http::string_body>;

inline std::chrono::steady_clock::duration ToChrono(absl::Duration d) { return absl::ToChronoMicroseconds(d); }

}  // namespace docval::gateway

#endif  // DOCVAL_GATEWAY_WS_BEAST_TYPES_H_
