#include "validator/service/v2_files.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/testpki/hostile_profiles.h"
#include "tools/testpki/passport_factory.h"
#include "tools/testpki/test_pki.h"
#include "tools/vchip/chip_keys.h"
#include "tools/vchip/chip_rng.h"

namespace docval::validator {
namespace {

using emrtd::Bytes;
using emrtd::CheckResult;
using ::testing::Contains;
using ::testing::HasSubstr;

constexpr int64_t kNow = 1780272000;

class V2FilesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<testpki::TestPki> pki = testpki::GenerateTestPki(1);
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = new testpki::TestPki(*std::move(pki));
    emrtd::TrustStore::Builder b;
    for (const auto* c : {&pki_->csca_rsa, &pki_->csca_ecdsa}) {
      std::string pem = testpki::CertPem(*c->cert);
      ASSERT_TRUE(b.AddAny(emrtd::AsSpan(pem), "csca").ok());
    }
    store_ = new std::shared_ptr<const emrtd::TrustStore>(std::move(b).Build());
  }

  static vchip::ChipProfile Profile(const std::string& name) {
    for (const testpki::PassportSpec& spec : testpki::StandardPassportSpecs()) {
      if (spec.name != name) continue;
      absl::StatusOr<vchip::ChipProfile> p = testpki::Personalize(spec, *pki_);
      EXPECT_TRUE(p.ok()) << p.status();
      return *p;
    }
    ADD_FAILURE() << "no profile " << name;
    return {};
  }

  // What an honest phone reads: EF.COM, EF.SOD and every data group of the chip.
  static V2Files FilesOf(const vchip::ChipProfile& p) {
    V2Files f;
    for (const vchip::ChipFile& file : p.files) {
      if (file.name == "EF.SOD") f.sod = file.content;
      if (file.name == "EF.COM") f.com = file.content;
      if (file.name.starts_with("DG")) f.data_groups[std::stoi(file.name.substr(2))] = file.content;
    }
    return f;
  }

  // The chip's AA answer to `challenge` (as the phone relays it).
  static Bytes Sign(const vchip::ChipProfile& p, const Bytes& challenge) {
    auto key = vchip::LoadPrivateKey(p.active_auth->private_key_pkcs8);
    EXPECT_TRUE(key.ok()) << key.status();
    auto rng = vchip::NewSeededRandom(7);
    auto sig = vchip::SignActiveAuthentication(**key, *p.active_auth, challenge, *rng);
    EXPECT_TRUE(sig.ok()) << sig.status();
    return *sig;
  }

  V2Outcome Verify(const V2Files& f, const V2Proofs& proofs) {
    return VerifyV2Files(f, proofs, store_->get(), kNow);
  }

  const Bytes challenge_ = {1, 2, 3, 4, 5, 6, 7, 8};
  static testpki::TestPki* pki_;
  static std::shared_ptr<const emrtd::TrustStore>* store_;
};
testpki::TestPki* V2FilesTest::pki_ = nullptr;
std::shared_ptr<const emrtd::TrustStore>* V2FilesTest::store_ = nullptr;

TEST_F(V2FilesTest, HonestPhoneWithRsaAa) {
  vchip::ChipProfile p = Profile("bac-passport");
  V2Outcome o = Verify(FilesOf(p), V2Proofs{challenge_, Sign(p, challenge_)});
  ASSERT_EQ(o.refusal, V2Outcome::Refusal::kNone) << o.detail;
  EXPECT_TRUE(o.result.passive_authentication);
  EXPECT_EQ(o.result.active_authentication_result, CheckResult::kSuccess);
  EXPECT_EQ(o.result.chip_authentication_result, CheckResult::kUnavailable);
  ASSERT_TRUE(o.result.mrz_info.has_value());
}

TEST_F(V2FilesTest, HonestPhoneWithEcdsaAaAndTheServersCaResult) {
  vchip::ChipProfile p = Profile("pace-gm-ecdh-ca-aa");
  V2Outcome o = Verify(FilesOf(p), V2Proofs{challenge_, Sign(p, challenge_), CheckResult::kSuccess});
  ASSERT_EQ(o.refusal, V2Outcome::Refusal::kNone) << o.detail;
  EXPECT_TRUE(o.result.passive_authentication);
  EXPECT_EQ(o.result.active_authentication_result, CheckResult::kSuccess);
  EXPECT_EQ(o.result.chip_authentication_result, CheckResult::kSuccess);
}

TEST_F(V2FilesTest, ReplayedSignatureOverAnotherChallengeFails) {
  vchip::ChipProfile p = Profile("bac-passport");
  const Bytes old_challenge = {9, 9, 9, 9, 9, 9, 9, 9};
  V2Outcome o = Verify(FilesOf(p), V2Proofs{challenge_, Sign(p, old_challenge)});
  ASSERT_EQ(o.refusal, V2Outcome::Refusal::kNone) << o.detail;
  EXPECT_TRUE(o.result.passive_authentication);
  EXPECT_EQ(o.result.active_authentication_result, CheckResult::kFailed);
}

TEST_F(V2FilesTest, ClonedChipsAaFails) {
  vchip::ChipProfile p = Profile("fault-cloned-chip");
  V2Outcome o = Verify(FilesOf(p), V2Proofs{challenge_, Sign(p, challenge_)});
  ASSERT_EQ(o.refusal, V2Outcome::Refusal::kNone) << o.detail;
  EXPECT_EQ(o.result.active_authentication_result, CheckResult::kFailed);
}

