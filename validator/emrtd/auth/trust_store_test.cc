#include "validator/emrtd/auth/trust_store.h"

#include <algorithm>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "tools/testpki/test_pki.h"
#include "validator/emrtd/testing/vectors.h"

namespace docval::emrtd {
namespace {

using ::testing::HasSubstr;
using testing::ReadPki;

constexpr int64_t kNow = 1780272000;  // 2026-06-01T00:00:00Z

x509::Certificate Cert(const std::string& name) { return *x509::Certificate::FromDer(ReadPki(name)); }

std::shared_ptr<const TrustStore> StoreOf(std::initializer_list<const char*> certs,
                                          std::initializer_list<const char*> crls = {}) {
  TrustStore::Builder b;
  for (const char* c : certs) EXPECT_TRUE(b.AddAny(ReadPki(c), c).ok()) << c;
  for (const char* c : crls) EXPECT_TRUE(b.AddCrls(ReadPki(c), c).ok()) << c;
  return std::move(b).Build();
}

TEST(TrustStore, VerifiesDocumentSignersAgainstTheirCsca) {
  auto store = StoreOf({"csca_rsa.der", "csca_ec.der"});
  EXPECT_EQ(store->size(), 2u);
  ChainVerdict v = store->Verify(Cert("ds_rsa.der"), kNow);
  EXPECT_TRUE(v.valid) << v.error;
  ASSERT_TRUE(v.issuer.has_value());
  EXPECT_EQ(*v.issuer, Cert("csca_rsa.der"));
  v = store->Verify(Cert("ds_ec.der"), kNow);
  EXPECT_TRUE(v.valid) << v.error;
  v = store->Verify(Cert("ds_pss_cert.der"), kNow);
  EXPECT_TRUE(v.valid) << v.error;
}

TEST(TrustStore, Refusals) {
  auto store = StoreOf({"csca_rsa.der"}, {"crl_rsa.der"});
  ChainVerdict v = store->Verify(Cert("ds_ec.der"), kNow);
  EXPECT_FALSE(v.valid);
  EXPECT_THAT(v.error, HasSubstr("no trusted CSCA"));
  v = store->Verify(Cert("ds_rogue.der"), kNow);  // same issuer name, other key
  EXPECT_FALSE(v.valid);
  EXPECT_THAT(v.error, HasSubstr("not signed by a trusted CSCA"));
  v = store->Verify(Cert("ds_expired.der"), kNow);
  EXPECT_FALSE(v.valid);
  EXPECT_THAT(v.error, HasSubstr("expired"));
  EXPECT_TRUE(store->Verify(Cert("ds_expired.der"), 1590969600).valid);  // 2020-06-01
  v = store->Verify(Cert("ds_rsa.der"), 1672531200);  // 2023-01-01: before the DS validity
  EXPECT_THAT(v.error, HasSubstr("not yet valid"));
  v = store->Verify(Cert("ds_revoked.der"), kNow);
  EXPECT_FALSE(v.valid);
  EXPECT_THAT(v.error, HasSubstr("revoked"));
  v = store->Verify(Cert("ds_critical.der"), kNow);
  EXPECT_FALSE(v.valid);
  EXPECT_THAT(v.error, HasSubstr("unknown critical extension"));
  v = store->Verify(Cert("ds_rsa.der"), 2400000000);  // after the CSCA's validity
  EXPECT_FALSE(v.valid);
}

TEST(TrustStore, RevocationNeedsAVerifiedCrl) {
  // A CRL signed by a key that is not the CSCA's must not revoke anything.
  auto store = StoreOf({"csca_rsa.der"}, {"crl_rogue.der"});
  EXPECT_EQ(store->crl_count(), 0u);
  ASSERT_EQ(store->warnings().size(), 1u);
  EXPECT_THAT(store->warnings()[0], HasSubstr("crl_rogue.der"));
  EXPECT_TRUE(store->Verify(Cert("ds_rsa.der"), kNow).valid);
  // Without the CRL, the revoked DS passes: revocation is only known from CRLs.
  EXPECT_TRUE(StoreOf({"csca_rsa.der"})->Verify(Cert("ds_revoked.der"), kNow).valid);
}

TEST(TrustStore, LinkCertificates) {
  // The new CSCA key is trusted through the link certificate signed by the old one.
  ChainVerdict v = StoreOf({"csca_rsa.der", "link_rsa_new_by_old.der"})->Verify(Cert("ds_new.der"), kNow);
  EXPECT_TRUE(v.valid) << v.error;
  EXPECT_EQ(*v.issuer, Cert("link_rsa_new_by_old.der"));
  EXPECT_TRUE(StoreOf({"csca_rsa_new.der"})->Verify(Cert("ds_new.der"), kNow).valid);
  EXPECT_FALSE(StoreOf({"csca_rsa.der"})->Verify(Cert("ds_new.der"), kNow).valid);
}

TEST(TrustStore, Sha1Chains) {
  EXPECT_TRUE(StoreOf({"csca_sha1.der"})->Verify(Cert("ds_sha1.der"), kNow).valid);
}

TEST(TrustStore, MasterList) {
  TrustStore::Builder b;
  absl::Status s = b.AddMasterList(ReadPki("ml.bin"), "ml.bin");
  ASSERT_TRUE(s.ok()) << s;
  auto store = std::move(b).Build();
  EXPECT_EQ(store->size(), 3u);  // csca_rsa, csca_ec, link — not the ML signer
  EXPECT_TRUE(store->Verify(Cert("ds_rsa.der"), kNow).valid);
  EXPECT_TRUE(store->Verify(Cert("ds_ec.der"), kNow).valid);
  EXPECT_TRUE(store->Verify(Cert("ds_new.der"), kNow).valid);
  EXPECT_TRUE(store->warnings().empty());

  TrustStore::Builder forged;
  s = forged.AddMasterList(ReadPki("ml_forged.bin"), "ml_forged.bin");
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("ml_forged.bin"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("message digest"));

  TrustStore::Builder not_ml;
  s = not_ml.AddMasterList(ReadPki("sod_pkcs1.bin"), "sod_pkcs1.bin");
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("not a CSCA master list"));
}

TEST(TrustStore, PemBundleAndAutoDetection) {
  TrustStore::Builder b;
  ASSERT_TRUE(b.AddAny(ReadPki("csca_bundle.pem"), "bundle").ok());
  ASSERT_TRUE(b.AddAny(ReadPki("ml.bin"), "ml").ok());
  ASSERT_TRUE(b.AddAny(ReadPki("crl_rsa.pem"), "crl").ok());
  absl::Status s = b.AddAny(ReadPki("dg1.bin"), "dg1.bin");
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("dg1.bin"));
  auto store = std::move(b).Build();
  EXPECT_EQ(store->size(), 3u);  // duplicates removed
  EXPECT_EQ(store->crl_count(), 1u);
}

