// HTTP/1.1 on one blocking socket, plain or TLS, for the fake servers of the tests: the request as
// read (`RecordedRequest`), a reader that enforces header and body limits, and a response writer.
// Deliberately small and independent of Beast/Asio, so the fakes share no code with the server
// under test.
#ifndef DOCVAL_TESTS_SUPPORT_HTTP_WIRE_H_
#define DOCVAL_TESTS_SUPPORT_HTTP_WIRE_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <openssl/ssl.h>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace docval::testsupport {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct RecordedRequest {
  std::string method;
  std::string target;      // the request-target as sent, e.g. "/results?x=1"
  std::string version;     // "HTTP/1.1"
  HeaderList headers;      // in arrival order, names as sent
  std::string body;        // de-chunked when sent chunked
  absl::Time received_at;  // when the whole request had been read
  int connection = 0;      // 1-based index of the connection it came on

  // The value of the first header named `name` (ASCII case-insensitive); "" when absent.
  std::string Header(absl::string_view name) const;
  bool HasHeader(absl::string_view name) const;
};

// The errors queued by OpenSSL on this thread, as one line (and the queue emptied).
std::string OpenSslError();

// One accepted connection, plain (`ssl` null) or TLS, with blocking I/O. Owns `ssl`, not `fd`.
class Stream {
 public:
  Stream(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // >0 bytes read; 0 end of stream or error.
  size_t Read(char* buf, size_t n);
  // False when the peer is gone.
  bool WriteAll(absl::string_view data);

 private:
  int fd_;
  SSL* ssl_;
};

// Buffered reading of HTTP/1.1 requests from a Stream: heads up to 64 KiB, bodies by Content-Length
// or chunked up to the caller's limit, "Expect: 100-continue" answered.
class RequestReader {
 public:
  explicit RequestReader(Stream& s) : s_(s) {}

  enum class Result { kOk, kEof, kBadRequest, kHeadersTooLarge, kBodyTooLarge, kNotImplemented };

  // Reads the next request into `req` (method, target, version, headers, body); `keep_alive` says
  // whether the connection may carry another one.
  Result Read(RecordedRequest& req, size_t max_body, bool& keep_alive);

  // Reads and discards until the peer closes (or the socket is shut down).
  void DrainUntilClosed();

 private:
  bool Fill();
  bool ReadLine(std::string& line);
  Result ReadChunked(RecordedRequest& req, size_t max_body);

  Stream& s_;
  std::string buf_;
};

// A whole response: status line, `headers`, Content-Length, "Connection: close" unless
// `keep_alive`, and `body`.
std::string FormatResponse(int status, const HeaderList& headers, absl::string_view body, bool keep_alive);

}  // namespace docval::testsupport

#endif  // DOCVAL_TESTS_SUPPORT_HTTP_WIRE_H_
