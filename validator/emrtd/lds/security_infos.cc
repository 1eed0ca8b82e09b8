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
using asn1::kOctetString;
using asn1::kOid;
using asn1::kSequence;
using asn1::kSet;

// The prefix of every error (Bad() below and the toolkit's `what`).
constexpr absl::string_view kWhat = "SecurityInfos";

absl::Status Bad(absl::string_view what) { return absl::InvalidArgumentError(absl::StrCat(kWhat, ": ", what)); }

Bytes Copy(ByteSpan b) { return Bytes(b.begin(), b.end()); }

// Reads the elements of a constructed value one by one, with typed helpers.
class Elements {
 public:
  explicit Elements(ByteSpan contents) : reader_(contents) {}
  bool AtEnd() const { return reader_.AtEnd(); }

  absl::StatusOr<Tlv> Next() {
    if (reader_.AtEnd()) return Bad("missing element");
    return reader_.Next();
  }
  absl::StatusOr<Tlv> Next(uint32_t tag) {
    ASSIGN_OR_RETURN(Tlv t, Next());
    if (t.tag != tag) return Bad(absl::StrCat("expected tag ", absl::Hex(tag), ", found ", absl::Hex(t.tag)));
    return t;
  }
  // The next element if it has `tag`; nullopt (and nothing consumed) otherwise or at the end.
  absl::StatusOr<std::optional<Tlv>> Optional(uint32_t tag) {
    if (reader_.AtEnd()) return std::optional<Tlv>();
    ASSIGN_OR_RETURN(Tlv t, ParseTlv(reader_.rest()));
    if (t.tag != tag) return std::optional<Tlv>();
    return std::optional<Tlv>(*reader_.Next());
  }
  absl::Status ExpectEnd() { return reader_.AtEnd() ? absl::OkStatus() : Bad("unexpected trailing element"); }

 private:
  TlvReader reader_;
};

absl::StatusOr<int64_t> SmallInteger(const Tlv& t) { return asn1::SmallIntegerOf(t, kWhat); }
absl::StatusOr<Bytes> UnsignedInteger(const Tlv& t) { return asn1::ParameterIntegerOf(t, kWhat); }
absl::StatusOr<std::string> ReadOid(const Tlv& t) { return asn1::OidOf(t, kWhat); }

absl::StatusOr<EcParameters> ParseEcParameters(ByteSpan der) {
  ASSIGN_OR_RETURN(Tlv seq, ParseSingleTlv(der, kSequence));
  Elements e(seq.value);
  ASSIGN_OR_RETURN(Tlv version, e.Next(kInteger));
  ASSIGN_OR_RETURN(int64_t v, SmallInteger(version));
  if (v != 1) return Bad("ECParameters version is not 1");
  ASSIGN_OR_RETURN(Tlv field, e.Next(kSequence));
  Elements f(field.value);
  ASSIGN_OR_RETURN(Tlv field_type, f.Next(kOid));
  ASSIGN_OR_RETURN(std::string ft, ReadOid(field_type));
  if (ft != oid::kPrimeField) return Bad("ECParameters field is not a prime field");
  EcParameters out;
  ASSIGN_OR_RETURN(Tlv p, f.Next(kInteger));
  ASSIGN_OR_RETURN(out.p, UnsignedInteger(p));
  RETURN_IF_ERROR(f.ExpectEnd());
  ASSIGN_OR_RETURN(Tlv curve, e.Next(kSequence));
  Elements c(curve.value);
  ASSIGN_OR_RETURN(Tlv a, c.Next(kOctetString));
  ASSIGN_OR_RETURN(Tlv b, c.Next(kOctetString));
  ASSIGN_OR_RETURN(std::optional<Tlv> seed, c.Optional(kBitString));
  (void)seed;
  RETURN_IF_ERROR(c.ExpectEnd());
  out.a = Copy(a.value);
  out.b = Copy(b.value);
  ASSIGN_OR_RETURN(Tlv g, e.Next(kOctetString));
  out.g = Copy(g.value);
  ASSIGN_OR_RETURN(Tlv order, e.Next(kInteger));
  ASSIGN_OR_RETURN(out.order, UnsignedInteger(order));
  ASSIGN_OR_RETURN(std::optional<Tlv> h, e.Optional(kInteger));
  if (h.has_value()) {
    ASSIGN_OR_RETURN(Bytes hv, UnsignedInteger(*h));
    out.cofactor = std::move(hv);
  }
  RETURN_IF_ERROR(e.ExpectEnd());
  return out;
}

