// The whole dialog against the virtual passport (tools/vchip) personalised by the test PKI
// (tools/testpki): every standard profile, clean and faulty, must give the verdict its spec states.
#include "validator/emrtd/reader.h"

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/testpki/passport_factory.h"
#include "tools/testpki/test_pki.h"
#include "tools/vchip/chip_rng.h"
#include "tools/vchip/virtual_chip.h"
#include "validator/emrtd/auth/trust_store.h"

namespace docval::emrtd {
namespace {

constexpr int64_t kNow = 1780272000;  // 2026-06-01T00:00:00Z

const char* CheckName(CheckResult r) {
  switch (r) {
    case CheckResult::kSuccess: return "SUCCESS";
    case CheckResult::kFailed: return "FAILED";
    case CheckResult::kUnavailable: return "UNAVAILABLE";
  }
  return "?";
}

SecureBytes Secret(const std::string& s) { return SecureBytes(s.begin(), s.end()); }

class ReaderVchipTest : public ::testing::TestWithParam<testpki::PassportSpec> {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<testpki::TestPki> pki = testpki::GenerateTestPki(1);
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = new testpki::TestPki(*std::move(pki));
    TrustStore::Builder b;
    for (const auto* c : {&pki_->csca_rsa, &pki_->csca_ecdsa}) {
      std::string pem = testpki::CertPem(*c->cert);
      ASSERT_TRUE(b.AddAny(AsSpan(pem), "csca").ok());
    }
    for (const auto& crl : {pki_->crl_rsa, pki_->crl_ecdsa}) {
      std::string pem = testpki::CrlPem(*crl);
      ASSERT_TRUE(b.AddAny(AsSpan(pem), "crl").ok());
    }
    store_ = new std::shared_ptr<const TrustStore>(std::move(b).Build());
    ASSERT_EQ((*store_)->crl_count(), 2u);
  }
  static void TearDownTestSuite() {
    delete pki_;
    delete store_;
  }

  struct Run {
    DialogOutcome outcome;
    std::vector<Step> steps;
    size_t round_trips = 0;
  };

  Run Read(const vchip::ChipProfile& profile, bool extended_length, bool files_binary = false) {
    absl::StatusOr<std::unique_ptr<vchip::VirtualChip>> chip =
        vchip::VirtualChip::Create(profile, vchip::NewSeededRandom(42));
    EXPECT_TRUE(chip.ok()) << chip.status();
    SessionParams params;
    params.access_key.can = Secret(profile.client_access_key.can);
    params.access_key.document_number = Secret(profile.client_access_key.document_number);
    params.access_key.date_of_birth = Secret(profile.client_access_key.date_of_birth);
    params.access_key.date_of_expiry = Secret(profile.client_access_key.date_of_expiry);
    params.limits.extended_length = extended_length;
    params.include_files_binary = files_binary;
    params.now_unix_seconds = kNow;
    ReaderConfig config;
    config.trust_store = store_->get();
    std::unique_ptr<RandomSource> rng = NewSystemRandom();
    CardLink link(params.limits);
    Task<DialogOutcome> task = ReadDocument(link, params, config, *rng);
    Run run{.outcome = RunDialog(task, link, [&](ByteSpan cmd) -> absl::StatusOr<Bytes> {
      std::optional<Bytes> r = (*chip)->Process(cmd);
      if (!r) return absl::DeadlineExceededError("the chip did not answer");
      return *r;
    })};
    run.steps = link.TakeSteps();
    run.round_trips = link.round_trips();
    return run;
  }

