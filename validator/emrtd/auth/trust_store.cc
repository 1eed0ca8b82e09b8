#include "validator/emrtd/auth/trust_store.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/status_macros.h"
#include "validator/emrtd/crypto/asn1_util.h"
#include "validator/emrtd/crypto/cms.h"

namespace docval::emrtd {
namespace {

// "2025-01-01T00:00:00Z".
std::string UtcText(int64_t unix_seconds) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(unix_seconds), absl::UTCTimeZone());
}

absl::Status FileError(absl::string_view origin, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(origin, ": ", why));
}

// The certificates of a CscaMasterList ::= SEQUENCE { version INTEGER, certList SET OF Certificate }.
absl::StatusOr<std::vector<x509::Certificate>> MasterListCertificates(ByteSpan content) {
  ASSIGN_OR_RETURN(Tlv top, asn1::ParseOne(content, asn1::kSequence, "CscaMasterList"));
  ASSIGN_OR_RETURN(std::vector<Tlv> f, asn1::Children(top, "CscaMasterList"));
  if (f.size() != 2) return absl::InvalidArgumentError("CscaMasterList: expected version and certList");
  ASSIGN_OR_RETURN(int64_t version, asn1::SmallIntegerOf(f[0], "CscaMasterList version"));
  (void)version;
  RETURN_IF_ERROR(asn1::ExpectTag(f[1], asn1::kSet, "CscaMasterList certList"));
  ASSIGN_OR_RETURN(std::vector<Tlv> certs, asn1::Children(f[1], "CscaMasterList certList"));
  std::vector<x509::Certificate> out;
  for (size_t i = 0; i < certs.size(); ++i) {
    absl::StatusOr<x509::Certificate> c = x509::Certificate::FromDer(certs[i].raw);
    if (!c.ok()) return absl::InvalidArgumentError(absl::StrCat("certificate #", i + 1, ": ", c.status().message()));
    out.push_back(*std::move(c));
  }
  return out;
}

bool IsPem(ByteSpan content, absl::string_view label) {
  absl::string_view text(reinterpret_cast<const char*>(content.data()), content.size());
  return text.find(absl::StrCat("-----BEGIN ", label, "-----")) != absl::string_view::npos;
}

}  // namespace

std::optional<x509::Certificate> FindSignerCertificate(const cms::SignedData& sd, const cms::SignerInfo& signer,
                                                       const std::vector<x509::Certificate>* more) {
  const cms::SignerIdentifier& sid = signer.sid;
  std::optional<std::string> issuer;
  if (sid.issuer) {
    absl::StatusOr<std::string> n = x509::NormalizeName(*sid.issuer);
    if (n.ok()) issuer = *n;
  }
  auto matches = [&](const x509::Certificate& c) {
    if (sid.subject_key_identifier) return c.subject_key_id() == *sid.subject_key_identifier;
    return issuer && c.issuer() == *issuer && c.serial() == sid.serial;
  };
  for (const x509::Certificate& c : sd.certificates) {
    if (matches(c)) return c;
  }
  if (more != nullptr) {
    for (const x509::Certificate& c : *more) {
      if (matches(c)) return c;
    }
  }
  return std::nullopt;
}

absl::Status TrustStore::Builder::AddCertificate(const x509::Certificate& cert) {
  certs_.push_back(cert);
  return absl::OkStatus();
}

absl::Status TrustStore::Builder::AddCertificates(ByteSpan content, absl::string_view origin) {
  absl::StatusOr<std::vector<x509::Certificate>> certs = x509::Certificate::ParseFile(content);
  if (!certs.ok()) return FileError(origin, certs.status().message());
  for (const x509::Certificate& c : *certs) certs_.push_back(c);
  return absl::OkStatus();
}

