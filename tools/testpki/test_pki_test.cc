#include "tools/testpki/test_pki.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <botan/certstor.h>
#include <botan/x509path.h>
#include <gtest/gtest.h>

#include "base/testing/temp_dir.h"
#include "tools/vchip/chip_tlv.h"

namespace docval::testpki {
namespace {

class TestPkiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto p = GenerateTestPki(1);
    ASSERT_TRUE(p.ok()) << p.status();
    pki_ = new TestPki(std::move(*p));
  }
  static void TearDownTestSuite() { delete pki_; }

  static std::string Write(const std::string& name, ByteSpan data) {
    std::string path = docval::ProcessTempDir() + "/testpki_" + name;
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data.data()), data.size());
    return path;
  }
  static std::string Write(const std::string& name, const std::string& text) {
    return Write(name, emrtd::AsSpan(text));
  }
  // Runs `openssl cms -verify` and returns its exit status (0 = verified).
  static int OpensslCmsVerify(const std::string& cms_path, const std::string& ca_path, const std::string& out_path) {
    std::string cmd = "openssl cms -verify -inform DER -binary -purpose any -in '" + cms_path + "' -CAfile '" +
                      ca_path + "' -out '" + out_path + "' >/dev/null 2>&1";
    return std::system(cmd.c_str());
  }
  static Bytes ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    return Bytes(s.begin(), s.end());
  }
  // The ContentInfo inside EF.SOD's 77 wrapper.
  static Bytes Unwrap77(const Bytes& sod) {
    auto obj = vchip::ParseTlv(sod);
    EXPECT_TRUE(obj.ok());
    EXPECT_EQ(obj->tag, 0x77u);
    return Bytes(obj->value.begin(), obj->value.end());
  }

  static TestPki* pki_;
};

TestPki* TestPkiTest::pki_ = nullptr;

std::map<int, Bytes> SampleGroups() {
  return {{1, Bytes{0x61, 0x03, 0x5F, 0x1F, 0x00}}, {2, Bytes(300, 0x42)}, {15, Bytes{0x6F, 0x00}}};
}

TEST_F(TestPkiTest, SodsVerifyWithOpenssl) {
  std::string ca_rsa = Write("csca_rsa.pem", CertPem(*pki_->csca_rsa.cert));
  std::string ca_ec = Write("csca_ec.pem", CertPem(*pki_->csca_ecdsa.cert));
  struct Case {
    const char* name;
    const Credential* ds;
    bool pss;
    HashAlgorithm hash;
    std::string ca;
  } cases[] = {{"pkcs1", &pki_->ds_rsa, false, HashAlgorithm::kSha256, ca_rsa},
               {"pss", &pki_->ds_rsa, true, HashAlgorithm::kSha256, ca_rsa},
               {"pss512", &pki_->ds_rsa, true, HashAlgorithm::kSha512, ca_rsa},
               {"ecdsa", &pki_->ds_ecdsa, false, HashAlgorithm::kSha256, ca_ec},
               {"brainpool", &pki_->ds_brainpool, false, HashAlgorithm::kSha384, ca_ec}};
  for (const Case& c : cases) {
    CmsSigner signer = pki_->Signer(*c.ds, c.pss, c.hash);
    auto rng = vchip::NewSeededRandom(5);
    auto sod = BuildSod(SampleGroups(), signer, rng->rng());
    ASSERT_TRUE(sod.ok()) << c.name << sod.status();
    std::string in = Write(std::string("sod_") + c.name, Unwrap77(*sod));
    std::string out = docval::ProcessTempDir() + "/testpki_sod_content_" + c.name;
    EXPECT_EQ(OpensslCmsVerify(in, c.ca, out), 0) << c.name;
    EXPECT_EQ(ReadFile(out), BuildLdsSecurityObject(c.hash, SampleGroups())) << c.name;
  }
}

TEST_F(TestPkiTest, TamperedOrUntrustedSodsFailOpensslVerify) {
  std::string ca_rsa = Write("csca_rsa2.pem", CertPem(*pki_->csca_rsa.cert));
  auto rng = vchip::NewSeededRandom(6);
  auto sod = BuildSod(SampleGroups(), pki_->Signer(pki_->ds_rsa), rng->rng());
  ASSERT_TRUE(sod.ok());
  Bytes cms = Unwrap77(*sod);
  // Flip one byte of the 300-byte data group hash inside the eContent: the messageDigest no longer fits.
  Bytes lds = BuildLdsSecurityObject(HashAlgorithm::kSha256, SampleGroups());
  auto pos = std::search(cms.begin(), cms.end(), lds.begin(), lds.end());
  ASSERT_NE(pos, cms.end());
  Bytes tampered = cms;
  tampered[(pos - cms.begin()) + lds.size() - 1] ^= 0x01;
  std::string out = docval::ProcessTempDir() + "/testpki_tampered_out";
  EXPECT_NE(OpensslCmsVerify(Write("tampered", tampered), ca_rsa, out), 0);
  // The last byte is in the signature.
  Bytes bad_sig = cms;
  bad_sig.back() ^= 0x01;
  EXPECT_NE(OpensslCmsVerify(Write("bad_sig", bad_sig), ca_rsa, out), 0);
  // A DS under a CSCA that is not trusted.
  auto untrusted = BuildSod(SampleGroups(), pki_->Signer(pki_->ds_untrusted), rng->rng());
  ASSERT_TRUE(untrusted.ok());
  EXPECT_NE(OpensslCmsVerify(Write("untrusted", Unwrap77(*untrusted)), ca_rsa, out), 0);
  // The untampered one passes with the same command (the test's command is not always failing).
  EXPECT_EQ(OpensslCmsVerify(Write("good", cms), ca_rsa, out), 0);
}