absl::StatusOr<DhParameters> ParseDhParameters(ByteSpan der, bool x942) {
  ASSIGN_OR_RETURN(Tlv seq, ParseSingleTlv(der, kSequence));
  Elements e(seq.value);
  DhParameters out;
  ASSIGN_OR_RETURN(Tlv p, e.Next(kInteger));
  ASSIGN_OR_RETURN(out.p, UnsignedInteger(p));
  ASSIGN_OR_RETURN(Tlv g, e.Next(kInteger));
  ASSIGN_OR_RETURN(out.g, UnsignedInteger(g));
  if (x942) {  // DomainParameters ::= SEQUENCE { p, g, q, j OPTIONAL, validationParms OPTIONAL }
    ASSIGN_OR_RETURN(Tlv q, e.Next(kInteger));
    ASSIGN_OR_RETURN(Bytes qv, UnsignedInteger(q));
    out.q = std::move(qv);
  }
  // The optional trailing fields (j, validationParms / privateValueLength) are not needed.
  return out;
}

absl::StatusOr<AlgorithmIdentifier> ParseAlgorithmIdentifier(const Tlv& t) {
  if (t.tag != kSequence) return Bad("AlgorithmIdentifier is not a SEQUENCE");
  AlgorithmIdentifier out;
  out.raw = Copy(t.raw);
  Elements e(t.value);
  ASSIGN_OR_RETURN(Tlv alg, e.Next(kOid));
  ASSIGN_OR_RETURN(out.algorithm, ReadOid(alg));
  if (e.AtEnd()) return out;
  ASSIGN_OR_RETURN(Tlv params, e.Next());
  RETURN_IF_ERROR(e.ExpectEnd());
  out.parameters = Copy(params.raw);
  if (out.algorithm == oid::kStandardizedDomainParameters) {
    ASSIGN_OR_RETURN(int64_t id, SmallInteger(params));
    out.standardized_parameter_id = id;
  } else if (out.algorithm == oid::kDhPublicNumber || out.algorithm == oid::kDhKeyAgreement) {
    ASSIGN_OR_RETURN(DhParameters dh, ParseDhParameters(params.raw, out.algorithm == oid::kDhPublicNumber));
    out.dh = std::move(dh);
  } else if (params.tag == kSequence) {
    // Explicit EC parameters (under id-ecPublicKey, or a vendor OID): parsed when they have the
    // X9.62 form; otherwise only the DER is kept.
    absl::StatusOr<EcParameters> ec = ParseEcParameters(params.raw);
    if (ec.ok()) {
      out.ec = *std::move(ec);
    } else if (out.algorithm == oid::kEcPublicKey) {
      return ec.status();
    }
  }
  return out;
}

bool IsDhAlgorithm(const AlgorithmIdentifier& a) {
  if (a.algorithm == oid::kDhPublicNumber || a.algorithm == oid::kDhKeyAgreement) return true;
  // TR-03110-3 Table 4: standardized ids 0-2 are the RFC 5114 MODP groups.
  return a.standardized_parameter_id.has_value() && *a.standardized_parameter_id <= 2;
}