TEST(TrustStore, EarliestExpiryLeavesOutExpiredCertificates) {
  // Any certificate counts; these three expire in 2021, 2036 and 2045.
  auto store = StoreOf({"csca_rsa.der", "ds_expired.der", "ds_rsa.der"});
  std::vector<int64_t> not_after;
  for (const x509::Certificate& c : store->certificates()) not_after.push_back(c.not_after());
  std::sort(not_after.begin(), not_after.end());
  ASSERT_EQ(not_after.size(), 3u);
  ASSERT_LT(not_after[0], not_after[1]);
  ASSERT_LT(not_after[1], not_after[2]);
  EXPECT_EQ(store->EarliestExpiryAfter(kNow), not_after[1]);  // the 2021 one has expired
  EXPECT_EQ(store->EarliestExpiryAfter(0), not_after[0]);
  EXPECT_EQ(store->EarliestExpiryAfter(not_after[0]), not_after[0]);  // valid through its notAfter
  EXPECT_EQ(store->EarliestExpiryAfter(not_after[0] + 1), not_after[1]);
  EXPECT_EQ(store->EarliestExpiryAfter(not_after[2] + 1), std::nullopt);
  EXPECT_EQ(StoreOf({})->EarliestExpiryAfter(0), std::nullopt);
}

