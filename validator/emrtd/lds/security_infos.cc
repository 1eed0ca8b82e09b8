#include "validator/emrtd/lds/security_infos.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "validator/emrtd/crypto/asn1_util.h"
#include "validator/emrtd/tlv.h"

namespace docval::emrtd {
namespace {

using asn1::kBitString;
using asn1::kInteger;
using asn1::kOid;
using asn1::kSequence;
using asn1::kSet;

// The prefix of every error (Bad() below and the toolkit's `what`).
constexpr absl::string_view kWhat = "SecurityInfos";

absl::Status Bad(absl::string_view what) { return absl::InvalidArgumentError(absl::StrCat(kWhat, ": ", what)); }

Bytes Copy(ByteSpan b) { return Bytes(b.begin(), b.end()); }

absl::StatusOr<int64_t> SmallInteger(const Tlv& t) { return asn1::SmallIntegerOf(t, kWhat); }
absl::StatusOr<Bytes> ParameterInteger(const Tlv& t) { return asn1::ParameterIntegerOf(t, kWhat); }
absl::StatusOr<std::string> ReadOid(const Tlv& t) { return asn1::OidOf(t, kWhat); }

// The next element of `r`, which must have `tag` (asn1::NextElement).
absl::StatusOr<Tlv> Next(TlvReader& r, uint32_t tag) { return asn1::NextElement(r, tag, kWhat); }
absl::StatusOr<int64_t> NextSmallInteger(TlvReader& r) {
  ASSIGN_OR_RETURN(Tlv t, Next(r, kInteger));
  return SmallInteger(t);
}
absl::Status ExpectEnd(const TlvReader& r) { return r.AtEnd() ? absl::OkStatus() : Bad("unexpected trailing element"); }
// An optional INTEGER that ends the value (parameterId, keyId): nullopt at the end; another
// element, or anything after the INTEGER, is an error.
absl::StatusOr<std::optional<int64_t>> OptionalLastInteger(TlvReader& r) {
  if (r.AtEnd()) return std::optional<int64_t>();
  ASSIGN_OR_RETURN(int64_t v, NextSmallInteger(r));
  RETURN_IF_ERROR(ExpectEnd(r));
  return std::optional<int64_t>(v);
}

absl::StatusOr<DomainParameters> ParseDomainParameters(const Tlv& t) {
  ASSIGN_OR_RETURN(asn1::AlgorithmIdentifier id, asn1::AlgorithmIdentifierOf(t, kWhat));
  DomainParameters out{.algorithm = id.oid, .raw = id.raw};
  if (!id.parameters.has_value()) return out;
  // DER like the rest of SecurityInfos: the parameters' own length is definite.
  ASSIGN_OR_RETURN(Tlv params, ParseTlv(*id.parameters));
  if (out.algorithm == oid::kStandardizedDomainParameters) {
    ASSIGN_OR_RETURN(int64_t standard_id, SmallInteger(params));
    out.standardized_parameter_id = standard_id;
  }
  // Explicit parameters (EC or DH) stay DER: lds/domain_group.h reads them, under the session's budget.
  out.parameters = *std::move(id.parameters);
  return out;
}

bool IsDhAlgorithm(const DomainParameters& a) {
  if (a.algorithm == oid::kDhPublicNumber || a.algorithm == oid::kDhKeyAgreement) return true;
  // TR-03110-3 Table 4: standardized ids 0-2 are the RFC 5114 MODP groups.
  return a.standardized_parameter_id.has_value() && *a.standardized_parameter_id <= 2;
}

absl::StatusOr<SubjectPublicKeyInfo> ParseSpki(const Tlv& t, bool dh_protocol) {
  if (t.tag != kSequence) return Bad("SubjectPublicKeyInfo is not a SEQUENCE");
  SubjectPublicKeyInfo out;
  out.raw = Copy(t.raw);
  TlvReader r(t.value);
  ASSIGN_OR_RETURN(Tlv alg, Next(r, kSequence));
  ASSIGN_OR_RETURN(out.algorithm, ParseDomainParameters(alg));
  ASSIGN_OR_RETURN(Tlv bits, Next(r, kBitString));
  RETURN_IF_ERROR(ExpectEnd(r));
  ASSIGN_OR_RETURN(out.public_key, asn1::BitStringBytesOf(bits, "SecurityInfos public key"));
  if (dh_protocol || IsDhAlgorithm(out.algorithm)) {
    absl::StatusOr<Tlv> y = ParseSingleTlv(out.public_key, kInteger);
    if (y.ok()) {
      absl::StatusOr<Bytes> v = ParameterInteger(*y);
      if (v.ok()) out.public_value = *std::move(v);
    }
  } else {
    out.public_value = out.public_key;
  }
  return out;
}

bool IsPaceDomainParameterProtocol(absl::string_view p) {
  return p == oid::kPaceDhGm || p == oid::kPaceEcdhGm || p == oid::kPaceDhIm || p == oid::kPaceEcdhIm ||
         p == oid::kPaceEcdhCam;
}

// Parses one entry of a known kind into `out`, from the reader of its elements after the protocol
// OID; an error means "malformed".
absl::Status ParseKnown(const std::string& protocol, TlvReader& r, ByteSpan raw, SecurityInfos& out, bool& known) {
  known = true;
  if (PaceProtocolFromOid(protocol).has_value()) {
    PaceInfo info{.protocol = protocol, .raw = Copy(raw)};
    ASSIGN_OR_RETURN(info.version, NextSmallInteger(r));
    ASSIGN_OR_RETURN(info.parameter_id, OptionalLastInteger(r));
    out.pace.push_back(std::move(info));
  } else if (IsPaceDomainParameterProtocol(protocol)) {
    PaceDomainParameterInfo info{.protocol = protocol, .raw = Copy(raw)};
    ASSIGN_OR_RETURN(Tlv alg, Next(r, kSequence));
    ASSIGN_OR_RETURN(info.domain_parameter, ParseDomainParameters(alg));
    ASSIGN_OR_RETURN(info.parameter_id, OptionalLastInteger(r));
    out.pace_domain_parameters.push_back(std::move(info));
  } else if (CaProtocolFromOid(protocol).has_value()) {
    ChipAuthenticationInfo info{.protocol = protocol, .raw = Copy(raw)};
    ASSIGN_OR_RETURN(info.version, NextSmallInteger(r));
    ASSIGN_OR_RETURN(info.key_id, OptionalLastInteger(r));
    out.chip_authentication.push_back(std::move(info));
  } else if (protocol == oid::kCaDh || protocol == oid::kCaEcdh) {
    ChipAuthenticationDomainParameterInfo info{.protocol = protocol, .raw = Copy(raw)};
    ASSIGN_OR_RETURN(Tlv alg, Next(r, kSequence));
    ASSIGN_OR_RETURN(info.domain_parameter, ParseDomainParameters(alg));
    ASSIGN_OR_RETURN(info.key_id, OptionalLastInteger(r));
    out.chip_authentication_domain_parameters.push_back(std::move(info));
  } else if (protocol == oid::kPkDh || protocol == oid::kPkEcdh) {
    ChipAuthenticationPublicKeyInfo info{.protocol = protocol, .raw = Copy(raw)};
    ASSIGN_OR_RETURN(Tlv spki, Next(r, kSequence));
    ASSIGN_OR_RETURN(info.public_key, ParseSpki(spki, protocol == oid::kPkDh));
    ASSIGN_OR_RETURN(info.key_id, OptionalLastInteger(r));
    out.chip_authentication_public_keys.push_back(std::move(info));
  } else if (protocol == oid::kTa) {
    TerminalAuthenticationInfo info{.raw = Copy(raw)};
    ASSIGN_OR_RETURN(info.version, NextSmallInteger(r));
    if (!r.AtEnd()) {
      ASSIGN_OR_RETURN(Tlv fid, r.Next());
      info.ef_cvca = Copy(fid.raw);
    }
    RETURN_IF_ERROR(ExpectEnd(r));
    out.terminal_authentication.push_back(std::move(info));
  } else if (protocol == oid::kActiveAuthentication) {
    ActiveAuthenticationInfo info{.raw = Copy(raw)};
    ASSIGN_OR_RETURN(info.version, NextSmallInteger(r));
    if (!r.AtEnd()) {
      ASSIGN_OR_RETURN(Tlv alg, Next(r, kOid));
      ASSIGN_OR_RETURN(info.signature_algorithm, ReadOid(alg));
    }
    RETURN_IF_ERROR(ExpectEnd(r));
    out.active_authentication.push_back(std::move(info));
  } else {
    known = false;
  }
  return absl::OkStatus();
}

void ParseEntry(const Tlv& entry, SecurityInfos& out) {
  OtherSecurityInfo other{.raw = Copy(entry.raw)};
  if (entry.tag != kSequence) {
    other.malformed = true;
    out.others.push_back(std::move(other));
    return;
  }
  TlvReader r(entry.value);
  absl::StatusOr<Tlv> first = Next(r, kOid);
  absl::StatusOr<std::string> protocol = first.ok() ? ReadOid(*first) : first.status();
  if (!protocol.ok()) {
    other.malformed = true;
    out.others.push_back(std::move(other));
    return;
  }
  other.protocol = *protocol;
  bool known = false;
  absl::Status s = ParseKnown(*protocol, r, entry.raw, out, known);
  if (!s.ok()) other.malformed = true;
  if (!known || !s.ok()) out.others.push_back(std::move(other));
}

}  // namespace

absl::StatusOr<SecurityInfos> ParseSecurityInfos(ByteSpan der, size_t max_infos) {
  absl::StatusOr<Tlv> set = ParseTlv(der);
  if (!set.ok()) return Bad(set.status().message());
  if (set->tag != kSet) return Bad("not a SET");
  SecurityInfos out;
  TlvReader reader(set->value);
  size_t count = 0;
  while (!reader.AtEnd()) {
    if (++count > max_infos) {
      return LimitExceeded("max_security_infos", absl::StrCat("more than ", max_infos, " SecurityInfos in one SET"));
    }
    absl::StatusOr<Tlv> entry = reader.Next();
    if (!entry.ok()) return Bad(entry.status().message());
    ParseEntry(*entry, out);
  }
  return out;
}

absl::StatusOr<SecurityInfos> ParseDg14(ByteSpan dg14, size_t max_infos) {
  absl::StatusOr<Tlv> outer = ParseSingleTlv(dg14, 0x6E);
  if (!outer.ok()) return Bad(absl::StrCat("DG14: ", outer.status().message()));
  absl::StatusOr<Tlv> set = ParseSingleTlv(outer->value, kSet);
  if (!set.ok()) return Bad(absl::StrCat("DG14: ", set.status().message()));
  return ParseSecurityInfos(set->raw, max_infos);
}

std::optional<PaceProtocol> PaceProtocolFromOid(absl::string_view oid) {
  constexpr absl::string_view kPrefix = "0.4.0.127.0.7.2.2.4.";
  if (oid.size() != kPrefix.size() + 3 || oid.substr(0, kPrefix.size()) != kPrefix || oid[kPrefix.size() + 1] != '.') {
    return std::nullopt;
  }
  const char m = oid[kPrefix.size()];
  const char c = oid[kPrefix.size() + 2];
  PaceProtocol p;
  switch (m) {
    case '1': p = {PaceMapping::kGeneric, KeyAgreement::kDh}; break;
    case '2': p = {PaceMapping::kGeneric, KeyAgreement::kEcdh}; break;
    case '3': p = {PaceMapping::kIntegrated, KeyAgreement::kDh}; break;
    case '4': p = {PaceMapping::kIntegrated, KeyAgreement::kEcdh}; break;
    case '6': p = {PaceMapping::kChipAuthentication, KeyAgreement::kEcdh}; break;
    default: return std::nullopt;
  }
  switch (c) {
    case '1':
      if (p.mapping == PaceMapping::kChipAuthentication) return std::nullopt;
      p.cipher = KeyAlgorithm::k3Des;
      break;
    case '2': p.cipher = KeyAlgorithm::kAes128; break;
    case '3': p.cipher = KeyAlgorithm::kAes192; break;
    case '4': p.cipher = KeyAlgorithm::kAes256; break;
    default: return std::nullopt;
  }
  return p;
}

std::optional<CaProtocol> CaProtocolFromOid(absl::string_view oid) {
  constexpr absl::string_view kPrefix = "0.4.0.127.0.7.2.2.3.";
  if (oid.size() != kPrefix.size() + 3 || oid.substr(0, kPrefix.size()) != kPrefix || oid[kPrefix.size() + 1] != '.') {
    return std::nullopt;
  }
  CaProtocol p;
  switch (oid[kPrefix.size()]) {
    case '1': p.agreement = KeyAgreement::kDh; break;
    case '2': p.agreement = KeyAgreement::kEcdh; break;
    default: return std::nullopt;
  }
  switch (oid[kPrefix.size() + 2]) {
    case '1': p.cipher = KeyAlgorithm::k3Des; break;
    case '2': p.cipher = KeyAlgorithm::kAes128; break;
    case '3': p.cipher = KeyAlgorithm::kAes192; break;
    case '4': p.cipher = KeyAlgorithm::kAes256; break;
    default: return std::nullopt;
  }
  return p;
}

}  // namespace docval::emrtd
