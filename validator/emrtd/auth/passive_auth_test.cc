#include "validator/emrtd/auth/passive_auth.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/testpki/test_pki.h"
#include "validator/emrtd/lds/card_security.h"
#include "validator/emrtd/testing/map_key_cache.h"
#include "validator/emrtd/testing/vectors.h"

#include <nlohmann/json.hpp>

namespace docval::emrtd {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::MapKeyCache;
using testing::ReadPki;
using testing::ReadVector;

constexpr int64_t kNow = 1780272000;  // 2026-06-01T00:00:00Z

std::shared_ptr<const TrustStore> FixtureStore(bool with_crl = true) {
  TrustStore::Builder b;
  for (const char* c : {"csca_rsa.der", "csca_ec.der", "csca_sha1.der", "link_rsa_new_by_old.der"}) {
    EXPECT_TRUE(b.AddAny(ReadPki(c), c).ok());
  }
  if (with_crl) {
    EXPECT_TRUE(b.AddCrls(ReadPki("crl_rsa.der"), "crl").ok());
  }
  return std::move(b).Build();
}

std::map<int, Bytes> FixtureGroups() { return {{1, ReadPki("dg1.bin")}, {2, ReadPki("dg2.bin")}}; }

TEST(PassiveAuth, Bsi2008SpecimenWithoutItsCsca) {
  std::map<int, Bytes> dgs;
  for (int dg : {1, 2, 3, 14}) {
    dgs[dg] = ReadVector("lds-samples/jmrtd-bsi2008/Datagroup" + std::to_string(dg) + ".bin");
  }
  Bytes sod = ReadVector("lds-samples/jmrtd-bsi2008/EF_SOD.bin");
  PassiveAuthResult r = VerifyPassiveAuthentication(sod, dgs, nullptr, kNow);
  ASSERT_TRUE(r.sod_info.has_value());
  EXPECT_EQ(r.sod_info->hash_algorithm, "SHA-1");
  ASSERT_EQ(r.sod_info->hash_for_data_group.size(), 4u);
  EXPECT_EQ(r.sod_info->hash_for_data_group[3].first, 14);
  EXPECT_TRUE(r.details.sod_signature_valid);
  EXPECT_FALSE(r.details.document_certificate_valid);
  EXPECT_THAT(r.details.data_groups_checked, ElementsAre(1, 2, 3, 14));
  EXPECT_THAT(r.details.data_groups_with_valid_hash, ElementsAre(1, 2, 3, 14));
  EXPECT_TRUE(r.details.all_hashes_valid);
  EXPECT_FALSE(r.passive_authentication);
  ASSERT_TRUE(r.details.error.has_value());
  EXPECT_THAT(*r.details.error, HasSubstr("no trust store"));
  EXPECT_FALSE(r.Binds(14));  // without a chain nothing is bound

  // With a trust store that lacks the German test CSCA.
  r = VerifyPassiveAuthentication(sod, dgs, FixtureStore().get(), kNow);
  EXPECT_THAT(*r.details.error, HasSubstr("no trusted CSCA"));

  // A changed byte in DG2 (the image) breaks its hash only.
  dgs[2][dgs[2].size() - 10] ^= 0x01;
  r = VerifyPassiveAuthentication(sod, dgs, nullptr, kNow);
  EXPECT_TRUE(r.details.sod_signature_valid);
  EXPECT_THAT(r.details.data_groups_with_valid_hash, ElementsAre(1, 3, 14));
  EXPECT_FALSE(r.details.all_hashes_valid);
  EXPECT_THAT(*r.details.error, HasSubstr("hash mismatch for DG2"));
}

TEST(PassiveAuth, Loes2006Specimen) {
  std::map<int, Bytes> dgs = {{1, ReadVector("lds-samples/jmrtd-loes2006/ef0101.bin")},
                              {2, ReadVector("lds-samples/jmrtd-loes2006/ef0102.bin")},
                              {15, ReadVector("lds-samples/jmrtd-loes2006/ef010F.bin")}};
  PassiveAuthResult r = VerifyPassiveAuthentication(ReadVector("lds-samples/jmrtd-loes2006/ef011D.bin"), dgs,
                                                    nullptr, kNow);
  EXPECT_EQ(r.sod_info->hash_algorithm, "SHA-256");
  EXPECT_TRUE(r.details.sod_signature_valid);
  EXPECT_THAT(r.details.data_groups_with_valid_hash, ElementsAre(1, 2, 15));
  EXPECT_TRUE(r.details.all_hashes_valid);
  ASSERT_TRUE(r.document_signer.has_value());
  EXPECT_THAT(r.document_signer->IssuerText(), HasSubstr("CSCA Test"));
}

struct Case {
  const char* sod;
  bool signature;
  bool certificate;
  const char* error;  // substring, or nullptr when PA holds
};

class FixtureSodTest : public ::testing::TestWithParam<Case> {};

TEST_P(FixtureSodTest, Verdict) {
  const Case& c = GetParam();
  auto store = FixtureStore();
  PassiveAuthResult r = VerifyPassiveAuthentication(ReadPki(c.sod), FixtureGroups(), store.get(), kNow);
  EXPECT_EQ(r.details.sod_signature_valid, c.signature);
  EXPECT_EQ(r.details.document_certificate_valid, c.certificate);
  EXPECT_TRUE(r.details.all_hashes_valid);
  EXPECT_THAT(r.details.data_groups_with_valid_hash, ElementsAre(1, 2));
  EXPECT_EQ(r.passive_authentication, c.error == nullptr);
  if (c.error == nullptr) {
    EXPECT_FALSE(r.details.error.has_value()) << *r.details.error;
    EXPECT_TRUE(r.Binds(1));
    EXPECT_FALSE(r.Binds(15));
  } else {
    ASSERT_TRUE(r.details.error.has_value());
    EXPECT_THAT(*r.details.error, HasSubstr(c.error));
    EXPECT_FALSE(r.Binds(1));
  }
}

void ExpectSameVerdict(const PassiveAuthResult& a, const PassiveAuthResult& b) {
  EXPECT_EQ(a.passive_authentication, b.passive_authentication);
  EXPECT_EQ(a.details.sod_signature_valid, b.details.sod_signature_valid);
  EXPECT_EQ(a.details.document_certificate_valid, b.details.document_certificate_valid);
  EXPECT_EQ(a.details.error, b.details.error);
  EXPECT_EQ(a.details.notes, b.details.notes);
}

// The key cache changes no verdict, keeps only the keys of valid objects, and serves them again.
TEST_P(FixtureSodTest, KeyCacheKeepsTheVerdict) {
  const Case& c = GetParam();
  auto store = FixtureStore();
  const PassiveAuthResult plain = VerifyPassiveAuthentication(ReadPki(c.sod), FixtureGroups(), store.get(), kNow);
  absl::StatusOr<Sod> sod = ParseSod(ReadPki(c.sod));
  ASSERT_TRUE(sod.ok());
  MapKeyCache cache;
  const PassiveAuthResult first = VerifyPassiveAuthentication(*sod, FixtureGroups(), store.get(), kNow, &cache);
  ExpectSameVerdict(first, plain);
  const bool valid = c.signature && c.certificate;
  EXPECT_EQ(cache.stores, valid ? 1 : 0);
  if (valid) {
    ASSERT_TRUE(first.document_signer.has_value());
    EXPECT_TRUE(cache.keys.contains(first.document_signer->fingerprint()));
  }
  const PassiveAuthResult again = VerifyPassiveAuthentication(*sod, FixtureGroups(), store.get(), kNow, &cache);
  ExpectSameVerdict(again, plain);
  EXPECT_EQ(cache.stores, valid ? 1 : 0);  // a hit is not stored again
  // A cache answering every certificate with another Document Signer's key changes nothing either.
  absl::StatusOr<x509::Certificate> other = x509::Certificate::FromDer(ReadPki("ds_rogue.der"));
  ASSERT_TRUE(other.ok());
  absl::StatusOr<std::shared_ptr<const VerificationKey>> other_key = VerificationKey::Load(other->spki());
  ASSERT_TRUE(other_key.ok());
  MapKeyCache poisoned;
  poisoned.poison = *other_key;
  ExpectSameVerdict(VerifyPassiveAuthentication(*sod, FixtureGroups(), store.get(), kNow, &poisoned), plain);
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, FixtureSodTest,
    ::testing::Values(Case{"sod_rsa_pss.bin", true, true, nullptr},          // RSA-PSS, MGF1-SHA1 != SHA-256
                      Case{"sod_pkcs1.bin", true, true, nullptr},            //
                      Case{"sod_ec.bin", true, true, nullptr},               // ECDSA, signer by key identifier
                      Case{"sod_new.bin", true, true, nullptr},              // via a link certificate
                      Case{"sod_sha1.bin", true, true, nullptr},             // SHA-1 everywhere
                      Case{"sod_pss_cert.bin", true, true, nullptr},         // RSA-PSS signed DS certificate
                      Case{"sod_expired_signed_in_time.bin", true, true, nullptr},  // signing time in validity
                      Case{"sod_expired.bin", true, false, "expired"},       //
                      Case{"sod_revoked.bin", true, false, "revoked"},       //
                      Case{"sod_rogue.bin", true, false, "not signed by a trusted CSCA"},
                      Case{"sod_critical.bin", true, false, "critical"},
                      Case{"sod_pkcs1_no_cert.bin", false, false, "document signer certificate not found"}));

TEST(PassiveAuth, DocumentSignerFromTheTrustStore) {
  TrustStore::Builder b;
  ASSERT_TRUE(b.AddAny(ReadPki("csca_rsa.der"), "csca").ok());
  ASSERT_TRUE(b.AddAny(ReadPki("ds_rsa.der"), "ds").ok());
  auto store = std::move(b).Build();
  PassiveAuthResult r =
      VerifyPassiveAuthentication(ReadPki("sod_pkcs1_no_cert.bin"), FixtureGroups(), store.get(), kNow);
  EXPECT_TRUE(r.passive_authentication) << r.details.error.value_or("");
}

TEST(PassiveAuth, TamperedSodAndUnlistedDataGroups) {
  auto store = FixtureStore();
  // A data group the SOD does not list fails the hash check.
  std::map<int, Bytes> dgs = FixtureGroups();
  dgs[3] = {0x63, 0x00};
  PassiveAuthResult r = VerifyPassiveAuthentication(ReadPki("sod_pkcs1.bin"), dgs, store.get(), kNow);
  EXPECT_THAT(r.details.data_groups_checked, ElementsAre(1, 2, 3));
  EXPECT_THAT(r.details.data_groups_with_valid_hash, ElementsAre(1, 2));
  EXPECT_FALSE(r.details.all_hashes_valid);
  EXPECT_FALSE(r.passive_authentication);
  EXPECT_THAT(*r.details.error, HasSubstr("DG3 is not listed"));

  // A flipped bit in the LDS security object (the signed content) breaks the signature.
  Bytes sod = ReadPki("sod_pkcs1.bin");
  absl::StatusOr<Sod> parsed = ParseSod(sod);
  ASSERT_TRUE(parsed.ok());
  const Bytes& lso = *parsed->signed_data.content;
  auto at = std::search(sod.begin(), sod.end(), lso.begin(), lso.end());
  ASSERT_NE(at, sod.end());
  at[lso.size() - 1] ^= 0x01;  // the last byte of the DG2 hash
  r = VerifyPassiveAuthentication(sod, FixtureGroups(), store.get(), kNow);
  EXPECT_FALSE(r.details.sod_signature_valid);
  EXPECT_FALSE(r.passive_authentication);
  EXPECT_THAT(*r.details.error, HasSubstr("message digest mismatch"));

  // Garbage instead of an SOD.
  r = VerifyPassiveAuthentication(Bytes{0x77, 0x01, 0x00}, FixtureGroups(), store.get(), kNow);
  EXPECT_FALSE(r.sod_info.has_value());
  EXPECT_FALSE(r.passive_authentication);
  EXPECT_TRUE(r.details.error.has_value());
  EXPECT_THAT(r.details.data_groups_checked, ElementsAre(1, 2));
  // Nothing read.
  r = VerifyPassiveAuthentication(ReadPki("sod_pkcs1.bin"), {}, store.get(), kNow);
  EXPECT_FALSE(r.details.all_hashes_valid);
  EXPECT_FALSE(r.passive_authentication);
}

// ---- SODs built by the test PKI (tools/testpki) ---------------------------------------------------

class BuiltSodTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<testpki::TestPki> pki = testpki::GenerateTestPki(1);
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = new testpki::TestPki(*std::move(pki));
    rng_ = vchip::NewSeededRandom(5).release();
  }
  static void TearDownTestSuite() {
    delete pki_;
    delete rng_;
  }
  static std::shared_ptr<const TrustStore> Store(std::vector<std::string> crls = {},
                                                 CrlExpiredPolicy policy = CrlExpiredPolicy::kWarn) {
    TrustStore::Builder b;
    std::string csca = testpki::CertPem(*pki_->csca_rsa.cert);
    EXPECT_TRUE(b.AddAny(AsSpan(csca), "csca").ok());
    for (const std::string& c : crls) EXPECT_TRUE(b.AddCrls(AsSpan(c), "crl").ok());
    b.SetCrlExpiredPolicy(policy);
    return std::move(b).Build();
  }
  // EF.SOD over FixtureGroups() signed by ds_rsa (signing time 2025-01-01), declared as `econtent_type`.
  static Bytes Sod(const std::string& econtent_type, ByteSpan econtent = {}, const std::string& signed_type = "") {
    testpki::CmsSigner signer = pki_->Signer(pki_->ds_rsa);
    signer.content_type_attribute = signed_type;
    absl::StatusOr<Bytes> sod = testpki::BuildSod(FixtureGroups(), signer, rng_->rng(), econtent_type, econtent);
    EXPECT_TRUE(sod.ok()) << sod.status();
    return sod.value_or(Bytes{});
  }
  static testpki::TestPki* pki_;
  static vchip::ChipRandom* rng_;
};
testpki::TestPki* BuiltSodTest::pki_ = nullptr;
vchip::ChipRandom* BuiltSodTest::rng_ = nullptr;

