// Certificates and CRLs are read with the project's own BER reader (exact bytes, exact error
// messages, no surprises from a library's strictness on field quirks); signatures are checked
// through signature.h (Botan).
#include "validator/emrtd/crypto/x509.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "validator/emrtd/crypto/asn1_util.h"
#include "validator/emrtd/crypto/hash.h"
#include "validator/emrtd/crypto/signature.h"

namespace docval::emrtd::x509 {
namespace {

using asn1::Children;
using asn1::ExpectTag;

absl::Status Bad(absl::string_view what, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(what, ": ", why));
}

// UTF-16BE (BMPString) to UTF-8; surrogates are kept as-is (names never need them).
std::string BmpToUtf8(ByteSpan v) {
  std::string out;
  for (size_t i = 0; i + 1 < v.size(); i += 2) {
    uint32_t c = (static_cast<uint32_t>(v[i]) << 8) | v[i + 1];
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xE0 | (c >> 12)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

std::string AttributeValueText(const Tlv& v) {
  if (v.tag == 0x1E) return BmpToUtf8(v.value);
  return std::string(v.value.begin(), v.value.end());
}

std::string Normalize(absl::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

const char* ShortName(absl::string_view oid) {
  if (oid == "2.5.4.3") return "CN";
  if (oid == "2.5.4.6") return "C";
  if (oid == "2.5.4.10") return "O";
  if (oid == "2.5.4.11") return "OU";
  if (oid == "2.5.4.5") return "SERIALNUMBER";
  if (oid == "2.5.4.7") return "L";
  if (oid == "2.5.4.8") return "ST";
  return nullptr;
}

struct ParsedName {
  std::string normalized;
  std::string text;
};

absl::StatusOr<ParsedName> ParseName(const Tlv& name) {
  RETURN_IF_ERROR(ExpectTag(name, asn1::kSequence, "Name"));
  ASSIGN_OR_RETURN(std::vector<Tlv> rdns, Children(name, "Name"));
  std::vector<std::string> keys;
  std::vector<std::string> texts;
  for (const Tlv& rdn : rdns) {
    RETURN_IF_ERROR(ExpectTag(rdn, asn1::kSet, "RelativeDistinguishedName"));
    ASSIGN_OR_RETURN(std::vector<Tlv> atvs, Children(rdn, "RelativeDistinguishedName"));
    for (const Tlv& atv : atvs) {
      RETURN_IF_ERROR(ExpectTag(atv, asn1::kSequence, "AttributeTypeAndValue"));
      ASSIGN_OR_RETURN(std::vector<Tlv> tv, Children(atv, "AttributeTypeAndValue"));
      if (tv.size() != 2) return Bad("AttributeTypeAndValue", "expected type and value");
      ASSIGN_OR_RETURN(std::string oid, asn1::OidOf(tv[0], "attribute type"));
      std::string value = AttributeValueText(tv[1]);
      keys.push_back(absl::StrCat(oid, "=", Normalize(value)));
      const char* sn = ShortName(oid);
      texts.push_back(absl::StrCat(sn ? sn : oid.c_str(), "=", value));
    }
  }
  std::sort(keys.begin(), keys.end());
  return ParsedName{absl::StrJoin(keys, "\n"), absl::StrJoin(texts, ", ")};
}

// Certificate / CertificateList ::= SEQUENCE { tbs, signatureAlgorithm, signatureValue BIT STRING }
struct Signed {
  Tlv tbs;
  asn1::AlgorithmIdentifier algorithm;
  Bytes signature;
};

absl::StatusOr<Signed> ParseSigned(ByteSpan der, absl::string_view what) {
  absl::StatusOr<Tlv> outer = ParseSingleTlv(der, asn1::kSequence);
  if (!outer.ok()) return Bad(what, outer.status().message());
  ASSIGN_OR_RETURN(std::vector<Tlv> f, Children(*outer, what));
  if (f.size() != 3) return Bad(what, "expected tbs, signatureAlgorithm and signatureValue");
  RETURN_IF_ERROR(ExpectTag(f[0], asn1::kSequence, what));
  Signed s;
  s.tbs = f[0];
  ASSIGN_OR_RETURN(s.algorithm, asn1::AlgorithmIdentifierOf(f[1], absl::StrCat(what, " signatureAlgorithm")));
  ASSIGN_OR_RETURN(s.signature, asn1::BitStringBytesOf(f[2], absl::StrCat(what, " signatureValue")));
  return s;
}

Bytes Magnitude(ByteSpan v) {
  size_t z = 0;
  while (z < v.size() && v[z] == 0) ++z;
  return Bytes(v.begin() + static_cast<ptrdiff_t>(z), v.end());
}

// PEM blocks with the given label; empty when the content is not PEM.
absl::StatusOr<std::vector<Bytes>> PemBlocks(ByteSpan content, absl::string_view label) {
  absl::string_view text(reinterpret_cast<const char*>(content.data()), content.size());
  const std::string begin = absl::StrCat("-----BEGIN ", label, "-----");
  const std::string end = absl::StrCat("-----END ", label, "-----");
  std::vector<Bytes> out;
  size_t pos = 0;
  while ((pos = text.find(begin, pos)) != absl::string_view::npos) {
    size_t body = pos + begin.size();
    size_t stop = text.find(end, body);
    if (stop == absl::string_view::npos) return absl::InvalidArgumentError(absl::StrCat("PEM: unterminated ", label));
    std::string b64;
    for (char c : text.substr(body, stop - body)) {
      if (!absl::ascii_isspace(static_cast<unsigned char>(c))) b64.push_back(c);
    }
    std::string der;
    if (!absl::Base64Unescape(b64, &der)) return absl::InvalidArgumentError(absl::StrCat("PEM: bad base64 in ", label));
    out.emplace_back(der.begin(), der.end());
    pos = stop + end.size();
  }
  return out;
}

bool LooksLikePem(ByteSpan content) {
  absl::string_view text(reinterpret_cast<const char*>(content.data()), content.size());
  return text.find("-----BEGIN ") != absl::string_view::npos;
}

// Extensions this code understands (or that ICAO defines and need no processing).
bool KnownExtension(absl::string_view oid) {
  static const std::set<std::string, std::less<>> kKnown = {
      "2.5.29.14",          // subjectKeyIdentifier
      "2.5.29.15",          // keyUsage
      "2.5.29.16",          // privateKeyUsagePeriod
      "2.5.29.17",          // subjectAltName
      "2.5.29.18",          // issuerAltName
      "2.5.29.19",          // basicConstraints
      "2.5.29.31",          // cRLDistributionPoints
      "2.5.29.32",          // certificatePolicies
      "2.5.29.35",          // authorityKeyIdentifier
      "2.5.29.37",          // extKeyUsage (Master List / Deviation List signers)
      "2.5.29.46",          // freshestCRL
      "2.23.136.1.1.6.1",   // ICAO LDS version
      "2.23.136.1.1.6.2",   // ICAO Document Type List
      "1.3.6.1.5.5.7.1.1",  // authorityInfoAccess
  };
  return kKnown.contains(oid);
}

}  // namespace

absl::StatusOr<std::string> NormalizeName(ByteSpan name_der) {
  absl::StatusOr<Tlv> t = ParseSingleTlv(name_der, asn1::kSequence, asn1::BerOptions());
  if (!t.ok()) return Bad("Name", t.status().message());
  ASSIGN_OR_RETURN(ParsedName n, ParseName(*t));
  return n.normalized;
}

struct Certificate::Impl {
  Bytes der;
  ParsedName subject;
  ParsedName issuer;
  Bytes serial;
  Bytes ski;
  Bytes aki;
  int64_t not_before = 0;
  int64_t not_after = 0;
  bool ca = false;
  bool unknown_critical = false;
  Bytes spki;
  Bytes fingerprint;
  Bytes tbs;
  asn1::AlgorithmIdentifier sig_alg;
  Bytes signature;
};

namespace {

absl::Status ParseExtension(const Tlv& ext, Certificate::Impl& c, bool& has_key_usage, bool& key_cert_sign) {
  RETURN_IF_ERROR(ExpectTag(ext, asn1::kSequence, "Extension"));
  ASSIGN_OR_RETURN(std::vector<Tlv> f, Children(ext, "Extension"));
  if (f.size() < 2 || f.size() > 3) return Bad("Extension", "expected 2 or 3 elements");
  ASSIGN_OR_RETURN(std::string oid, asn1::OidOf(f[0], "extnID"));
  bool critical = false;
  if (f.size() == 3) {
    RETURN_IF_ERROR(ExpectTag(f[1], asn1::kBoolean, "Extension critical"));
    critical = !f[1].value.empty() && f[1].value[0] != 0;
  }
  RETURN_IF_ERROR(ExpectTag(f.back(), asn1::kOctetString, "extnValue"));
  ByteSpan v = f.back().value;
  if (!KnownExtension(oid)) {
    if (critical) c.unknown_critical = true;
    return absl::OkStatus();
  }
  if (oid == "2.5.29.14") {
    absl::StatusOr<Tlv> ski = ParseSingleTlv(v, asn1::kOctetString);
    if (!ski.ok()) return Bad("subjectKeyIdentifier", ski.status().message());
    c.ski.assign(ski->value.begin(), ski->value.end());
  } else if (oid == "2.5.29.35") {
    absl::StatusOr<Tlv> aki = ParseSingleTlv(v, asn1::kSequence);
    if (!aki.ok()) return Bad("authorityKeyIdentifier", aki.status().message());
    ASSIGN_OR_RETURN(std::vector<Tlv> parts, Children(*aki, "authorityKeyIdentifier"));
    for (const Tlv& p : parts) {
      if (p.tag == asn1::ContextPrimitive(0)) c.aki.assign(p.value.begin(), p.value.end());
    }
  } else if (oid == "2.5.29.19") {
    absl::StatusOr<Tlv> bc = ParseSingleTlv(v, asn1::kSequence);
    if (!bc.ok()) return Bad("basicConstraints", bc.status().message());
    ASSIGN_OR_RETURN(std::vector<Tlv> parts, Children(*bc, "basicConstraints"));
    if (!parts.empty() && parts[0].tag == asn1::kBoolean) c.ca = !parts[0].value.empty() && parts[0].value[0] != 0;
  } else if (oid == "2.5.29.15") {
    absl::StatusOr<Tlv> ku = ParseSingleTlv(v, asn1::kBitString);
    if (!ku.ok() || ku->value.empty()) return Bad("keyUsage", "malformed");
    has_key_usage = true;
    // Bit 5 (keyCertSign) is 0x04 in the first content byte after the unused-bits byte.
    key_cert_sign = ku->value.size() >= 2 && (ku->value[1] & 0x04) != 0;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<Certificate::Impl>> ParseCertificate(ByteSpan der) {
  ASSIGN_OR_RETURN(Signed s, ParseSigned(der, "Certificate"));
  auto c = std::make_shared<Certificate::Impl>();
  c->der.assign(der.begin(), der.end());
  c->tbs.assign(s.tbs.raw.begin(), s.tbs.raw.end());
  c->sig_alg = s.algorithm;
  c->signature = s.signature;
  c->fingerprint = Hash(HashAlgorithm::kSha256, der);
  ASSIGN_OR_RETURN(std::vector<Tlv> f, Children(s.tbs, "TBSCertificate"));
  size_t i = 0;
  if (i < f.size() && f[i].tag == asn1::ContextConstructed(0)) ++i;  // version
  if (f.size() < i + 6) return Bad("TBSCertificate", "too few fields");
  RETURN_IF_ERROR(ExpectTag(f[i], asn1::kInteger, "serialNumber"));
  c->serial = Magnitude(f[i++].value);
  ++i;  // signature (inner AlgorithmIdentifier)
  ASSIGN_OR_RETURN(c->issuer, ParseName(f[i++]));
  RETURN_IF_ERROR(ExpectTag(f[i], asn1::kSequence, "Validity"));
  ASSIGN_OR_RETURN(std::vector<Tlv> validity, Children(f[i++], "Validity"));
  if (validity.size() != 2) return Bad("Validity", "expected notBefore and notAfter");
  ASSIGN_OR_RETURN(c->not_before, asn1::TimeOf(validity[0], "notBefore"));
  ASSIGN_OR_RETURN(c->not_after, asn1::TimeOf(validity[1], "notAfter"));
  ASSIGN_OR_RETURN(c->subject, ParseName(f[i++]));
  RETURN_IF_ERROR(ExpectTag(f[i], asn1::kSequence, "SubjectPublicKeyInfo"));
  c->spki.assign(f[i].raw.begin(), f[i].raw.end());
  ++i;
  bool has_key_usage = false;
  bool key_cert_sign = false;
  for (; i < f.size(); ++i) {
    if (f[i].tag != asn1::ContextConstructed(3)) continue;  // issuer/subject unique IDs
    ASSIGN_OR_RETURN(std::vector<Tlv> wrap, Children(f[i], "extensions"));
    if (wrap.size() != 1) return Bad("extensions", "expected one SEQUENCE");
    RETURN_IF_ERROR(ExpectTag(wrap[0], asn1::kSequence, "Extensions"));
    ASSIGN_OR_RETURN(std::vector<Tlv> exts, Children(wrap[0], "Extensions"));
    for (const Tlv& e : exts) RETURN_IF_ERROR(ParseExtension(e, *c, has_key_usage, key_cert_sign));
  }
  if (has_key_usage && !key_cert_sign) c->ca = false;
  return c;
}

}  // namespace

absl::StatusOr<Certificate> Certificate::FromDer(ByteSpan der) {
  ASSIGN_OR_RETURN(std::shared_ptr<Impl> impl, ParseCertificate(der));
  return Certificate(std::move(impl));
}

absl::StatusOr<std::vector<Certificate>> Certificate::ParseFile(ByteSpan content) {
  std::vector<Certificate> out;
  if (LooksLikePem(content)) {
    ASSIGN_OR_RETURN(std::vector<Bytes> blocks, PemBlocks(content, "CERTIFICATE"));
    if (blocks.empty()) return absl::InvalidArgumentError("PEM without a CERTIFICATE block");
    for (const Bytes& b : blocks) {
      ASSIGN_OR_RETURN(Certificate c, FromDer(b));
      out.push_back(std::move(c));
    }
    return out;
  }
  ASSIGN_OR_RETURN(Certificate c, FromDer(content));
  out.push_back(std::move(c));
  return out;
}

const Bytes& Certificate::der() const { return impl_->der; }
const std::string& Certificate::subject() const { return impl_->subject.normalized; }
const std::string& Certificate::issuer() const { return impl_->issuer.normalized; }
std::string Certificate::SubjectText() const { return impl_->subject.text; }
std::string Certificate::IssuerText() const { return impl_->issuer.text; }
const Bytes& Certificate::serial() const { return impl_->serial; }
const Bytes& Certificate::subject_key_id() const { return impl_->ski; }
const Bytes& Certificate::authority_key_id() const { return impl_->aki; }
int64_t Certificate::not_before() const { return impl_->not_before; }
int64_t Certificate::not_after() const { return impl_->not_after; }
bool Certificate::is_ca() const { return impl_->ca; }
bool Certificate::has_unknown_critical_extension() const { return impl_->unknown_critical; }
const Bytes& Certificate::spki() const { return impl_->spki; }
const Bytes& Certificate::fingerprint() const { return impl_->fingerprint; }

absl::StatusOr<bool> Certificate::IsSignedBy(const Certificate& issuer) const {
  return VerifySignature(issuer.spki(), impl_->sig_alg, std::nullopt, impl_->tbs, impl_->signature);
}

absl::StatusOr<bool> Certificate::IsSignedBy(const VerificationKey& issuer_key) const {
  return VerifySignature(issuer_key, impl_->sig_alg, std::nullopt, impl_->tbs, impl_->signature);
}

struct Crl::Impl {
  ParsedName issuer;
  int64_t this_update = 0;
  int64_t next_update = 0;
  std::map<Bytes, int64_t> revoked;  // serial -> revocationDate
  Bytes tbs;
  asn1::AlgorithmIdentifier sig_alg;
  Bytes signature;
};

absl::StatusOr<Crl> Crl::FromDer(ByteSpan der) {
  ASSIGN_OR_RETURN(Signed s, ParseSigned(der, "CertificateList"));
  auto c = std::make_shared<Impl>();
  c->tbs.assign(s.tbs.raw.begin(), s.tbs.raw.end());
  c->sig_alg = s.algorithm;
  c->signature = s.signature;
  ASSIGN_OR_RETURN(std::vector<Tlv> f, Children(s.tbs, "TBSCertList"));
  size_t i = 0;
  if (i < f.size() && f[i].tag == asn1::kInteger) ++i;  // version
  if (f.size() < i + 3) return Bad("TBSCertList", "too few fields");
  ++i;  // signature
  ASSIGN_OR_RETURN(c->issuer, ParseName(f[i++]));
  ASSIGN_OR_RETURN(c->this_update, asn1::TimeOf(f[i++], "thisUpdate"));
  if (i < f.size() && (f[i].tag == asn1::kUtcTime || f[i].tag == asn1::kGeneralizedTime)) {
    ASSIGN_OR_RETURN(c->next_update, asn1::TimeOf(f[i++], "nextUpdate"));
  }
  if (i < f.size() && f[i].tag == asn1::kSequence) {
    ASSIGN_OR_RETURN(std::vector<Tlv> entries, Children(f[i++], "revokedCertificates"));
    for (const Tlv& e : entries) {
      RETURN_IF_ERROR(ExpectTag(e, asn1::kSequence, "revoked certificate"));
      ASSIGN_OR_RETURN(std::vector<Tlv> ef, Children(e, "revoked certificate"));
      if (ef.size() < 2) return Bad("revoked certificate", "lacks userCertificate or revocationDate");
      RETURN_IF_ERROR(ExpectTag(ef[0], asn1::kInteger, "userCertificate"));
      ASSIGN_OR_RETURN(int64_t when, asn1::TimeOf(ef[1], "revocationDate"));
      // A serial listed twice counts from its earliest date.
      auto [it, fresh] = c->revoked.emplace(Magnitude(ef[0].value), when);
      if (!fresh) it->second = std::min(it->second, when);
    }
  }
  return Crl(std::move(c));
}

absl::StatusOr<std::vector<Crl>> Crl::ParseFile(ByteSpan content) {
  std::vector<Crl> out;
  if (LooksLikePem(content)) {
    ASSIGN_OR_RETURN(std::vector<Bytes> blocks, PemBlocks(content, "X509 CRL"));
    if (blocks.empty()) return absl::InvalidArgumentError("PEM without an X509 CRL block");
    for (const Bytes& b : blocks) {
      ASSIGN_OR_RETURN(Crl c, FromDer(b));
      out.push_back(std::move(c));
    }
    return out;
  }
  ASSIGN_OR_RETURN(Crl c, FromDer(content));
  out.push_back(std::move(c));
  return out;
}

const std::string& Crl::issuer() const { return impl_->issuer.normalized; }
std::string Crl::IssuerText() const { return impl_->issuer.text; }
int64_t Crl::this_update() const { return impl_->this_update; }
int64_t Crl::next_update() const { return impl_->next_update; }
bool Crl::Lists(const Certificate& cert) const { return impl_->revoked.contains(cert.serial()); }
std::optional<int64_t> Crl::RevocationTime(const Certificate& cert) const {
  auto it = impl_->revoked.find(cert.serial());
  if (it == impl_->revoked.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<bool> Crl::IsSignedBy(const Certificate& issuer) const {
  return VerifySignature(issuer.spki(), impl_->sig_alg, std::nullopt, impl_->tbs, impl_->signature);
}

}  // namespace docval::emrtd::x509
