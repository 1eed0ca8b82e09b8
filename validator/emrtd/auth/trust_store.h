// TrustStore: the CSCA certificates and CRLs that Passive Authentication trusts — an immutable
// snapshot, built once and shared by every session (const methods only, safe across threads).
//
// Sources:
// - certificate files: DER, or PEM with one or more CERTIFICATE blocks;
// - CSCA master lists (ICAO 9303-12 §8: CMS SignedData, eContentType id-icao-cscaMasterList
//   2.23.136.1.1.2, content CscaMasterList { version, certList SET OF Certificate }). When the list
//   carries a SignerInfo, its signature must verify with the Master List Signer certificate embedded in
//   the CMS, and that signer must be issued (signature-checked) by a CSCA of the list itself or one
//   already trusted; otherwise the list is refused. A list without a signer is accepted with a warning;
//   only the certificates of the content are trusted, never the CMS's own certificate set.
// - CRL files (DER or PEM). A CRL is used only when a trusted CSCA of its issuer name verifies its
//   signature; other CRLs are kept out with a warning. A listed certificate counts as revoked from
//   its entry's revocationDate on: at an earlier validation time it is not revoked (a note says it
//   was revoked later). When every CRL of the issuer has a nextUpdate before the validation time, the
//   CRL has expired: a note (CrlExpiredPolicy::kWarn) or a chain failure (kFail), docs/authentication.md.
// AddAny() recognises content of unknown kind (certificate, master list, CRL — in that order).
// Each certificate's public key is loaded for verification once, when the snapshot is built
// (signature.h VerificationKey: for RSA the Montgomery parameters of the modulus, a few KB per key),
// so sessions verify their Document Signer without loading the CSCA key again.
// Every certificate of the store is a trust anchor (self-signed CSCAs and link certificates alike:
// both come from the operator's configuration or a verified master list). An error names the origin
// the caller gave and the reason.
//
// The core reads no files and takes no lock: reading the configured files and folders, and reloading
// them into a new snapshot, belong to the validator's adapter (validator/trust/). Sessions keep the
// snapshot they started with.
#ifndef DOCVAL_VALIDATOR_EMRTD_AUTH_TRUST_STORE_H_
#define DOCVAL_VALIDATOR_EMRTD_AUTH_TRUST_STORE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/crypto/cms.h"
#include "validator/emrtd/crypto/signature.h"
#include "validator/emrtd/crypto/x509.h"

namespace docval::emrtd {

inline constexpr char kIdCscaMasterList[] = "2.23.136.1.1.2";

// What an expired CRL (nextUpdate before the validation time) does to a chain: a note beside a valid
// verdict (kWarn), or an invalid chain (kFail). Configuration key trust.crl_expired.
enum class CrlExpiredPolicy { kWarn, kFail };

// The outcome of checking a Document Signer (or any end-entity) certificate against the store.
struct ChainVerdict {
  bool valid = false;
  // Why not, for passive_authentication_details.error; empty when valid.
  std::string error;
  // The trusted certificate that issued the leaf, when one verified its signature.
  std::optional<x509::Certificate> issuer;
  // What the verdict tolerated (an expired CRL under kWarn, a revocation after the validation time),
  // for passive_authentication_details.notes.
  std::vector<std::string> notes;
};

class TrustStore {
 public:
  class Builder {
   public:
    // `origin` names the source in errors ("csca/de.pem", "ML 2024-01").
    absl::Status AddCertificates(ByteSpan content, absl::string_view origin);
    absl::Status AddCertificate(const x509::Certificate& cert);
    absl::Status AddMasterList(ByteSpan content, absl::string_view origin);
    absl::Status AddCrls(ByteSpan content, absl::string_view origin);
    // Content of unknown kind: certificate(s), else master list, else CRL(s).
    absl::Status AddAny(ByteSpan content, absl::string_view origin);
    void SetCrlExpiredPolicy(CrlExpiredPolicy policy) { crl_expired_ = policy; }
    // Verifies the CRLs against the certificates and freezes the snapshot.
    std::shared_ptr<const TrustStore> Build() &&;

