#include "validator/emrtd/crypto/cms.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "validator/emrtd/crypto/hash.h"
#include "validator/emrtd/crypto/signature.h"

namespace docval::emrtd::cms {
namespace {

using asn1::Children;
using asn1::ExpectTag;

constexpr uint32_t kSodWrapper = 0x77;

absl::Status Bad(absl::string_view why) { return absl::InvalidArgumentError(absl::StrCat("CMS: ", why)); }

absl::Status ParseAttributes(const Tlv& attrs_tlv, SignerInfo& si) {
  ASSIGN_OR_RETURN(auto attrs, Children(attrs_tlv, "CMS signedAttrs"));
  for (const Tlv& attr : attrs) {
    if (absl::Status s = ExpectTag(attr, asn1::kSequence, "CMS Attribute"); !s.ok()) return s;
    ASSIGN_OR_RETURN(auto parts, Children(attr, "CMS Attribute"));
    if (parts.size() != 2) return Bad("Attribute must have a type and a value set");
    ASSIGN_OR_RETURN(auto type, asn1::OidOf(parts[0], "CMS Attribute type"));
    if (absl::Status s = ExpectTag(parts[1], asn1::kSet, "CMS Attribute values"); !s.ok()) return s;
    ASSIGN_OR_RETURN(auto values, Children(parts[1], "CMS Attribute values"));
    const bool known = type == kIdContentType || type == kIdMessageDigest || type == kIdSigningTime;
    if (!known) continue;
    if (values.size() != 1) return Bad(absl::StrCat("attribute ", type, " must have exactly one value"));
    const Tlv& v = values[0];
    if (type == kIdContentType) {
      if (si.content_type) return Bad("content-type attribute repeated");
      ASSIGN_OR_RETURN(auto oid, asn1::OidOf(v, "content-type attribute"));
      si.content_type = oid;
    } else if (type == kIdMessageDigest) {
      if (si.message_digest) return Bad("message-digest attribute repeated");
      if (absl::Status s = ExpectTag(v, asn1::kOctetString, "message-digest attribute"); !s.ok()) return s;
      si.message_digest = Bytes(v.value.begin(), v.value.end());
    } else {
      if (si.signing_time) return Bad("signing-time attribute repeated");
      ASSIGN_OR_RETURN(auto t, asn1::TimeOf(v, "signing-time attribute"));
      si.signing_time = t;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<SignerInfo> ParseSignerInfo(const Tlv& t) {
  if (absl::Status s = ExpectTag(t, asn1::kSequence, "CMS SignerInfo"); !s.ok()) return s;
  ASSIGN_OR_RETURN(auto f, Children(t, "CMS SignerInfo"));
  if (f.size() < 5) return Bad("SignerInfo too short");
  SignerInfo si;
  size_t i = 0;
  ASSIGN_OR_RETURN(auto version, asn1::SmallIntegerOf(f[i++], "SignerInfo version"));
  si.version = version;
  const Tlv& sid = f[i++];
  if (sid.tag == asn1::kSequence) {
    ASSIGN_OR_RETURN(auto ias, Children(sid, "IssuerAndSerialNumber"));
    if (ias.size() != 2) return Bad("IssuerAndSerialNumber must have 2 elements");
    if (absl::Status s = ExpectTag(ias[0], asn1::kSequence, "issuer Name"); !s.ok()) return s;
    si.sid.issuer = Bytes(ias[0].raw.begin(), ias[0].raw.end());
    // Serial numbers are positive, but some issuers encode them negative: keep the raw magnitude.
    if (absl::Status s = ExpectTag(ias[1], asn1::kInteger, "serialNumber"); !s.ok()) return s;
    size_t z = 0;
    while (z < ias[1].value.size() && ias[1].value[z] == 0) ++z;
    si.sid.serial = Bytes(ias[1].value.begin() + static_cast<ptrdiff_t>(z), ias[1].value.end());
  } else if (sid.tag == asn1::ContextPrimitive(0)) {
    si.sid.subject_key_identifier = Bytes(sid.value.begin(), sid.value.end());
  } else {
    return Bad("unknown SignerIdentifier");
  }
  ASSIGN_OR_RETURN(auto dalg, asn1::AlgorithmIdentifierOf(f[i++], "SignerInfo digestAlgorithm"));
  si.digest_algorithm = dalg;
  if (i < f.size() && f[i].tag == asn1::ContextConstructed(0)) {
    const Tlv& attrs = f[i++];
    si.signed_attributes = EncodeTlv(asn1::kSet, attrs.value);
    if (absl::Status s = ParseAttributes(attrs, si); !s.ok()) return s;
  }
  if (i + 2 > f.size()) return Bad("SignerInfo lacks its signature");
  ASSIGN_OR_RETURN(auto salg, asn1::AlgorithmIdentifierOf(f[i++], "SignerInfo signatureAlgorithm"));
  si.signature_algorithm = salg;
  ASSIGN_OR_RETURN(auto sig, asn1::OctetStringOf(f[i++], "SignerInfo signature"));
  si.signature = sig;
  if (i < f.size() && f[i].tag == asn1::ContextConstructed(1)) ++i;  // unsignedAttrs: ignored
  if (i != f.size()) return Bad("unexpected data at the end of SignerInfo");
  return si;
}

}  // namespace

absl::StatusOr<SignedData> ParseSignedData(ByteSpan input) {
  size_t used = 0;
  absl::StatusOr<Tlv> outer = ParseTlv(input, &used, asn1::BerOptions());
  if (!outer.ok()) return Bad(outer.status().message());
  if (used != input.size()) return Bad(absl::StrCat(input.size() - used, " bytes after the ContentInfo"));
  Tlv ci = *outer;
  if (ci.tag == kSodWrapper) {
    ASSIGN_OR_RETURN(auto inner, asn1::ParseOne(ci.value, asn1::kSequence, "EF.SOD content"));
    ci = inner;
  }
  if (absl::Status s = ExpectTag(ci, asn1::kSequence, "CMS ContentInfo"); !s.ok()) return s;
  ASSIGN_OR_RETURN(auto ci_parts, Children(ci, "CMS ContentInfo"));
  if (ci_parts.size() != 2) return Bad("ContentInfo must have 2 elements");
  ASSIGN_OR_RETURN(auto ct, asn1::OidOf(ci_parts[0], "ContentInfo contentType"));
  if (ct != kIdSignedData) return Bad(absl::StrCat("content type ", ct, " is not id-signedData"));
  if (absl::Status s = ExpectTag(ci_parts[1], asn1::ContextConstructed(0), "ContentInfo content"); !s.ok()) return s;
  ASSIGN_OR_RETURN(auto sd_wrap, Children(ci_parts[1], "ContentInfo content"));
  if (sd_wrap.size() != 1) return Bad("ContentInfo content must hold one SignedData");
  const Tlv& sd_tlv = sd_wrap[0];
  if (absl::Status s = ExpectTag(sd_tlv, asn1::kSequence, "SignedData"); !s.ok()) return s;
  ASSIGN_OR_RETURN(auto f, Children(sd_tlv, "SignedData"));
  if (f.size() < 4) return Bad("SignedData too short");

  SignedData sd;
  size_t i = 0;
  ASSIGN_OR_RETURN(auto version, asn1::SmallIntegerOf(f[i++], "SignedData version"));
  sd.version = version;
  if (absl::Status s = ExpectTag(f[i], asn1::kSet, "SignedData digestAlgorithms"); !s.ok()) return s;
  ASSIGN_OR_RETURN(auto dalgs, Children(f[i++], "SignedData digestAlgorithms"));
  for (const Tlv& d : dalgs) {
    ASSIGN_OR_RETURN(auto a, asn1::AlgorithmIdentifierOf(d, "SignedData digestAlgorithm"));
    sd.digest_algorithms.push_back(std::move(a));
  }
  if (absl::Status s = ExpectTag(f[i], asn1::kSequence, "EncapsulatedContentInfo"); !s.ok()) return s;
  ASSIGN_OR_RETURN(auto eci, Children(f[i++], "EncapsulatedContentInfo"));
  if (eci.empty() || eci.size() > 2) return Bad("EncapsulatedContentInfo must have 1 or 2 elements");
  ASSIGN_OR_RETURN(auto ect, asn1::OidOf(eci[0], "eContentType"));
  sd.content_type = ect;
  if (eci.size() == 2) {
    if (absl::Status s = ExpectTag(eci[1], asn1::ContextConstructed(0), "eContent"); !s.ok()) return s;
    ASSIGN_OR_RETURN(auto ec, Children(eci[1], "eContent"));
    if (ec.size() != 1) return Bad("eContent must hold one OCTET STRING");
    ASSIGN_OR_RETURN(auto content, asn1::OctetStringOf(ec[0], "eContent"));
    sd.content = std::move(content);
  }
  if (i < f.size() && f[i].tag == asn1::ContextConstructed(0)) {
    ASSIGN_OR_RETURN(auto certs, Children(f[i++], "SignedData certificates"));
    for (const Tlv& c : certs) {
      if (c.tag != asn1::kSequence) continue;
      absl::StatusOr<x509::Certificate> cert = x509::Certificate::FromDer(c.raw);
      if (cert.ok()) sd.certificates.push_back(*std::move(cert));
    }
  }
  if (i < f.size() && f[i].tag == asn1::ContextConstructed(1)) {
    ASSIGN_OR_RETURN(auto crls, Children(f[i++], "SignedData crls"));
    for (const Tlv& c : crls) {
      if (c.tag == asn1::kSequence) sd.crls.emplace_back(c.raw.begin(), c.raw.end());
    }
  }
  if (i >= f.size()) return Bad("SignedData lacks signerInfos");
  if (absl::Status s = ExpectTag(f[i], asn1::kSet, "SignedData signerInfos"); !s.ok()) return s;
  ASSIGN_OR_RETURN(auto sis, Children(f[i++], "SignedData signerInfos"));
  for (const Tlv& s : sis) {
    ASSIGN_OR_RETURN(auto si, ParseSignerInfo(s));
    sd.signers.push_back(std::move(si));
  }
  if (i != f.size()) return Bad("unexpected data at the end of SignedData");
  return sd;
}

namespace {

// The checks of VerifySignerInfo before the signature, then `verify` on the bytes it covers.
template <typename Verify>
absl::Status CheckSignerInfo(const SignedData& data, const SignerInfo& signer, Verify verify) {
  std::optional<HashAlgorithm> digest = HashFromOid(signer.digest_algorithm.oid);
  if (!digest) return Bad(absl::StrCat("unsupported digest algorithm ", signer.digest_algorithm.oid));
  if (!data.content) return Bad("no encapsulated content to verify (detached signature)");
  ByteSpan signed_bytes = *data.content;
  if (signer.signed_attributes) {
    if (!signer.content_type) return Bad("signed attributes lack the content-type attribute");
    if (!signer.message_digest) return Bad("signed attributes lack the message-digest attribute");
    if (*signer.content_type != data.content_type) {
      return absl::PermissionDeniedError(absl::StrCat("CMS: content-type attribute ", *signer.content_type,
                                                      " differs from eContentType ", data.content_type));
    }
    if (Hash(*digest, *data.content) != *signer.message_digest) {
      return absl::PermissionDeniedError("CMS: message digest mismatch");
    }
    signed_bytes = *signer.signed_attributes;
  }
  absl::StatusOr<bool> ok = verify(signer.signature_algorithm, digest, signed_bytes, signer.signature);
  if (!ok.ok()) return Bad(ok.status().message());
  if (!*ok) return absl::PermissionDeniedError("CMS: signature does not verify");
  return absl::OkStatus();
}

}  // namespace

absl::Status VerifySignerInfo(const SignedData& data, const SignerInfo& signer, ByteSpan signer_spki) {
  return CheckSignerInfo(data, signer, [&](const auto&... args) { return VerifySignature(signer_spki, args...); });
}

absl::Status VerifySignerInfo(const SignedData& data, const SignerInfo& signer, const VerificationKey& signer_key) {
  return CheckSignerInfo(data, signer, [&](const auto&... args) { return VerifySignature(signer_key, args...); });
}

}  // namespace docval::emrtd::cms