absl::StatusOr<SubjectPublicKeyInfo> ParseSpki(const Tlv& t, bool dh_protocol) {
  if (t.tag != kSequence) return Bad("SubjectPublicKeyInfo is not a SEQUENCE");
  SubjectPublicKeyInfo out;
  out.raw = Copy(t.raw);
  Elements e(t.value);
  ASSIGN_OR_RETURN(Tlv alg, e.Next(kSequence));
  ASSIGN_OR_RETURN(out.algorithm, ParseAlgorithmIdentifier(alg));
  ASSIGN_OR_RETURN(Tlv bits, e.Next(kBitString));
  RETURN_IF_ERROR(e.ExpectEnd());
  ASSIGN_OR_RETURN(out.public_key, asn1::BitStringBytesOf(bits, "SecurityInfos public key"));
  if (dh_protocol || IsDhAlgorithm(out.algorithm)) {
    absl::StatusOr<Tlv> y = ParseSingleTlv(out.public_key, kInteger);
    if (y.ok()) {
      absl::StatusOr<Bytes> v = UnsignedInteger(*y);
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

// Parses one entry of a known kind into `out`; an error means "malformed".
absl::Status ParseKnown(const std::string& protocol, Elements& e, ByteSpan raw, SecurityInfos& out, bool& known) {
  known = true;
  if (PaceProtocolFromOid(protocol).has_value()) {
    PaceInfo info{.protocol = protocol, .raw = Copy(raw)};
    ASSIGN_OR_RETURN(Tlv v, e.Next(kInteger));
    ASSIGN_OR_RETURN(info.version, SmallInteger(v));
    ASSIGN_OR_RETURN(std::optional<Tlv> id, e.Optional(kInteger));
    if (id.has_value()) {
      ASSIGN_OR_RETURN(int64_t x, SmallInteger(*id));
      info.parameter_id = x;
    }
    RETURN_IF_ERROR(e.ExpectEnd());
    out.pace.push_back(std::move(info));
  } else if (IsPaceDomainParameterProtocol(protocol)) {
    PaceDomainParameterInfo info{.protocol = protocol, .raw = Copy(raw)};
    ASSIGN_OR_RETURN(Tlv alg, e.Next(kSequence));
    ASSIGN_OR_RETURN(info.domain_parameter, ParseAlgorithmIdentifier(alg));
    ASSIGN_OR_RETURN(std::optional<Tlv> id, e.Optional(kInteger));
    if (id.has_value()) {
      ASSIGN_OR_RETURN(int64_t x, SmallInteger(*id));
      info.parameter_id = x;
    }
    RETURN_IF_ERROR(e.ExpectEnd());
    out.pace_domain_parameters.push_back(std::move(info));
  } else if (CaProtocolFromOid(protocol).has_value()) {
    ChipAuthenticationInfo info{.protocol = protocol, .raw = Copy(raw)};
    ASSIGN_OR_RETURN(Tlv v, e.Next(kInteger));
    ASSIGN_OR_RETURN(info.version, SmallInteger(v));
    ASSIGN_OR_RETURN(std::optional<Tlv> id, e.Optional(kInteger));
    if (id.has_value()) {
      ASSIGN_OR_RETURN(int64_t x, SmallInteger(*id));
      info.key_id = x;
    }
    RETURN_IF_ERROR(e.ExpectEnd());
    out.chip_authentication.push_back(std::move(info));
  } else if (protocol == oid::kCaDh || protocol == oid::kCaEcdh) {
    ChipAuthenticationDomainParameterInfo info{.protocol = protocol, .raw = Copy(raw)};
    ASSIGN_OR_RETURN(Tlv alg, e.Next(kSequence));
    ASSIGN_OR_RETURN(info.domain_parameter, ParseAlgorithmIdentifier(alg));
    ASSIGN_OR_RETURN(std::optional<Tlv> id, e.Optional(kInteger));
    if (id.has_value()) {
      ASSIGN_OR_RETURN(int64_t x, SmallInteger(*id));
      info.key_id = x;
    }
    RETURN_IF_ERROR(e.ExpectEnd());
    out.chip_authentication_domain_parameters.push_back(std::move(info));
  } else if (protocol == oid::kPkDh || protocol == oid::kPkEcdh) {
    ChipAuthenticationPublicKeyInfo info{.protocol = protocol, .raw = Copy(raw)};
    ASSIGN_OR_RETURN(Tlv spki, e.Next(kSequence));
    ASSIGN_OR_RETURN(info.public_key, ParseSpki(spki, protocol == oid::kPkDh));
    ASSIGN_OR_RETURN(std::optional<Tlv> id, e.Optional(kInteger));
    if (id.has_value()) {
      ASSIGN_OR_RETURN(int64_t x, SmallInteger(*id));
      info.key_id = x;
    }
    RETURN_IF_ERROR(e.ExpectEnd());
    out.chip_authentication_public_keys.push_back(std::move(info));
  } else if (protocol == oid::kTa) {
    TerminalAuthenticationInfo info{.raw = Copy(raw)};
    ASSIGN_OR_RETURN(Tlv v, e.Next(kInteger));
    ASSIGN_OR_RETURN(info.version, SmallInteger(v));
    if (!e.AtEnd()) {
      ASSIGN_OR_RETURN(Tlv fid, e.Next());
      info.ef_cvca = Copy(fid.raw);
    }
    RETURN_IF_ERROR(e.ExpectEnd());
    out.terminal_authentication.push_back(std::move(info));
  } else if (protocol == oid::kActiveAuthentication) {
    ActiveAuthenticationInfo info{.raw = Copy(raw)};
    ASSIGN_OR_RETURN(Tlv v, e.Next(kInteger));
    ASSIGN_OR_RETURN(info.version, SmallInteger(v));
    ASSIGN_OR_RETURN(std::optional<Tlv> alg, e.Optional(kOid));
    if (alg.has_value()) {
      ASSIGN_OR_RETURN(info.signature_algorithm, ReadOid(*alg));
    }
    RETURN_IF_ERROR(e.ExpectEnd());
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
  Elements e(entry.value);
  absl::StatusOr<Tlv> first = e.Next(kOid);
  absl::StatusOr<std::string> protocol = first.ok() ? ReadOid(*first) : first.status();
  if (!protocol.ok()) {
    other.malformed = true;
    out.others.push_back(std::move(other));
    return;
  }
  other.protocol = *protocol;
  bool known = false;
  absl::Status s = ParseKnown(*protocol, e, entry.raw, out, known);
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
