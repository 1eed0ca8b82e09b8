#include "tools/testpki/test_pki.h"

#include <chrono>
#include <ctime>

#include <botan/der_enc.h>
#include <botan/ecdsa.h>
#include <botan/pubkey.h>
#include <botan/x509_ext.h>
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

// A CRL v2 with fixed dates (Botan's X509_CA stamps entries with the current time): thisUpdate
// `issued`, nextUpdate `next`, each entry revoked at `revoked_at` for key compromise, extensions
// authorityKeyIdentifier and cRLNumber 1.
std::shared_ptr<Botan::X509_CRL> IssueCrl(const Credential& ca, const std::vector<const Credential*>& revoked,
                                          std::chrono::system_clock::time_point issued,
                                          std::chrono::system_clock::time_point next,
                                          std::chrono::system_clock::time_point revoked_at,
                                          Botan::RandomNumberGenerator& rng) {
  Botan::AlgorithmIdentifier sig_algo;
  std::unique_ptr<Botan::PK_Signer> signer =
      Botan::X509_Object::choose_sig_format(sig_algo, *ca.key, rng, HashFor(*ca.key), "");
  Botan::Extensions crl_exts;
  crl_exts.add(new Botan::Cert_Extension::Authority_Key_ID(ca.cert->subject_key_id()));
  crl_exts.add(new Botan::Cert_Extension::CRL_Number(1));
  Botan::secure_vector<uint8_t> tbs;
  Botan::DER_Encoder enc(tbs);
  enc.start_cons(Botan::SEQUENCE)
      .encode(size_t{1})
      .encode(sig_algo)
      .encode(ca.cert->subject_dn())
      .encode(Botan::X509_Time(issued))
      .encode(Botan::X509_Time(next));
  if (!revoked.empty()) {
    enc.start_cons(Botan::SEQUENCE);
    for (const Credential* c : revoked) {
      Botan::Extensions entry_exts;
      entry_exts.add(new Botan::Cert_Extension::CRL_ReasonCode(Botan::CRL_Code::KEY_COMPROMISE));
      enc.start_cons(Botan::SEQUENCE)
          .encode(Botan::BigInt::decode(c->cert->serial_number()))
          .encode(Botan::X509_Time(revoked_at))
          .start_cons(Botan::SEQUENCE)
          .encode(entry_exts)  // Botan encodes the extensions without their SEQUENCE
          .end_cons()
          .end_cons();
    }
    enc.end_cons();
  }
  enc.start_explicit(0).start_cons(Botan::SEQUENCE).encode(crl_exts).end_cons().end_explicit().end_cons();
  std::vector<uint8_t> der = Botan::X509_Object::make_signed(signer.get(), rng, sig_algo, tbs);
  return std::make_shared<Botan::X509_CRL>(der);
}

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

    const auto crl_time = Date(2025, 1, 1), next = Date(2045, 1, 1), revoked_at = Date(2024, 6, 1);
    pki.crl_rsa = IssueCrl(pki.csca_rsa, {&pki.ds_revoked}, crl_time, next, revoked_at, rng);
    pki.crl_ecdsa = IssueCrl(pki.csca_ecdsa, {}, crl_time, next, revoked_at, rng);
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