// ---- CRLs against the validation time, on CRLs the test PKI (tools/testpki) issues ------------------

absl::Time Day(int y, int m, int d) { return absl::FromCivil(absl::CivilDay(y, m, d), absl::UTCTimeZone()); }
int64_t At(int y, int m, int d) { return absl::ToUnixSeconds(Day(y, m, d)); }

class CrlDatesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<testpki::TestPki> pki = testpki::GenerateTestPki(1);
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = new testpki::TestPki(*std::move(pki));
    rng_ = vchip::NewSeededRandom(11).release();
  }
  static void TearDownTestSuite() {
    delete pki_;
    delete rng_;
  }
  // csca_rsa's CRL issued `issued`, next update `next`, listing `revoked` as of `revoked_at`.
  static std::string Crl(absl::Time issued, absl::Time next, std::vector<const testpki::Credential*> revoked,
                         absl::Time revoked_at) {
    return testpki::CrlPem(*testpki::IssueCrl(pki_->csca_rsa, revoked, absl::ToChronoTime(issued),
                                              absl::ToChronoTime(next), absl::ToChronoTime(revoked_at),
                                              rng_->rng()));
  }
  static std::shared_ptr<const TrustStore> Store(std::vector<std::string> crls, CrlExpiredPolicy policy) {
    TrustStore::Builder b;
    std::string csca = testpki::CertPem(*pki_->csca_rsa.cert);
    EXPECT_TRUE(b.AddAny(AsSpan(csca), "csca").ok());
    for (const std::string& c : crls) EXPECT_TRUE(b.AddCrls(AsSpan(c), "crl").ok());
    b.SetCrlExpiredPolicy(policy);
    auto store = std::move(b).Build();
    EXPECT_EQ(store->crl_count(), crls.size());
    return store;
  }
  static x509::Certificate Ds(const testpki::Credential& c) {
    std::vector<uint8_t> der = c.cert->BER_encode();
    return *x509::Certificate::FromDer(der);
  }
  static testpki::TestPki* pki_;
  static vchip::ChipRandom* rng_;
};
testpki::TestPki* CrlDatesTest::pki_ = nullptr;
vchip::ChipRandom* CrlDatesTest::rng_ = nullptr;

TEST_F(CrlDatesTest, ARevocationCountsFromItsDate) {
  auto store = Store({Crl(Day(2026, 4, 1), Day(2045, 1, 1), {&pki_->ds_rsa}, Day(2026, 3, 1))},
                     CrlExpiredPolicy::kWarn);
  const x509::Certificate ds = Ds(pki_->ds_rsa);
  // Before the revocation date: valid, with a note that a later revocation exists.
  ChainVerdict v = store->Verify(ds, At(2025, 1, 1));
  EXPECT_TRUE(v.valid) << v.error;
  EXPECT_THAT(v.notes, ::testing::ElementsAre(HasSubstr("as of 2026-03-01T00:00:00Z, after the validation time "
                                                        "2025-01-01T00:00:00Z")));
  // From the revocation date on: revoked.
  for (int64_t t : {At(2026, 3, 1), At(2026, 6, 1)}) {
    v = store->Verify(ds, t);
    EXPECT_FALSE(v.valid);
    EXPECT_EQ(v.error, "document signer certificate is revoked (since 2026-03-01T00:00:00Z)");
  }
  // A certificate the CRL does not list: valid, no note.
  v = store->Verify(Ds(pki_->ds_revoked), At(2026, 6, 1));
  EXPECT_TRUE(v.valid) << v.error;
  EXPECT_TRUE(v.notes.empty());
}

