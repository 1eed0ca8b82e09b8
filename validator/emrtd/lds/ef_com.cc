#include "validator/emrtd/lds/ef_com.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "validator/emrtd/tlv.h"

namespace docval::emrtd {
namespace {

constexpr uint8_t kTags[17] = {0x00, 0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68,
                               0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70};

}  // namespace

std::optional<int> DataGroupOfTag(uint8_t tag) {
  for (int i = 1; i <= 16; ++i) {
    if (kTags[i] == tag) return i;
  }
  return std::nullopt;
}

uint8_t TagOfDataGroup(int dg) {
  DOCVAL_CHECK(dg >= 1 && dg <= 16);
  return kTags[dg];
}

absl::StatusOr<EfCom> ParseEfCom(ByteSpan ef_com) {
  absl::StatusOr<Tlv> outer = ParseSingleTlv(ef_com, 0x60);
  if (!outer.ok()) return absl::InvalidArgumentError(absl::StrCat("EF.COM: ", outer.status().message()));
  EfCom com;
  TlvReader r(outer->value);
  bool has_list = false;
  while (!r.AtEnd()) {
    absl::StatusOr<Tlv> t = r.Next();
    if (!t.ok()) return absl::InvalidArgumentError(absl::StrCat("EF.COM: ", t.status().message()));
    std::string text(t->value.begin(), t->value.end());
    if (t->tag == 0x5F01) {
      com.lds_version = text;
    } else if (t->tag == 0x5F36) {
      com.unicode_version = text;
    } else if (t->tag == 0x5C) {
      has_list = true;
      for (uint8_t tag : t->value) {
        if (std::optional<int> dg = DataGroupOfTag(tag)) com.data_groups.push_back(*dg);
      }
    }
  }
  if (!has_list) return absl::InvalidArgumentError("EF.COM: no tag list ('5C')");
  return com;
}

}  // namespace docval::emrtd
