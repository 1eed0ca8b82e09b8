// Replay step "aa": Active Authentication with the trace's DG15 ("dg15", the whole file) under the
// trace's secure messaging, the challenge from "aa.challenge" randomness. The hash for ECDSA (or RSA
// with trailer 0xBC) comes from DG14's ActiveAuthenticationInfo when the trace carries "dg14", or
// from an optional "aa_signature_algorithm" OID.
//
// Result: {"active_authentication": "VERIFIED" | "FAILED" | "UNAVAILABLE", "detail": "...",
//          "challenge": hex, "signature": hex}. A verified signature is not yet a SUCCESS: that needs
// Passive Authentication to bind DG15 (not part of this step).
#include <string>

#include "absl/status/status.h"
#include "tools/replay/replay.h"
#include "validator/emrtd/auth/active_auth.h"
#include "validator/emrtd/lds/dg15.h"
#include "validator/emrtd/lds/security_infos.h"

namespace docval::replay {
namespace {

const char* StatusName(emrtd::ActiveAuthOutcome::Status s) {
  switch (s) {
    case emrtd::ActiveAuthOutcome::Status::kVerified: return "VERIFIED";
    case emrtd::ActiveAuthOutcome::Status::kFailed: return "FAILED";
    case emrtd::ActiveAuthOutcome::Status::kUnavailable: return "UNAVAILABLE";
  }
  return "?";
}

emrtd::Task<absl::StatusOr<nlohmann::json>> ReplayAa(StepContext& ctx) {
  if (!ctx.trace.dg15) co_return absl::InvalidArgumentError("trace: step \"aa\" needs \"dg15\"");
  absl::StatusOr<emrtd::Bytes> spki = emrtd::ParseDg15(*ctx.trace.dg15);
  if (!spki.ok()) co_return absl::InvalidArgumentError(absl::StrCat("trace: dg15: ", spki.status().message()));
  std::string algorithm;
  if (ctx.trace.raw.contains("aa_signature_algorithm") && ctx.trace.raw["aa_signature_algorithm"].is_string()) {
    algorithm = ctx.trace.raw["aa_signature_algorithm"].get<std::string>();
  } else if (ctx.trace.dg14) {
    absl::StatusOr<emrtd::SecurityInfos> infos = emrtd::ParseDg14(*ctx.trace.dg14);
    if (!infos.ok()) co_return absl::InvalidArgumentError(absl::StrCat("trace: dg14: ", infos.status().message()));
    if (!infos->active_authentication.empty()) algorithm = infos->active_authentication[0].signature_algorithm;
  }
  absl::StatusOr<emrtd::ActiveAuthOutcome> o =
      co_await emrtd::PerformActiveAuthentication(ctx.channel, *spki, algorithm, ctx.rng);
  if (!o.ok()) co_return o.status();
  co_return nlohmann::json{{"active_authentication", StatusName(o->status)},
                           {"detail", o->detail},
                           {"challenge", emrtd::ToHex(o->challenge)},
                           {"signature", emrtd::ToHex(o->signature)}};
}

}  // namespace

DOCVAL_REPLAY_STEP("aa", ReplayAa);

}  // namespace docval::replay
