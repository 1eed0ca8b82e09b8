#include "validator/emrtd/lds/dg11.h"

#include "absl/status/status.h"
#include "validator/emrtd/lds/lds_template.h"
#include "validator/emrtd/lds/lds_text.h"

namespace docval::emrtd {

absl::StatusOr<AdditionalPersonalDetails> ParseDg11(ByteSpan dg11) {
  AdditionalPersonalDetails d;
  absl::Status s = ForEachTemplateElement(dg11, 0x6B, 0x5F0F, "DG11", [&d](uint32_t tag, ByteSpan v) {
    switch (tag) {
      case 0x5F0E: d.full_name_of_holder = SanitizeUtf8(v); break;
      case 0xA0:  // the other names, listed even when the container holds none
        if (!d.other_names) d.other_names.emplace();
        break;
      case 0x5F0F:  // inside A0 or bare
        if (!d.other_names) d.other_names.emplace();
        d.other_names->push_back(SanitizeUtf8(v));
        break;
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
  });
  if (!s.ok()) return s;
  return d;
}

}  // namespace docval::emrtd
