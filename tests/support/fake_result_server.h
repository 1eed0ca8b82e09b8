// A real HTTP/1.1 Result Server for tests: listens on 127.0.0.1 with an ephemeral port, answers
// each request from a script, and records every request for assertions.
//
// Written on blocking POSIX sockets and OpenSSL (no Beast/Asio, so it compiles in a second), one
// thread per connection. Stop() (and the destructor) shuts every socket down, which wakes every
// blocked accept/read at once, and joins all threads: a server stops in milliseconds even while
// connections hang.
//
// The script is consumed one action per request, across all connections; the last action repeats
// forever (so {Respond(503)} means "503 always"). An empty script answers 200.
//
// Start() makes the process ignore SIGPIPE (writing to a socket the client already closed must not
// kill the test).
#ifndef DOCVAL_TESTS_SUPPORT_FAKE_RESULT_SERVER_H_
#define DOCVAL_TESTS_SUPPORT_FAKE_RESULT_SERVER_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "tests/support/http_wire.h"

namespace docval::testsupport {

// What the server does with one request.
struct FakeAction {
  enum class Kind {
    kRespond,  // answer `status` with `headers` and `body`
    kHang,     // read the request, never answer (until the client or Stop() closes)
    kClose,    // read the request, close the connection without answering
  };
  Kind kind = Kind::kRespond;
  int status = 200;
  HeaderList headers;  // added to the response (Content-Length is always set by the server)
  std::string body;

  static FakeAction Respond(int status, HeaderList headers = {}, std::string body = "");
  static FakeAction Hang();
  static FakeAction Close();
};

// Parses the command-line script form: comma-separated actions, each a status code optionally
// followed by headers as `:Name=Value` ("503,429:Retry-After=1,200"), or `hang`, or `close`.
absl::StatusOr<std::vector<FakeAction>> ParseScript(absl::string_view script);

struct FakeResultServerOptions {
  std::vector<FakeAction> script;
  int port = 0;  // 0: an ephemeral port
  std::string bind_address = "127.0.0.1";
  // Both set: serve HTTPS with this PEM certificate (chain) and PEM private key.
  std::string tls_cert_path;
  std::string tls_key_path;
  size_t max_body_bytes = 16 << 20;  // larger bodies get 413
  // Called (on a connection thread) for each request once it has been read, before the answer.
  std::function<void(const RecordedRequest&)> on_request;
};

class FakeResultServer {
 public:
  // Binds, listens and starts accepting. Errors: a bad address or port, unreadable TLS files.
  static absl::StatusOr<std::unique_ptr<FakeResultServer>> Start(FakeResultServerOptions options);

  FakeResultServer(const FakeResultServer&) = delete;
  FakeResultServer& operator=(const FakeResultServer&) = delete;
  ~FakeResultServer();  // Stop()

  // Closes the listener and every connection, joins all threads. Idempotent.
  void Stop();

  int port() const;
  bool tls() const;
  // "http[s]://127.0.0.1:<port><path>".
  std::string Url(absl::string_view path = "/results") const;

  // Replaces the script and restarts it from its first action.
  void SetScript(std::vector<FakeAction> script);

  std::vector<RecordedRequest> requests() const;
  size_t request_count() const;
  int connection_count() const;  // TCP connections accepted so far
  int resumed_count() const;     // TLS connections that resumed an earlier TLS session
  // Waits until at least `n` requests have been recorded; false on timeout.
  bool WaitForRequests(size_t n, absl::Duration timeout) const;
  // Hang() requests whose client gave up and closed the connection (Stop() does not count).
  size_t abandoned_count() const;
  bool WaitForAbandoned(size_t n, absl::Duration timeout) const;

  class Impl;

 private:
  explicit FakeResultServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Holds a FakeResultServer's answers until Open(): pass Hook() as FakeResultServerOptions::
// on_request. Requests are recorded before they wait here. Open the gate before the server stops
// (Stop() joins the connection threads that wait on it).
class AnswerGate {
 public:
  std::function<void(const RecordedRequest&)> Hook();
  void Open();

 private:
  absl::Notification open_;
};

// A loopback TCP port that refuses connections: the socket is bound (so no one else gets the port)
// but never listens, so a connect() gets RST at once. The port is refused while the object lives.
class RefusingPort {
 public:
  static absl::StatusOr<RefusingPort> Create();
  RefusingPort(RefusingPort&& other) noexcept;
  RefusingPort& operator=(RefusingPort&& other) noexcept;
  ~RefusingPort();

  int port() const { return port_; }
  std::string Url(absl::string_view path = "/results") const;

 private:
  RefusingPort(int fd, int port) : fd_(fd), port_(port) {}
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace docval::testsupport

#endif  // DOCVAL_TESTS_SUPPORT_FAKE_RESULT_SERVER_H_
