// v2's server-driven Chip Authentication against the virtual passport: the phone (vchip's own test
// terminal) opens the chip with BAC and hands its keys over; the core runs CA and reads DG1 under the
// new keys; the phone continues with the keys handed back. A genuine chip proves its key; a cloned one
// cannot follow the new keys; a DG14 without a key leaves the phone's keys as they were.
#include "validator/emrtd/reader_v2_ca.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "tools/testpki/passport_factory.h"
#include "tools/testpki/test_pki.h"
#include "tools/vchip/chip_rng.h"
#include "tools/vchip/test_terminal.h"
#include "tools/vchip/virtual_chip.h"

namespace docval::emrtd {
namespace {

class V2ChipAuthTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<testpki::TestPki> pki = testpki::GenerateTestPki(1);
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = new testpki::TestPki(*std::move(pki));
  }
  static void TearDownTestSuite() { delete pki_; }

  // The named profile's chip, opened by the phone with BAC.
  void Open(const std::string& name) {
    for (const testpki::PassportSpec& spec : testpki::StandardPassportSpecs()) {
      if (spec.name != name) continue;
      absl::StatusOr<vchip::ChipProfile> p = testpki::Personalize(spec, *pki_);
      ASSERT_TRUE(p.ok()) << p.status();
      profile_ = *std::move(p);
    }
    ASSERT_EQ(profile_.name, name);
    absl::StatusOr<std::unique_ptr<vchip::VirtualChip>> chip =
        vchip::VirtualChip::Create(profile_, vchip::NewSeededRandom(42));
    ASSERT_TRUE(chip.ok()) << chip.status();
    chip_ = *std::move(chip);
    ASSERT_EQ(vchip::testing::SwOf(*vchip::testing::Exchange(*chip_, HexOrDie("00A4040C07A0000002471001"))), 0x9000);
    const vchip::ChipSecrets& s = profile_.secrets;
    absl::StatusOr<vchip::testing::TerminalSm> sm = vchip::testing::TerminalBac(
        *chip_, vchip::MrzKeyInformation(s.document_number, s.date_of_birth, s.date_of_expiry));
    ASSERT_TRUE(sm.ok()) << sm.status();
    phone_.emplace(*std::move(sm));
  }

  SessionKeys PhoneKeys() const {
    return SessionKeys{.cipher = SmCipher::k3Des,
                       .ks_enc = ToSecure(phone_->ks_enc()),
                       .ks_mac = ToSecure(phone_->ks_mac()),
                       .ssc = ToSecure(phone_->ssc())};
  }

  Bytes File(const std::string& name) const { return profile_.FindFile(name)->content; }

  // The server's run, the phone relaying each command to the chip unchanged.
  absl::StatusOr<V2ChipAuthOutcome> RunCa(Bytes dg14) {
    CardLink link;
    std::unique_ptr<RandomSource> rng = NewSystemRandom();
    Task<absl::StatusOr<V2ChipAuthOutcome>> task = RunV2ChipAuthentication(link, PhoneKeys(), std::move(dg14), *rng);
    return RunDialog(task, link, [&](ByteSpan cmd) -> absl::StatusOr<Bytes> {
      ++commands_;
      std::optional<Bytes> r = chip_->Process(cmd);
      if (!r) return absl::DeadlineExceededError("silent chip");
      return *r;
    });
  }

  // The phone continues under `keys` and reads DG2.
  absl::StatusOr<Bytes> PhoneReadsDg2With(const SessionKeys& keys) {
    const vchip::Cipher c = keys.cipher == SmCipher::k3Des ? vchip::Cipher::kTdes
                            : keys.ks_enc.size() == 32   ? vchip::Cipher::kAes256
                            : keys.ks_enc.size() == 24   ? vchip::Cipher::kAes192
                                                         : vchip::Cipher::kAes128;
    vchip::testing::TerminalSm sm(c, Bytes(keys.ks_enc.begin(), keys.ks_enc.end()),
                                  Bytes(keys.ks_mac.begin(), keys.ks_mac.end()),
                                  Bytes(keys.ssc.begin(), keys.ssc.end()));
    return vchip::testing::ReadFile(*chip_, sm, 0x0102);
  }

  static testpki::TestPki* pki_;
  vchip::ChipProfile profile_;
  std::unique_ptr<vchip::VirtualChip> chip_;
  std::optional<vchip::testing::TerminalSm> phone_;
  int commands_ = 0;
};
testpki::TestPki* V2ChipAuthTest::pki_ = nullptr;

TEST_F(V2ChipAuthTest, AGenuineChipProvesItsKeyAndThePhoneContinuesUnderTheNewKeys) {
  Open("pace-gm-ecdh-ca-aa");  // CA ECDH AES-128 with a key id
  absl::StatusOr<V2ChipAuthOutcome> o = RunCa(File("DG14"));
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->check, CheckResult::kSuccess) << o->detail;
  EXPECT_TRUE(chip_->chip_authenticated());
  ASSERT_TRUE(o->dg1.has_value());
  EXPECT_EQ(*o->dg1, File("DG1"));
  ASSERT_TRUE(o->keys.has_value());
  EXPECT_EQ(o->keys->cipher, SmCipher::kAes);  // the CA protocol's cipher, not BAC's
  absl::StatusOr<Bytes> dg2 = PhoneReadsDg2With(*o->keys);
  ASSERT_TRUE(dg2.ok()) << dg2.status();
  EXPECT_EQ(*dg2, File("DG2"));
}

TEST_F(V2ChipAuthTest, AClonedChipCannotFollowTheNewKeys) {
  Open("fault-cloned-chip");  // the chip's CA key is not DG14's
  absl::StatusOr<V2ChipAuthOutcome> o = RunCa(File("DG14"));
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->check, CheckResult::kFailed);
  EXPECT_FALSE(o->dg1.has_value());
  EXPECT_FALSE(o->keys.has_value());  // secure messaging broke: the phone must open the chip again
  EXPECT_NE(o->detail.find("did not follow"), std::string::npos) << o->detail;
}

TEST_F(V2ChipAuthTest, ADg14WithoutAKeyLeavesThePhonesKeys) {
  Open("pace-gm-ecdh-ca-aa");
  absl::StatusOr<V2ChipAuthOutcome> o = RunCa(HexOrDie("6E0431023000"));  // a SET with an empty SEQUENCE
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->check, CheckResult::kUnavailable);
  EXPECT_EQ(commands_, 0);
  ASSERT_TRUE(o->keys.has_value());
  EXPECT_EQ(Bytes(o->keys->ssc.begin(), o->keys->ssc.end()), phone_->ssc());
  absl::StatusOr<Bytes> dg2 = PhoneReadsDg2With(*o->keys);
  ASSERT_TRUE(dg2.ok()) << dg2.status();
}

TEST_F(V2ChipAuthTest, KeysThatDoNotFitTheirCipherAreRefused) {
  Open("pace-gm-ecdh-ca-aa");
  CardLink link;
  std::unique_ptr<RandomSource> rng = NewSystemRandom();
  SessionKeys bad = PhoneKeys();
  bad.ks_enc.resize(5);
  Task<absl::StatusOr<V2ChipAuthOutcome>> task = RunV2ChipAuthentication(link, bad, File("DG14"), *rng);
  absl::StatusOr<V2ChipAuthOutcome> o = RunDialog(
      task, link, [](ByteSpan) -> absl::StatusOr<Bytes> { return absl::InternalError("no command expected"); });
  EXPECT_EQ(o.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace docval::emrtd
