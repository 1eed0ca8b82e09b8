// Replay step "ca": Chip Authentication v1 with the trace's DG14 ("dg14", the whole file) under the
// trace's secure messaging, the ephemeral key from "ca.ephemeral_key" randomness (the scalar or
// exponent). On success the channel continues under the new keys (reported as "sm"); a following
// recorded exchange, when the trace has one, is a READ BINARY of "proof_file" (default "EF.COM")
// under those keys, which proves them, read with the trace's "reader" settings (other readers prove
// the keys with a SELECT: "reader": {"select_by_fid": true}).
//
// Result: {"chip_authentication": "KEYS_SWITCHED" | "FAILED" | "UNAVAILABLE", "protocol": OID,
//          "detail": "...", "proven": bool (only when a proof exchange was recorded)}.
#include <string>

#include "absl/status/status.h"
#include "tools/replay/replay.h"
#include "validator/emrtd/auth/chip_auth.h"
#include "validator/emrtd/files/file_reader.h"
#include "validator/emrtd/lds/security_infos.h"

namespace docval::replay {
namespace {

const char* StatusName(emrtd::ChipAuthOutcome::Status s) {
  switch (s) {
    case emrtd::ChipAuthOutcome::Status::kKeysSwitched: return "KEYS_SWITCHED";
    case emrtd::ChipAuthOutcome::Status::kFailed: return "FAILED";
    case emrtd::ChipAuthOutcome::Status::kUnavailable: return "UNAVAILABLE";
  }
  return "?";
}

emrtd::Task<absl::StatusOr<nlohmann::json>> ReplayCa(StepContext& ctx) {
  if (!ctx.trace.dg14) co_return absl::InvalidArgumentError("trace: step \"ca\" needs \"dg14\"");
  absl::StatusOr<emrtd::SecurityInfos> infos = emrtd::ParseDg14(*ctx.trace.dg14);
  if (!infos.ok()) co_return absl::InvalidArgumentError(absl::StrCat("trace: dg14: ", infos.status().message()));
  absl::StatusOr<emrtd::ChipAuthOutcome> o = co_await emrtd::PerformChipAuthentication(ctx.channel, *infos, ctx.rng);
  if (!o.ok()) co_return o.status();
  nlohmann::json result{
      {"chip_authentication", StatusName(o->status)}, {"protocol", o->protocol}, {"detail", o->detail}};
  if (o->status == emrtd::ChipAuthOutcome::Status::kKeysSwitched) {
    // Recorded exchanges beyond those CA used (chained parts included) are the proof read.
    if (ctx.trace.exchanges.size() > ctx.channel.link().round_trips()) {
      std::string name = ctx.trace.raw.value("proof_file", std::string("EF.COM"));
      std::optional<emrtd::ElementaryFile> file = emrtd::FindElementaryFile(name);
      if (!file) co_return absl::InvalidArgumentError(absl::StrCat("trace: unknown proof_file ", name));
      emrtd::FileReader reader(ctx.channel, FileReaderOptionsOf(ctx.trace.reader));
      absl::StatusOr<emrtd::Bytes> proof = co_await reader.Read(*file);
      result["proven"] = proof.ok();
      if (!proof.ok()) result["detail"] = std::string(proof.status().message());
    }
  }
  co_return result;
}

}  // namespace

DOCVAL_REPLAY_STEP("ca", ReplayCa);

}  // namespace docval::replay
