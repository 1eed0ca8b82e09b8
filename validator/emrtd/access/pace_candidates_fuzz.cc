// Fuzz target: PACE candidate resolution as a session does it (access_control.h) — EF.CardAccess from
// the fuzzer, parsed within the session's budget (limits.h), ranked, each PACEInfo resolved when it is
// tried (explicit groups validated within max_dh_bits / max_group_validations) — against a chip that
// refuses every command, so every candidate is tried. Slow or greedy inputs are findings: the budget
// must keep every input cheap. Invariants: no more than kMaxPaceAttempts MSE:Set AT, no more than the
// session's resolutions, and a LimitExceeded never becomes an access-control failure.
#include <cstddef>
#include <cstdint>

#include "validator/emrtd/access/access_control.h"
#include "validator/emrtd/card_link.h"
#include "validator/emrtd/crypto/random.h"

namespace {

using namespace docval::emrtd;  // NOLINT: a fuzz target

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteSpan input(data, size);
  AccessKey key;
  key.can = SecureBytes{'1', '2', '3', '4', '5', '6'};
  key.document_number = SecureBytes{'L', '8', '9', '8', '9', '0', '2', 'C', '<'};
  key.date_of_birth = SecureBytes{'6', '9', '0', '8', '0', '6'};
  key.date_of_expiry = SecureBytes{'9', '4', '0', '6', '2', '3'};
  CardLink link({.extended_length = true});
  ChipChannel channel(link);
  FixedRandom rng;
  SessionGroupCache cache(nullptr);
  const AccessControlConfig config{.group_cache = &cache};
  int mse_set_at = 0;
  Task<absl::StatusOr<AccessControlOutcome>> task =
      PerformAccessControl(channel, Bytes(input.begin(), input.end()), key, config, rng);
  absl::StatusOr<AccessControlOutcome> outcome = RunDialog(task, link, [&](ByteSpan cmd) -> absl::StatusOr<Bytes> {
    if (cmd.size() >= 2 && cmd[1] == 0x22) ++mse_set_at;
    return Bytes{0x6A, 0x80};
  });
  if (mse_set_at > kMaxPaceAttempts) __builtin_trap();
  if (outcome.ok()) __builtin_trap();  // the chip refuses everything
  if (IsLimitExceeded(outcome.status()) && IsAccessControlFailure(outcome.status())) __builtin_trap();
  // The candidates a tool would show: every one resolved, each within the DH cap.
  absl::StatusOr<SecurityInfos> infos = ParseSecurityInfos(input);
  if (infos.ok() && infos->pace.size() <= 8) {
    (void)PaceCandidates(*infos, DhGroupOptions{.max_p_bits = 2048, .cache = &cache});
  }
  return 0;
}