TEST_F(CrlDatesTest, AnExpiredCrlWarnsOrFailsAsConfigured) {
  const std::string expired = Crl(Day(2025, 1, 1), Day(2025, 7, 1), {&pki_->ds_revoked}, Day(2024, 6, 1));
  const x509::Certificate ds = Ds(pki_->ds_rsa);
  auto warn = Store({expired}, CrlExpiredPolicy::kWarn);
  auto fail = Store({expired}, CrlExpiredPolicy::kFail);
  // Within the CRL's period: nothing to say, under either policy.
  for (const auto& store : {warn, fail}) {
    ChainVerdict v = store->Verify(ds, At(2025, 3, 1));
    EXPECT_TRUE(v.valid) << v.error;
    EXPECT_TRUE(v.notes.empty());
  }
  // After its nextUpdate.
  ChainVerdict v = warn->Verify(ds, At(2026, 6, 1));
  EXPECT_TRUE(v.valid) << v.error;
  EXPECT_THAT(v.notes, ::testing::ElementsAre(HasSubstr("has expired (nextUpdate 2025-07-01T00:00:00Z is before the "
                                                        "validation time 2026-06-01T00:00:00Z)")));
  v = fail->Verify(ds, At(2026, 6, 1));
  EXPECT_FALSE(v.valid);
  EXPECT_THAT(v.error, HasSubstr("has expired (nextUpdate 2025-07-01T00:00:00Z"));
  // The expired CRL still revokes what it lists.
  v = warn->Verify(Ds(pki_->ds_revoked), At(2026, 6, 1));
  EXPECT_FALSE(v.valid);
  EXPECT_THAT(v.error, HasSubstr("revoked"));
  // A current CRL of the same issuer beside it: the issuer's revocation data is not expired.
  auto both = Store({expired, Crl(Day(2026, 1, 1), Day(2027, 1, 1), {}, Day(2026, 1, 1))}, CrlExpiredPolicy::kFail);
  v = both->Verify(ds, At(2026, 6, 1));
  EXPECT_TRUE(v.valid) << v.error;
  EXPECT_TRUE(v.notes.empty());
  // No CRL at all: no revocation check, nothing expired.
  v = Store({}, CrlExpiredPolicy::kFail)->Verify(ds, At(2026, 6, 1));
  EXPECT_TRUE(v.valid) << v.error;
  EXPECT_TRUE(v.notes.empty());
}

TEST_F(CrlDatesTest, EarliestNextUpdateTakesEachIssuersLatestCrl) {
  const std::string older = Crl(Day(2025, 1, 1), Day(2025, 7, 1), {}, Day(2025, 1, 1));
  const std::string newer = Crl(Day(2026, 1, 1), Day(2027, 1, 1), {}, Day(2026, 1, 1));
  EXPECT_EQ(Store({older}, CrlExpiredPolicy::kWarn)->earliest_crl_next_update(), At(2025, 7, 1));
  // The newer CRL of the same issuer replaces the older one, in either order.
  EXPECT_EQ(Store({older, newer}, CrlExpiredPolicy::kWarn)->earliest_crl_next_update(), At(2027, 1, 1));
  EXPECT_EQ(Store({newer, older}, CrlExpiredPolicy::kWarn)->earliest_crl_next_update(), At(2027, 1, 1));
  EXPECT_EQ(Store({}, CrlExpiredPolicy::kWarn)->earliest_crl_next_update(), std::nullopt);
}

TEST(TrustStore, EarliestNextUpdateIsPerIssuer) {
  auto store = StoreOf({"csca_rsa.der"}, {"crl_rsa.der"});
  ASSERT_EQ(store->crl_count(), 1u);
  absl::StatusOr<x509::Crl> crl = x509::Crl::FromDer(ReadPki("crl_rsa.der"));
  ASSERT_TRUE(crl.ok());
  ASSERT_NE(crl->next_update(), 0);
  EXPECT_EQ(store->earliest_crl_next_update(), crl->next_update());
  // A CRL whose signature no CSCA verifies is not in the store and does not count.
  EXPECT_EQ(StoreOf({"csca_rsa.der"}, {"crl_rogue.der"})->earliest_crl_next_update(), std::nullopt);
}

}  // namespace
}  // namespace docval::emrtd
