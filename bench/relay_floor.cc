#include "bench/relay_floor.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <thread>
#include <utility>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "absl/strings/str_cat.h"

namespace docval::bench {
namespace {

// Sends or receives exactly `n` bytes on a blocking socket.
bool WriteFull(int fd, const uint8_t* p, size_t n) {
  while (n > 0) {
    const ssize_t w = write(fd, p, n);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}
bool ReadFull(int fd, uint8_t* p, size_t n) {
  while (n > 0) {
    const ssize_t r = read(fd, p, n);
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

// Two connected loopback TCP sockets with TCP_NODELAY: {client, server}.
absl::StatusOr<std::pair<int, int>> LoopbackPair() {
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (listener < 0 || bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(listener, 1) != 0 || getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (listener >= 0) close(listener);
    return absl::InternalError(absl::StrCat("loopback listener: ", strerror(errno)));
  }
  const int client = socket(AF_INET, SOCK_STREAM, 0);
  if (client < 0 || connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (client >= 0) close(client);
    close(listener);
    return absl::InternalError(absl::StrCat("loopback connect: ", strerror(errno)));
  }
  const int server = accept(listener, nullptr, nullptr);
  close(listener);
  if (server < 0) {
    close(client);
    return absl::InternalError(absl::StrCat("loopback accept: ", strerror(errno)));
  }
  const int one = 1;
  (void)setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  (void)setsockopt(server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return std::make_pair(client, server);
}

}  // namespace

absl::StatusOr<BareRelayCpu> MeasureBareRelay(const std::vector<Exchange>& dialog, int sessions) {
  absl::StatusOr<std::pair<int, int>> phone_link = LoopbackPair();
  if (!phone_link.ok()) return phone_link.status();
  absl::StatusOr<std::pair<int, int>> upstream = LoopbackPair();
  if (!upstream.ok()) return upstream.status();
  // Plain ints, not structured bindings: lambdas capture them (clang 14 refuses bindings there).
  const int phone_fd = phone_link->first, gateway_phone_fd = phone_link->second;
  const int gateway_up_fd = upstream->first, validator_fd = upstream->second;
  std::atomic<int64_t> gateway_ns{0}, validator_ns{0};
  std::atomic<bool> failed{false};
  std::thread validator([&] {
    const int64_t t0 = ThreadCpuNs();
    std::vector<uint8_t> buf;
    for (int i = 0; i < sessions && !failed; ++i) {
      for (const Exchange& e : dialog) {
        buf.resize(e.response.size());
        if (!WriteFull(validator_fd, e.command.data(), e.command.size()) ||
            !ReadFull(validator_fd, buf.data(), buf.size())) {
          failed = true;
          break;
        }
      }
    }
    validator_ns = ThreadCpuNs() - t0;
  });
  std::thread gateway([&] {
    const int64_t t0 = ThreadCpuNs();
    std::vector<uint8_t> buf;
    for (int i = 0; i < sessions && !failed; ++i) {
      for (const Exchange& e : dialog) {
        buf.resize(std::max(e.command.size(), e.response.size()));
        if (!ReadFull(gateway_up_fd, buf.data(), e.command.size()) ||
            !WriteFull(gateway_phone_fd, buf.data(), e.command.size()) ||
            !ReadFull(gateway_phone_fd, buf.data(), e.response.size()) ||
            !WriteFull(gateway_up_fd, buf.data(), e.response.size())) {
          failed = true;
          break;
        }
      }
    }
    gateway_ns = ThreadCpuNs() - t0;
  });
  std::vector<uint8_t> buf;
  for (int i = 0; i < sessions && !failed; ++i) {
    for (const Exchange& e : dialog) {
      buf.resize(e.command.size());
      if (!ReadFull(phone_fd, buf.data(), buf.size())) {
        failed = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));  // the chip's time
      if (!WriteFull(phone_fd, e.response.data(), e.response.size())) {
        failed = true;
        break;
      }
    }
  }
  if (failed) {  // unblock whichever thread still waits
    for (int fd : {phone_fd, gateway_phone_fd, gateway_up_fd, validator_fd}) shutdown(fd, SHUT_RDWR);
  }
  validator.join();
  gateway.join();
  for (int fd : {phone_fd, gateway_phone_fd, gateway_up_fd, validator_fd}) close(fd);
  if (failed) return absl::InternalError("the relay broke off");
  return BareRelayCpu{static_cast<double>(gateway_ns.load()) / 1e6 / sessions,
                      static_cast<double>(validator_ns.load()) / 1e6 / sessions};
}

}  // namespace docval::bench
