// X.509 certificates and CRLs of the eMRTD PKI (ICAO 9303-12): CSCA (self-signed and link
// certificates), Document Signers, Master List Signers, and CSCA CRLs.
//
// Certificate and Crl are immutable values, cheap to copy (shared), safe to share across threads.
// They expose what path validation needs in the project's own types; the Botan objects stay inside.
//
// Names are compared after normalisation (NormalizeName): each attribute becomes
// "<oid>=<value>" with the value's string type dropped, case folded (ASCII), and runs of whitespace
// collapsed and trimmed; the attributes are then sorted. So a SignerInfo issuer encoded as
// PrintableString matches a certificate issuer in UTF8String, and RDN order or case differences do
// not break the match (the public key signature decides trust, never the name alone).
#ifndef DOCVAL_VALIDATOR_EMRTD_CRYPTO_X509_H_
#define DOCVAL_VALIDATOR_EMRTD_CRYPTO_X509_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "validator/emrtd/bytes.h"

namespace docval::emrtd {
class VerificationKey;
}  // namespace docval::emrtd

namespace docval::emrtd::x509 {

// Normalised form of a DER Name (see above). Errors for malformed names.
absl::StatusOr<std::string> NormalizeName(ByteSpan name_der);

class Certificate {
 public:
  // One DER certificate; trailing bytes are an error.
  static absl::StatusOr<Certificate> FromDer(ByteSpan der);
  // A file's content: one DER certificate, or any number (>= 1) of PEM "CERTIFICATE" blocks.
  static absl::StatusOr<std::vector<Certificate>> ParseFile(ByteSpan content);

  const Bytes& der() const;
  // Normalised subject / issuer (NormalizeName) and a readable form for messages ("C=DE, CN=...").
  const std::string& subject() const;
  const std::string& issuer() const;
  std::string SubjectText() const;
  std::string IssuerText() const;
  // Serial number magnitude, big-endian, no leading zeros.
  const Bytes& serial() const;
  // Empty when the extension is absent.
  const Bytes& subject_key_id() const;
  const Bytes& authority_key_id() const;
  // Validity, Unix seconds.
  int64_t not_before() const;
  int64_t not_after() const;
  bool ValidAt(int64_t unix_seconds) const { return not_before() <= unix_seconds && unix_seconds <= not_after(); }
  // basicConstraints cA=TRUE (and keyCertSign when keyUsage is present).
  bool is_ca() const;
  bool is_self_issued() const { return subject() == issuer(); }
  // An extension marked critical that this code does not know (RFC 5280 §4.2: reject).
  bool has_unknown_critical_extension() const;
  // The DER SubjectPublicKeyInfo.
  const Bytes& spki() const;
  // SHA-256 of der(): identity for de-duplication.
  const Bytes& fingerprint() const;

  // Whether `issuer`'s public key verifies this certificate's signature (any algorithm of
  // signature.h, SHA-1 included: ICAO chains still use it). Errors for unusable keys/algorithms.
  absl::StatusOr<bool> IsSignedBy(const Certificate& issuer) const;
  // The same with the issuer's key already loaded (signature.h VerificationKey).
  absl::StatusOr<bool> IsSignedBy(const VerificationKey& issuer_key) const;

  bool operator==(const Certificate& o) const { return fingerprint() == o.fingerprint(); }

  struct Impl;  // opaque

 private:
  explicit Certificate(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

class Crl {
 public:
  static absl::StatusOr<Crl> FromDer(ByteSpan der);
  // One DER CRL, or PEM "X509 CRL" blocks.
  static absl::StatusOr<std::vector<Crl>> ParseFile(ByteSpan content);

  const std::string& issuer() const;  // normalised
  std::string IssuerText() const;
  int64_t this_update() const;
  // 0 when absent.
  int64_t next_update() const;
  // Whether the CRL lists `cert` (by serial number; the caller matches the issuer).
  bool Lists(const Certificate& cert) const;
  // The revocationDate of `cert`'s entry (Unix seconds); nullopt when not listed.
  std::optional<int64_t> RevocationTime(const Certificate& cert) const;
  absl::StatusOr<bool> IsSignedBy(const Certificate& issuer) const;

  struct Impl;  // opaque

 private:
  explicit Crl(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace docval::emrtd::x509

#endif  // DOCVAL_VALIDATOR_EMRTD_CRYPTO_X509_H_
