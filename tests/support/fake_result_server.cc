#include "tests/support/fake_result_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <list>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"

namespace docval::testsupport {

FakeAction FakeAction::Respond(int status, HeaderList headers, std::string body) {
  FakeAction a;
  a.kind = Kind::kRespond;
  a.status = status;
  a.headers = std::move(headers);
  a.body = std::move(body);
  return a;
}
FakeAction FakeAction::Hang() {
  FakeAction a;
  a.kind = Kind::kHang;
  return a;
}
FakeAction FakeAction::Close() {
  FakeAction a;
  a.kind = Kind::kClose;
  return a;
}

absl::StatusOr<std::vector<FakeAction>> ParseScript(absl::string_view script) {
  std::vector<FakeAction> out;
  for (absl::string_view item : absl::StrSplit(script, ',', absl::SkipWhitespace())) {
    item = absl::StripAsciiWhitespace(item);
    if (item == "hang") {
      out.push_back(FakeAction::Hang());
      continue;
    }
    if (item == "close") {
      out.push_back(FakeAction::Close());
      continue;
    }
    std::vector<absl::string_view> parts = absl::StrSplit(item, ':');
    int status = 0;
    if (!absl::SimpleAtoi(parts[0], &status) || status < 100 || status > 999) {
      return absl::InvalidArgumentError(
          absl::StrCat("script item \"", item, "\": expected a status code, hang or close"));
    }
    HeaderList headers;
    for (size_t i = 1; i < parts.size(); ++i) {
      size_t eq = parts[i].find('=');
      if (eq == absl::string_view::npos || eq == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("script item \"", item, "\": header must be Name=Value"));
      }
      headers.emplace_back(std::string(parts[i].substr(0, eq)),
                           std::string(parts[i].substr(eq + 1)));
    }
    out.push_back(FakeAction::Respond(status, std::move(headers)));
  }
  if (out.empty()) return absl::InvalidArgumentError("empty script");
  return out;
}

class FakeResultServer::Impl {
 public:
  explicit Impl(FakeResultServerOptions options) : options_(std::move(options)) {
    script_ = options_.script;
  }

  ~Impl() {
    Stop();
    if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  }

