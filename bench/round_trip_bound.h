// The protocol's lower bound on round trips for reading a virtual passport, computed from the chip
// profile alone (its files, protocols and keys) and the link limits, independently of the reader:
//
//   access-control exchanges of the protocol used (BAC: SELECT application, GET CHALLENGE, EXTERNAL
//   AUTHENTICATE; PACE: MSE:Set AT, four GENERAL AUTHENTICATEs, SELECT application; PACE-CAM adds
//   EF.CardSecurity), Chip Authentication (AES: MSE:Set AT + GENERAL AUTHENTICATE; 3DES: MSE:Set
//   KAT), Active Authentication (INTERNAL AUTHENTICATE), with command chaining counted where a
//   command's data does not fit the link,
// + per file read: ceil(size / max block), where the max block is the most plain bytes one READ
//   BINARY response can carry: the link's response limit (less SW1-SW2, at most Ne = 256 or 65536)
//   minus the secure-messaging overhead (DO'87' with its padding indicator and the cipher's
//   padding, DO'99', DO'8E') of the cipher in use when the file is read (PACE/BAC's, or CA's after
//   Chip Authentication).
//
// Files: EF.ATR/INFO and EF.CardAccess in plain (an absent EF.CardAccess still costs the one
// exchange that finds it absent), then EF.SOD and every data group the SOD covers among DG1, DG2,
// DG7, DG11, DG12, DG14, DG15. EF.COM is not needed (the SOD lists the data groups).
#ifndef DOCVAL_BENCH_ROUND_TRIP_BOUND_H_
#define DOCVAL_BENCH_ROUND_TRIP_BOUND_H_

#include <cstddef>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "tools/vchip/chip_profile.h"
#include "validator/emrtd/card_link.h"

namespace docval::bench {

// The lower bound per dialog step (the statuses of docs/protocol.md §1.4, which the reader emits as each
// step starts), and the total.
struct RoundTripBound {
  std::map<emrtd::Step, size_t> per_step;
  size_t total = 0;
  std::string protocol;  // "BAC", "PACE GM ECDH AES-128", ... for the report
};

// `profile` must be a working (not faulty) profile; the access key the client sends decides PACE with
// the CAN or the MRZ, or BAC when the chip has no PACE.
absl::StatusOr<RoundTripBound> ComputeRoundTripBound(const vchip::ChipProfile& profile,
                                                     const emrtd::LinkLimits& client_limits);

// Secure-messaging sizes (exposed for the report and sanity checks). `block` is the cipher's block
// size (8: 3DES, 16: AES), 0 for plain.
size_t MaxPlainResponseBlock(size_t response_bytes, bool extended, size_t block);
size_t MaxPlainCommandData(size_t command_bytes, bool extended, size_t block, bool with_le);

}  // namespace docval::bench

#endif  // DOCVAL_BENCH_ROUND_TRIP_BOUND_H_
