// Replay step "pace": PACE with the trace's EF.CardAccess ("card_access"), access key and "pace.*"
// randomness ("pace.mapping_key", "pace.im_nonce_t", "pace.ephemeral_key"); on success secure
// messaging starts with the session keys (reported as "sm").
//
// By default the step runs what access control would run first: the best supported PACEInfo
// (PaceCandidates) with the CAN when the access key has one, else the MRZ. An optional object
//   "pace": {"protocol": "0.4.0.127.0.7.2.2.4.2.2", "parameter_id": 13, "password": "CAN" | "MRZ"}
// picks another PACEInfo of the file or the other password.
//
// Result: {"access_control": "PACE", "protocol", "parameter_id", "mapping": "GM" | "IM" | "CAM",
//          "password": "CAN" | "MRZ", "chip_mapping_public_key", "chip_ephemeral_public_key",
//          "certification_authority_references": [...], "chip_authentication_data_bytes": n (CAM)}.
// A failure's error names its class (password refused, not supported, malformed chip data, ...).
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "tools/replay/replay.h"
#include "validator/emrtd/access/access_control.h"
#include "validator/emrtd/access/mrz_key.h"
#include "validator/emrtd/access/pace.h"
#include "validator/emrtd/lds/security_infos.h"

namespace docval::replay {
namespace {

const char* MappingName(emrtd::PaceMapping m) {
  switch (m) {
    case emrtd::PaceMapping::kGeneric: return "GM";
    case emrtd::PaceMapping::kIntegrated: return "IM";
    case emrtd::PaceMapping::kChipAuthentication: return "CAM";
  }
  return "?";
}

struct Choice {
  std::optional<std::string> protocol;
  std::optional<int64_t> parameter_id;
  std::optional<std::string> password;
};

absl::StatusOr<Choice> ParseChoice(const nlohmann::json& raw) {
  Choice c;
  if (!raw.contains("pace") || raw["pace"].is_null()) return c;
  const nlohmann::json& p = raw["pace"];
  if (!p.is_object()) return absl::InvalidArgumentError("trace: \"pace\" must be an object");
  if (p.contains("protocol")) {
    if (!p["protocol"].is_string()) return absl::InvalidArgumentError("trace: pace.protocol must be a string");
    c.protocol = p["protocol"].get<std::string>();
  }
  if (p.contains("parameter_id")) {
    if (!p["parameter_id"].is_number_integer())
      return absl::InvalidArgumentError("trace: pace.parameter_id must be an integer");
    c.parameter_id = p["parameter_id"].get<int64_t>();
  }
  if (p.contains("password")) {
    if (!p["password"].is_string() || (p["password"] != "CAN" && p["password"] != "MRZ")) {
      return absl::InvalidArgumentError("trace: pace.password must be \"CAN\" or \"MRZ\"");
    }
    c.password = p["password"].get<std::string>();
  }
  return c;
}

emrtd::Task<absl::StatusOr<nlohmann::json>> ReplayPace(StepContext& ctx) {
  const Trace& trace = ctx.trace;
  if (!trace.card_access.has_value()) co_return absl::InvalidArgumentError("trace: step \"pace\" needs card_access");
  if (!trace.access_key.has_value()) co_return absl::InvalidArgumentError("trace: step \"pace\" needs an access_key");
  absl::StatusOr<Choice> choice = ParseChoice(trace.raw);
  if (!choice.ok()) co_return choice.status();

  absl::StatusOr<emrtd::SecurityInfos> infos = emrtd::ParseSecurityInfos(*trace.card_access);
  if (!infos.ok()) co_return absl::InvalidArgumentError(absl::StrCat("card_access: ", infos.status().message()));
  std::vector<emrtd::PaceParameters> candidates = emrtd::PaceCandidates(*infos);
  const emrtd::PaceParameters* params = nullptr;
  for (const emrtd::PaceParameters& c : candidates) {
    if (choice->protocol.has_value() && c.protocol_oid != *choice->protocol) continue;
    if (choice->parameter_id.has_value() && c.parameter_id != choice->parameter_id) continue;
    params = &c;
    break;
  }
  if (params == nullptr) co_return absl::InvalidArgumentError("card_access: no supported PACEInfo (as chosen)");

  const emrtd::AccessKey& key = *trace.access_key;
  const bool use_can = choice->password.has_value() ? *choice->password == "CAN" : key.has_can();
  emrtd::PacePassword password;
  if (use_can) {
    if (!key.has_can()) co_return absl::InvalidArgumentError("trace: the access key has no CAN");
    password.type = emrtd::PacePasswordType::kCan;
    password.key = key.can;
  } else {
    absl::StatusOr<emrtd::SecureBytes> hash = emrtd::MrzPasswordHash(key);
    if (!hash.ok()) co_return hash.status();
    password.type = emrtd::PacePasswordType::kMrz;
    password.key = *std::move(hash);
  }

  absl::StatusOr<emrtd::PaceResult> result = co_await emrtd::RunPace(ctx.channel, *params, password, ctx.rng);
  if (!result.ok()) {
    absl::Status s = result.status();
    co_return absl::Status(s.code(), absl::StrCat("PACE (", emrtd::PaceFailureName(emrtd::PaceFailureOf(s)), "): ",
                                                  s.message()));
  }
  nlohmann::json cars = nlohmann::json::array();
  for (const emrtd::Bytes& car : result->certification_authority_references) cars.push_back(emrtd::ToHex(car));
  nlohmann::json out{{"access_control", "PACE"},
                     {"protocol", result->protocol_oid},
                     {"parameter_id", result->parameter_id.has_value() ? nlohmann::json(*result->parameter_id)
                                                                       : nlohmann::json(nullptr)},
                     {"mapping", MappingName(result->protocol.mapping)},
                     {"password", use_can ? "CAN" : "MRZ"},
                     {"chip_mapping_public_key", emrtd::ToHex(result->chip_mapping_public_key)},
                     {"chip_ephemeral_public_key", emrtd::ToHex(result->chip_ephemeral_public_key)},
                     {"certification_authority_references", cars}};
  if (result->protocol.mapping == emrtd::PaceMapping::kChipAuthentication) {
    out["chip_authentication_data_bytes"] = result->chip_authentication_data.size();
  }
  co_return out;
}

}  // namespace

DOCVAL_REPLAY_STEP("pace", ReplayPace);

}  // namespace docval::replay
