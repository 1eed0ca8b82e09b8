#include "validator/trust/trust_store_loader.h"

#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "validator/emrtd/crypto/x509.h"
#include "validator/trust/trust_test_util.h"

namespace docval::trust {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kNow = 1780272000;  // 2026-06-01T00:00:00Z

emrtd::x509::Certificate Cert(const char* fixture) {
  return *emrtd::x509::Certificate::FromDer(emrtd::testing::ReadPki(fixture));
}

using LoaderTest = TrustFolderTest;

TEST_F(LoaderTest, LoadsFoldersRecursivelyByExtension) {
  PutPki("csca/rsa.der", "csca_rsa.der");
  PutPki("csca/nested/ec.pem", "csca_bundle.pem");
  PutPki("csca/list.ml", "ml.bin");
  Put("csca/README.txt", {'h', 'i'});
  PutPki("csca/revoked.crl", "crl_rsa.der");
  absl::StatusOr<std::shared_ptr<const emrtd::TrustStore>> store = LoadTrustStore({.trust_paths = {Path("csca")}});
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->size(), 3u);
  EXPECT_EQ((*store)->crl_count(), 1u);
  EXPECT_FALSE((*store)->Verify(Cert("ds_revoked.der"), kNow).valid);
  EXPECT_TRUE((*store)->Verify(Cert("ds_rsa.der"), kNow).valid);
}

TEST_F(LoaderTest, ErrorsNameTheFile) {
  Put("csca/broken.der", {0x30, 0x03, 0x02, 0x01});
  absl::StatusOr<std::shared_ptr<const emrtd::TrustStore>> store = LoadTrustStore({.trust_paths = {Path("csca")}});
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(std::string(store.status().message()), HasSubstr("broken.der"));
  store = LoadTrustStore({.trust_paths = {Path("missing")}});
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(std::string(store.status().message()), HasSubstr("missing"));
  PutPki("single.bin", "csca_rsa.der");  // an explicit file: recognised by content
  store = LoadTrustStore({.trust_paths = {Path("single.bin")}});
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->size(), 1u);
}

TEST_F(LoaderTest, CrlPathsAndThePolicy) {
  PutPki("csca/rsa.der", "csca_rsa.der");
  PutPki("crl/rsa.crl", "crl_rsa.der");
  PutPki("crl/stray.der", "csca_ec.der");  // a certificate in a CRL folder is not read
  PutPki("explicit", "crl_rsa.pem");       // a file named as a CRL path is read as CRLs
  absl::StatusOr<std::shared_ptr<const emrtd::TrustStore>> store =
      LoadTrustStore({.trust_paths = {Path("csca")}, .crl_paths = {Path("crl"), Path("explicit")}});
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->size(), 1u);
  EXPECT_EQ((*store)->crl_count(), 2u);
  EXPECT_FALSE((*store)->Verify(Cert("ds_revoked.der"), kNow).valid);
}

TEST_F(LoaderTest, FilesOverTheLimitsAreRefused) {
  PutPki("csca/rsa.der", "csca_rsa.der");
  PutPki("csca/ec.der", "csca_ec.der");
  const int64_t rsa_bytes = static_cast<int64_t>(std::filesystem::file_size(dir_ / "csca/rsa.der"));
  const int64_t ec_bytes = static_cast<int64_t>(std::filesystem::file_size(dir_ / "csca/ec.der"));
  TrustStoreConfig config{.trust_paths = {Path("csca")}};
  config.limits.max_file_bytes = std::max(rsa_bytes, ec_bytes);
  EXPECT_TRUE(LoadTrustStore(config).ok());  // at the limit
  config.limits.max_file_bytes = std::max(rsa_bytes, ec_bytes) - 1;
  absl::StatusOr<std::shared_ptr<const emrtd::TrustStore>> store = LoadTrustStore(config);
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(std::string(store.status().message()), HasSubstr("larger than"));

  config.limits = {};
  config.limits.max_total_bytes = rsa_bytes + ec_bytes - 1;
  store = LoadTrustStore(config);
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(std::string(store.status().message()), HasSubstr("more than"));

  config.limits = {};
  config.limits.max_files = 1;
  store = LoadTrustStore(config);
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(std::string(store.status().message()), HasSubstr("more than 1 trust files"));
  config.limits.max_files = 2;
  EXPECT_TRUE(LoadTrustStore(config).ok());
}

