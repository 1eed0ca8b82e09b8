#include "validator/emrtd/auth/passive_auth.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "validator/emrtd/crypto/cms.h"
#include "validator/emrtd/crypto/hash.h"
#include "validator/emrtd/crypto/signature.h"

namespace docval::emrtd {

bool PassiveAuthResult::Binds(int dg) const {
  if (!details.sod_signature_valid || !details.document_certificate_valid) return false;
  for (int v : details.data_groups_with_valid_hash) {
    if (v == dg) return true;
  }
  return false;
}

SodInfo SodInfoOf(const Sod& sod) {
  SodInfo info;
  info.hash_algorithm = std::string(HashName(sod.lds.hash_algorithm));
  for (const auto& [dg, hash] : sod.lds.data_group_hashes) info.hash_for_data_group.emplace_back(dg, hash);
  return info;
}

SignedObjectVerdict VerifySignedObject(const cms::SignedData& sd, const TrustStore* store, int64_t now,
                                       VerificationKeyCache* signer_keys) {
  SignedObjectVerdict v;
  std::shared_ptr<const VerificationKey> loaded;  // the signer's key, when loaded here
  // 1. The signature.
  const cms::SignerInfo* si = nullptr;
  if (sd.signers.size() != 1) {
    v.errors.push_back(absl::StrCat("the signed object has ", sd.signers.size(), " signers, expected 1"));
  } else {
    si = &sd.signers[0];
    v.document_signer = FindSignerCertificate(sd, *si, store != nullptr ? &store->certificates() : nullptr);
    if (!v.document_signer) {
      v.errors.push_back("document signer certificate not found");
    } else {
      bool from_cache = false;
      absl::StatusOr<std::shared_ptr<const VerificationKey>> key =
          KeyOfCertificate(*v.document_signer, signer_keys, &from_cache);
      // A key that does not load is reported by the SPKI's own verification, as without a cache.
      absl::Status s =
          key.ok() ? cms::VerifySignerInfo(sd, *si, **key) : cms::VerifySignerInfo(sd, *si, v.document_signer->spki());
      if (key.ok() && !from_cache) loaded = *key;
      v.signature_valid = s.ok();
      if (!s.ok()) v.errors.push_back(absl::StrCat("SOD signature invalid: ", s.message()));
    }
  }
  // 2. The Document Signer certificate chain, at the signing time when the signer states one.
  if (v.document_signer) {
    if (store == nullptr) {
      v.errors.push_back("no trust store configured: document signer certificate not verifiable");
    } else {
      int64_t at = now;
      if (si != nullptr && si->signing_time && *si->signing_time <= now) at = *si->signing_time;
      ChainVerdict chain = store->Verify(*v.document_signer, at);
      v.certificate_valid = chain.valid;
      if (!chain.valid) v.errors.push_back(chain.error);
      v.notes = std::move(chain.notes);
    }
  }
  // Only a key whose certificate chains to the trust store and verified the object is kept: a chip
  // cannot fill the cache with certificates of its own.
  if (signer_keys != nullptr && loaded != nullptr && v.valid()) {
    signer_keys->Store(v.document_signer->fingerprint(), std::move(loaded));
  }
  return v;
}

absl::Status CheckSignerKeyBudget(const cms::SignedData& sd, const TrustStore* store, const SessionLimits& limits) {
  if (sd.signers.size() != 1) return absl::OkStatus();
  std::optional<x509::Certificate> signer =
      FindSignerCertificate(sd, sd.signers[0], store != nullptr ? &store->certificates() : nullptr);
  if (!signer) return absl::OkStatus();
  bool from_chip = false;
  for (const x509::Certificate& c : sd.certificates) from_chip = from_chip || c.der() == signer->der();
  if (!from_chip) return absl::OkStatus();
  return CheckChipKeyBudget(signer->spki(), limits.max_rsa_bits, limits.max_rsa_exponent_bits);
}

PassiveAuthResult VerifyPassiveAuthentication(const Sod& sod, const std::map<int, Bytes>& data_groups,
                                              const TrustStore* store, int64_t now, VerificationKeyCache* signer_keys) {
  PassiveAuthResult r;
  r.sod_info = SodInfoOf(sod);
  SignedObjectVerdict signed_object = VerifySignedObject(sod.signed_data, store, now, signer_keys);
  r.details.sod_signature_valid = signed_object.signature_valid;
  r.details.document_certificate_valid = signed_object.certificate_valid;
  r.document_signer = signed_object.document_signer;
  std::vector<std::string> errors = signed_object.errors;
  r.details.notes = signed_object.notes;

  // 3. The data-group hashes over the bytes read.
  std::vector<std::string> bad_hashes;
  for (const auto& [dg, bytes] : data_groups) {
    r.details.data_groups_checked.push_back(dg);
    auto expected = sod.lds.data_group_hashes.find(dg);
    if (expected == sod.lds.data_group_hashes.end()) {
      bad_hashes.push_back(absl::StrCat("DG", dg, " is not listed in EF.SOD"));
    } else if (Hash(sod.lds.hash_algorithm, bytes) != expected->second) {
      bad_hashes.push_back(absl::StrCat("hash mismatch for DG", dg));
    } else {
      r.details.data_groups_with_valid_hash.push_back(dg);
    }
  }
  r.details.all_hashes_valid = !r.details.data_groups_checked.empty() && bad_hashes.empty();
  if (r.details.data_groups_checked.empty()) bad_hashes.push_back("no data group to check");
  errors.insert(errors.end(), bad_hashes.begin(), bad_hashes.end());

  if (sod.econtent_type_id_data) {
    r.details.notes.push_back(absl::StrCat("EF.SOD declares eContentType id-data (", kIdData,
                                           ") instead of id-icao-mrtd-security-ldsSecurityObject (",
                                           kIdLdsSecurityObject, "); its content is an LDS security object"));
  }
  r.passive_authentication =
      r.details.sod_signature_valid && r.details.document_certificate_valid && r.details.all_hashes_valid;
  if (!errors.empty()) r.details.error = absl::StrJoin(errors, "; ");
  if (r.passive_authentication) r.details.error.reset();
  return r;
}

PassiveAuthResult VerifyPassiveAuthentication(ByteSpan ef_sod, const std::map<int, Bytes>& data_groups,
                                              const TrustStore* store, int64_t now) {
  absl::StatusOr<Sod> sod = ParseSod(ef_sod);
  if (sod.ok()) return VerifyPassiveAuthentication(*sod, data_groups, store, now);
  PassiveAuthResult r;
  for (const auto& [dg, bytes] : data_groups) r.details.data_groups_checked.push_back(dg);
  r.details.error = std::string(sod.status().message());
  return r;
}

}  // namespace docval::emrtd
