#include "validator/emrtd/auth/pace_cam.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "validator/emrtd/auth/chip_auth.h"
#include "validator/emrtd/auth/passive_auth.h"
#include "validator/emrtd/lds/card_security.h"

namespace docval::emrtd {

CamVerdict CheckCam(const PaceResult& pace, const KeyAgreementGroup& domain, ByteSpan ef_card_security,
                    const TrustStore* store, int64_t now, const SessionLimits& limits, DhGroupOptions dh,
                    VerificationKeyCache* signer_keys) {
  CamVerdict v;
  if (pace.protocol.mapping != PaceMapping::kChipAuthentication) {
    v.detail = "PACE did not use Chip Authentication Mapping";
    return v;
  }
  auto over = [&v](absl::Status s) {
    v.detail = std::string(s.message());
    v.limit = std::move(s);
    return v;
  };
  absl::StatusOr<CardSecurity> cs = ParseCardSecurity(ef_card_security, limits.max_security_infos);
  if (IsLimitExceeded(cs.status())) return over(cs.status());
  if (!cs.ok()) {
    v.detail = std::string(cs.status().message());
    return v;
  }
  if (absl::Status budget = CheckSignerKeyBudget(cs->signed_data, store, limits); !budget.ok()) return over(budget);
  SignedObjectVerdict signed_object = VerifySignedObject(cs->signed_data, store, now, signer_keys);
  if (!signed_object.valid()) {
    v.detail = absl::StrCat("EF.CardSecurity: ", absl::StrJoin(signed_object.errors, "; "));
    return v;
  }
  // The Chip Authentication key on the PACE domain parameters.
  std::string why = "EF.CardSecurity has no Chip Authentication key on the PACE domain parameters";
  dh.max_p_bits = limits.max_dh_bits;
  const ChipAuthOptions options{.max_keys = 1, .dh = dh};
  size_t tried = 0;
  for (const ChipAuthenticationPublicKeyInfo& key : cs->infos.chip_authentication_public_keys) {
    if (++tried > limits.max_chip_auth_keys) {
      return over(LimitExceeded("max_chip_auth_keys", absl::StrCat("EF.CardSecurity: more than ",
                                                                    limits.max_chip_auth_keys, " keys to try")));
    }
    SecurityInfos one;
    one.chip_authentication_public_keys.push_back(key);
    absl::StatusOr<ChipAuthParameters> p = SelectChipAuthentication(one, options);
    if (IsLimitExceeded(p.status())) return over(p.status());
    if (!p.ok() || !(p->group == domain)) continue;
    absl::Status bound = VerifyCamBinding(pace, domain, p->chip_public_key);
    if (bound.ok()) {
      v.result = CheckResult::kSuccess;
      v.detail.clear();
      return v;
    }
    why = absl::StrCat("PACE-CAM: ", bound.message());
  }
  v.detail = why;
  return v;
}

}  // namespace docval::emrtd