TEST_F(LoaderTest, HiddenEntriesAreSkipped) {
  PutPki("csca/rsa.der", "csca_rsa.der");
  Put("csca/.hidden.der", {0x00});         // would not parse
  Put("csca/.git/objects/x.der", {0x00});  // nor would this
  absl::StatusOr<std::shared_ptr<const emrtd::TrustStore>> store = LoadTrustStore({.trust_paths = {Path("csca")}});
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->size(), 1u);
}

TEST_F(LoaderTest, AKubernetesMountIsReadOnceThroughItsSymlinks) {
  Mount("mounted", {{"crl.crl", "crl_rsa.der"}, {"rsa.der", "csca_rsa.der"}});
  absl::StatusOr<std::shared_ptr<const emrtd::TrustStore>> store = LoadTrustStore({.trust_paths = {Path("mounted")}});
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->size(), 1u);
  EXPECT_EQ((*store)->crl_count(), 1u);  // not once per path to it
  TrustFingerprint fp = FingerprintTrustFiles({.trust_paths = {Path("mounted")}});
  ASSERT_EQ(fp.files.size(), 2u);
  EXPECT_EQ(fp.files[0].path, Path("mounted") + "/rsa.der");
  EXPECT_EQ(fp.files[1].path, Path("mounted") + "/crl.crl");  // CRLs of trust folders come last
}

TEST_F(LoaderTest, TheFingerprintChangesWithTheFiles) {
  PutPki("csca/rsa.der", "csca_rsa.der");
  const TrustStoreConfig config{.trust_paths = {Path("csca")}};
  const TrustFingerprint first = FingerprintTrustFiles(config);
  ASSERT_EQ(first.files.size(), 1u);
  EXPECT_TRUE(first.error.empty());
  EXPECT_NE(first.files[0].inode, 0u);
  EXPECT_EQ(first.files[0].size, static_cast<int64_t>(emrtd::testing::ReadPki("csca_rsa.der").size()));
  EXPECT_EQ(FingerprintTrustFiles(config), first);  // nothing changed

  PutPki("csca/nested/ec.der", "csca_ec.der");  // a file added
  const TrustFingerprint added = FingerprintTrustFiles(config);
  EXPECT_NE(added, first);
  std::filesystem::remove(dir_ / "csca/nested/ec.der");  // and removed again
  EXPECT_EQ(FingerprintTrustFiles(config), first);

  PutPki("csca/rsa.der", "csca_ec.der");  // replaced by other content
  EXPECT_NE(FingerprintTrustFiles(config), first);

  Put("csca/ignored.txt", {1, 2, 3});  // a file a load would not read
  const TrustFingerprint with_txt = FingerprintTrustFiles(config);
  EXPECT_EQ(with_txt.files.size(), 1u);

  std::filesystem::remove_all(dir_ / "csca");  // the folder gone: an error, stable while it lasts
  const TrustFingerprint gone = FingerprintTrustFiles(config);
  EXPECT_THAT(gone.error, HasSubstr("no such file or folder"));
  EXPECT_TRUE(gone.files.empty());
  EXPECT_EQ(FingerprintTrustFiles(config), gone);
}

TEST_F(LoaderTest, TheFingerprintSeesTheDataSymlinkSwap) {
  Mount("mounted", {{"csca.der", "csca_rsa.der"}});
  const TrustStoreConfig config{.trust_paths = {Path("mounted")}};
  const TrustFingerprint before = FingerprintTrustFiles(config);
  ASSERT_EQ(before.files.size(), 1u);
  // The same key with the same bytes, updated the kubelet's way: the path and the size stay, the file
  // behind the symlinks is another one.
  Mount("mounted", {{"csca.der", "csca_rsa.der"}});
  const TrustFingerprint same_bytes = FingerprintTrustFiles(config);
  ASSERT_EQ(same_bytes.files.size(), 1u);
  EXPECT_EQ(same_bytes.files[0].path, before.files[0].path);
  EXPECT_EQ(same_bytes.files[0].size, before.files[0].size);
  EXPECT_NE(same_bytes, before);
  // New content: another store.
  Mount("mounted", {{"csca.der", "csca_ec.der"}});
  EXPECT_NE(FingerprintTrustFiles(config), same_bytes);
  absl::StatusOr<std::shared_ptr<const emrtd::TrustStore>> store = LoadTrustStore(config);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_EQ((*store)->size(), 1u);
  EXPECT_EQ((*store)->certificates()[0], Cert("csca_ec.der"));
}

}  // namespace
}  // namespace docval::trust
