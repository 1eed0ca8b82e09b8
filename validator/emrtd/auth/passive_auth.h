// Passive Authentication (ICAO 9303-11 §5.1): proves that the data groups read are those the issuing
// state signed. Produces the `sod_info`, `passive_authentication` and
// `passive_authentication_details` parts of the result (docs/protocol.md §2).
//
// Three checks, each reported on its own:
// 1. sod_signature_valid — EF.SOD's CMS SignerInfo verifies (signed attributes, message digest,
//    content type, signature algorithm of the SignerInfo) with the Document Signer certificate found
//    by issuer and serial number (issuer names compared after normalisation) or by subject key
//    identifier, among the SOD's certificates first, then the trust store's.
// 2. document_certificate_valid — that certificate chains to a trusted CSCA (TrustStore::Verify):
//    signature, CA, validity, unknown critical extensions, CRLs. The validation time is the SOD's
//    signing-time attribute when present and not after `now` (a document stays valid after its DS
//    certificate's private-key period ended), otherwise `now`. Without a trust store the chain cannot
//    be established and is reported invalid.
// 3. Hashes — each data group read is hashed (over the raw bytes read) with the SOD's algorithm and
//    compared with the SOD. data_groups_checked lists every data group given (ascending); a data group
//    the SOD does not list fails. all_hashes_valid: at least one was checked and all match.
// passive_authentication is the conjunction of the three. `error` is null when it holds, otherwise the
// reasons, "; "-joined, in the order above. `notes` says what was tolerated: an EF.SOD with
// eContentType id-data (lds/sod.h), the CRL notes of the chain (TrustStore::Verify).
#ifndef DOCVAL_VALIDATOR_EMRTD_AUTH_PASSIVE_AUTH_H_
#define DOCVAL_VALIDATOR_EMRTD_AUTH_PASSIVE_AUTH_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "validator/emrtd/auth/trust_store.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/crypto/cms.h"
#include "validator/emrtd/crypto/key_cache.h"
#include "validator/emrtd/lds/sod.h"
#include "validator/emrtd/limits.h"
#include "validator/emrtd/result.h"

namespace docval::emrtd {

struct PassiveAuthResult {
  std::optional<SodInfo> sod_info;  // null when EF.SOD could not be parsed
  bool passive_authentication = false;
  PassiveAuthenticationDetails details;
  // The Document Signer certificate used, when found.
  std::optional<x509::Certificate> document_signer;

  // Whether data group `dg` is vouched for by the issuing state: SOD signature and chain valid, and
  // this data group's hash matches. This is what binds a DG14/DG15 key for Chip/Active Authentication.
  bool Binds(int dg) const;
};

// `data_groups`: data-group number -> the raw bytes read.
// `signer_keys` (may be null): Document Signer keys kept across sessions (crypto/key_cache.h); the
// verdict is the same with or without it.
PassiveAuthResult VerifyPassiveAuthentication(const Sod& sod, const std::map<int, Bytes>& data_groups,
                                              const TrustStore* trust_store, int64_t now_unix_seconds,
                                              VerificationKeyCache* signer_keys = nullptr);
// Same, from EF.SOD's bytes (a parse failure is reported in details.error with sod_info null).
PassiveAuthResult VerifyPassiveAuthentication(ByteSpan ef_sod, const std::map<int, Bytes>& data_groups,
                                              const TrustStore* trust_store, int64_t now_unix_seconds);

// Checks 1 and 2 above for any signed object of the document PKI (EF.SOD, EF.CardSecurity): the
// single SignerInfo verifies with its Document Signer certificate, and that certificate chains to the
// trust store at the signing time (or `now`). The signer's key comes from `signer_keys` when it holds
// the certificate's (KeyOfCertificate); a key loaded here is offered to it when the object is valid.
struct SignedObjectVerdict {
  bool signature_valid = false;
  bool certificate_valid = false;
  std::vector<std::string> errors;
  std::vector<std::string> notes;  // ChainVerdict::notes
  std::optional<x509::Certificate> document_signer;
  bool valid() const { return signature_valid && certificate_valid; }
};
SignedObjectVerdict VerifySignedObject(const cms::SignedData& signed_data, const TrustStore* trust_store,
                                       int64_t now_unix_seconds, VerificationKeyCache* signer_keys = nullptr);

// The budget of the Document Signer key of `signed_data` (crypto/signature.h CheckChipKeyBudget with
// `limits`) when its certificate came with the object, i.e. the chip chose it: LimitExceeded over the
// budget. OK when the certificate comes from the trust store or is not found (VerifySignedObject
// reports that). Call it before VerifySignedObject: that is where a big key would cost.
absl::Status CheckSignerKeyBudget(const cms::SignedData& signed_data, const TrustStore* trust_store,
                                  const SessionLimits& limits);

// SodInfo of a parsed SOD (hash algorithm name, hashes in ascending data-group order).
SodInfo SodInfoOf(const Sod& sod);

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_AUTH_PASSIVE_AUTH_H_
