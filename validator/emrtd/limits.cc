#include "validator/emrtd/limits.h"


#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"

namespace docval::emrtd {
namespace {

constexpr char kLimitPayloadUrl[] = "type.docval.dev/emrtd.LimitExceeded";

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

absl::Status LimitExceeded(absl::string_view limit, absl::string_view detail) {
  absl::Status s = absl::ResourceExhaustedError(absl::StrCat(limit, ": ", detail));
  s.SetPayload(kLimitPayloadUrl, absl::Cord(limit));
  return s;
}

bool IsLimitExceeded(const absl::Status& status) {
  return !status.ok() && status.GetPayload(kLimitPayloadUrl).has_value();
}

std::string LimitName(const absl::Status& status) {
  if (status.ok()) return "";
  auto p = status.GetPayload(kLimitPayloadUrl);
  return p ? std::string(*p) : "";
}

}  // namespace docval::emrtd
