// The whole dialog against hostile virtual passports (tools/testpki/hostile_profiles.h): each must end
// where docs/limits.md says — EMRTD_PASSPORT_READER_ERROR naming the limit — or, for keys on explicit
// curves of their own, complete with Active Authentication FAILED; the honest passport they are made
// from still reads.
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/testpki/hostile_profiles.h"
#include "tools/testpki/passport_factory.h"
#include "tools/testpki/test_pki.h"
#include "tools/vchip/chip_rng.h"
#include "tools/vchip/virtual_chip.h"
#include "validator/emrtd/reader.h"

namespace docval::emrtd {
namespace {

using ::testing::HasSubstr;

SecureBytes Secret(const std::string& s) { return SecureBytes(s.begin(), s.end()); }

class ReaderHostileTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<testpki::TestPki> pki = testpki::GenerateTestPki(1);
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = new testpki::TestPki(*std::move(pki));
    absl::StatusOr<std::vector<testpki::HostileProfile>> hostile = testpki::HostilePassportProfiles(*pki_, 3);
    ASSERT_TRUE(hostile.ok()) << hostile.status();
    hostile_ = new std::vector<testpki::HostileProfile>(*std::move(hostile));
  }
  static void TearDownTestSuite() {
    delete pki_;
    delete hostile_;
  }

  static DialogOutcome Read(const vchip::ChipProfile& profile, const ReaderConfig& config = {}) {
    absl::StatusOr<std::unique_ptr<vchip::VirtualChip>> chip =
        vchip::VirtualChip::Create(profile, vchip::NewSeededRandom(42));
    EXPECT_TRUE(chip.ok()) << chip.status();
    SessionParams params;
    params.access_key.can = Secret(profile.client_access_key.can);
    params.access_key.document_number = Secret(profile.client_access_key.document_number);
    params.access_key.date_of_birth = Secret(profile.client_access_key.date_of_birth);
    params.access_key.date_of_expiry = Secret(profile.client_access_key.date_of_expiry);
    params.limits = LinkLimits{.extended_length = true};
    params.now_unix_seconds = 1780272000;
    std::unique_ptr<RandomSource> rng = NewSystemRandom();
    CardLink link(params.limits);
    Task<DialogOutcome> task = ReadDocument(link, params, config, *rng);
    return RunDialog(task, link, [&](ByteSpan cmd) -> absl::StatusOr<Bytes> {
      std::optional<Bytes> r = (*chip)->Process(cmd);
      if (!r) return absl::DeadlineExceededError("the chip did not answer");
      return *r;
    });
  }

  static testpki::TestPki* pki_;
  static std::vector<testpki::HostileProfile>* hostile_;
};
testpki::TestPki* ReaderHostileTest::pki_ = nullptr;
std::vector<testpki::HostileProfile>* ReaderHostileTest::hostile_ = nullptr;

TEST_F(ReaderHostileTest, EveryProfileEndsWhereItsLimitSays) {
  ASSERT_GE(hostile_->size(), 8u);
  for (const testpki::HostileProfile& h : *hostile_) {
    SCOPED_TRACE(h.profile.name);
    DialogOutcome outcome = Read(h.profile);
    if (h.limit.empty()) {
      ASSERT_TRUE(std::holds_alternative<EmrtdResult>(outcome)) << std::get<DialogFailure>(outcome).detail;
      const EmrtdResult& r = std::get<EmrtdResult>(outcome);
      EXPECT_EQ(r.active_authentication_result, CheckResult::kFailed);
      EXPECT_FALSE(r.passive_authentication);
      EXPECT_EQ(h.profile.expect.close_code, 1000);
      continue;
    }
    ASSERT_TRUE(std::holds_alternative<DialogFailure>(outcome));
    const DialogFailure& f = std::get<DialogFailure>(outcome);
    EXPECT_EQ(f.reason, FailureReason::kEmrtdPassportReaderError) << f.detail;
    EXPECT_THAT(f.detail, HasSubstr(h.limit));
    if (h.profile.name == "hostile-sod-signer-rsa-8192") {
      EXPECT_THAT(f.detail, HasSubstr("EF.SOD: max_rsa_bits"));
    }
    EXPECT_EQ(h.profile.expect.close_code, 1011);
    EXPECT_EQ(h.profile.expect.close_reason, FailureReasonName(f.reason));
  }
}

TEST_F(ReaderHostileTest, LoosenedLimitsLetTheSameChipsFurther) {
  // The limit, not something else, stops them: with the RSA caps raised, the 8192-bit AA key is used.
  ReaderConfig loose;
  loose.limits.max_rsa_bits = 8192;
  for (const testpki::HostileProfile& h : *hostile_) {
    if (h.limit != "max_rsa_bits") continue;
    DialogOutcome outcome = Read(h.profile, loose);
    ASSERT_TRUE(std::holds_alternative<EmrtdResult>(outcome)) << std::get<DialogFailure>(outcome).detail;
    EXPECT_EQ(std::get<EmrtdResult>(outcome).active_authentication_result, CheckResult::kFailed);
  }
}

TEST_F(ReaderHostileTest, TheHonestPassportStillReads) {
  for (const testpki::PassportSpec& spec : testpki::StandardPassportSpecs()) {
    if (spec.name != "pace-gm-ecdh-ca-aa") continue;
    absl::StatusOr<vchip::ChipProfile> p = testpki::Personalize(spec, *pki_);
    ASSERT_TRUE(p.ok()) << p.status();
    DialogOutcome outcome = Read(*p);
    ASSERT_TRUE(std::holds_alternative<EmrtdResult>(outcome)) << std::get<DialogFailure>(outcome).detail;
    const EmrtdResult& r = std::get<EmrtdResult>(outcome);
    EXPECT_TRUE(r.errors.empty()) << r.errors.front();
    EXPECT_TRUE(r.face_photo.has_value());
  }
}

}  // namespace
}  // namespace docval::emrtd