TEST_F(BuiltSodTest, IdDataAroundAnLdsSecurityObjectPassesWithANote) {
  auto store = Store();
  PassiveAuthResult r = VerifyPassiveAuthentication(Sod(testpki::kOidData), FixtureGroups(), store.get(), kNow);
  EXPECT_TRUE(r.passive_authentication) << r.details.error.value_or("");
  EXPECT_TRUE(r.Binds(2));
  ASSERT_TRUE(r.sod_info.has_value());
  EXPECT_EQ(r.sod_info->hash_for_data_group.size(), 2u);
  EXPECT_THAT(r.details.notes, ElementsAre(HasSubstr("EF.SOD declares eContentType id-data (1.2.840.113549.1.7.1)")));
  // The standard eContentType: the same verdict and no note.
  r = VerifyPassiveAuthentication(Sod(testpki::kOidLdsSecurityObject), FixtureGroups(), store.get(), kNow);
  EXPECT_TRUE(r.passive_authentication) << r.details.error.value_or("");
  EXPECT_THAT(r.details.notes, ::testing::IsEmpty());
}

TEST_F(BuiltSodTest, IdDataAroundAnythingElseAndMismatchedContentTypesAreRefused) {
  auto store = Store();
  // id-data around something that is not an LDSSecurityObject (a SEQUENCE { INTEGER 0 }).
  const Bytes not_lds = {0x30, 0x03, 0x02, 0x01, 0x00};
  PassiveAuthResult r =
      VerifyPassiveAuthentication(Sod(testpki::kOidData, not_lds), FixtureGroups(), store.get(), kNow);
  EXPECT_FALSE(r.passive_authentication);
  EXPECT_FALSE(r.sod_info.has_value());
  EXPECT_THAT(r.details.error.value_or(""), HasSubstr("eContentType id-data (1.2.840.113549.1.7.1) whose content is "
                                                      "not an LDS security object"));
  // Another eContentType around a genuine LDSSecurityObject is still refused.
  r = VerifyPassiveAuthentication(Sod(testpki::kOidBsiSecurityObject), FixtureGroups(), store.get(), kNow);
  EXPECT_FALSE(r.passive_authentication);
  EXPECT_THAT(r.details.error.value_or(""),
              HasSubstr("eContentType 0.4.0.127.0.7.3.2.1 is not an LDS security object"));
  // id-data whose signed content-type attribute names the LDS security object (and the reverse): the
  // signed attributes contradict the eContentType, so the signature does not hold.
  for (const auto& [declared, signed_type] :
       {std::pair{testpki::kOidData, testpki::kOidLdsSecurityObject},
        std::pair{testpki::kOidLdsSecurityObject, testpki::kOidData}}) {
    r = VerifyPassiveAuthentication(Sod(declared, {}, signed_type), FixtureGroups(), store.get(), kNow);
    EXPECT_TRUE(r.sod_info.has_value());
    EXPECT_FALSE(r.details.sod_signature_valid);
    EXPECT_FALSE(r.passive_authentication);
    EXPECT_THAT(r.details.error.value_or(""), HasSubstr(absl::StrCat("content-type attribute ", signed_type,
                                                                     " differs from eContentType ", declared)));
  }
}

