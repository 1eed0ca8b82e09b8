// Test support of this folder's tests: a scratch folder of trust files per test, written plainly or
// as Kubernetes mounts a ConfigMap or Secret (and updates it: a new hidden folder, the `..data`
// symlink swapped to it by one rename, one symlink per key through `..data`).
#ifndef DOCVAL_VALIDATOR_TRUST_TRUST_TEST_UTIL_H_
#define DOCVAL_VALIDATOR_TRUST_TRUST_TEST_UTIL_H_

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "base/testing/temp_dir.h"
#include "gtest/gtest.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/testing/vectors.h"

namespace docval::trust {

class TrustFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(docval::ProcessTempDir()) /
           absl::StrCat("trust_", ::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name(), "_",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "csca" / "nested");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Path(const std::string& rel) const { return (dir_ / rel).string(); }
  // Writes whole files only (a hidden temporary renamed into place), so that a watcher polling at the
  // same time never reads half a file.
  void Put(const std::string& rel, const emrtd::Bytes& content) {
    const std::filesystem::path target = dir_ / rel;
    const std::filesystem::path tmp = target.parent_path() / ".writing";
    std::filesystem::create_directories(target.parent_path());
    std::ofstream(tmp, std::ios::binary)
        .write(reinterpret_cast<const char*>(content.data()), static_cast<std::streamsize>(content.size()));
    std::filesystem::rename(tmp, target);
  }
  // A file of the PKI fixtures (validator/emrtd/crypto/testdata/pki).
  void PutPki(const std::string& rel, const char* fixture) { Put(rel, emrtd::testing::ReadPki(fixture)); }

  // Mounts (or updates) folder `rel` with `files` (name -> fixture) the way the kubelet does.
  void Mount(const std::string& rel, const std::map<std::string, const char*>& files) {
    const std::filesystem::path m = dir_ / rel;
    const std::string old = absl::StrCat("..gen", generation_);
    const std::string gen = absl::StrCat("..gen", ++generation_);
    for (const auto& [name, fixture] : files) PutPki(absl::StrCat(rel, "/", gen, "/", name), fixture);
    std::filesystem::create_directory_symlink(gen, m / "..data_tmp");
    std::filesystem::rename(m / "..data_tmp", m / "..data");  // rename(2): atomic
    for (const auto& [name, fixture] : files) {
      if (!std::filesystem::exists(std::filesystem::symlink_status(m / name))) {
        std::filesystem::create_symlink(absl::StrCat("..data/", name), m / name);
      }
    }
    std::filesystem::remove_all(m / old);
  }

  std::filesystem::path dir_;
  int generation_ = 0;
};

}  // namespace docval::trust

#endif  // DOCVAL_VALIDATOR_TRUST_TRUST_TEST_UTIL_H_
