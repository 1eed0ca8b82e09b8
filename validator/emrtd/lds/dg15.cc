#include "validator/emrtd/lds/dg15.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "validator/emrtd/tlv.h"

namespace docval::emrtd {

absl::StatusOr<Bytes> ParseDg15(ByteSpan dg15) {
  absl::StatusOr<Tlv> outer = ParseSingleTlv(dg15, 0x6F);
  if (!outer.ok()) return absl::InvalidArgumentError(absl::StrCat("DG15: ", outer.status().message()));
  absl::StatusOr<Tlv> spki = ParseSingleTlv(outer->value, 0x30);
  if (!spki.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("DG15: SubjectPublicKeyInfo: ", spki.status().message()));
  }
  return Bytes(spki->raw.begin(), spki->raw.end());
}

}  // namespace docval::emrtd
