#include "tests/support/fake_dns_server.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace docval::testsupport {
namespace {

constexpr size_t kHeaderSize = 12;
constexpr uint16_t kTypeA = 1;
constexpr uint16_t kClassIn = 1;

uint16_t Get16(const std::string& b, size_t at) {
  return static_cast<uint16_t>((static_cast<uint8_t>(b[at]) << 8) | static_cast<uint8_t>(b[at + 1]));
}

void Put16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xFF));
}

}  // namespace

absl::StatusOr<std::unique_ptr<FakeDnsServer>> FakeDnsServer::Start() {
  std::unique_ptr<FakeDnsServer> s(new FakeDnsServer());
  s->fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s->fd_ < 0) return absl::InternalError(absl::StrCat("socket: errno ", errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(s->fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(s->fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return absl::InternalError(absl::StrCat("bind: errno ", errno));
  }
  s->port_ = ntohs(addr.sin_port);
  if (pipe2(s->wake_, O_CLOEXEC) != 0) return absl::InternalError(absl::StrCat("pipe: errno ", errno));
  s->thread_ = std::thread([p = s.get()] { p->Serve(); });
  return s;
}

FakeDnsServer::~FakeDnsServer() {
  Stop();
  for (int fd : {fd_, wake_[0], wake_[1]}) {
    if (fd >= 0) close(fd);
  }
}

void FakeDnsServer::Stop() {
  if (!thread_.joinable()) return;
  const char b = 1;
  (void)!write(wake_[1], &b, 1);
  thread_.join();
}

void FakeDnsServer::SetA(const std::string& name, const std::vector<std::string>& ipv4) {
  std::vector<uint32_t> addresses;
  for (const std::string& a : ipv4) {
    in_addr in{};
    if (inet_pton(AF_INET, a.c_str(), &in) != 1) {
      std::fprintf(stderr, "FakeDnsServer::SetA: not an IPv4 address: %s\n", a.c_str());
      std::abort();
    }
    addresses.push_back(in.s_addr);
  }
  absl::MutexLock lock(&mu_);
  a_[absl::AsciiStrToLower(name)] = std::move(addresses);
}

int FakeDnsServer::queries(const std::string& name, uint16_t qtype) const {
  absl::MutexLock lock(&mu_);
  auto it = counts_.find({absl::AsciiStrToLower(name), qtype});
  return it == counts_.end() ? 0 : it->second;
}

void FakeDnsServer::Serve() {
  char buf[1500];
  while (true) {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    sockaddr_in from{};
    socklen_t from_len = sizeof(from);
    const ssize_t n = recvfrom(fd_, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n <= 0) continue;
    const std::string answer = Answer(std::string(buf, static_cast<size_t>(n)));
    if (!answer.empty()) {
      (void)!sendto(fd_, answer.data(), answer.size(), 0, reinterpret_cast<sockaddr*>(&from), from_len);
    }
  }
}

std::string FakeDnsServer::Answer(const std::string& q) {
  if (q.size() < kHeaderSize) return "";
  const uint16_t flags = Get16(q, 2);
  if ((flags & 0x8000) != 0 || ((flags >> 11) & 0xF) != 0 || Get16(q, 4) != 1) return "";
  // The question's name: labels up to the root label; a query carries no compression pointers.
  std::string name;
  size_t at = kHeaderSize;
  while (true) {
    if (at >= q.size()) return "";
    const uint8_t label = static_cast<uint8_t>(q[at++]);
    if (label == 0) break;
    if (label > 63 || at + label > q.size()) return "";
    if (!name.empty()) name += '.';
    name += absl::AsciiStrToLower(q.substr(at, label));
    at += label;
  }
  if (at + 4 > q.size()) return "";
  const uint16_t qtype = Get16(q, at);
  const uint16_t qclass = Get16(q, at + 2);
  const size_t question_end = at + 4;

  std::vector<uint32_t> addresses;
  bool known = false;
  {
    absl::MutexLock lock(&mu_);
    ++counts_[{name, qtype}];
    auto it = a_.find(name);
    if (it != a_.end()) {
      known = true;
      if (qtype == kTypeA && qclass == kClassIn) addresses = it->second;
    }
  }
  std::string out = q.substr(0, 2);                                      // the query's id
  Put16(out, static_cast<uint16_t>(0x8400 | (flags & 0x0100) | 0x0080 |  // QR, AA, RD as asked, RA
                                   (known ? 0 : 3)));                    // NOERROR or NXDOMAIN
  Put16(out, 1);
  Put16(out, static_cast<uint16_t>(addresses.size()));
  Put16(out, 0);
  Put16(out, 0);
  out += q.substr(kHeaderSize, question_end - kHeaderSize);
  for (uint32_t a : addresses) {
    Put16(out, 0xC000 | kHeaderSize);  // the name: a pointer to the question's
    Put16(out, kTypeA);
    Put16(out, kClassIn);
    Put16(out, 0);  // TTL 0: ask again every time
    Put16(out, 0);
    Put16(out, 4);
    out.append(reinterpret_cast<const char*>(&a), 4);
  }
  return out;
}

}  // namespace docval::testsupport
