// A Unix domain socket path in a directory of its own: created by mkdtemp (mode 0700, so only this
// user reaches the socket) under the system's temporary directory ($TMPDIR, else /tmp), removed with
// the object (the socket file, then the directory). For gRPC between the roles of one process
// (`docval serve`, docs/architecture.md).
#ifndef DOCVAL_COMMON_PRIVATE_SOCKET_H_
#define DOCVAL_COMMON_PRIVATE_SOCKET_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace docval {

class PrivateSocket {
 public:
  // `name`: the socket's file name. Errors when the directory cannot be made or the path would not
  // fit a sockaddr_un (107 bytes).
  static absl::StatusOr<std::unique_ptr<PrivateSocket>> Create(const std::string& name);
  ~PrivateSocket();
  PrivateSocket(const PrivateSocket&) = delete;
  PrivateSocket& operator=(const PrivateSocket&) = delete;

  const std::string& directory() const { return directory_; }
  const std::string& path() const { return path_; }
  // gRPC's name for it: "unix:<path>".
  std::string GrpcAddress() const { return "unix:" + path_; }

 private:
  PrivateSocket(std::string directory, std::string path) : directory_(std::move(directory)), path_(std::move(path)) {}
  std::string directory_;
  std::string path_;
};

}  // namespace docval

#endif  // DOCVAL_COMMON_PRIVATE_SOCKET_H_
