#include "validator/emrtd/crypto/x509.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "validator/emrtd/testing/vectors.h"
#include "validator/emrtd/tlv.h"

namespace docval::emrtd::x509 {
namespace {

using testing::ReadPki;

// Fixtures made by testdata/pki/make_pki.py (Python `cryptography`, fixed dates).
Certificate Load(const std::string& name) {
  absl::StatusOr<Certificate> c = Certificate::FromDer(ReadPki(name));
  EXPECT_TRUE(c.ok()) << name << ": " << c.status();
  return *c;
}

constexpr int64_t k2020 = 1577836800;  // 2020-01-01T00:00:00Z
constexpr int64_t k2024 = 1704067200;
constexpr int64_t k2036 = 2082758400;
constexpr int64_t k2045 = 2366841600;

TEST(Certificate, ParsesFields) {
  Certificate csca = Load("csca_rsa.der");
  Certificate ds = Load("ds_rsa.der");
  EXPECT_EQ(csca.SubjectText(), "C=UT, O=DocVal Test, CN=CSCA RSA");
  EXPECT_EQ(ds.IssuerText(), "C=UT, O=DocVal Test, CN=CSCA RSA");
  EXPECT_EQ(ds.issuer(), csca.subject());
  EXPECT_NE(ds.subject(), csca.subject());
  EXPECT_TRUE(csca.is_self_issued());
  EXPECT_TRUE(csca.is_ca());
  EXPECT_FALSE(ds.is_ca());
  EXPECT_EQ(csca.not_before(), k2020);
  EXPECT_EQ(csca.not_after(), k2045);
  EXPECT_EQ(ds.not_before(), k2024);
  EXPECT_EQ(ds.not_after(), k2036);
  EXPECT_TRUE(ds.ValidAt(k2024));
  EXPECT_FALSE(ds.ValidAt(k2024 - 1));
  EXPECT_FALSE(ds.ValidAt(k2036 + 1));
  EXPECT_EQ(csca.subject_key_id().size(), 20u);
  EXPECT_EQ(ds.authority_key_id(), csca.subject_key_id());
  EXPECT_FALSE(ds.serial().empty());
  EXPECT_EQ(ds.spki()[0], 0x30);
  EXPECT_FALSE(ds.has_unknown_critical_extension());
  EXPECT_TRUE(Load("ds_critical.der").has_unknown_critical_extension());
}

TEST(Certificate, SignatureChecks) {
  Certificate csca = Load("csca_rsa.der");
  Certificate rogue = Load("csca_rogue.der");
  EXPECT_EQ(*Load("ds_rsa.der").IsSignedBy(csca), true);
  EXPECT_EQ(*Load("ds_rsa.der").IsSignedBy(rogue), false);  // same name, other key
  EXPECT_EQ(*csca.IsSignedBy(csca), true);
  // ECDSA (brainpoolP256r1) CSCA over a P-256 DS.
  EXPECT_EQ(*Load("ds_ec.der").IsSignedBy(Load("csca_ec.der")), true);
  // SHA-1 signed chain (still in the field).
  EXPECT_EQ(*Load("ds_sha1.der").IsSignedBy(Load("csca_sha1.der")), true);
  // RSA-PSS signed certificate.
  EXPECT_EQ(*Load("ds_pss_cert.der").IsSignedBy(csca), true);
  // Link certificate: new CSCA key, signed by the old one.
  Certificate link = Load("link_rsa_new_by_old.der");
  EXPECT_EQ(*link.IsSignedBy(csca), true);
  EXPECT_EQ(*Load("ds_new.der").IsSignedBy(link), true);
  EXPECT_EQ(*Load("ds_new.der").IsSignedBy(csca), false);
}

TEST(Certificate, ParseFilePemBundleAndDer) {
  absl::StatusOr<std::vector<Certificate>> pem = Certificate::ParseFile(ReadPki("csca_bundle.pem"));
  ASSERT_TRUE(pem.ok()) << pem.status();
  ASSERT_EQ(pem->size(), 2u);
  EXPECT_EQ((*pem)[0], Load("csca_rsa.der"));
  EXPECT_EQ((*pem)[1], Load("csca_ec.der"));
  absl::StatusOr<std::vector<Certificate>> der = Certificate::ParseFile(ReadPki("csca_rsa.der"));
  ASSERT_TRUE(der.ok());
  ASSERT_EQ(der->size(), 1u);
}

TEST(Certificate, RejectsGarbage) {
  Bytes der = ReadPki("ds_rsa.der");
  for (size_t n : {size_t{0}, size_t{5}, der.size() / 2, der.size() - 1}) {
    EXPECT_FALSE(Certificate::FromDer(ByteSpan(der).subspan(0, n)).ok()) << n;
  }
  std::string not_pem = "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n";
  EXPECT_FALSE(Certificate::ParseFile(AsSpan(not_pem)).ok());
}

TEST(Crl, ParsesAndMatches) {
  absl::StatusOr<std::vector<Crl>> crls = Crl::ParseFile(ReadPki("crl_rsa.pem"));
  ASSERT_TRUE(crls.ok()) << crls.status();
  ASSERT_EQ(crls->size(), 1u);
  const Crl& crl = (*crls)[0];
  Certificate csca = Load("csca_rsa.der");
  EXPECT_EQ(crl.issuer(), csca.subject());
  EXPECT_EQ(crl.this_update(), 1767225600);  // 2026-01-01
  EXPECT_EQ(crl.next_update(), 1798761600);  // 2027-01-01
  EXPECT_TRUE(crl.Lists(Load("ds_revoked.der")));
  EXPECT_FALSE(crl.Lists(Load("ds_rsa.der")));
  EXPECT_EQ(*crl.IsSignedBy(csca), true);
  EXPECT_EQ(*crl.IsSignedBy(Load("csca_rogue.der")), false);

  absl::StatusOr<Crl> rogue = Crl::FromDer(ReadPki("crl_rogue.der"));
  ASSERT_TRUE(rogue.ok());
  EXPECT_TRUE(rogue->Lists(Load("ds_rsa.der")));
  EXPECT_EQ(*rogue->IsSignedBy(csca), false);
}

TEST(NormalizeName, IgnoresStringTypeCaseSpacingAndOrder) {
  // {C=DE (PrintableString), CN=" Csca  Test " (UTF8String)} vs {CN="CSCA TEST" (PrintableString), C=de}.
  Bytes name_a = EncodeTlv(
      0x30,
      Concat({EncodeTlv(0x31,
                        EncodeTlv(0x30, Concat({HexOrDie("0603550406"), EncodeTlv(0x13, AsSpan(std::string("DE")))}))),
              EncodeTlv(0x31, EncodeTlv(0x30, Concat({HexOrDie("0603550403"),
                                                      EncodeTlv(0x0C, AsSpan(std::string(" Csca  Test ")))})))}));
  Bytes name_b = EncodeTlv(
      0x30, Concat({EncodeTlv(0x31, EncodeTlv(0x30, Concat({HexOrDie("0603550403"),
                                                            EncodeTlv(0x13, AsSpan(std::string("CSCA TEST")))}))),
                    EncodeTlv(0x31, EncodeTlv(0x30, Concat({HexOrDie("0603550406"),
                                                            EncodeTlv(0x0C, AsSpan(std::string("de")))})))}));
  Bytes name_c = EncodeTlv(
      0x30, Concat({EncodeTlv(0x31, EncodeTlv(0x30, Concat({HexOrDie("0603550403"),
                                                            EncodeTlv(0x13, AsSpan(std::string("CSCA TEST 2")))}))),
                    EncodeTlv(0x31, EncodeTlv(0x30, Concat({HexOrDie("0603550406"),
                                                            EncodeTlv(0x0C, AsSpan(std::string("de")))})))}));
  absl::StatusOr<std::string> na = NormalizeName(name_a);
  absl::StatusOr<std::string> nb = NormalizeName(name_b);
  absl::StatusOr<std::string> nc = NormalizeName(name_c);
  ASSERT_TRUE(na.ok() && nb.ok() && nc.ok());
  EXPECT_EQ(*na, *nb);
  EXPECT_NE(*na, *nc);
  EXPECT_FALSE(NormalizeName(HexOrDie("3003310130")).ok());
}

}  // namespace
}  // namespace docval::emrtd::x509