absl::Status TrustStore::Builder::AddMasterList(ByteSpan content, absl::string_view origin) {
  absl::StatusOr<cms::SignedData> sd = cms::ParseSignedData(content);
  if (!sd.ok()) return FileError(origin, sd.status().message());
  if (sd->content_type != kIdCscaMasterList) {
    return FileError(origin, absl::StrCat("eContentType ", sd->content_type, " is not a CSCA master list"));
  }
  if (!sd->content) return FileError(origin, "master list without content");
  absl::StatusOr<std::vector<x509::Certificate>> list = MasterListCertificates(*sd->content);
  if (!list.ok()) return FileError(origin, list.status().message());
  if (sd->signers.empty()) {
    warnings_.push_back(
        absl::StrCat(origin, ": master list has no signer; its certificates are trusted as configured"));
  }
  for (const cms::SignerInfo& si : sd->signers) {
    std::optional<x509::Certificate> signer = FindSignerCertificate(*sd, si);
    if (!signer) return FileError(origin, "the master list signer's certificate is not in the CMS");
    absl::Status v = cms::VerifySignerInfo(*sd, si, signer->spki());
    if (!v.ok()) return FileError(origin, absl::StrCat("master list signature: ", v.message()));
    // The signer must be vouched for by a CSCA: one of the list itself or one already trusted.
    bool vouched = false;
    for (const std::vector<x509::Certificate>* pool : {&*list, &certs_}) {
      for (const x509::Certificate& csca : *pool) {
        if (vouched || csca.subject() != signer->issuer()) continue;
        absl::StatusOr<bool> ok = signer->IsSignedBy(csca);
        vouched = ok.ok() && *ok;
      }
    }
    if (!vouched) {
      return FileError(origin, absl::StrCat("the master list signer (", signer->SubjectText(),
                                            ") is not issued by a CSCA of the list or of the store"));
    }
  }
  for (const x509::Certificate& c : *list) certs_.push_back(c);
  return absl::OkStatus();
}

absl::Status TrustStore::Builder::AddCrls(ByteSpan content, absl::string_view origin) {
  absl::StatusOr<std::vector<x509::Crl>> crls = x509::Crl::ParseFile(content);
  if (!crls.ok()) return FileError(origin, crls.status().message());
  for (const x509::Crl& c : *crls) crls_.emplace_back(c, std::string(origin));
  return absl::OkStatus();
}

absl::Status TrustStore::Builder::AddAny(ByteSpan content, absl::string_view origin) {
  if (IsPem(content, "X509 CRL")) return AddCrls(content, origin);
  if (IsPem(content, "CERTIFICATE")) return AddCertificates(content, origin);
  if (x509::Certificate::FromDer(content).ok()) return AddCertificates(content, origin);
  absl::StatusOr<cms::SignedData> sd = cms::ParseSignedData(content);
  if (sd.ok()) return AddMasterList(content, origin);
  if (x509::Crl::FromDer(content).ok()) return AddCrls(content, origin);
  return FileError(origin, "neither a certificate, a CSCA master list nor a CRL");
}

std::shared_ptr<const TrustStore> TrustStore::Builder::Build() && {
  std::shared_ptr<TrustStore> store(new TrustStore());
  std::set<Bytes> seen;
  for (x509::Certificate& c : certs_) {
    if (!seen.insert(c.fingerprint()).second) continue;
    store->by_subject_.emplace(c.subject(), store->certs_.size());
    // Loaded once for the snapshot: Verify() checks every session's Document Signer with it. A key
    // that does not load stays null, and Verify() reports the error as the certificate gives it.
    absl::StatusOr<std::shared_ptr<const VerificationKey>> key = VerificationKey::Load(c.spki());
    store->keys_.push_back(key.ok() ? *std::move(key) : nullptr);
    store->certs_.push_back(std::move(c));
  }
  for (auto& [crl, origin] : crls_) {
    bool verified = false;
    auto [lo, hi] = store->by_subject_.equal_range(crl.issuer());
    for (auto it = lo; it != hi && !verified; ++it) {
      absl::StatusOr<bool> ok = crl.IsSignedBy(store->certs_[it->second]);
      verified = ok.ok() && *ok;
    }
    if (verified) {
      store->crls_.push_back(std::move(crl));
    } else {
      warnings_.push_back(absl::StrCat(origin, ": CRL of ", crl.IssuerText(),
                                       " is not signed by a trusted CSCA; ignored"));
    }
  }
  store->warnings_ = std::move(warnings_);
  store->crl_expired_ = crl_expired_;
  for (const x509::Certificate& c : store->certs_) store->not_after_.push_back(c.not_after());
  std::sort(store->not_after_.begin(), store->not_after_.end());
  // Per issuer, the latest nextUpdate; 0 (no nextUpdate) wins, as the CRL never expires.
  std::map<std::string, int64_t> latest;
  for (const x509::Crl& crl : store->crls_) {
    auto [it, inserted] = latest.emplace(crl.issuer(), crl.next_update());
    if (!inserted && it->second != 0) it->second = crl.next_update() == 0 ? 0 : std::max(it->second, crl.next_update());
  }
  for (const auto& [issuer, next_update] : latest) {
    if (next_update == 0) continue;
    if (!store->earliest_crl_next_update_ || next_update < *store->earliest_crl_next_update_) {
      store->earliest_crl_next_update_ = next_update;
    }
  }
  return store;
}