  absl::Status Start() {
    if (options_.tls_cert_path.empty() != options_.tls_key_path.empty()) {
      return absl::InvalidArgumentError("TLS needs both a certificate and a key");
    }
    if (!options_.tls_cert_path.empty()) {
      ctx_ = SSL_CTX_new(TLS_server_method());
      if (ctx_ == nullptr) return absl::InternalError(OpenSslError());
      if (SSL_CTX_use_certificate_chain_file(ctx_, options_.tls_cert_path.c_str()) != 1) {
        return absl::InvalidArgumentError(
            absl::StrCat("cannot load certificate ", options_.tls_cert_path, ": ", OpenSslError()));
      }
      if (SSL_CTX_use_PrivateKey_file(ctx_, options_.tls_key_path.c_str(), SSL_FILETYPE_PEM) != 1 ||
          SSL_CTX_check_private_key(ctx_) != 1) {
        return absl::InvalidArgumentError(
            absl::StrCat("cannot load key ", options_.tls_key_path, ": ", OpenSslError()));
      }
    }
    ::signal(SIGPIPE, SIG_IGN);

    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(options_.port));
    if (options_.port < 0 || options_.port > 65535 ||
        ::inet_pton(AF_INET, options_.bind_address.c_str(), &addr.sin_addr) != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad address ", options_.bind_address, ":", options_.port));
    }
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) return absl::InternalError(absl::StrCat("socket: ", strerror(errno)));
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::listen(listen_fd_, 128) != 0) {
      return absl::UnavailableError(absl::StrCat("bind/listen ", options_.bind_address, ":",
                                                 options_.port, ": ", strerror(errno)));
    }
    socklen_t len = sizeof(addr);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    if (::pipe2(wake_, O_CLOEXEC) != 0) {
      return absl::InternalError(absl::StrCat("pipe: ", strerror(errno)));
    }
    accept_thread_ = std::thread([this] { AcceptLoop(); });
    return absl::OkStatus();
  }

  void Stop() {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    if (accept_thread_.joinable()) {
      char c = 'x';
      (void)!::write(wake_[1], &c, 1);
      accept_thread_.join();
    }
    std::list<std::unique_ptr<Conn>> conns;
    {
      absl::MutexLock lock(&mu_);
      for (auto& c : conns_) ::shutdown(c->fd, SHUT_RDWR);
      conns.swap(conns_);
    }
    for (auto& c : conns) {
      c->thread.join();
      ::close(c->fd);
    }
    if (listen_fd_ >= 0) ::close(listen_fd_);
    listen_fd_ = -1;
    for (int& fd : wake_) {
      if (fd >= 0) ::close(fd);
      fd = -1;
    }
  }

  int port() const { return port_; }
  bool tls() const { return ctx_ != nullptr; }

  void SetScript(std::vector<FakeAction> script) {
    absl::MutexLock lock(&mu_);
    script_ = std::move(script);
    script_pos_ = 0;
  }

  std::vector<RecordedRequest> requests() const {
    absl::MutexLock lock(&mu_);
    return requests_;
  }
  size_t request_count() const {
    absl::MutexLock lock(&mu_);
    return requests_.size();
  }
  int connection_count() const {
    absl::MutexLock lock(&mu_);
    return connections_;
  }
  int resumed_count() const {
    absl::MutexLock lock(&mu_);
    return resumed_;
  }
  bool WaitForRequests(size_t n, absl::Duration timeout) const {
    absl::MutexLock lock(&mu_);
    auto enough = [this, n]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return requests_.size() >= n; };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
  }
  size_t abandoned_count() const {
    absl::MutexLock lock(&mu_);
    return abandoned_;
  }
  bool WaitForAbandoned(size_t n, absl::Duration timeout) const {
    absl::MutexLock lock(&mu_);
    auto enough = [this, n]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return abandoned_ >= n; };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
  }

 private:
  struct Conn {
    int fd = -1;
    std::thread thread;
    std::atomic<bool> done{false};
  };

  void AcceptLoop() {
    for (;;) {
      pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
      int r = ::poll(fds, 2, -1);
      if (r < 0) {
        if (errno == EINTR) continue;
        return;
      }
      if (fds[1].revents != 0) return;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
      absl::MutexLock lock(&mu_);
      if (stopping_) {
        ::close(fd);
        return;
      }
      ReapLocked();
      int index = ++connections_;
      auto conn = std::make_unique<Conn>();
      conn->fd = fd;
      Conn* raw = conn.get();
      conn->thread = std::thread([this, raw, index] {
        Serve(raw->fd, index);
        ::shutdown(raw->fd, SHUT_RDWR);
        raw->done = true;
      });
      conns_.push_back(std::move(conn));
    }
  }

  void ReapLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (auto it = conns_.begin(); it != conns_.end();) {
      if ((*it)->done) {
        (*it)->thread.join();
        ::close((*it)->fd);
        it = conns_.erase(it);
      } else {
        ++it;
      }
    }
  }

  FakeAction NextAction() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (script_.empty()) return FakeAction::Respond(200);
    const FakeAction& a = script_[std::min(script_pos_, script_.size() - 1)];
    ++script_pos_;
    return a;
  }

  void Serve(int fd, int index) {
    SSL* ssl = nullptr;
    if (ctx_ != nullptr) {
      ssl = SSL_new(ctx_);
      if (ssl == nullptr) return;
      SSL_set_fd(ssl, fd);
      if (SSL_accept(ssl) != 1) {
        ERR_clear_error();
        SSL_free(ssl);
        return;
      }
      if (SSL_session_reused(ssl) == 1) {
        absl::MutexLock lock(&mu_);
        ++resumed_;
      }
    }
    Stream stream(fd, ssl);
    RequestReader reader(stream);
    for (;;) {
      RecordedRequest req;
      bool keep_alive = false;
      RequestReader::Result r = reader.Read(req, options_.max_body_bytes, keep_alive);
      switch (r) {
        case RequestReader::Result::kOk:
          break;
        case RequestReader::Result::kEof:
          return;
        case RequestReader::Result::kBadRequest:
          stream.WriteAll(FormatResponse(400, {}, "", false));
          return;
        case RequestReader::Result::kHeadersTooLarge:
          stream.WriteAll(FormatResponse(431, {}, "", false));
          return;
        case RequestReader::Result::kBodyTooLarge:
          stream.WriteAll(FormatResponse(413, {}, "", false));
          return;
        case RequestReader::Result::kNotImplemented:
          stream.WriteAll(FormatResponse(501, {}, "", false));
          return;
      }
      req.received_at = absl::Now();
      req.connection = index;
      FakeAction action;
      {
        absl::MutexLock lock(&mu_);
        action = NextAction();
        requests_.push_back(req);
      }
      if (options_.on_request) options_.on_request(req);
      switch (action.kind) {
        case FakeAction::Kind::kRespond:
          if (!stream.WriteAll(FormatResponse(action.status, action.headers, action.body,
                                              keep_alive)) ||
              !keep_alive) {
            return;
          }
          break;
        case FakeAction::Kind::kHang: {
          reader.DrainUntilClosed();
          absl::MutexLock lock(&mu_);
          if (!stopping_) ++abandoned_;
          return;
        }
        case FakeAction::Kind::kClose:
          return;
      }
    }
  }

  const FakeResultServerOptions options_;
  SSL_CTX* ctx_ = nullptr;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  int port_ = 0;
  std::thread accept_thread_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<FakeAction> script_ ABSL_GUARDED_BY(mu_);
  size_t script_pos_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<RecordedRequest> requests_ ABSL_GUARDED_BY(mu_);
  int connections_ ABSL_GUARDED_BY(mu_) = 0;
  int resumed_ ABSL_GUARDED_BY(mu_) = 0;
  size_t abandoned_ ABSL_GUARDED_BY(mu_) = 0;
  std::list<std::unique_ptr<Conn>> conns_ ABSL_GUARDED_BY(mu_);
};