TEST_F(TestPkiTest, MasterListVerifiesAndHoldsTheCscas) {
  std::string ca_ec = Write("csca_ec_ml.pem", CertPem(*pki_->csca_ecdsa.cert));
  std::string out = docval::ProcessTempDir() + "/testpki_ml_content";
  EXPECT_EQ(OpensslCmsVerify(Write("ml.der", pki_->master_list), ca_ec, out), 0);
  Bytes content = ReadFile(out);
  for (const Credential* c : {&pki_->csca_rsa, &pki_->csca_ecdsa}) {
    std::vector<uint8_t> der = c->cert->BER_encode();
    EXPECT_NE(std::search(content.begin(), content.end(), der.begin(), der.end()), content.end());
  }
  std::vector<uint8_t> rogue = pki_->rogue_csca.cert->BER_encode();
  EXPECT_EQ(std::search(content.begin(), content.end(), rogue.begin(), rogue.end()), content.end());
  // eContentType id-icao-cscaMasterList 2.23.136.1.1.2.
  Bytes oid = {0x06, 0x06, 0x67, 0x81, 0x08, 0x01, 0x01, 0x02};
  EXPECT_NE(std::search(pki_->master_list.begin(), pki_->master_list.end(), oid.begin(), oid.end()),
            pki_->master_list.end());
}

TEST_F(TestPkiTest, CertificateChainsAndCrl) {
  Botan::Certificate_Store_In_Memory store;
  store.add_certificate(*pki_->csca_rsa.cert);
  store.add_certificate(*pki_->csca_ecdsa.cert);
  store.add_crl(*pki_->crl_rsa);
  store.add_crl(*pki_->crl_ecdsa);
  auto when = std::chrono::system_clock::from_time_t(1767225600);  // 2026-01-01
  auto check = [&](const Credential& ds) {
    Botan::Path_Validation_Restrictions restrictions(true, 110);
    return Botan::x509_path_validate(*ds.cert, restrictions, store, "", Botan::Usage_Type::UNSPECIFIED, when);
  };
  EXPECT_TRUE(check(pki_->ds_rsa).successful_validation()) << check(pki_->ds_rsa).result_string();
  EXPECT_TRUE(check(pki_->ds_ecdsa).successful_validation()) << check(pki_->ds_ecdsa).result_string();
  EXPECT_TRUE(check(pki_->ds_brainpool).successful_validation());
  EXPECT_FALSE(check(pki_->ds_expired).successful_validation());
  EXPECT_FALSE(check(pki_->ds_untrusted).successful_validation());
  auto revoked = check(pki_->ds_revoked);
  EXPECT_FALSE(revoked.successful_validation());
  EXPECT_EQ(revoked.result(), Botan::Certificate_Status_Code::CERT_IS_REVOKED);
  EXPECT_TRUE(pki_->crl_rsa->is_revoked(*pki_->ds_revoked.cert));
  EXPECT_FALSE(pki_->crl_rsa->is_revoked(*pki_->ds_rsa.cert));
  // OpenSSL agrees that the CRL is signed by the CSCA.
  std::string crl = Write("crl.pem", CrlPem(*pki_->crl_rsa));
  std::string ca = Write("csca_rsa3.pem", CertPem(*pki_->csca_rsa.cert));
  EXPECT_EQ(std::system(("openssl crl -noout -in '" + crl + "' -CAfile '" + ca + "' >/dev/null 2>&1").c_str()), 0);
}

TEST_F(TestPkiTest, GenerationIsDeterministic) {
  auto again = GenerateTestPki(1);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->csca_rsa.cert->BER_encode(), pki_->csca_rsa.cert->BER_encode());
  EXPECT_EQ(again->ds_ecdsa.cert->BER_encode(), pki_->ds_ecdsa.cert->BER_encode());
  EXPECT_EQ(again->master_list, pki_->master_list);
  EXPECT_EQ(again->crl_rsa->BER_encode(), pki_->crl_rsa->BER_encode());
}

}  // namespace
}  // namespace docval::testpki
