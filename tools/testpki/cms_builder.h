// CMS SignedData (RFC 5652) as ICAO 9303-11 / -12 use it: EF.SOD (LDSSecurityObject, eContentType
// 2.23.136.1.1.1), the CSCA master list (CscaMasterList, 2.23.136.1.1.2) and EF.CardSecurity
// (SecurityInfos, bsi-de id-SecurityObject 0.4.0.127.0.7.3.2.1), built on Botan's DER_Encoder and
// PK_Signer.
//
// Shape: ContentInfo { id-signedData, [0] SignedData { version 3, digestAlgorithms {h},
// encapContentInfo { eContentType, [0] OCTET STRING eContent }, certificates [0] {signer cert, extra},
// signerInfos { SignerInfo { version 1, issuerAndSerialNumber, h, signedAttrs [0] { contentType,
// messageDigest, signingTime }, signatureAlgorithm, signature } } } }, all DER. The signature covers the
// DER SET OF the signed attributes.
#ifndef DOCVAL_TOOLS_TESTPKI_CMS_BUILDER_H_
#define DOCVAL_TOOLS_TESTPKI_CMS_BUILDER_H_

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <botan/pk_keys.h>
#include <botan/rng.h>
#include <botan/x509cert.h>

#include "absl/status/statusor.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/crypto/hash.h"

namespace docval::testpki {

using emrtd::Bytes;
using emrtd::ByteSpan;
using emrtd::HashAlgorithm;

// RSA PKCS#1 v1.5, RSASSA-PSS (MGF1 with the same hash, salt = hash length), or ECDSA (DER).
enum class SignatureScheme { kRsaPkcs1, kRsaPss, kEcdsa };

struct CmsSigner {
  const Botan::Private_Key* key = nullptr;
  const Botan::X509_Certificate* cert = nullptr;
  SignatureScheme scheme = SignatureScheme::kRsaPkcs1;
  HashAlgorithm hash = HashAlgorithm::kSha256;
  std::chrono::system_clock::time_point signing_time;
  // The signed content-type attribute; empty: the eContentType, as RFC 5652 requires (another value
  // builds an object whose attribute contradicts its eContentType).
  std::string content_type_attribute;
};

inline constexpr const char* kOidLdsSecurityObject = "2.23.136.1.1.1";
inline constexpr const char* kOidCscaMasterList = "2.23.136.1.1.2";
inline constexpr const char* kOidBsiSecurityObject = "0.4.0.127.0.7.3.2.1";
// id-data: the eContentType some issuing states put on an EF.SOD that holds an LDSSecurityObject.
inline constexpr const char* kOidData = "1.2.840.113549.1.7.1";

// The DER ContentInfo. `extra_certs` are added to the certificates field after the signer's.
absl::StatusOr<Bytes> BuildSignedData(const std::string& econtent_type, ByteSpan econtent, const CmsSigner& signer,
                                      Botan::RandomNumberGenerator& rng,
                                      const std::vector<Botan::X509_Certificate>& extra_certs = {});

// LDSSecurityObject { version 0, hashAlgorithm, dataGroupHashValues } over the raw data group bytes.
Bytes BuildLdsSecurityObject(HashAlgorithm hash, const std::map<int, Bytes>& data_groups);
// EF.SOD: 77 { ContentInfo } with the LDSSecurityObject over `data_groups`, declared as
// `econtent_type`; `econtent` replaces the LDSSecurityObject when not empty.
absl::StatusOr<Bytes> BuildSod(const std::map<int, Bytes>& data_groups, const CmsSigner& signer,
                               Botan::RandomNumberGenerator& rng,
                               const std::string& econtent_type = kOidLdsSecurityObject, ByteSpan econtent = {});
// CscaMasterList { version 0, certList SET OF Certificate } signed as a CMS.
absl::StatusOr<Bytes> BuildMasterList(const std::vector<Botan::X509_Certificate>& cscas, const CmsSigner& signer,
                                      Botan::RandomNumberGenerator& rng);
// EF.CardSecurity: the SecurityInfos SET (already DER) signed as a CMS.
absl::StatusOr<Bytes> BuildCardSecurity(ByteSpan security_infos, const CmsSigner& signer,
                                        Botan::RandomNumberGenerator& rng);

}  // namespace docval::testpki

#endif  // DOCVAL_TOOLS_TESTPKI_CMS_BUILDER_H_
