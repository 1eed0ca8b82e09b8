// Hostile virtual passports: chips that choose what an honest one never would, one profile per class
// of docs/limits.md — an expensive EF.CardAccess (a large proprietary DH group behind several PACEInfos,
// too many SecurityInfos), DG14 lists that would make the reader loop, oversized files and keys (a
// Document Signer certificate in EF.SOD and a DG15 key of 8192-bit RSA, a 2047-bit exponent), and
// Active Authentication keys on explicit curves of their own (a distinct curve per profile).
//
// Each is the honest PACE-GM passport (`pace-gm-ecdh-ca-aa`) with files replaced after signing, so the
// SOD does not vouch for them; what matters is where the reader stops. `expect.close_reason` is the
// documented close and `expect.note` names the SessionLimits field the reader must stop at
// ("limit: max_dh_bits"), or says why the session completes.
#ifndef DOCVAL_TOOLS_TESTPKI_HOSTILE_PROFILES_H_
#define DOCVAL_TOOLS_TESTPKI_HOSTILE_PROFILES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/testpki/test_pki.h"
#include "tools/vchip/chip_profile.h"

namespace docval::testpki {

struct HostileProfile {
  vchip::ChipProfile profile;
  std::string limit;  // the SessionLimits field the reader stops at; "" when the session completes
};

// `curves`: how many explicit-curve AA profiles (each with its own generator, so a distinct parameter
// set) to make.
absl::StatusOr<std::vector<HostileProfile>> HostilePassportProfiles(const TestPki& pki, int curves = 2);

}  // namespace docval::testpki

#endif  // DOCVAL_TOOLS_TESTPKI_HOSTILE_PROFILES_H_
