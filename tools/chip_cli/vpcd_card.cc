#include "tools/chip_cli/vpcd_card.h"

#include <netdb.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace docval::chip_cli {

Bytes ContactlessAtr(bool extended_length) {
  // 3B: direct convention; 85: TD1 follows, 5 historical bytes; 80: TD2 follows, T=0; 01: T=1.
  // Historical bytes: category 80 (compact-TLV follows), card capabilities 73 xx yy zz:
  //   first software function byte 80: DF selection by full DF name (the eMRTD application's AID);
  //   second 01: data coding, one-byte data units;
  //   third: b8 command chaining, b7 extended Lc/Le.
  const uint8_t third = static_cast<uint8_t>(0x80 | (extended_length ? 0x40 : 0x00));
  Bytes atr = {0x3B, 0x85, 0x80, 0x01, 0x80, 0x73, 0x80, 0x01, third};
  uint8_t tck = 0;
  for (size_t i = 1; i < atr.size(); ++i) tck ^= atr[i];  // TCK: XOR of T0 .. the last historical byte
  atr.push_back(tck);
  return atr;
}

VpcdCard::Reaction VpcdCard::Handle(ByteSpan message) {
  Reaction r;
  if (message.empty()) {
    r.event = "empty message ignored";
    return r;
  }
  if (message.size() == 1) {
    switch (message[0]) {
      case kVpcdPowerOff:
        powered_ = false;
        chip_.Reset();
        r.event = "power off";
        return r;
      case kVpcdPowerOn:
        powered_ = true;
        chip_.Reset();
        r.event = "power on";
        return r;
      case kVpcdReset:
        powered_ = true;
        chip_.Reset();
        r.event = "reset";
        return r;
      case kVpcdGetAtr: r.reply = atr_; return r;
      default: r.event = absl::StrCat("unknown control code ", message[0], " ignored"); return r;
    }
  }
  ++commands_;
  vchip::ChipReply reply = chip_.Transceive(message);
  r.delay_ms = reply.delay_ms;
  if (!reply.response.has_value() || reply.response->empty()) {
    r.left_field = true;  // an empty answer would make vpcd drop the card anyway
    r.event = absl::StrCat("the chip left the field after ", commands_ - 1, " commands");
    return r;
  }
  r.reply = std::move(*reply.response);
  return r;
}

absl::Status ParseHostPort(const std::string& text, std::string* host, int* port) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return absl::InvalidArgumentError("--vpcd takes HOST:PORT");
  std::string h = text.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  int p = 0;
  if (!absl::SimpleAtoi(text.substr(colon + 1), &p) || p <= 0 || p > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("--vpcd: not a port: ", text.substr(colon + 1)));
  }
  *host = h;
  *port = p;
  return absl::OkStatus();
}

namespace {

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

// One connection attempt to every address of host:port; -1 if none accepted.
int ConnectOnce(const std::string& host, int port, std::string* error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res);
  if (rc != 0) {
    *error = absl::StrCat("cannot resolve ", host, ": ", gai_strerror(rc));
    return -1;
  }
  int fd = -1;
  for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    *error = absl::StrCat("cannot connect to ", host, ":", port, ": ", std::strerror(errno));
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd >= 0) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  return fd;
}

// Reads exactly `n` bytes. kUnavailable when the peer closed before the first byte of a message
// (`clean_eof` set) or in the middle of one; kDeadlineExceeded after `idle` without data.
absl::Status ReadExactly(int fd, uint8_t* out, size_t n, absl::Duration idle, bool* clean_eof) {
  size_t got = 0;
  *clean_eof = false;
  while (got < n) {
    pollfd p{fd, POLLIN, 0};
    int rc = poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(idle)));
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) return absl::UnavailableError(absl::StrCat("poll: ", std::strerror(errno)));
    if (rc == 0) return absl::DeadlineExceededError(absl::StrCat("vpcd silent for ", absl::FormatDuration(idle)));
    ssize_t r = read(fd, out + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return absl::UnavailableError(absl::StrCat("read: ", std::strerror(errno)));
    if (r == 0) {
      *clean_eof = got == 0;
      return absl::UnavailableError("vpcd closed the connection");
    }
    got += static_cast<size_t>(r);
  }
  return absl::OkStatus();
}

absl::Status WriteAll(int fd, const Bytes& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t w = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return absl::UnavailableError(absl::StrCat("write: ", std::strerror(errno)));
    sent += static_cast<size_t>(w);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ServeVpcd(const std::string& host, int port, vchip::VirtualChip& chip, const VpcdOptions& options) {
  auto say = [&](const std::string& line) {
    if (options.on_event) options.on_event(line);
  };
  const absl::Time give_up = absl::Now() + options.connect_timeout;
  std::string error;
  int fd = ConnectOnce(host, port, &error);
  while (fd < 0) {
    if (absl::Now() >= give_up) return absl::UnavailableError(absl::StrCat("vpcd not reachable: ", error));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    fd = ConnectOnce(host, port, &error);
  }
  Socket sock(fd);
  say(absl::StrCat("vpcd: the card is in the reader at ", host, ":", port));
  VpcdCard card(chip, ContactlessAtr(chip.profile().quirks.extended_length));
  Bytes message;
  while (true) {
    uint8_t len[2];
    bool clean_eof = false;
    absl::Status s = ReadExactly(sock.fd(), len, 2, options.idle_timeout, &clean_eof);
    if (!s.ok()) {
      if (clean_eof) {
        say(absl::StrCat("vpcd: the reader closed the connection after ", card.commands(), " commands"));
        return absl::OkStatus();
      }
      return s;
    }
    message.resize((size_t{len[0]} << 8) | len[1]);
    if (!message.empty()) {
      s = ReadExactly(sock.fd(), message.data(), message.size(), options.idle_timeout, &clean_eof);
      if (!s.ok()) return s;
    }
    VpcdCard::Reaction r = card.Handle(message);
    if (!r.event.empty()) say(absl::StrCat("vpcd: ", r.event));
    if (r.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(r.delay_ms));
    if (r.left_field) return absl::OkStatus();  // closing the socket removes the card
    if (r.reply.has_value()) {
      if (r.reply->size() > 0xFFFF) return absl::InternalError("reply longer than a vpcd message");
      Bytes framed = {static_cast<uint8_t>(r.reply->size() >> 8), static_cast<uint8_t>(r.reply->size() & 0xFF)};
      framed.insert(framed.end(), r.reply->begin(), r.reply->end());
      s = WriteAll(sock.fd(), framed);
      if (!s.ok()) return s;
    }
  }
}

}  // namespace docval::chip_cli