   private:
    std::vector<x509::Certificate> certs_;
    std::vector<std::pair<x509::Crl, std::string>> crls_;
    std::vector<std::string> warnings_;
    CrlExpiredPolicy crl_expired_ = CrlExpiredPolicy::kWarn;
  };

  size_t size() const { return certs_.size(); }
  const std::vector<x509::Certificate>& certificates() const { return certs_; }
  size_t crl_count() const { return crls_.size(); }
  // Things that did not stop loading but an operator should see (unsigned master list, unverifiable CRL).
  const std::vector<std::string>& warnings() const { return warnings_; }

  // When the store next loses a certificate: the earliest notAfter among the certificates still valid
  // at `unix_seconds` (notAfter at or after it); none when there is no such certificate. Certificates
  // already expired are left out, because master lists keep expired CSCAs for years and they would pin
  // the answer in the past. The times are sorted when the snapshot is built: no clock is read here.
  std::optional<int64_t> EarliestExpiryAfter(int64_t unix_seconds) const;
  // When the first issuer's revocation information expires: for each issuer, its verified CRL with the
  // latest nextUpdate (an older CRL beside a newer one does not count, as in Verify()); the earliest of
  // these. An issuer with a CRL without nextUpdate never expires. None without such CRLs. A value
  // before the validation time means Verify() handles that issuer's CRL as expired (CrlExpiredPolicy).
  std::optional<int64_t> earliest_crl_next_update() const { return earliest_crl_next_update_; }

  // Trusted certificates whose subject is `cert`'s issuer (and whose key identifier matches its
  // authority key identifier when both are present).
  std::vector<x509::Certificate> CandidateIssuers(const x509::Certificate& cert) const;

  // Checks `leaf` at `unix_seconds`: a trusted certificate of its issuer name verifies its signature,
  // that issuer is a CA valid at that time, the leaf is valid at that time, neither has an unknown
  // critical extension, and no verified CRL of the issuer lists the leaf as revoked at that time; an
  // expired CRL is handled by the store's CrlExpiredPolicy.
  ChainVerdict Verify(const x509::Certificate& leaf, int64_t unix_seconds) const;

 private:
  TrustStore() = default;
  // The CRL part of Verify(): revocation at `unix_seconds` and the expired-CRL policy.
  void CheckRevocation(const x509::Certificate& leaf, int64_t unix_seconds, ChainVerdict& verdict) const;
  // Indices in certs_ of CandidateIssuers().
  std::vector<size_t> CandidateIndices(const x509::Certificate& cert) const;
  std::vector<x509::Certificate> certs_;
  std::vector<std::shared_ptr<const VerificationKey>> keys_;  // certs_[i]'s key; null when it does not load
  std::multimap<std::string, size_t> by_subject_;  // normalised subject -> index in certs_
  std::vector<x509::Crl> crls_;                    // verified CRLs only
  std::vector<int64_t> not_after_;                 // certs_' notAfter, ascending
  std::optional<int64_t> earliest_crl_next_update_;
  std::vector<std::string> warnings_;
  CrlExpiredPolicy crl_expired_ = CrlExpiredPolicy::kWarn;
};

// The certificate that `signer` identifies (by subject key identifier, or by issuer and serial number
// with the issuer names compared after normalisation): among the CMS's own certificates first, then
// among `more` when given (a trust store's). Passive Authentication finds the Document Signer so, the
// master-list check the Master List Signer (embedded certificates only).
std::optional<x509::Certificate> FindSignerCertificate(const cms::SignedData& sd, const cms::SignerInfo& signer,
                                                       const std::vector<x509::Certificate>* more = nullptr);

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_AUTH_TRUST_STORE_H_
