#include "tests/support/http_wire.h"

#include <errno.h>

#include <openssl/err.h>
#include <sys/socket.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace docval::testsupport {
namespace {

constexpr size_t kMaxHeaderBytes = 64 << 10;

absl::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Status";
  }
}

}  // namespace

std::string RecordedRequest::Header(absl::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (absl::EqualsIgnoreCase(n, name)) return v;
  }
  return "";
}

bool RecordedRequest::HasHeader(absl::string_view name) const {
  for (const auto& h : headers) {
    if (absl::EqualsIgnoreCase(h.first, name)) return true;
  }
  return false;
}

std::string OpenSslError() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

Stream::~Stream() {
  if (ssl_ != nullptr) SSL_free(ssl_);
}

size_t Stream::Read(char* buf, size_t n) {
  if (ssl_ != nullptr) {
    int r = SSL_read(ssl_, buf, static_cast<int>(n));
    return r > 0 ? static_cast<size_t>(r) : 0;
  }
  for (;;) {
    ssize_t r = ::recv(fd_, buf, n, 0);
    if (r < 0 && errno == EINTR) continue;
    return r > 0 ? static_cast<size_t>(r) : 0;
  }
}

bool Stream::WriteAll(absl::string_view data) {
  while (!data.empty()) {
    if (ssl_ != nullptr) {
      int r = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
      if (r <= 0) return false;
      data.remove_prefix(static_cast<size_t>(r));
    } else {
      ssize_t r = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return false;
      data.remove_prefix(static_cast<size_t>(r));
    }
  }
  return true;
}

RequestReader::Result RequestReader::Read(RecordedRequest& req, size_t max_body, bool& keep_alive) {
  // Head: up to the blank line.
  size_t end;
  for (;;) {
    end = buf_.find("\r\n\r\n");
    if (end != std::string::npos) break;
    if (buf_.size() > kMaxHeaderBytes) return Result::kHeadersTooLarge;
    if (!Fill()) return buf_.empty() ? Result::kEof : Result::kBadRequest;
  }
  std::string head = buf_.substr(0, end);
  buf_.erase(0, end + 4);
  std::vector<absl::string_view> lines = absl::StrSplit(head, "\r\n");
  std::vector<absl::string_view> first = absl::StrSplit(lines[0], ' ');
  if (first.size() != 3 || first[0].empty() || first[1].empty()) return Result::kBadRequest;
  req.method = std::string(first[0]);
  req.target = std::string(first[1]);
  req.version = std::string(first[2]);
  for (size_t i = 1; i < lines.size(); ++i) {
    size_t colon = lines[i].find(':');
    if (colon == absl::string_view::npos || colon == 0) return Result::kBadRequest;
    req.headers.emplace_back(std::string(lines[i].substr(0, colon)),
                             std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1))));
  }
  keep_alive = req.version == "HTTP/1.1" && !absl::EqualsIgnoreCase(req.Header("Connection"), "close");

  const std::string te = req.Header("Transfer-Encoding");
  const bool expect_continue = absl::EqualsIgnoreCase(req.Header("Expect"), "100-continue");
  if (!te.empty()) {
    if (!absl::EqualsIgnoreCase(te, "chunked")) return Result::kNotImplemented;
    if (expect_continue && !s_.WriteAll("HTTP/1.1 100 Continue\r\n\r\n")) return Result::kEof;
    return ReadChunked(req, max_body);
  }
  size_t length = 0;
  if (req.HasHeader("Content-Length") && !absl::SimpleAtoi(req.Header("Content-Length"), &length)) {
    return Result::kBadRequest;
  }
  if (length > max_body) return Result::kBodyTooLarge;
  if (length > 0 && expect_continue && buf_.empty() && !s_.WriteAll("HTTP/1.1 100 Continue\r\n\r\n")) {
    return Result::kEof;
  }
  while (buf_.size() < length) {
    if (!Fill()) return Result::kBadRequest;
  }
  req.body = buf_.substr(0, length);
  buf_.erase(0, length);
  return Result::kOk;
}

void RequestReader::DrainUntilClosed() {
  char tmp[4096];
  while (s_.Read(tmp, sizeof(tmp)) > 0) {
  }
}

bool RequestReader::Fill() {
  char tmp[8192];
  size_t n = s_.Read(tmp, sizeof(tmp));
  if (n == 0) return false;
  buf_.append(tmp, n);
  return true;
}

bool RequestReader::ReadLine(std::string& line) {
  for (;;) {
    size_t eol = buf_.find("\r\n");
    if (eol != std::string::npos) {
      line = buf_.substr(0, eol);
      buf_.erase(0, eol + 2);
      return true;
    }
    if (buf_.size() > kMaxHeaderBytes || !Fill()) return false;
  }
}

RequestReader::Result RequestReader::ReadChunked(RecordedRequest& req, size_t max_body) {
  for (;;) {
    std::string line;
    if (!ReadLine(line)) return Result::kBadRequest;
    absl::string_view size_text = line;
    size_t semi = size_text.find(';');
    if (semi != absl::string_view::npos) size_text = size_text.substr(0, semi);
    size_t size = 0;
    if (!absl::SimpleHexAtoi(absl::StripAsciiWhitespace(size_text), &size)) {
      return Result::kBadRequest;
    }
    if (size == 0) break;
    if (size > max_body || req.body.size() + size > max_body) return Result::kBodyTooLarge;
    while (buf_.size() < size + 2) {
      if (!Fill()) return Result::kBadRequest;
    }
    if (buf_.compare(size, 2, "\r\n") != 0) return Result::kBadRequest;
    req.body.append(buf_, 0, size);
    buf_.erase(0, size + 2);
  }
  for (;;) {  // trailers
    std::string line;
    if (!ReadLine(line)) return Result::kBadRequest;
    if (line.empty()) return Result::kOk;
  }
}

std::string FormatResponse(int status, const HeaderList& headers, absl::string_view body, bool keep_alive) {
  std::string out = absl::StrCat("HTTP/1.1 ", status, " ", ReasonPhrase(status), "\r\n");
  for (const auto& [name, value] : headers) absl::StrAppend(&out, name, ": ", value, "\r\n");
  absl::StrAppend(&out, "Content-Length: ", body.size(), "\r\n");
  if (!keep_alive) absl::StrAppend(&out, "Connection: close\r\n");
  absl::StrAppend(&out, "\r\n", body);
  return out;
}

}  // namespace docval::testsupport
