#include "validator/emrtd/reader_v2_ca.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "validator/emrtd/access/chip_channel.h"
#include "validator/emrtd/auth/chip_auth.h"
#include "validator/emrtd/crypto/group_cache.h"
#include "validator/emrtd/files/file_reader.h"
#include "validator/emrtd/lds/security_infos.h"

namespace docval::emrtd {
namespace {

// The keys of a channel still usable by the phone, or nullopt when secure messaging broke.
std::optional<SessionKeys> LiveKeys(const ChipChannel& ch) {
  if (!ch.secure() || ch.sm()->spent()) return std::nullopt;
  return ch.sm()->keys();
}

V2ChipAuthOutcome Outcome(CheckResult check, const ChipChannel& ch, std::string detail) {
  V2ChipAuthOutcome o;
  o.check = check;
  o.keys = LiveKeys(ch);
  o.detail = std::move(detail);
  return o;
}

}  // namespace

Task<absl::StatusOr<V2ChipAuthOutcome>> RunV2ChipAuthentication(CardLink& link, SessionKeys phone_keys, Bytes dg14,
                                                                RandomSource& rng, SessionLimits limits) {
  if (!SecureMessaging::Create(phone_keys).ok())
    co_return absl::InvalidArgumentError("the phone's keys do not fit their cipher");
  link.Progress(Step::kChipAuthentication);
  ChipChannel ch(link);
  ch.StartSecureMessaging(std::move(phone_keys));
  absl::StatusOr<SecurityInfos> infos = ParseDg14(dg14, limits.max_security_infos);
  if (IsLimitExceeded(infos.status())) co_return infos.status();
  if (!infos.ok()) co_return Outcome(CheckResult::kUnavailable, ch, absl::StrCat("DG14: ", infos.status().message()));
  if (infos->chip_authentication_public_keys.empty()) {
    co_return Outcome(CheckResult::kUnavailable, ch, "DG14 offers no Chip Authentication key");
  }
  SessionGroupCache session_groups(nullptr);
  size_t group_validations_left = limits.max_group_validations;
  const ChipAuthOptions options{
      .max_keys = limits.max_chip_auth_keys,
      .dh = DhGroupOptions{.max_p_bits = limits.max_dh_bits,
                           .cache = &session_groups,
                           .validations_left = &group_validations_left}};
  absl::StatusOr<ChipAuthOutcome> ca = co_await PerformChipAuthentication(ch, *std::move(infos), rng, options);
  if (!ca.ok()) {
    if (IsLimitExceeded(ca.status())) co_return ca.status();
    co_return Outcome(CheckResult::kFailed, ch, absl::StrCat("chip authentication: ", ca.status().message()));
  }
  if (ca->status == ChipAuthOutcome::Status::kUnavailable) co_return Outcome(CheckResult::kUnavailable, ch, ca->detail);
  if (ca->status == ChipAuthOutcome::Status::kFailed) co_return Outcome(CheckResult::kFailed, ch, ca->detail);
  // The new keys are in place: the first protected read under them proves the chip holds the key.
  FileReaderOptions read_options;
  read_options.limits = limits;
  FileReader reader(ch, read_options);
  link.Progress(Step::kReadDg1);
  absl::StatusOr<Bytes> dg1 = co_await reader.Read(*FindElementaryFile("DG1"));
  if (dg1.ok()) link.Note("file.bytes", static_cast<int64_t>(dg1->size()));
  if (!dg1.ok()) {
    if (IsLimitExceeded(dg1.status())) co_return dg1.status();
    co_return Outcome(CheckResult::kFailed, ch,
                      absl::StrCat("the chip did not follow the new session keys (DG1: ", dg1.status().message(), ")"));
  }
  V2ChipAuthOutcome o = Outcome(CheckResult::kSuccess, ch, "");
  o.dg1 = *std::move(dg1);
  co_return o;
}

}  // namespace docval::emrtd
