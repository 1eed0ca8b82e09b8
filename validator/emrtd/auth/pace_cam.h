// PACE with Chip Authentication Mapping (ICAO 9303-11 §4.4.3.5): the chip proves its static key
// during PACE; the key is trusted only through a valid EF.CardSecurity (signed by a Document Signer
// that chains to the trust store), which carries the ChipAuthenticationPublicKeyInfo for the PACE
// domain parameters.
//
// CheckCam(): SUCCESS when EF.CardSecurity parses, its signature and chain are valid, it holds a
// Chip Authentication public key on the PACE domain, and the chip's PACE-CAM data matches that key
// (VerifyCamBinding). FAILED otherwise, with the reason; a chip that proved a key EF.CardSecurity
// does not vouch for is a clone.
#ifndef DOCVAL_VALIDATOR_EMRTD_AUTH_PACE_CAM_H_
#define DOCVAL_VALIDATOR_EMRTD_AUTH_PACE_CAM_H_

#include <cstdint>
#include <string>

#include "validator/emrtd/access/pace.h"
#include "validator/emrtd/auth/trust_store.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/crypto/group_cache.h"
#include "validator/emrtd/crypto/key_cache.h"
#include "validator/emrtd/limits.h"
#include "validator/emrtd/result.h"

namespace docval::emrtd {

struct CamVerdict {
  CheckResult result = CheckResult::kFailed;
  std::string detail;  // why not SUCCESS
  // Not OK when EF.CardSecurity is over the session's budget (LimitExceeded, limits.h: SecurityInfos,
  // Document Signer key, Chip Authentication keys tried): the dialog ends instead.
  absl::Status limit;
};

// `limits` and `dh` (the session's group cache and validation count) bound the work EF.CardSecurity
// can ask for; dh.max_p_bits is taken from `limits`. `signer_keys`: as for VerifySignedObject.
CamVerdict CheckCam(const PaceResult& pace, const KeyAgreementGroup& pace_domain, ByteSpan ef_card_security,
                    const TrustStore* trust_store, int64_t now_unix_seconds, const SessionLimits& limits = {},
                    DhGroupOptions dh = {}, VerificationKeyCache* signer_keys = nullptr);

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_AUTH_PACE_CAM_H_
