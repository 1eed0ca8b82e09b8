#include "validator/emrtd/auth/verify_files.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "validator/emrtd/testing/vectors.h"

namespace docval::emrtd {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kNow = 1780272000;

TEST(VerifyFiles, FixturePassportWithItsCsca) {
  TrustStore::Builder b;
  ASSERT_TRUE(b.AddAny(testing::ReadPki("csca_rsa.der"), "csca").ok());
  auto store = std::move(b).Build();
  DocumentFiles files{.sod = testing::ReadPki("sod_pkcs1.bin"),
                      .data_groups = {{1, testing::ReadPki("dg1.bin")}, {2, testing::ReadPki("dg2.bin")}}};
  EmrtdResult r = VerifyDocumentFiles(files, store.get(), kNow, {.include_files_binary = true});
  EXPECT_TRUE(r.passive_authentication) << r.passive_authentication_details.error.value_or("");
  ASSERT_TRUE(r.mrz_info.has_value());
  EXPECT_EQ(r.mrz_info->primary_identifier, "ERIKSSON");
  EXPECT_EQ(r.sod_info->hash_algorithm, "SHA-256");
  EXPECT_EQ(r.chip_authentication_result, CheckResult::kUnavailable);
  EXPECT_EQ(r.active_authentication_result, CheckResult::kUnavailable);
  // The fixture DG2 holds no image: recorded, not fatal.
  EXPECT_FALSE(r.face_photo.has_value());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_THAT(r.errors[0], HasSubstr("DG2"));
  ASSERT_EQ(r.files_binary.size(), 3u);
  EXPECT_EQ(r.files_binary[0].first, "sod");
  EXPECT_EQ(r.files_binary[2].first, "dg2");
}

TEST(VerifyFiles, LoesSpecimenWithoutTrust) {
  DocumentFiles files{.sod = testing::ReadVector("lds-samples/jmrtd-loes2006/ef011D.bin"),
                      .data_groups = {{1, testing::ReadVector("lds-samples/jmrtd-loes2006/ef0101.bin")},
                                      {2, testing::ReadVector("lds-samples/jmrtd-loes2006/ef0102.bin")},
                                      {15, testing::ReadVector("lds-samples/jmrtd-loes2006/ef010F.bin")}}};
  EmrtdResult r = VerifyDocumentFiles(files, nullptr, kNow);
  EXPECT_FALSE(r.passive_authentication);
  EXPECT_TRUE(r.passive_authentication_details.sod_signature_valid);
  EXPECT_THAT(r.passive_authentication_details.data_groups_with_valid_hash, ElementsAre(1, 2, 15));
  EXPECT_TRUE(r.face_photo.has_value());
  EXPECT_TRUE(r.errors.empty());
  EXPECT_TRUE(r.files_binary.empty());
}

// The sender chose the Document Signer certificate: its key is held to the session's budget before
// anything is verified with it. The fixture's DS key is 2048-bit RSA with e = 65537.
TEST(VerifyFiles, ADocumentSignerKeyOverTheBudgetIsNotUsed) {
  TrustStore::Builder b;
  ASSERT_TRUE(b.AddAny(testing::ReadPki("csca_rsa.der"), "csca").ok());
  auto store = std::move(b).Build();
  DocumentFiles files{.sod = testing::ReadPki("sod_pkcs1.bin"), .data_groups = {{1, testing::ReadPki("dg1.bin")}}};
  FileVerificationOptions small_modulus;
  small_modulus.limits.max_rsa_bits = 1024;
  FileVerificationOptions small_exponent;
  small_exponent.limits.max_rsa_exponent_bits = 16;
  for (const FileVerificationOptions& options : {small_modulus, small_exponent}) {
    EmrtdResult r = VerifyDocumentFiles(files, store.get(), kNow, options);
    EXPECT_FALSE(r.passive_authentication);
    EXPECT_FALSE(r.passive_authentication_details.sod_signature_valid);
    EXPECT_FALSE(r.passive_authentication_details.document_certificate_valid);
    EXPECT_THAT(r.passive_authentication_details.error.value_or(""),
                HasSubstr(options.limits.max_rsa_bits == 1024 ? "max_rsa_bits" : "max_rsa_exponent_bits"));
    ASSERT_TRUE(r.sod_info.has_value());
    ASSERT_TRUE(r.mrz_info.has_value());  // the data groups are still read
  }
  FileVerificationOptions exact;  // the key's own size passes
  exact.limits.max_rsa_bits = 2048;
  exact.limits.max_rsa_exponent_bits = 17;
  EXPECT_TRUE(VerifyDocumentFiles(files, store.get(), kNow, exact).passive_authentication);
}

}  // namespace
}  // namespace docval::emrtd
