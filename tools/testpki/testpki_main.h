// `docval testpki --out DIR [--seed N]`: writes the test PKI and the ready virtual passports.
//
//   DIR/csca/            trusted CSCA certificates (PEM): csca_rsa.pem, csca_ecdsa.pem
//   DIR/crl/             their CRLs, DER (.crl) and PEM (.crl.pem); csca_rsa's revokes ds_revoked
//   DIR/masterlist/      masterlist.der (CMS, eContentType 2.23.136.1.1.2) and ml_signer.pem
//   DIR/ds/              every Document Signer certificate (PEM), including the faulty ones
//   DIR/untrusted/       rogue_csca.pem: the CSCA of ds_untrusted, in no trust store
//   DIR/profiles/        one <name>.json per virtual passport (vchip::ChipProfile), with its expectation
//   DIR/README.md        what each profile is and what the reader must conclude
// Deterministic: the same seed writes the same bytes. Returns 0 on success, 2 on bad arguments, 1 on
// failure (message on stderr).
#ifndef DOCVAL_TOOLS_TESTPKI_TESTPKI_MAIN_H_
#define DOCVAL_TOOLS_TESTPKI_TESTPKI_MAIN_H_

namespace docval::testpki {

int TestPkiMain(int argc, char** argv);

}  // namespace docval::testpki

#endif  // DOCVAL_TOOLS_TESTPKI_TESTPKI_MAIN_H_
