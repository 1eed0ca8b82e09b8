// CMS SignedData (RFC 5652) as ICAO 9303 uses it: EF.SOD (LDS security object), EF.CardSecurity
// (SecurityInfos) and CSCA master lists.
//
// ParseSignedData() reads a ContentInfo { id-signedData, [0] SignedData } in BER — definite or
// indefinite lengths, constructed OCTET STRINGs for the encapsulated content — optionally wrapped
// in the [APPLICATION 23] ('77') tag of EF.SOD. It keeps what verification needs and nothing it
// would have to trust: the encapsulated content bytes, the embedded certificates (parsed once here
// by x509.h, so that finding the signer, budgeting its key and verifying it do not parse them again),
// the CRLs (raw DER), and each SignerInfo with its signed attributes re-encoded as the
// DER SET that the signature covers (RFC 5652 §5.4).
//
// VerifySignerInfo() checks one SignerInfo against a signer's SubjectPublicKeyInfo: the
// content-type attribute equals eContentType, the message-digest attribute equals the digest of
// the content under the SignerInfo's digest algorithm, and the signature over the signed attributes
// verifies under the SignerInfo's signature algorithm (RSA PKCS#1 v1.5, RSA-PSS with its
// parameters, ECDSA; see signature.h). Without signed attributes the signature is over the content.
#ifndef DOCVAL_VALIDATOR_EMRTD_CRYPTO_CMS_H_
#define DOCVAL_VALIDATOR_EMRTD_CRYPTO_CMS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/crypto/asn1_util.h"
#include "validator/emrtd/crypto/signature.h"
#include "validator/emrtd/crypto/x509.h"

namespace docval::emrtd::cms {

inline constexpr char kIdSignedData[] = "1.2.840.113549.1.7.2";
inline constexpr char kIdContentType[] = "1.2.840.113549.1.9.3";
inline constexpr char kIdMessageDigest[] = "1.2.840.113549.1.9.4";
inline constexpr char kIdSigningTime[] = "1.2.840.113549.1.9.5";

// SignerIdentifier: issuerAndSerialNumber or [0] subjectKeyIdentifier.
struct SignerIdentifier {
  std::optional<Bytes> issuer;  // the issuer Name, raw DER (compare with x509::NormalizeName)
  Bytes serial;                 // magnitude, big-endian, no leading zeros
  std::optional<Bytes> subject_key_identifier;
};

struct SignerInfo {
  int64_t version = 0;
  SignerIdentifier sid;
  asn1::AlgorithmIdentifier digest_algorithm;
  // DER of the signed attributes with the SET tag ('31'): the bytes the signature covers. Absent
  // when the SignerInfo has no signed attributes.
  std::optional<Bytes> signed_attributes;
  // Values of the well-known signed attributes, when present (each must be single-valued).
  std::optional<std::string> content_type;  // dotted OID
  std::optional<Bytes> message_digest;
  std::optional<int64_t> signing_time;  // Unix seconds
  asn1::AlgorithmIdentifier signature_algorithm;
  Bytes signature;
};

struct SignedData {
  int64_t version = 0;
  std::vector<asn1::AlgorithmIdentifier> digest_algorithms;
  std::string content_type;      // eContentType, dotted OID
  std::optional<Bytes> content;  // eContent (absent for detached signatures)
  // The X.509 certificates of the CertificateSet. Other CertificateChoices, and certificates that do
  // not parse, are left out: a SignerInfo naming one finds no certificate, which its verification
  // reports, rather than the whole object failing to parse.
  std::vector<x509::Certificate> certificates;
  std::vector<Bytes> crls;          // each a DER CertificateList
  std::vector<SignerInfo> signers;
};

// Parses a ContentInfo holding SignedData, optionally inside an [APPLICATION 23] wrapper.
// Trailing bytes after the outermost TLV are an error.
absl::StatusOr<SignedData> ParseSignedData(ByteSpan input);

// Checks `signer` of `data` with the signer's SubjectPublicKeyInfo (DER). OK when everything holds;
// kInvalidArgument for a malformed or unsupported structure or algorithm; kPermissionDenied
// ("signature does not verify", "message digest mismatch", "content type mismatch") when the
// signature is well formed but wrong.
absl::Status VerifySignerInfo(const SignedData& data, const SignerInfo& signer, ByteSpan signer_spki);
// The same with the signer's key already loaded.
absl::Status VerifySignerInfo(const SignedData& data, const SignerInfo& signer, const VerificationKey& signer_key);

}  // namespace docval::emrtd::cms

#endif  // DOCVAL_VALIDATOR_EMRTD_CRYPTO_CMS_H_
