// Fuzz target: DG14 as Chip Authentication reads it (SecurityInfos, key and protocol choice, domain
// parameters and public key validation).
#include <cstddef>
#include <cstdint>

#include "validator/emrtd/auth/chip_auth.h"
#include "validator/emrtd/lds/security_infos.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace docval::emrtd;
  absl::StatusOr<SecurityInfos> infos = ParseDg14(ByteSpan(data, size));
  if (!infos.ok()) infos = ParseSecurityInfos(ByteSpan(data, size));
  if (!infos.ok()) return 0;
  absl::StatusOr<ChipAuthParameters> p = SelectChipAuthentication(*infos);
  if (p.ok() && p->chip_public_key.empty()) __builtin_trap();
  return 0;
}
