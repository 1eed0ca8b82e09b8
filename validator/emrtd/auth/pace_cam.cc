#include "validator/emrtd/auth/pace_cam.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "validator/emrtd/auth/chip_auth.h"
#include "validator/emrtd/auth/passive_auth.h"
#include "validator/emrtd/lds/card_security.h"

namespace docval::emrtd {

CamVerdict CheckCam(const PaceResult& pace, const KeyAgreementGroup& domain, ByteSpan ef_card_security,
                    const TrustStore* store, int64_t now) {
  CamVerdict v;
  if (pace.protocol.mapping != PaceMapping::kChipAuthentication) {
    v.detail = "PACE did not use Chip Authentication Mapping";
    return v;
  }
  absl::StatusOr<CardSecurity> cs = ParseCardSecurity(ef_card_security);
  if (!cs.ok()) {
    v.detail = std::string(cs.status().message());
    return v;
  }
  SignedObjectVerdict signed_object = VerifySignedObject(cs->signed_data, store, now);
  if (!signed_object.valid()) {
    v.detail = absl::StrCat("EF.CardSecurity: ", absl::StrJoin(signed_object.errors, "; "));
    return v;
  }
  // The Chip Authentication key on the PACE domain parameters.
  std::string why = "EF.CardSecurity has no Chip Authentication key on the PACE domain parameters";
  for (const ChipAuthenticationPublicKeyInfo& key : cs->infos.chip_authentication_public_keys) {
    SecurityInfos one;
    one.chip_authentication_public_keys.push_back(key);
    absl::StatusOr<ChipAuthParameters> p = SelectChipAuthentication(one);
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