absl::StatusOr<std::unique_ptr<FakeResultServer>> FakeResultServer::Start(
    FakeResultServerOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  absl::Status s = impl->Start();
  if (!s.ok()) return s;
  return std::unique_ptr<FakeResultServer>(new FakeResultServer(std::move(impl)));
}

FakeResultServer::FakeResultServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FakeResultServer::~FakeResultServer() { Stop(); }
void FakeResultServer::Stop() { impl_->Stop(); }
int FakeResultServer::port() const { return impl_->port(); }
bool FakeResultServer::tls() const { return impl_->tls(); }
std::string FakeResultServer::Url(absl::string_view path) const {
  return absl::StrCat(tls() ? "https" : "http", "://127.0.0.1:", port(), path);
}
void FakeResultServer::SetScript(std::vector<FakeAction> script) {
  impl_->SetScript(std::move(script));
}
std::vector<RecordedRequest> FakeResultServer::requests() const { return impl_->requests(); }
std::function<void(const RecordedRequest&)> AnswerGate::Hook() {
  return [this](const RecordedRequest&) { open_.WaitForNotification(); };
}

void AnswerGate::Open() {
  if (!open_.HasBeenNotified()) open_.Notify();
}

size_t FakeResultServer::abandoned_count() const { return impl_->abandoned_count(); }
bool FakeResultServer::WaitForAbandoned(size_t n, absl::Duration timeout) const {
  return impl_->WaitForAbandoned(n, timeout);
}
size_t FakeResultServer::request_count() const { return impl_->request_count(); }
int FakeResultServer::connection_count() const { return impl_->connection_count(); }
int FakeResultServer::resumed_count() const { return impl_->resumed_count(); }
bool FakeResultServer::WaitForRequests(size_t n, absl::Duration timeout) const {
  return impl_->WaitForRequests(n, timeout);
}

absl::StatusOr<RefusingPort> RefusingPort::Create() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int e = errno;
    ::close(fd);
    return absl::InternalError(absl::StrCat("bind: ", strerror(e)));
  }
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return RefusingPort(fd, ntohs(addr.sin_port));
}

RefusingPort::RefusingPort(RefusingPort&& other) noexcept : fd_(other.fd_), port_(other.port_) {
  other.fd_ = -1;
}
RefusingPort& RefusingPort::operator=(RefusingPort&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    port_ = other.port_;
    other.fd_ = -1;
  }
  return *this;
}
RefusingPort::~RefusingPort() {
  if (fd_ >= 0) ::close(fd_);
}
std::string RefusingPort::Url(absl::string_view path) const {
  return absl::StrCat("http://127.0.0.1:", port_, path);
}

}  // namespace docval::testsupport
