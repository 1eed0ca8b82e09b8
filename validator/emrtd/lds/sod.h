// EF.SOD (ICAO 9303-10 §4.6.2, 9303-11 §5.1): the Document Security Object, a CMS SignedData inside
// the application tag '77' whose eContent (type id-icao-mrtd-security-ldsSecurityObject,
// 2.23.136.1.1.1) is
//
//   LDSSecurityObject ::= SEQUENCE {
//     version LDSSecurityObjectVersion (v0 | v1),
//     hashAlgorithm DigestAlgorithmIdentifier,
//     dataGroupHashValues SEQUENCE SIZE (2..ub-DataGroups) OF DataGroupHash,
//     ldsVersionInfo LDSVersionInfo OPTIONAL }          -- v1 only
//   DataGroupHash ::= SEQUENCE { dataGroupNumber INTEGER (1..16), dataGroupHashValue OCTET STRING }
//
// Some issuing states declare eContentType id-data (1.2.840.113549.1.7.1) with an LDSSecurityObject
// inside: accepted when the content parses as one (Sod::econtent_type_id_data says so, Passive
// Authentication notes it); any other eContentType is refused. The CMS rule that the signed
// content-type attribute equals eContentType stays (crypto/cms.h): such an SOD must sign id-data.
//
// Parsing checks structure only (the signature is Passive Authentication's job, auth/passive_auth.h):
// the hash algorithm must be one of SHA-1/224/256/384/512, data-group numbers 1..16 without
// repetition, each hash of the algorithm's size. The SOD is the list of what exists on the chip:
// the reader reads exactly the data groups it names.
#ifndef DOCVAL_VALIDATOR_EMRTD_LDS_SOD_H_
#define DOCVAL_VALIDATOR_EMRTD_LDS_SOD_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/crypto/cms.h"
#include "validator/emrtd/crypto/hash.h"

namespace docval::emrtd {

inline constexpr char kIdLdsSecurityObject[] = "2.23.136.1.1.1";
inline constexpr char kIdData[] = "1.2.840.113549.1.7.1";

struct LdsSecurityObject {
  int64_t version = 0;
  HashAlgorithm hash_algorithm = HashAlgorithm::kSha256;
  std::map<int, Bytes> data_group_hashes;  // data-group number -> hash, ascending
  std::optional<std::string> lds_version;      // v1: e.g. "0108"
  std::optional<std::string> unicode_version;  // v1: e.g. "040000"
};

struct Sod {
  cms::SignedData signed_data;
  LdsSecurityObject lds;
  // eContentType was id-data (not id-icao-mrtd-security-ldsSecurityObject) and the content parsed as
  // an LDSSecurityObject.
  bool econtent_type_id_data = false;

  bool Lists(int data_group) const { return lds.data_group_hashes.contains(data_group); }
};

// The whole EF.SOD file ('77' wrapper included; a bare ContentInfo is accepted too).
absl::StatusOr<Sod> ParseSod(ByteSpan ef_sod);
// The DER LDSSecurityObject (the eContent).
absl::StatusOr<LdsSecurityObject> ParseLdsSecurityObject(ByteSpan der);

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_LDS_SOD_H_
