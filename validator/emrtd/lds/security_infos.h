// SecurityInfos (ICAO 9303-11 §9.2, BSI TR-03110-3 A.1): the DER `SET OF SecurityInfo` found in
// EF.CardAccess (plain, unsigned), EF.CardSecurity (the eContent of its CMS SignedData; the CMS is
// handled elsewhere) and DG14 (inside the application tag '6E').
//
//   SecurityInfo ::= SEQUENCE { protocol OBJECT IDENTIFIER, requiredData ANY, optionalData ANY OPTIONAL }
//
// Known entries are decoded into typed structs; every entry keeps its raw DER. Unknown and
// proprietary entries (CardInfoLocator, PrivilegedTerminalInfo, RestrictedIdentification, vendor
// OIDs, ...) are kept as OID + raw DER in `others`. An entry with a known protocol OID whose content
// does not have the expected form is not an error either: it lands in `others` with `malformed` set,
// so one odd entry cannot prevent access control with the others (an element that is not even a
// SEQUENCE starting with an OID is kept the same way, with an empty protocol). Only a broken outer
// structure (not a SET, TLV framing that runs past its end) is an error (kInvalidArgument).
//
// OIDs are dotted strings ("0.4.0.127.0.7.2.2.4.2.2"; crypto/asn1_util.h encodes and decodes them).
// Integers (version, parameterId, keyId) are decoded when they fit in 63 bits; a larger or negative
// value makes the entry malformed.
#ifndef DOCVAL_VALIDATOR_EMRTD_LDS_SECURITY_INFOS_H_
#define DOCVAL_VALIDATOR_EMRTD_LDS_SECURITY_INFOS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/crypto/cipher.h"
#include "validator/emrtd/limits.h"

