#include "validator/emrtd/lds/dg11.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "validator/emrtd/lds/lds_text.h"
#include "validator/emrtd/tlv.h"

namespace docval::emrtd {

absl::StatusOr<AdditionalPersonalDetails> ParseDg11(ByteSpan dg11) {
  auto bad = [](absl::string_view why) { return absl::InvalidArgumentError(absl::StrCat("DG11: ", why)); };
  absl::StatusOr<Tlv> outer = ParseSingleTlv(dg11, 0x6B);
  if (!outer.ok()) return bad(outer.status().message());
  AdditionalPersonalDetails d;
  auto add_other_name = [&d](ByteSpan v) {
    if (!d.other_names) d.other_names.emplace();
    d.other_names->push_back(SanitizeUtf8(v));
  };
  TlvReader r(outer->value);
  while (!r.AtEnd()) {
    absl::StatusOr<Tlv> t = r.Next();
    if (!t.ok()) return bad(t.status().message());
    const ByteSpan v = t->value;
    switch (t->tag) {
      case 0x5F0E: d.full_name_of_holder = SanitizeUtf8(v); break;
      case 0x5F0F: add_other_name(v); break;
      case 0xA0: {
        if (!d.other_names) d.other_names.emplace();
        TlvReader inner(v);
        while (!inner.AtEnd()) {
          absl::StatusOr<Tlv> n = inner.Next();
          if (!n.ok()) return bad(n.status().message());
          if (n->tag == 0x5F0F) add_other_name(n->value);
        }
        break;
      }
      case 0x5F10: d.personal_number = SanitizeUtf8(v); break;
      case 0x5F2B: d.full_date_of_birth = DigitsOrBcd(v); break;
      case 0x5F11: d.place_of_birth = SanitizeUtf8(v); break;
      case 0x5F42: d.permanent_address = SplitFiller(SanitizeUtf8(v)); break;
      case 0x5F12: d.telephone = SanitizeUtf8(v); break;
      case 0x5F13: d.profession = SanitizeUtf8(v); break;
      case 0x5F14: d.title = SanitizeUtf8(v); break;
      case 0x5F15: d.personal_summary = SanitizeUtf8(v); break;
      case 0x5F16: d.proof_of_citizenship_image = Bytes(v.begin(), v.end()); break;
      case 0x5F17: d.other_valid_travel_document_numbers = SplitFiller(SanitizeUtf8(v)); break;
      case 0x5F18: d.custody_information = SanitizeUtf8(v); break;
      default: break;  // '5C' tag list and unknown tags
    }
  }
  return d;
}

}  // namespace docval::emrtd
