#include "validator/service/file_verifier_service.h"

#include <functional>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "tools/testpki/passport_factory.h"
#include "tools/testpki/test_pki.h"
#include "tools/vchip/chip_keys.h"
#include "tools/vchip/chip_rng.h"

namespace docval::validator {
namespace {

constexpr int64_t kNow = 1780272000;

class FileVerifierServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<testpki::TestPki> pki = testpki::GenerateTestPki(1);
    ASSERT_TRUE(pki.ok()) << pki.status();
    emrtd::TrustStore::Builder b;
    std::string pem = testpki::CertPem(*pki->csca_rsa.cert);
    ASSERT_TRUE(b.AddAny(emrtd::AsSpan(pem), "csca").ok());
    store_ = new std::shared_ptr<const emrtd::TrustStore>(std::move(b).Build());
    for (const testpki::PassportSpec& spec : testpki::StandardPassportSpecs()) {
      if (spec.name != "bac-passport") continue;
      absl::StatusOr<vchip::ChipProfile> p = testpki::Personalize(spec, *pki);
      ASSERT_TRUE(p.ok()) << p.status();
      profile_ = new vchip::ChipProfile(*std::move(p));
    }
    ASSERT_NE(profile_, nullptr);
  }

  // The request an honest phone's session makes: every file, our challenge, the chip's signature.
  static v1::V2VerifyRequest HonestRequest() {
    v1::V2VerifyRequest r;
    r.set_session_id("s-1");
    for (const vchip::ChipFile& f : profile_->files) {
      std::string bytes(f.content.begin(), f.content.end());
      if (f.name == "EF.SOD") r.set_sod(bytes);
      if (f.name == "EF.COM") r.set_com(bytes);
      if (f.name.starts_with("DG")) (*r.mutable_data_groups())[std::stoi(f.name.substr(2))] = bytes;
    }
    const emrtd::Bytes challenge = {8, 7, 6, 5, 4, 3, 2, 1};
    r.set_aa_challenge(std::string(challenge.begin(), challenge.end()));
    auto key = vchip::LoadPrivateKey(profile_->active_auth->private_key_pkcs8);
    auto rng = vchip::NewSeededRandom(3);
    auto sig = vchip::SignActiveAuthentication(**key, *profile_->active_auth, challenge, *rng);
    EXPECT_TRUE(sig.ok()) << sig.status();
    r.set_aa_signature(std::string(sig->begin(), sig->end()));
    return r;
  }

  FileVerifierService service_{[] { return *store_; }, emrtd::SessionLimits{}, [] { return kNow; }};
  static std::shared_ptr<const emrtd::TrustStore>* store_;
  static vchip::ChipProfile* profile_;
};
std::shared_ptr<const emrtd::TrustStore>* FileVerifierServiceTest::store_ = nullptr;
vchip::ChipProfile* FileVerifierServiceTest::profile_ = nullptr;

TEST_F(FileVerifierServiceTest, HonestFilesGiveTheResult) {
  v1::V2VerifyRequest req = HonestRequest();
  v1::V2VerifyResponse resp;
  ASSERT_TRUE(service_.Verify(nullptr, &req, &resp).ok());
  ASSERT_EQ(resp.refusal(), v1::V2_REFUSAL_NONE) << resp.detail();
  EXPECT_TRUE(resp.result().passive_authentication());
  EXPECT_EQ(resp.result().active_authentication_result(), v1::SUCCESS);
  EXPECT_EQ(resp.result().chip_authentication_result(), v1::UNAVAILABLE);
}

TEST_F(FileVerifierServiceTest, TheSessionsCaResultIsCarried) {
  v1::V2VerifyRequest req = HonestRequest();
  req.set_chip_authentication_result(v1::FAILED);
  v1::V2VerifyResponse resp;
  ASSERT_TRUE(service_.Verify(nullptr, &req, &resp).ok());
  EXPECT_EQ(resp.result().chip_authentication_result(), v1::FAILED);
}