TEST_F(BuiltSodTest, CrlNotesReachTheDetails) {
  // The SOD's signing time (2025-01-01) is the validation time: a CRL whose nextUpdate is 2024-07-01.
  const std::string expired = testpki::CrlPem(*testpki::IssueCrl(
      pki_->csca_rsa, {}, absl::ToChronoTime(absl::FromUnixSeconds(1704067200)),  // 2024-01-01
      absl::ToChronoTime(absl::FromUnixSeconds(1719792000)),                       // 2024-07-01
      absl::ToChronoTime(absl::FromUnixSeconds(1704067200)), rng_->rng()));
  const Bytes sod = Sod(testpki::kOidLdsSecurityObject);
  PassiveAuthResult r = VerifyPassiveAuthentication(sod, FixtureGroups(), Store({expired}).get(), kNow);
  EXPECT_TRUE(r.passive_authentication) << r.details.error.value_or("");
  EXPECT_THAT(r.details.notes, ElementsAre(HasSubstr("validation time 2025-01-01T00:00:00Z")));
  r = VerifyPassiveAuthentication(sod, FixtureGroups(), Store({expired}, CrlExpiredPolicy::kFail).get(), kNow);
  EXPECT_FALSE(r.passive_authentication);
  EXPECT_FALSE(r.details.document_certificate_valid);
  EXPECT_THAT(r.details.error.value_or(""), HasSubstr("has expired"));
}

