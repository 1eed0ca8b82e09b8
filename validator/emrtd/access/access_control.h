// Access control: the PACE-or-BAC decision of the chip access procedure (ICAO 9303-11 §4.2) and its
// error mapping. The reader reads EF.CardAccess in plain first (absent: the chip has no PACE), emits
// ACCESS_CONTROL, and calls PerformAccessControl(); nothing here touches the link's progress.
//
// The decision:
// - PACE whenever EF.CardAccess offers a supported PACEInfo, with the CAN when the access key has one,
//   else the MRZ (f(pi) = SHA-1(MRZ_information)).
// - Candidates, best first (RankedPaceInfos()): ECDH before DH (smaller messages and cheaper
//   arithmetic; 2048-bit groups need command chaining on short APDUs), AES before 3DES, CAM before
//   GM before IM (CAM authenticates the chip as a side effect; GM is what most chips and tests
//   exercise), the longer AES key first; ties keep file order.
//   Unsupported or malformed PACEInfos are skipped (so are all non-PACE SecurityInfos). The order
//   needs only the protocol OIDs: a PACEInfo is resolved (its domain parameters decoded and, when
//   explicit, validated) only when it is about to be tried, at most `limits.max_pace_resolutions`
//   times per session (more: LimitExceeded, limits.h); an explicit DH group over `limits.max_dh_bits`
//   is LimitExceeded("max_dh_bits") and ends access control. Group verdicts are remembered for the
//   session and, with `group_cache`, for the process (crypto/group_cache.h).
// - When the chip refuses a candidate's protocol or parameters (MSE:Set AT / GENERAL AUTHENTICATE with
//   a status word other than a password refusal) the next candidate is tried, and with a CAN refused
//   that way (no CAN on the chip) the MRZ is tried, at most kMaxPaceAttempts runs in all. A refused
//   password, a wrong chip token or malformed chip data end PACE at once.
// - BAC only when the chip has no (supported) PACE: EF.CardAccess absent, unparsable, or without a
//   supported PACEInfo. BAC needs the MRZ.
// - A PACE failure is an access-control failure, never a silent downgrade to BAC (a downgrade is a
//   security hole: whoever can make PACE fail would get the weaker protocol). A deployment may opt in
//   with `allow_bac_fallback`; the outcome then says so (fell_back_to_bac, pace_failure).
//
// Errors: access-control failures (PACE or BAC refused, chip protocol not supported, malformed chip
// data, no usable password) are a ChipError of kind kAccessControlFailed (chip_error.h;
// kPermissionDenied), which IsAccessControlFailure() tests: the reader maps them to
// ACCESS_CONTROL_FAILED. PACE's and BAC's outcomes are read from their kinds (pace.h, bac.h), never
// from status codes. Transport errors and LimitExceeded (a chip over a budget: more
// SecurityInfos, resolutions or DH bits than SessionLimits allows) pass through unchanged (no
// fallback after them: the dialog must end). kInternal: our side (randomness).
#ifndef DOCVAL_VALIDATOR_EMRTD_ACCESS_ACCESS_CONTROL_H_
#define DOCVAL_VALIDATOR_EMRTD_ACCESS_ACCESS_CONTROL_H_

#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "validator/emrtd/access/chip_channel.h"
#include "validator/emrtd/access/pace.h"
#include "validator/emrtd/access/secure_messaging.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/crypto/group_cache.h"
#include "validator/emrtd/crypto/random.h"
#include "validator/emrtd/lds/security_infos.h"
#include "validator/emrtd/limits.h"
#include "validator/emrtd/reader.h"
#include "validator/emrtd/task.h"

namespace docval::emrtd {

inline constexpr int kMaxPaceAttempts = 4;

struct AccessControlConfig {
  // Fall back to BAC after a failed PACE (ReaderConfig::allow_bac_fallback).
  bool allow_bac_fallback = false;
  // The session's budget (ReaderConfig::limits) and the group verdicts (may be null).
  SessionLimits limits;
  GroupValidationCache* group_cache = nullptr;
  // The session's count of fresh group validations left (DhGroupOptions::validations_left); null:
  // limits.max_group_validations for this call alone.
  size_t* group_validations_left = nullptr;
};

enum class AccessProtocol { kPace, kBac };
const char* AccessProtocolName(AccessProtocol protocol);  // "PACE", "BAC"

struct AccessControlOutcome {
  AccessProtocol protocol = AccessProtocol::kBac;
  SessionKeys keys;  // already active on the channel
  // PACE: what ran (the domain is needed by VerifyCamBinding) and its result.
  std::optional<PaceParameters> pace_parameters;
  std::optional<PaceResult> pace;
  // BAC after a failed PACE (only with allow_bac_fallback), and why PACE failed.
  bool fell_back_to_bac = false;
  absl::Status pace_failure;
};

// The PACEInfos of EF.CardAccess with a known protocol OID, best first (see above), unresolved.
std::vector<const PaceInfo*> RankedPaceInfos(const SecurityInfos& card_access);

// The supported PACEInfos of EF.CardAccess, best first, every one resolved (for tools and tests that
// show all of them; a session resolves only what it tries).
std::vector<PaceParameters> PaceCandidates(const SecurityInfos& card_access, const DhGroupOptions& dh = {});

// `card_access`: the bytes of EF.CardAccess, or nullopt when the chip has none. `channel` must be
// plain; `channel` and `rng` must outlive the task.
Task<absl::StatusOr<AccessControlOutcome>> PerformAccessControl(ChipChannel& channel,
                                                                std::optional<Bytes> card_access, AccessKey key,
                                                                AccessControlConfig config, RandomSource& rng);

// True for the statuses the reader reports as ACCESS_CONTROL_FAILED.
bool IsAccessControlFailure(const absl::Status& status);

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_ACCESS_ACCESS_CONTROL_H_
