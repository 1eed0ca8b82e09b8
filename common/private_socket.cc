#include "common/private_socket.h"

#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include <sys/un.h>

#include "absl/strings/str_cat.h"

namespace docval {

absl::StatusOr<std::unique_ptr<PrivateSocket>> PrivateSocket::Create(const std::string& name) {
  std::error_code ec;
  std::filesystem::path tmp = std::filesystem::temp_directory_path(ec);
  if (ec) tmp = "/tmp";
  const std::string pattern = (tmp / "docval-XXXXXX").string();
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) {
    return absl::UnavailableError(absl::StrCat("cannot create a directory like ", pattern, ": ", std::strerror(errno)));
  }
  std::string directory(buf.data());
  std::string path = (std::filesystem::path(directory) / name).string();
  if (path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    rmdir(directory.c_str());
    return absl::InvalidArgumentError(absl::StrCat("socket path too long for a Unix socket: ", path));
  }
  return std::unique_ptr<PrivateSocket>(new PrivateSocket(std::move(directory), std::move(path)));
}

PrivateSocket::~PrivateSocket() {
  unlink(path_.c_str());
  rmdir(directory_.c_str());
}

}  // namespace docval
