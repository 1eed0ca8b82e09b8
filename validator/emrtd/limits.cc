#include "validator/emrtd/limits.h"

#include <optional>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "validator/emrtd/chip_error.h"

namespace docval::emrtd {
namespace {

struct Field {
  const char* name;
  size_t SessionLimits::*member;
  int64_t min;
  int64_t max;
};

constexpr int64_t kMiB = 1 << 20;
constexpr Field kFields[] = {
    {"max_security_infos", &SessionLimits::max_security_infos, 1, 1024},
    {"max_atr_info_bytes", &SessionLimits::max_atr_info_bytes, 1, kMiB},
    {"max_card_access_bytes", &SessionLimits::max_card_access_bytes, 1, kMiB},
    {"max_card_security_bytes", &SessionLimits::max_card_security_bytes, 1, kMiB},
    {"max_com_bytes", &SessionLimits::max_com_bytes, 1, kMiB},
    {"max_sod_bytes", &SessionLimits::max_sod_bytes, 1, kMiB},
    {"max_dg1_bytes", &SessionLimits::max_dg1_bytes, 1, kMiB},
    {"max_biometric_dg_bytes", &SessionLimits::max_biometric_dg_bytes, 1, kMiB},
    {"max_image_dg_bytes", &SessionLimits::max_image_dg_bytes, 1, kMiB},
    {"max_security_dg_bytes", &SessionLimits::max_security_dg_bytes, 1, kMiB},
    {"max_other_dg_bytes", &SessionLimits::max_other_dg_bytes, 1, kMiB},
    {"max_total_bytes", &SessionLimits::max_total_bytes, 1, 16 * kMiB},
    {"max_rsa_bits", &SessionLimits::max_rsa_bits, 1024, 16384},
    {"max_rsa_exponent_bits", &SessionLimits::max_rsa_exponent_bits, 2, 16384},
    {"max_dh_bits", &SessionLimits::max_dh_bits, 1024, 8192},
    {"max_group_validations", &SessionLimits::max_group_validations, 0, 16},
    {"max_pace_resolutions", &SessionLimits::max_pace_resolutions, 1, 16},
    {"max_chip_auth_keys", &SessionLimits::max_chip_auth_keys, 1, 64},
};

}  // namespace

size_t SessionLimits::MaxFileBytes(absl::string_view name) const {
  if (name == "EF.ATR/INFO") return max_atr_info_bytes;
  if (name == "EF.CardAccess") return max_card_access_bytes;
  if (name == "EF.CardSecurity") return max_card_security_bytes;
  if (name == "EF.COM") return max_com_bytes;
  if (name == "EF.SOD") return max_sod_bytes;
  int dg = 0;
  if (absl::ConsumePrefix(&name, "DG") && absl::SimpleAtoi(name, &dg)) {
    switch (dg) {
      case 1: return max_dg1_bytes;
      case 2: case 3: case 4: return max_biometric_dg_bytes;
      case 5: case 6: case 7: case 11: case 12: return max_image_dg_bytes;
      case 14: case 15: return max_security_dg_bytes;
      default: return max_other_dg_bytes;
    }
  }
  return max_other_dg_bytes;
}

absl::Status SetLimit(SessionLimits& limits, absl::string_view name, int64_t value) {
  for (const Field& f : kFields) {
    if (name != f.name) continue;
    if (value < f.min || value > f.max) {
      return absl::InvalidArgumentError(
          absl::StrCat("must be an integer from ", f.min, " to ", f.max, ", got ", value));
    }
    limits.*f.member = static_cast<size_t>(value);
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown limit; the limits are ", absl::StrJoin(LimitFieldNames(), ", "), " (docs/limits.md)"));
}

std::vector<std::string> LimitFieldNames() {
  std::vector<std::string> out;
  for (const Field& f : kFields) out.push_back(f.name);
  return out;
}

absl::Status LimitExceeded(absl::string_view limit, absl::string_view detail) {
  return MakeChipError(ChipErrorKind::kLimitExceeded, absl::StrCat(limit, ": ", detail), limit);
}

bool IsLimitExceeded(const absl::Status& status) { return IsChipError(status, ChipErrorKind::kLimitExceeded); }

std::string LimitName(const absl::Status& status) {
  std::optional<ChipError> e = ChipErrorOf(status);
  return e.has_value() && e->kind == ChipErrorKind::kLimitExceeded ? e->detail : "";
}

}  // namespace docval::emrtd
