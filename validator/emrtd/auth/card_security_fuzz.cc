// Fuzz target: EF.CardSecurity as PACE-CAM sees it (pace_cam.h) — parsed within the session's budget
// (limits.h: SecurityInfos, the Document Signer key, Chip Authentication keys tried), its signed
// object checked without a trust store, its keys matched against a PACE-CAM result on
// brainpoolP256r1. Never a crash; a LimitExceeded is reported in CamVerdict::limit, never as SUCCESS.
#include <cstddef>
#include <cstdint>

#include "validator/emrtd/auth/pace_cam.h"
#include "validator/emrtd/auth/passive_auth.h"
#include "validator/emrtd/lds/card_security.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace docval::emrtd;  // NOLINT: a fuzz target
  ByteSpan input(data, size);
  const SessionLimits limits;
  absl::StatusOr<CardSecurity> cs = ParseCardSecurity(input, limits.max_security_infos);
  if (cs.ok()) (void)CheckSignerKeyBudget(cs->signed_data, nullptr, limits);

  static const KeyAgreementGroup* domain = new KeyAgreementGroup(*KeyAgreementGroup::FromParameterId(13));
  PaceResult pace;
  pace.protocol = *PaceProtocolFromOid(oid::kPaceEcdhCamAes128);
  pace.chip_authentication_data = SecureBytes(32, 0x07);
  pace.chip_mapping_public_key = domain->ec().generator().Encode();
  size_t left = limits.max_group_validations;
  SessionGroupCache cache(nullptr);
  CamVerdict v = CheckCam(pace, *domain, input, nullptr, 1780272000, limits,
                          DhGroupOptions{.cache = &cache, .validations_left = &left});
  if (v.result == CheckResult::kSuccess) __builtin_trap();  // nothing chains without a trust store
  if (!v.limit.ok() && !IsLimitExceeded(v.limit)) __builtin_trap();
  return 0;
}