  static testpki::TestPki* pki_;
  static std::shared_ptr<const TrustStore>* store_;
};
testpki::TestPki* ReaderVchipTest::pki_ = nullptr;
std::shared_ptr<const TrustStore>* ReaderVchipTest::store_ = nullptr;

TEST_P(ReaderVchipTest, GivesTheVerdictOfTheProfile) {
  const testpki::PassportSpec& spec = GetParam();
  absl::StatusOr<vchip::ChipProfile> profile = testpki::Personalize(spec, *pki_);
  ASSERT_TRUE(profile.ok()) << profile.status();
  vchip::Expectation expect = profile->expect;
  // The binding rule (a CA/AA success needs its key bound by PA, i.e. a trusted, valid DS chain):
  // with an untrusted, expired or revoked DS the key is not bound, so a verified AA is FAILED.
  const bool unbound_signer = spec.signer == testpki::DocumentSigner::kUntrusted ||
                              spec.signer == testpki::DocumentSigner::kExpired ||
                              spec.signer == testpki::DocumentSigner::kRevoked;
  if (unbound_signer) {
    if (expect.active_authentication == "SUCCESS") expect.active_authentication = "FAILED";
    if (expect.chip_authentication == "SUCCESS") expect.chip_authentication = "FAILED";
  }
  // Without extended length, PACE over DH-2048 needs command chaining, which access/pace does not do
  // yet (CA does: its DH-2048 profile runs in both modes).
  bool needs_extended = false;
  for (const auto& p : spec.pace) needs_extended |= p.parameter_id == 1 || p.parameter_id == 2;
  for (bool extended : {true, false}) {
    if (!extended && needs_extended) continue;
    SCOPED_TRACE(extended ? "extended length" : "short APDUs");
    Run run = Read(*profile, extended);
    // Statuses in the order of PROTOCOL.md §1.4, each at most once.
    for (size_t i = 1; i < run.steps.size(); ++i) {
      EXPECT_LT(static_cast<int>(run.steps[i - 1]), static_cast<int>(run.steps[i])) << StepName(run.steps[i]);
    }
    ASSERT_FALSE(run.steps.empty());
    EXPECT_EQ(run.steps.front(), Step::kReadAtrInfo);
    if (expect.close_reason.empty()) {
      const EmrtdResult* r = std::get_if<EmrtdResult>(&run.outcome);
      ASSERT_NE(r, nullptr) << "failed: " << FailureReasonName(std::get<DialogFailure>(run.outcome).reason) << " "
                            << std::get<DialogFailure>(run.outcome).detail;
      EXPECT_EQ(run.steps.back(), Step::kDone);
      if (expect.passive_authentication) {
        EXPECT_EQ(r->passive_authentication, *expect.passive_authentication)
            << r->passive_authentication_details.error.value_or("");
      }
      if (!expect.chip_authentication.empty()) {
        EXPECT_EQ(CheckName(r->chip_authentication_result), expect.chip_authentication) << ::testing::PrintToString(r->errors);
      }
      if (!expect.active_authentication.empty()) {
        EXPECT_EQ(CheckName(r->active_authentication_result), expect.active_authentication)
            << ::testing::PrintToString(r->errors);
      }
      ASSERT_TRUE(r->mrz_info.has_value());
      EXPECT_EQ(r->mrz_info->date_of_birth.size(), 6u);
      ASSERT_TRUE(r->sod_info.has_value());
      EXPECT_FALSE(r->passive_authentication_details.data_groups_checked.empty());
      if (spec.tamper_dg == 0 && spec.signer == testpki::DocumentSigner::kRsa) {
        EXPECT_TRUE(r->face_photo.has_value());
      }
      EXPECT_EQ(r->signature_photos.has_value(), spec.dg7);
      EXPECT_EQ(r->additional_personal_details.has_value(), spec.dg11);
      EXPECT_EQ(r->additional_document_details.has_value(), spec.dg12);
    } else if (expect.close_reason == "ACCESS_CONTROL_FAILED") {
      const DialogFailure* f = std::get_if<DialogFailure>(&run.outcome);
      ASSERT_NE(f, nullptr);
      EXPECT_EQ(f->reason, FailureReason::kAccessControlFailed) << f->detail;
      EXPECT_EQ(run.steps.back(), Step::kAccessControl);
    } else {
      // The chip left the field: the dialog ends (the gateway's timer gives the close reason).
      const DialogFailure* f = std::get_if<DialogFailure>(&run.outcome);
      ASSERT_NE(f, nullptr);
      EXPECT_EQ(f->reason, FailureReason::kEmrtdPassportReaderError) << f->detail;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(StandardProfiles, ReaderVchipTest, ::testing::ValuesIn(testpki::StandardPassportSpecs()),
                         [](const ::testing::TestParamInfo<testpki::PassportSpec>& i) {
                           std::string n = i.param.name;
                           for (char& c : n) {
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return n;
                         });

TEST_F(ReaderVchipTest, ReadsOnlyWhatTheSodListsAndKeepsFilesWhenAsked) {
  std::vector<testpki::PassportSpec> specs = testpki::StandardPassportSpecs();
  const testpki::PassportSpec& gm = specs[1];
  ASSERT_EQ(gm.name, "pace-gm-ecdh-ca-aa");
  absl::StatusOr<vchip::ChipProfile> profile = testpki::Personalize(gm, *pki_);
  ASSERT_TRUE(profile.ok());
  Run run = Read(*profile, true, /*files_binary=*/true);
  const EmrtdResult* r = std::get_if<EmrtdResult>(&run.outcome);
  ASSERT_NE(r, nullptr);
  EXPECT_THAT(run.steps, ::testing::ElementsAre(Step::kReadAtrInfo, Step::kAccessControl, Step::kReadSod,
                                                Step::kReadDg14, Step::kChipAuthentication, Step::kReadDg15,
                                                Step::kActiveAuthentication, Step::kReadDg1, Step::kReadDg2,
                                                Step::kReadDg7, Step::kReadDg11, Step::kReadDg12,
                                                Step::kPassiveAuthentication, Step::kDone));
  std::vector<std::string> names;
  for (const auto& [name, content] : r->files_binary) names.push_back(name);
  EXPECT_THAT(names, ::testing::IsSupersetOf({"card_access", "sod", "dg1", "dg2", "dg14", "dg15"}));
  EXPECT_TRUE(r->errors.empty()) << ::testing::PrintToString(r->errors);
  EXPECT_THAT(r->passive_authentication_details.data_groups_checked, ::testing::ElementsAre(1, 2, 7, 11, 12, 14, 15));
}

TEST_F(ReaderVchipTest, PaceCamIsCheckedAgainstCardSecurity) {
  std::vector<testpki::PassportSpec> specs = testpki::StandardPassportSpecs();
  testpki::PassportSpec cam = specs[3];
  ASSERT_EQ(cam.name, "pace-cam-idcard");
  absl::StatusOr<vchip::ChipProfile> profile = testpki::Personalize(cam, *pki_);
  ASSERT_TRUE(profile.ok());
  Run run = Read(*profile, true, /*files_binary=*/true);
  const EmrtdResult* r = std::get_if<EmrtdResult>(&run.outcome);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->chip_authentication_result, CheckResult::kSuccess) << ::testing::PrintToString(r->errors);
  // The chip was authenticated by PACE-CAM: no Chip Authentication step of its own.
  EXPECT_THAT(run.steps, ::testing::Not(::testing::Contains(Step::kChipAuthentication)));
  bool has_card_security = false;
  for (const auto& [name, content] : r->files_binary) has_card_security |= name == "card_security";
  EXPECT_TRUE(has_card_security);

  // A cloned CAM chip: its PACE-CAM key is not the one EF.CardSecurity (and DG14) vouch for.
  cam.clone_ca = true;
  profile = testpki::Personalize(cam, *pki_);
  ASSERT_TRUE(profile.ok());
  run = Read(*profile, true);
  r = std::get_if<EmrtdResult>(&run.outcome);
  ASSERT_NE(r, nullptr) << std::get<DialogFailure>(run.outcome).detail;
  EXPECT_EQ(r->chip_authentication_result, CheckResult::kFailed);
  EXPECT_TRUE(r->passive_authentication);
}

}  // namespace
}  // namespace docval::emrtd
