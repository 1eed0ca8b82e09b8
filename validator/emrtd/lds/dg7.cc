#include "validator/emrtd/lds/dg7.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "validator/emrtd/tlv.h"

namespace docval::emrtd {

absl::StatusOr<std::vector<Bytes>> ParseDg7(ByteSpan dg7) {
  absl::StatusOr<Tlv> outer = ParseSingleTlv(dg7, 0x67);
  if (!outer.ok()) return absl::InvalidArgumentError(absl::StrCat("DG7: ", outer.status().message()));
  std::vector<Bytes> images;
  TlvReader r(outer->value);
  while (!r.AtEnd()) {
    absl::StatusOr<Tlv> t = r.Next();
    if (!t.ok()) return absl::InvalidArgumentError(absl::StrCat("DG7: ", t.status().message()));
    if (t->tag == 0x5F43) images.emplace_back(t->value.begin(), t->value.end());
  }
  return images;
}

}  // namespace docval::emrtd
