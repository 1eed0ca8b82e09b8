// Test helper: a loopback port where nothing listens, for a peer that is down or starts later.
#ifndef DOCVAL_GATEWAY_UPSTREAM_TEST_PORT_H_
#define DOCVAL_GATEWAY_UPSTREAM_TEST_PORT_H_

#include <unistd.h>

#include <netinet/in.h>
#include <sys/socket.h>

namespace docval::gateway {

// A loopback port that was free a moment ago (bound to 0, read, closed): connections to it are
// refused until a test listens there. 0 if no socket could be bound.
inline int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  close(fd);
  return port;
}

}  // namespace docval::gateway

#endif  // DOCVAL_GATEWAY_UPSTREAM_TEST_PORT_H_