namespace docval::emrtd {

// Object identifiers of ICAO 9303-11 and BSI TR-03110-3 (bsi-de = 0.4.0.127.0.7).
namespace oid {
// PACE (id-PACE = bsi-de.2.2.4). The last arc: 1 3DES-CBC-CBC, 2 AES-CBC-CMAC-128, 3 -192, 4 -256.
inline constexpr char kPace[] = "0.4.0.127.0.7.2.2.4";
inline constexpr char kPaceDhGm[] = "0.4.0.127.0.7.2.2.4.1";
inline constexpr char kPaceDhGm3Des[] = "0.4.0.127.0.7.2.2.4.1.1";
inline constexpr char kPaceDhGmAes128[] = "0.4.0.127.0.7.2.2.4.1.2";
inline constexpr char kPaceDhGmAes192[] = "0.4.0.127.0.7.2.2.4.1.3";
inline constexpr char kPaceDhGmAes256[] = "0.4.0.127.0.7.2.2.4.1.4";
inline constexpr char kPaceEcdhGm[] = "0.4.0.127.0.7.2.2.4.2";
inline constexpr char kPaceEcdhGm3Des[] = "0.4.0.127.0.7.2.2.4.2.1";
inline constexpr char kPaceEcdhGmAes128[] = "0.4.0.127.0.7.2.2.4.2.2";
inline constexpr char kPaceEcdhGmAes192[] = "0.4.0.127.0.7.2.2.4.2.3";
inline constexpr char kPaceEcdhGmAes256[] = "0.4.0.127.0.7.2.2.4.2.4";
inline constexpr char kPaceDhIm[] = "0.4.0.127.0.7.2.2.4.3";
inline constexpr char kPaceDhIm3Des[] = "0.4.0.127.0.7.2.2.4.3.1";
inline constexpr char kPaceDhImAes128[] = "0.4.0.127.0.7.2.2.4.3.2";
inline constexpr char kPaceDhImAes192[] = "0.4.0.127.0.7.2.2.4.3.3";
inline constexpr char kPaceDhImAes256[] = "0.4.0.127.0.7.2.2.4.3.4";
inline constexpr char kPaceEcdhIm[] = "0.4.0.127.0.7.2.2.4.4";
inline constexpr char kPaceEcdhIm3Des[] = "0.4.0.127.0.7.2.2.4.4.1";
inline constexpr char kPaceEcdhImAes128[] = "0.4.0.127.0.7.2.2.4.4.2";
inline constexpr char kPaceEcdhImAes192[] = "0.4.0.127.0.7.2.2.4.4.3";
inline constexpr char kPaceEcdhImAes256[] = "0.4.0.127.0.7.2.2.4.4.4";
inline constexpr char kPaceEcdhCam[] = "0.4.0.127.0.7.2.2.4.6";
inline constexpr char kPaceEcdhCamAes128[] = "0.4.0.127.0.7.2.2.4.6.2";
inline constexpr char kPaceEcdhCamAes192[] = "0.4.0.127.0.7.2.2.4.6.3";
inline constexpr char kPaceEcdhCamAes256[] = "0.4.0.127.0.7.2.2.4.6.4";

// Chip Authentication (id-CA = bsi-de.2.2.3) and its public keys (id-PK = bsi-de.2.2.1).
inline constexpr char kCa[] = "0.4.0.127.0.7.2.2.3";
inline constexpr char kCaDh[] = "0.4.0.127.0.7.2.2.3.1";
inline constexpr char kCaDh3Des[] = "0.4.0.127.0.7.2.2.3.1.1";
inline constexpr char kCaDhAes128[] = "0.4.0.127.0.7.2.2.3.1.2";
inline constexpr char kCaDhAes192[] = "0.4.0.127.0.7.2.2.3.1.3";
inline constexpr char kCaDhAes256[] = "0.4.0.127.0.7.2.2.3.1.4";
inline constexpr char kCaEcdh[] = "0.4.0.127.0.7.2.2.3.2";
inline constexpr char kCaEcdh3Des[] = "0.4.0.127.0.7.2.2.3.2.1";
inline constexpr char kCaEcdhAes128[] = "0.4.0.127.0.7.2.2.3.2.2";
inline constexpr char kCaEcdhAes192[] = "0.4.0.127.0.7.2.2.3.2.3";
inline constexpr char kCaEcdhAes256[] = "0.4.0.127.0.7.2.2.3.2.4";
inline constexpr char kPkDh[] = "0.4.0.127.0.7.2.2.1.1";
inline constexpr char kPkEcdh[] = "0.4.0.127.0.7.2.2.1.2";

// Terminal Authentication, Restricted Identification, CardInfoLocator, PrivilegedTerminalInfo.
inline constexpr char kTa[] = "0.4.0.127.0.7.2.2.2";
inline constexpr char kRi[] = "0.4.0.127.0.7.2.2.5";
inline constexpr char kCardInfoLocator[] = "0.4.0.127.0.7.2.2.6";
inline constexpr char kPrivilegedTerminalInfo[] = "0.4.0.127.0.7.2.2.8";

// Active Authentication (ICAO id-icao-mrtd-security-aaProtocolObject).
inline constexpr char kActiveAuthentication[] = "2.23.136.1.1.5";

// Domain parameters: BSI standardized domain parameters (AlgorithmIdentifier with INTEGER id),
// X9.62 id-ecPublicKey and prime-field, X9.42 dhpublicnumber, PKCS#3 dhKeyAgreement.
inline constexpr char kStandardizedDomainParameters[] = "0.4.0.127.0.7.1.2";
inline constexpr char kEcPublicKey[] = "1.2.840.10045.2.1";
inline constexpr char kPrimeField[] = "1.2.840.10045.1.1";
inline constexpr char kDhPublicNumber[] = "1.2.840.10046.2.1";
inline constexpr char kDhKeyAgreement[] = "1.2.840.113549.1.3.1";

// Signature algorithms named by ActiveAuthenticationInfo (BSI TR-03111 ecdsa-plain-*).
inline constexpr char kEcdsaPlainSha1[] = "0.4.0.127.0.7.1.1.4.1.1";
inline constexpr char kEcdsaPlainSha224[] = "0.4.0.127.0.7.1.1.4.1.2";
inline constexpr char kEcdsaPlainSha256[] = "0.4.0.127.0.7.1.1.4.1.3";
inline constexpr char kEcdsaPlainSha384[] = "0.4.0.127.0.7.1.1.4.1.4";
inline constexpr char kEcdsaPlainSha512[] = "0.4.0.127.0.7.1.1.4.1.5";
}  // namespace oid

// The domain parameters a SecurityInfo names: an AlgorithmIdentifier (read with
// asn1::AlgorithmIdentifierOf) in PACEDomainParameterInfo and ChipAuthenticationDomainParameterInfo
// (`domainParameter`) and in a ChipAuthenticationPublicKeyInfo's key. Only the BSI standardized id is
// decoded here; explicit parameters (X9.62 ECParameters, X9.42 or PKCS #3 DH parameters, or a vendor
// OID's) are kept as DER, checked only for definite lengths, and turned into a group by
// lds/domain_group.h DomainGroupOf, the one reader of them, under the session's budget.
struct DomainParameters {
  std::string algorithm;  // OID
  Bytes parameters;       // DER of the parameters (whole TLV); empty when absent
  // Under id-standardizedDomainParameters: the id (0..18 in TR-03110-3 Table 4).
  std::optional<int64_t> standardized_parameter_id;
  Bytes raw;
};

struct SubjectPublicKeyInfo {
  DomainParameters algorithm;
  // The BIT STRING contents without the unused-bits byte: an EC point (04 || x || y), or for DH the
  // DER INTEGER y.
  Bytes public_key;
  // The value to compute with: the EC point as is; for DH the unsigned integer y (leading zeros
  // stripped). Empty when a DH key's INTEGER does not parse.
  Bytes public_value;
  Bytes raw;
};

struct PaceInfo {
  std::string protocol;  // id-PACE-*
  int64_t version = 0;
  std::optional<int64_t> parameter_id;
  Bytes raw;
};

struct PaceDomainParameterInfo {
  std::string protocol;  // id-PACE-DH-GM, id-PACE-ECDH-GM, -IM, -CAM (no cipher arc)
  DomainParameters domain_parameter;
  std::optional<int64_t> parameter_id;
  Bytes raw;
};

struct ChipAuthenticationInfo {
  std::string protocol;  // id-CA-DH-* / id-CA-ECDH-*
  int64_t version = 0;
  std::optional<int64_t> key_id;
  Bytes raw;
};

struct ChipAuthenticationDomainParameterInfo {
  std::string protocol;  // id-CA-DH / id-CA-ECDH
  DomainParameters domain_parameter;
  std::optional<int64_t> key_id;
  Bytes raw;
};

struct ChipAuthenticationPublicKeyInfo {
  std::string protocol;  // id-PK-DH / id-PK-ECDH
  SubjectPublicKeyInfo public_key;
  std::optional<int64_t> key_id;
  Bytes raw;
};

struct TerminalAuthenticationInfo {
  int64_t version = 0;
  Bytes ef_cvca;  // DER of the optional FileID; empty when absent
  Bytes raw;
};

struct ActiveAuthenticationInfo {
  int64_t version = 0;
  std::string signature_algorithm;  // OID (ecdsa-plain-SHA*); empty when absent
  Bytes raw;
};

struct OtherSecurityInfo {
  std::string protocol;  // empty when not even the OID could be read
  bool malformed = false;
  Bytes raw;
};

struct SecurityInfos {
  std::vector<PaceInfo> pace;
  std::vector<PaceDomainParameterInfo> pace_domain_parameters;
  std::vector<ChipAuthenticationInfo> chip_authentication;
  std::vector<ChipAuthenticationDomainParameterInfo> chip_authentication_domain_parameters;
  std::vector<ChipAuthenticationPublicKeyInfo> chip_authentication_public_keys;
  std::vector<TerminalAuthenticationInfo> terminal_authentication;
  std::vector<ActiveAuthenticationInfo> active_authentication;
  std::vector<OtherSecurityInfo> others;
};

// Parses a SecurityInfos SET (tag '31') at the start of `der`. Bytes after the SET are ignored:
// EF.CardAccess files in the field carry padding or junk after it. A SET of more than `max_infos`
// entries is LimitExceeded("max_security_infos") (limits.h), found before the extra entries are parsed.
absl::StatusOr<SecurityInfos> ParseSecurityInfos(ByteSpan der, size_t max_infos = kDefaultMaxSecurityInfos);
// DG14: '6E' L SecurityInfos (strict: nothing after the SET inside '6E').
absl::StatusOr<SecurityInfos> ParseDg14(ByteSpan dg14, size_t max_infos = kDefaultMaxSecurityInfos);

// What a PACE protocol OID names.
enum class PaceMapping { kGeneric, kIntegrated, kChipAuthentication };
enum class KeyAgreement { kDh, kEcdh };
struct PaceProtocol {
  PaceMapping mapping = PaceMapping::kGeneric;
  KeyAgreement agreement = KeyAgreement::kEcdh;
  KeyAlgorithm cipher = KeyAlgorithm::kAes128;  // 3DES, AES-128/192/256 (family and key length)
  bool operator==(const PaceProtocol&) const = default;
};
// nullopt for anything that is not one of the 19 PACE protocol OIDs (GM/IM x DH/ECDH x 4 ciphers,
// and ECDH-CAM with AES only).
std::optional<PaceProtocol> PaceProtocolFromOid(absl::string_view oid);

// What a Chip Authentication protocol OID (id-CA-DH-*, id-CA-ECDH-*) names.
struct CaProtocol {
  KeyAgreement agreement = KeyAgreement::kEcdh;
  KeyAlgorithm cipher = KeyAlgorithm::kAes128;
  bool operator==(const CaProtocol&) const = default;
};
std::optional<CaProtocol> CaProtocolFromOid(absl::string_view oid);

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_LDS_SECURITY_INFOS_H_
