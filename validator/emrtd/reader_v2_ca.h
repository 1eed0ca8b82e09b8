// WebSocket API v2's server-driven Chip Authentication (docs/protocol.md §3.3), the dialog part: the
// phone hands over its open secure-messaging session (keys and SSC after BAC or PACE) and DG14; the
// server runs Chip Authentication over it with the same code as the v1 reader
// (auth/chip_auth.h PerformChipAuthentication), then reads DG1 under the new keys, which proves the
// chip holds DG14's private key (a clone cannot follow the new keys). Pure: commands go through the
// CardLink like every dialog of the core.
//
// The outcome names the keys the phone continues with: the new ones after a proven CA; the phone's
// own with the SSC advanced past the server's commands when CA was refused or DG14 offers no key; none
// when the chip dropped secure messaging (the phone must open the chip again). SUCCESS here means "the
// chip proved the key DG14 names"; the session's final chip_authentication_result also needs Passive
// Authentication to bind DG14, decided with the files at FINISH (ChipAuthenticationResult()).
//
// Progress for the driver's traces: CHIP_AUTHENTICATION at the start, READ_DG1 before the proving read
// (with a `file.bytes` note when it succeeds).
#ifndef DOCVAL_VALIDATOR_EMRTD_READER_V2_CA_H_
#define DOCVAL_VALIDATOR_EMRTD_READER_V2_CA_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "validator/emrtd/access/secure_messaging.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/card_link.h"
#include "validator/emrtd/crypto/random.h"
#include "validator/emrtd/limits.h"
#include "validator/emrtd/result.h"
#include "validator/emrtd/task.h"

namespace docval::emrtd {

struct V2ChipAuthOutcome {
  // kSuccess: keys switched and proven by DG1; kFailed: refused by the chip, or the chip did not
  // follow the new keys; kUnavailable: DG14 offers no usable Chip Authentication key.
  CheckResult check = CheckResult::kUnavailable;
  std::optional<SessionKeys> keys;  // what the phone continues with (see above)
  std::optional<Bytes> dg1;         // read under the new keys (kSuccess only)
  std::string detail;               // why not kSuccess; no personal data
};

// A DG14 over its limits or a key over its budget is a LimitExceeded status (EMRTD_PASSPORT_READER_ERROR),
// as in the v1 reader; invalid phone keys are kInvalidArgument.
Task<absl::StatusOr<V2ChipAuthOutcome>> RunV2ChipAuthentication(CardLink& link, SessionKeys phone_keys, Bytes dg14,
                                                                RandomSource& rng, SessionLimits limits = {});

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_READER_V2_CA_H_