TEST_F(FileVerifierServiceTest, RefusalsNameTheirReason) {
  v1::V2VerifyRequest req = HonestRequest();
  (*req.mutable_data_groups())[16] = std::string("x");
  v1::V2VerifyResponse resp;
  ASSERT_TRUE(service_.Verify(nullptr, &req, &resp).ok());
  EXPECT_EQ(resp.refusal(), v1::V2_REFUSAL_PROTOCOL_ERROR);
  EXPECT_FALSE(resp.has_result());
  EXPECT_FALSE(resp.detail().empty());

  req = HonestRequest();
  req.mutable_data_groups()->erase(1);
  resp.Clear();
  ASSERT_TRUE(service_.Verify(nullptr, &req, &resp).ok());
  EXPECT_EQ(resp.refusal(), v1::V2_REFUSAL_FILE_READ_ERROR);

  req = HonestRequest();
  (*req.mutable_data_groups())[17] = std::string("x");
  EXPECT_EQ(service_.Verify(nullptr, &req, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

// The caps are the configured ones, checked on the message before any work is admitted: a DG2 over
// a tightened max_biometric_dg_bytes is refused READER_ERROR and the admission is never asked; the
// same files pass under the defaults.
TEST_F(FileVerifierServiceTest, ConfiguredCapsHoldBeforeAdmission) {
  v1::V2VerifyRequest req = HonestRequest();
  const size_t dg2 = req.data_groups().at(2).size();
  ASSERT_GT(dg2, 100u);
  emrtd::SessionLimits tight;
  tight.max_biometric_dg_bytes = dg2 - 1;
  int admitted = 0;
  FileVerifierService capped([] { return *store_; }, tight, [] { return kNow; },
                             [&](std::function<void()> work) {
                               ++admitted;
                               work();
                               return grpc::Status::OK;
                             });
  v1::V2VerifyResponse resp;
  ASSERT_TRUE(capped.Verify(nullptr, &req, &resp).ok());
  EXPECT_EQ(resp.refusal(), v1::V2_REFUSAL_READER_ERROR);
  EXPECT_EQ(resp.detail(), "DG2 over its size cap");
  EXPECT_EQ(admitted, 0);

  // The session's byte budget counts every file together.
  emrtd::SessionLimits small_total;
  small_total.max_total_bytes = dg2;
  FileVerifierService budget([] { return *store_; }, small_total, [] { return kNow; });
  resp.Clear();
  ASSERT_TRUE(budget.Verify(nullptr, &req, &resp).ok());
  EXPECT_EQ(resp.refusal(), v1::V2_REFUSAL_READER_ERROR);
  EXPECT_EQ(resp.detail(), "the files over the session's byte budget");

  tight.max_biometric_dg_bytes = dg2;  // exactly at the cap: accepted
  FileVerifierService at_cap([] { return *store_; }, tight, [] { return kNow; },
                             [&](std::function<void()> work) {
                               ++admitted;
                               work();
                               return grpc::Status::OK;
                             });
  resp.Clear();
  ASSERT_TRUE(at_cap.Verify(nullptr, &req, &resp).ok());
  EXPECT_EQ(resp.refusal(), v1::V2_REFUSAL_NONE) << resp.detail();
  EXPECT_EQ(admitted, 1);
}

// A refused admission (the validator at max_sessions, or draining) is the call's status and nothing
// is computed.
TEST_F(FileVerifierServiceTest, RefusedAdmissionIsTheStatusAndNothingRuns) {
  FileVerifierService full([] { return *store_; }, emrtd::SessionLimits{}, [] { return kNow; },
                           [](std::function<void()>) {
                             return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "at the session limit");
                           });
  v1::V2VerifyRequest req = HonestRequest();
  v1::V2VerifyResponse resp;
  EXPECT_EQ(full.Verify(nullptr, &req, &resp).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_FALSE(resp.has_result());
  EXPECT_EQ(resp.refusal(), v1::V2_REFUSAL_NONE);
}

}  // namespace
}  // namespace docval::validator
