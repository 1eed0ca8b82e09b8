#include "validator/emrtd/lds/sod.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "validator/emrtd/crypto/asn1_util.h"

namespace docval::emrtd {
namespace {

absl::Status Bad(absl::string_view why) { return absl::InvalidArgumentError(absl::StrCat("EF.SOD: ", why)); }

}  // namespace

absl::StatusOr<LdsSecurityObject> ParseLdsSecurityObject(ByteSpan der) {
  absl::StatusOr<Tlv> top = ParseSingleTlv(der, asn1::kSequence, asn1::BerOptions());
  if (!top.ok()) return Bad(absl::StrCat("LDSSecurityObject: ", top.status().message()));
  ASSIGN_OR_RETURN(std::vector<Tlv> f, asn1::Children(*top, "LDSSecurityObject"));
  if (f.size() < 3 || f.size() > 4) return Bad("LDSSecurityObject must have 3 or 4 elements");
  LdsSecurityObject lso;
  ASSIGN_OR_RETURN(lso.version, asn1::SmallIntegerOf(f[0], "LDSSecurityObject version"));
  if (lso.version > 1) return Bad(absl::StrCat("unknown LDSSecurityObject version ", lso.version));
  ASSIGN_OR_RETURN(asn1::AlgorithmIdentifier alg, asn1::AlgorithmIdentifierOf(f[1], "LDSSecurityObject hashAlgorithm"));
  std::optional<HashAlgorithm> h = HashFromOid(alg.oid);
  if (!h) return Bad(absl::StrCat("unsupported hash algorithm ", alg.oid));
  lso.hash_algorithm = *h;
  RETURN_IF_ERROR(asn1::ExpectTag(f[2], asn1::kSequence, "dataGroupHashValues"));
  ASSIGN_OR_RETURN(std::vector<Tlv> hashes, asn1::Children(f[2], "dataGroupHashValues"));
  if (hashes.empty()) return Bad("no data-group hashes");
  for (const Tlv& dgh : hashes) {
    RETURN_IF_ERROR(asn1::ExpectTag(dgh, asn1::kSequence, "DataGroupHash"));
    ASSIGN_OR_RETURN(std::vector<Tlv> p, asn1::Children(dgh, "DataGroupHash"));
    if (p.size() != 2) return Bad("DataGroupHash must have 2 elements");
    ASSIGN_OR_RETURN(int64_t n, asn1::SmallIntegerOf(p[0], "dataGroupNumber"));
    if (n < 1 || n > 16) return Bad(absl::StrCat("data-group number ", n, " out of range"));
    RETURN_IF_ERROR(asn1::ExpectTag(p[1], asn1::kOctetString, "dataGroupHashValue"));
    if (p[1].value.size() != HashSize(lso.hash_algorithm)) {
      return Bad(absl::StrCat("hash of DG", n, " has ", p[1].value.size(), " bytes, ", HashName(lso.hash_algorithm),
                              " has ", HashSize(lso.hash_algorithm)));
    }
    if (!lso.data_group_hashes.emplace(static_cast<int>(n), Bytes(p[1].value.begin(), p[1].value.end())).second) {
      return Bad(absl::StrCat("DG", n, " listed twice"));
    }
  }
  if (f.size() == 4) {
    RETURN_IF_ERROR(asn1::ExpectTag(f[3], asn1::kSequence, "LDSVersionInfo"));
    ASSIGN_OR_RETURN(std::vector<Tlv> v, asn1::Children(f[3], "LDSVersionInfo"));
    if (v.size() == 2) {
      lso.lds_version = std::string(v[0].value.begin(), v[0].value.end());
      lso.unicode_version = std::string(v[1].value.begin(), v[1].value.end());
    }
  }
  return lso;
}

absl::StatusOr<Sod> ParseSod(ByteSpan ef_sod) {
  Sod sod;
  absl::StatusOr<cms::SignedData> sd = cms::ParseSignedData(ef_sod);
  if (!sd.ok()) return Bad(sd.status().message());
  sod.signed_data = *std::move(sd);
  sod.econtent_type_id_data = sod.signed_data.content_type == kIdData;
  if (sod.signed_data.content_type != kIdLdsSecurityObject && !sod.econtent_type_id_data) {
    return Bad(absl::StrCat("eContentType ", sod.signed_data.content_type, " is not an LDS security object"));
  }
  if (!sod.signed_data.content) return Bad("no LDS security object (detached content)");
  absl::StatusOr<LdsSecurityObject> lds = ParseLdsSecurityObject(*sod.signed_data.content);
  if (!lds.ok() && sod.econtent_type_id_data) {
    return Bad(absl::StrCat("eContentType id-data (", kIdData, ") whose content is not an LDS security object (",
                            lds.status().message(), ")"));
  }
  if (!lds.ok()) return lds.status();
  sod.lds = *std::move(lds);
  return sod;
}

}  // namespace docval::emrtd
