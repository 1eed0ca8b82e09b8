#include "tools/testpki/test_pki.h"

#include <chrono>
#include <ctime>

#include <botan/ecdsa.h>
#include <botan/pem.h>
#include <botan/pkcs10.h>
#include <botan/pkcs8.h>
#include <botan/rsa.h>
#include <botan/x509_ca.h>
#include <botan/x509self.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace docval::testpki {
namespace {

std::chrono::system_clock::time_point Date(int year, int month, int day) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

Botan::X509_Cert_Options Options(const std::string& cn, std::chrono::system_clock::time_point from,
                                 std::chrono::system_clock::time_point to) {
  Botan::X509_Cert_Options opts;
  opts.common_name = cn;
  opts.country = "UT";
  opts.organization = "DocVal Test PKI";
  opts.start = Botan::X509_Time(from);
  opts.end = Botan::X509_Time(to);
  return opts;
}

std::shared_ptr<Botan::Private_Key> Rsa(Botan::RandomNumberGenerator& rng, size_t bits = 2048) {
  return std::make_shared<Botan::RSA_PrivateKey>(rng, bits);
}

std::shared_ptr<Botan::Private_Key> Ecdsa(Botan::RandomNumberGenerator& rng, const char* curve) {
  return std::make_shared<Botan::ECDSA_PrivateKey>(rng, Botan::EC_Group(curve));
}

std::string HashFor(const Botan::Private_Key& key) {
  if (key.algo_name() == "ECDSA") {
    const auto& ec = dynamic_cast<const Botan::ECDSA_PrivateKey&>(key);
    return ec.domain().get_p_bits() > 256 ? "SHA-384" : "SHA-256";
  }
  return "SHA-256";
}

Credential MakeCsca(Botan::RandomNumberGenerator& rng, std::shared_ptr<Botan::Private_Key> key, const std::string& cn) {
  Botan::X509_Cert_Options opts = Options(cn, Date(2020, 1, 1), Date(2045, 1, 1));
  opts.CA_key(0);
  opts.add_constraints(Botan::Key_Constraints(Botan::KEY_CERT_SIGN | Botan::CRL_SIGN));
  auto cert = std::make_shared<Botan::X509_Certificate>(
      Botan::X509::create_self_signed_cert(opts, *key, HashFor(*key), rng));
  return Credential{std::move(key), std::move(cert)};
}

Credential Issue(Botan::RandomNumberGenerator& rng, const Credential& ca, std::shared_ptr<Botan::Private_Key> key,
                 const std::string& cn, std::chrono::system_clock::time_point from,
                 std::chrono::system_clock::time_point to, const char* eku = nullptr) {
  Botan::X509_Cert_Options opts = Options(cn, from, to);
  opts.add_constraints(Botan::Key_Constraints(Botan::DIGITAL_SIGNATURE));
  if (eku != nullptr) opts.add_ex_constraint(Botan::OID(eku));
  Botan::PKCS10_Request req = Botan::X509::create_cert_req(opts, *key, HashFor(*key), rng);
  Botan::X509_CA x509_ca(*ca.cert, *ca.key, HashFor(*ca.key), rng);
  auto cert = std::make_shared<Botan::X509_Certificate>(
      x509_ca.sign_request(req, rng, Botan::X509_Time(from), Botan::X509_Time(to)));
  return Credential{std::move(key), std::move(cert)};
}

}  // namespace

CmsSigner TestPki::Signer(const Credential& ds, bool pss, HashAlgorithm hash) const {
  CmsSigner s;
  s.key = ds.key.get();
  s.cert = ds.cert.get();
  s.hash = hash;
  s.scheme = ds.key->algo_name() == "ECDSA" ? SignatureScheme::kEcdsa
                                            : (pss ? SignatureScheme::kRsaPss : SignatureScheme::kRsaPkcs1);
  s.signing_time = Date(2025, 1, 1);
  return s;
}

absl::StatusOr<TestPki> GenerateTestPki(uint64_t seed) {
  try {
    std::unique_ptr<vchip::ChipRandom> random = vchip::NewSeededRandom(seed ^ 0x7E57B1C1ULL);
    Botan::RandomNumberGenerator& rng = random->rng();
    TestPki pki;
    const auto from = Date(2020, 1, 1), to = Date(2045, 1, 1);
    pki.csca_rsa = MakeCsca(rng, Rsa(rng), "CSCA UT RSA");
    pki.csca_ecdsa = MakeCsca(rng, Ecdsa(rng, "brainpool384r1"), "CSCA UT ECDSA");
    pki.rogue_csca = MakeCsca(rng, Rsa(rng), "CSCA UT ROGUE");
    pki.ds_rsa = Issue(rng, pki.csca_rsa, Rsa(rng), "DS UT RSA", from, to);
    pki.ds_ecdsa = Issue(rng, pki.csca_ecdsa, Ecdsa(rng, "secp256r1"), "DS UT ECDSA P-256", from, to);
    pki.ds_brainpool = Issue(rng, pki.csca_ecdsa, Ecdsa(rng, "brainpool256r1"), "DS UT ECDSA BP256", from, to);
    pki.ds_expired = Issue(rng, pki.csca_rsa, Rsa(rng), "DS UT EXPIRED", Date(2015, 1, 1), Date(2018, 1, 1));
    pki.ds_untrusted = Issue(rng, pki.rogue_csca, Rsa(rng), "DS UT UNTRUSTED", from, to);
    pki.ds_revoked = Issue(rng, pki.csca_rsa, Rsa(rng), "DS UT REVOKED", from, to);
    pki.ml_signer = Issue(rng, pki.csca_ecdsa, Ecdsa(rng, "brainpool256r1"), "ML SIGNER UT", from, to,
                          "2.23.136.1.1.3");

    const auto crl_time = Date(2025, 1, 1);
    const std::chrono::seconds next(std::chrono::hours(24 * 365 * 20));
    {
      Botan::X509_CA ca(*pki.csca_rsa.cert, *pki.csca_rsa.key, "SHA-256", rng);
      Botan::X509_CRL empty = ca.new_crl(rng, crl_time, next);
      pki.crl_rsa = std::make_shared<Botan::X509_CRL>(ca.update_crl(
          empty, {Botan::CRL_Entry(*pki.ds_revoked.cert, Botan::CRL_Code::KEY_COMPROMISE)}, rng, crl_time, next));
    }
    {
      Botan::X509_CA ca(*pki.csca_ecdsa.cert, *pki.csca_ecdsa.key, "SHA-384", rng);
      pki.crl_ecdsa = std::make_shared<Botan::X509_CRL>(ca.new_crl(rng, crl_time, next));
    }
    CmsSigner ml = pki.Signer(pki.ml_signer);
    absl::StatusOr<Bytes> list = BuildMasterList({*pki.csca_rsa.cert, *pki.csca_ecdsa.cert}, ml, rng);
    if (!list.ok()) return list.status();
    pki.master_list = std::move(*list);
    return pki;
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("test PKI: ", e.what()));
  }
}

std::string CertPem(const Botan::X509_Certificate& cert) { return cert.PEM_encode(); }
std::string CrlPem(const Botan::X509_CRL& crl) { return crl.PEM_encode(); }
Bytes PrivateKeyPkcs8(const Botan::Private_Key& key) {
  Botan::secure_vector<uint8_t> der = Botan::PKCS8::BER_encode(key);
  return Bytes(der.begin(), der.end());
}

}  // namespace docval::testpki
