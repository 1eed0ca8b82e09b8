// Replay step "bac": Basic Access Control with the trace's access key and "bac.*" randomness; on
// success secure messaging starts with the session keys (reported as "sm").
#include "absl/status/status.h"
#include "base/status_macros.h"
#include "tools/replay/replay.h"
#include "validator/emrtd/access/bac.h"

namespace docval::replay {
namespace {

emrtd::Task<absl::StatusOr<nlohmann::json>> ReplayBac(StepContext& ctx) {
  if (!ctx.trace.access_key.has_value() || !ctx.trace.access_key->has_mrz()) {
    co_return absl::InvalidArgumentError("trace: step \"bac\" needs an access_key with the MRZ fields");
  }
  CO_ASSIGN_OR_RETURN(emrtd::SessionKeys keys, co_await emrtd::PerformBac(ctx.channel, *ctx.trace.access_key, ctx.rng));
  ctx.channel.StartSecureMessaging(keys);
  co_return nlohmann::json{{"access_control", "BAC"}};
}

}  // namespace

DOCVAL_REPLAY_STEP("bac", ReplayBac);

}  // namespace docval::replay
