#include "common/private_socket.h"

#include <filesystem>
#include <fstream>

#include <sys/stat.h>

#include "gtest/gtest.h"

namespace docval {
namespace {

TEST(PrivateSocketTest, AFreshDirectoryOnlyItsUserEnters) {
  absl::StatusOr<std::unique_ptr<PrivateSocket>> a = PrivateSocket::Create("grpc.sock");
  absl::StatusOr<std::unique_ptr<PrivateSocket>> b = PrivateSocket::Create("grpc.sock");
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_NE((*a)->directory(), (*b)->directory());
  struct stat st {};
  ASSERT_EQ(stat((*a)->directory().c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_EQ(std::filesystem::path((*a)->path()).parent_path().string(), (*a)->directory());
  EXPECT_EQ((*a)->GrpcAddress(), "unix:" + (*a)->path());
  EXPECT_LT((*a)->path().size(), 108u);
}

TEST(PrivateSocketTest, RemovesTheSocketAndTheDirectory) {
  std::string directory, path;
  {
    absl::StatusOr<std::unique_ptr<PrivateSocket>> s = PrivateSocket::Create("grpc.sock");
    ASSERT_TRUE(s.ok()) << s.status();
    directory = (*s)->directory();
    path = (*s)->path();
    std::ofstream(path) << "x";  // stands for the socket file a server binds
    ASSERT_TRUE(std::filesystem::exists(path));
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(directory));
}

TEST(PrivateSocketTest, RefusesAPathTooLongForASocket) {
  EXPECT_FALSE(PrivateSocket::Create(std::string(120, 'x')).ok());
}

}  // namespace
}  // namespace docval