// A real German test eID's EF.CardSecurity (OpenPACE's test data) against its CSCA: the shared
// signed-object check that PACE-CAM relies on.
TEST(SignedObject, OpenPaceCardSecurityAgainstGermanTestCsca) {
  nlohmann::json j = testing::LoadVector("openpace-cardaccess-cardsecurity-samples.json");
  absl::StatusOr<CardSecurity> cs = ParseCardSecurity(HexOrDie(j["ef_cardsecurity_dan"].get<std::string>()));
  ASSERT_TRUE(cs.ok()) << cs.status();
  EXPECT_FALSE(cs->infos.chip_authentication_public_keys.empty());
  EXPECT_FALSE(cs->infos.pace.empty());

  TrustStore::Builder b;
  ASSERT_TRUE(b.AddAny(HexOrDie(j["csca_germany_013_self_signed_cer"].get<std::string>()), "csca 013").ok());
  auto store = std::move(b).Build();
  SignedObjectVerdict v = VerifySignedObject(cs->signed_data, store.get(), 1420070400);  // 2015-01-01
  EXPECT_TRUE(v.signature_valid);
  EXPECT_TRUE(v.certificate_valid) << ::testing::PrintToString(v.errors);
  EXPECT_TRUE(v.valid());
  // Without that CSCA the signature still verifies but nothing vouches for it.
  v = VerifySignedObject(cs->signed_data, FixtureStore().get(), 1420070400);
  EXPECT_TRUE(v.signature_valid);
  EXPECT_FALSE(v.valid());
  // The SOD parser refuses it: not an LDS security object.
  EXPECT_FALSE(ParseSod(HexOrDie(j["ef_cardsecurity_dan"].get<std::string>())).ok());
}

}  // namespace
}  // namespace docval::emrtd