TEST_F(V2FilesTest, WithheldSignatureOrDg15IsAaFailed) {
  vchip::ChipProfile p = Profile("bac-passport");
  V2Outcome o = Verify(FilesOf(p), V2Proofs{challenge_, std::nullopt});
  ASSERT_EQ(o.refusal, V2Outcome::Refusal::kNone) << o.detail;
  EXPECT_EQ(o.result.active_authentication_result, CheckResult::kFailed);
  V2Files no_dg15 = FilesOf(p);
  no_dg15.data_groups.erase(15);
  o = Verify(no_dg15, V2Proofs{challenge_, std::nullopt});
  ASSERT_EQ(o.refusal, V2Outcome::Refusal::kNone) << o.detail;
  EXPECT_EQ(o.result.active_authentication_result, CheckResult::kFailed);
  EXPECT_THAT(o.result.errors, Contains(HasSubstr("DG15 is listed in EF.SOD but was not sent")));
  // A signature without DG15 is the phone breaking the protocol.
  o = Verify(no_dg15, V2Proofs{challenge_, Sign(p, challenge_)});
  EXPECT_EQ(o.refusal, V2Outcome::Refusal::kProtocolError);
}

TEST_F(V2FilesTest, AlteredDg2FailsPassiveAuthentication) {
  vchip::ChipProfile p = Profile("bac-passport");
  V2Files f = FilesOf(p);
  f.data_groups[2].back() ^= 0x01;
  V2Outcome o = Verify(f, V2Proofs{challenge_, Sign(p, challenge_)});
  ASSERT_EQ(o.refusal, V2Outcome::Refusal::kNone) << o.detail;
  EXPECT_FALSE(o.result.passive_authentication);
  EXPECT_FALSE(o.result.passive_authentication_details.data_groups_with_valid_hash.empty());
}

TEST_F(V2FilesTest, FilesNotListedAreProtocolErrors) {
  vchip::ChipProfile p = Profile("bac-passport");
  V2Files f = FilesOf(p);
  ASSERT_FALSE(f.data_groups.contains(16));
  f.data_groups[16] = f.data_groups[1];
  V2Outcome o = Verify(f, V2Proofs{challenge_, Sign(p, challenge_)});
  EXPECT_EQ(o.refusal, V2Outcome::Refusal::kProtocolError);
  EXPECT_THAT(o.detail, HasSubstr("DG16 is not listed in EF.SOD"));
}

TEST_F(V2FilesTest, MissingOrBrokenSodAndDg1AreFileReadErrors) {
  vchip::ChipProfile p = Profile("bac-passport");
  V2Files f = FilesOf(p);
  f.data_groups.erase(1);
  EXPECT_EQ(Verify(f, V2Proofs{challenge_}).refusal, V2Outcome::Refusal::kFileReadError);
  f = FilesOf(p);
  f.sod = Bytes{0x77, 0x01, 0x00};
  EXPECT_EQ(Verify(f, V2Proofs{challenge_}).refusal, V2Outcome::Refusal::kFileReadError);
}

TEST_F(V2FilesTest, FilesOverTheCapsAreReaderErrors) {
  vchip::ChipProfile p = Profile("bac-passport");
  emrtd::SessionLimits limits;
  limits.max_biometric_dg_bytes = 16;
  V2Outcome o = VerifyV2Files(FilesOf(p), V2Proofs{challenge_}, store_->get(), kNow, limits);
  EXPECT_EQ(o.refusal, V2Outcome::Refusal::kReaderError);
  EXPECT_THAT(o.detail, HasSubstr("DG2"));
}

// The phone chose the Document Signer certificate in EF.SOD, as a chip does: a key over the session's
// budget is refused before anything is verified with it, as a chip session is.
TEST_F(V2FilesTest, ADocumentSignerKeyOverTheBudgetIsAReaderError) {
  absl::StatusOr<std::vector<testpki::HostileProfile>> hostile = testpki::HostilePassportProfiles(*pki_, 0);
  ASSERT_TRUE(hostile.ok()) << hostile.status();
  const vchip::ChipProfile* big = nullptr;
  for (const testpki::HostileProfile& h : *hostile) {
    if (h.profile.name == "hostile-sod-signer-rsa-8192") big = &h.profile;
  }
  ASSERT_NE(big, nullptr);
  V2Outcome o = Verify(FilesOf(*big), V2Proofs{challenge_});
  EXPECT_EQ(o.refusal, V2Outcome::Refusal::kReaderError);
  EXPECT_THAT(o.detail, HasSubstr("EF.SOD"));
  EXPECT_THAT(o.detail, HasSubstr("max_rsa_bits"));
  // The limit decides: with room for the key the same files get a verdict (the replaced key does not
  // verify the SOD, so Passive Authentication fails).
  emrtd::SessionLimits roomy;
  roomy.max_rsa_bits = 8192;
  V2Outcome judged = VerifyV2Files(FilesOf(*big), V2Proofs{challenge_}, store_->get(), kNow, roomy);
  EXPECT_EQ(judged.refusal, V2Outcome::Refusal::kNone) << judged.detail;
  EXPECT_FALSE(judged.result.passive_authentication);
}

}  // namespace
}  // namespace docval::validator
