// The test PKI: CSCAs, Document Signers, a CRL and a CSCA master list, generated deterministically from
// a seed (Botan's ChaCha generator, fixed validity dates, RFC 6979 ECDSA), so the same seed gives the
// same certificates byte for byte and tests need no key files.
//
// Contents (country "UT", organization "DocVal Test PKI"):
//   csca_rsa        RSA-2048 CSCA, self-signed (SHA-256), 2020-01-01 .. 2045-01-01
//   csca_ecdsa      ECDSA brainpoolP384r1 CSCA, self-signed (SHA-384)
//   rogue_csca      an RSA CSCA that no trust store holds (signs ds_untrusted)
//   ds_rsa          RSA-2048 DS under csca_rsa          (signs SODs with PKCS#1 v1.5 or PSS)
//   ds_ecdsa        ECDSA secp256r1 (NIST) DS under csca_ecdsa
//   ds_brainpool    ECDSA brainpoolP256r1 DS under csca_ecdsa
//   ds_expired      RSA DS under csca_rsa, valid 2015-01-01 .. 2018-01-01 only
//   ds_untrusted    RSA DS under rogue_csca
//   ds_revoked      RSA DS under csca_rsa, listed in crl_rsa
//   ml_signer       master list signer (ECDSA) under csca_ecdsa, EKU id-icao-cscaMasterListSigningKey
//   crl_rsa         csca_rsa's CRL (revokes ds_revoked as of 2024-06-01, before any SOD is signed),
//                   crl_ecdsa: csca_ecdsa's (empty); issued 2025-01-01, next update 2045-01-01
//   master_list     CMS over {csca_rsa, csca_ecdsa}, signed by ml_signer
// DS certificates carry keyUsage digitalSignature; CSCAs keyCertSign + cRLSign, basicConstraints CA.
#ifndef DOCVAL_TOOLS_TESTPKI_TEST_PKI_H_
#define DOCVAL_TOOLS_TESTPKI_TEST_PKI_H_

#include <chrono>
#include <memory>
#include <vector>
#include <string>

#include <botan/pk_keys.h>
#include <botan/x509_crl.h>
#include <botan/x509cert.h>

#include "absl/status/statusor.h"
#include "tools/testpki/cms_builder.h"
#include "tools/vchip/chip_rng.h"

namespace docval::testpki {

struct Credential {
  std::shared_ptr<Botan::Private_Key> key;
  std::shared_ptr<Botan::X509_Certificate> cert;
};

struct TestPki {
  Credential csca_rsa, csca_ecdsa, rogue_csca;
  Credential ds_rsa, ds_ecdsa, ds_brainpool, ds_expired, ds_untrusted, ds_revoked;
  Credential ml_signer;
  std::shared_ptr<Botan::X509_CRL> crl_rsa, crl_ecdsa;
  Bytes master_list;  // DER ContentInfo

  // A CMS signer for `ds` (scheme from its key type unless `pss`), signing time 2025-01-01.
  CmsSigner Signer(const Credential& ds, bool pss = false,
                   HashAlgorithm hash = HashAlgorithm::kSha256) const;
};

// A CRL v2 of `ca` with fixed dates: thisUpdate `issued`, nextUpdate `next`, each of `revoked` listed
// as of `revoked_at` (key compromise); authorityKeyIdentifier and cRLNumber 1. crl_rsa is one.
std::shared_ptr<Botan::X509_CRL> IssueCrl(const Credential& ca, const std::vector<const Credential*>& revoked,
                                          std::chrono::system_clock::time_point issued,
                                          std::chrono::system_clock::time_point next,
                                          std::chrono::system_clock::time_point revoked_at,
                                          Botan::RandomNumberGenerator& rng);

// Deterministic for a given seed. Takes a few seconds (RSA key generation).
absl::StatusOr<TestPki> GenerateTestPki(uint64_t seed);

// PEM of a certificate / CRL; DER of a private key (PKCS#8).
std::string CertPem(const Botan::X509_Certificate& cert);
std::string CrlPem(const Botan::X509_CRL& crl);
Bytes PrivateKeyPkcs8(const Botan::Private_Key& key);

}  // namespace docval::testpki

#endif  // DOCVAL_TOOLS_TESTPKI_TEST_PKI_H_