std::optional<int64_t> TrustStore::EarliestExpiryAfter(int64_t unix_seconds) const {
  auto it = std::lower_bound(not_after_.begin(), not_after_.end(), unix_seconds);
  if (it == not_after_.end()) return std::nullopt;
  return *it;
}

std::vector<size_t> TrustStore::CandidateIndices(const x509::Certificate& cert) const {
  std::vector<size_t> out;
  auto [lo, hi] = by_subject_.equal_range(cert.issuer());
  for (auto it = lo; it != hi; ++it) {
    const x509::Certificate& c = certs_[it->second];
    if (!cert.authority_key_id().empty() && !c.subject_key_id().empty() &&
        cert.authority_key_id() != c.subject_key_id()) {
      continue;
    }
    out.push_back(it->second);
  }
  return out;
}

std::vector<x509::Certificate> TrustStore::CandidateIssuers(const x509::Certificate& cert) const {
  std::vector<x509::Certificate> out;
  for (size_t i : CandidateIndices(cert)) out.push_back(certs_[i]);
  return out;
}

ChainVerdict TrustStore::Verify(const x509::Certificate& leaf, int64_t t) const {
  ChainVerdict v;
  std::vector<size_t> candidates = CandidateIndices(leaf);
  if (candidates.empty()) {
    // Fall back to name-only candidates: some issuers put a stale authority key identifier.
    auto [lo, hi] = by_subject_.equal_range(leaf.issuer());
    for (auto it = lo; it != hi; ++it) candidates.push_back(it->second);
  }
  if (candidates.empty()) {
    v.error = absl::StrCat("no trusted CSCA for issuer ", leaf.IssuerText());
    return v;
  }
  for (size_t i : candidates) {
    absl::StatusOr<bool> ok = keys_[i] != nullptr ? leaf.IsSignedBy(*keys_[i]) : leaf.IsSignedBy(certs_[i]);
    if (ok.ok() && *ok) {
      v.issuer = certs_[i];
      break;
    }
  }
  if (!v.issuer) {
    v.error = absl::StrCat("document signer certificate is not signed by a trusted CSCA of ", leaf.IssuerText());
    return v;
  }
  const x509::Certificate& csca = *v.issuer;
  if (!csca.is_ca()) {
    v.error = absl::StrCat("issuer ", csca.SubjectText(), " is not a CA certificate");
  } else if (!csca.ValidAt(t)) {
    v.error = absl::StrCat("CSCA certificate ", csca.SubjectText(), " is not valid at the validation time");
  } else if (!leaf.ValidAt(t)) {
    v.error = t > leaf.not_after() ? "document signer certificate has expired"
                                   : "document signer certificate is not yet valid";
  } else if (leaf.has_unknown_critical_extension()) {
    v.error = "document signer certificate has an unknown critical extension";
  } else if (csca.has_unknown_critical_extension()) {
    v.error = "CSCA certificate has an unknown critical extension";
  } else {
    CheckRevocation(leaf, t, v);
  }
  v.valid = v.error.empty();
  return v;
}

void TrustStore::CheckRevocation(const x509::Certificate& leaf, int64_t t, ChainVerdict& v) const {
  bool any_crl = false, any_current = false;
  int64_t latest_next_update = 0;
  for (const x509::Crl& crl : crls_) {
    if (crl.issuer() != leaf.issuer()) continue;
    any_crl = true;
    if (crl.next_update() == 0 || crl.next_update() >= t) any_current = true;
    latest_next_update = std::max(latest_next_update, crl.next_update());
    std::optional<int64_t> revoked = crl.RevocationTime(leaf);
    if (!revoked) continue;
    if (*revoked <= t) {
      v.error = absl::StrCat("document signer certificate is revoked (since ", UtcText(*revoked), ")");
      return;
    }
    v.notes.push_back(absl::StrCat("the CRL of ", crl.IssuerText(), " revokes the document signer certificate as of ",
                                   UtcText(*revoked), ", after the validation time ", UtcText(t)));
  }
  if (!any_crl || any_current) return;
  const std::string expired = absl::StrCat("the CRL of ", leaf.IssuerText(), " has expired (nextUpdate ",
                                           UtcText(latest_next_update), " is before the validation time ",
                                           UtcText(t), ")");
  if (crl_expired_ == CrlExpiredPolicy::kFail) {
    v.error = expired;
  } else {
    v.notes.push_back(expired);
  }
}

}  // namespace docval::emrtd
