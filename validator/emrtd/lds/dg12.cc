#include "validator/emrtd/lds/dg12.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "validator/emrtd/lds/lds_template.h"
#include "validator/emrtd/lds/lds_text.h"

namespace docval::emrtd {

absl::StatusOr<AdditionalDocumentDetails> ParseDg12(ByteSpan dg12) {
  AdditionalDocumentDetails d;
  absl::Status s = ForEachTemplateElement(dg12, 0x6C, 0x5F1A, "DG12", [&d](uint32_t tag, ByteSpan v) {
    switch (tag) {
      case 0x5F19: d.issuing_authority = SanitizeUtf8(v); break;
      case 0x5F26: d.date_of_issue = DigitsOrBcd(v); break;
      case 0x5F1A:  // inside A0 or bare; several are joined
        if (!d.names_of_other_persons) {
          d.names_of_other_persons = SanitizeUtf8(v);
        } else {
          absl::StrAppend(&*d.names_of_other_persons, "; ", SanitizeUtf8(v));
        }
        break;
      case 0x5F1B: d.endorsements_and_observations = SanitizeUtf8(v); break;
      case 0x5F1C: d.tax_or_exit_requirements = SanitizeUtf8(v); break;
      case 0x5F1D: d.image_of_front = Bytes(v.begin(), v.end()); break;
      case 0x5F1E: d.image_of_rear = Bytes(v.begin(), v.end()); break;
      case 0x5F55: d.date_and_time_of_personalization = DigitsOrBcd(v); break;
      case 0x5F56: d.personalization_system_serial_number = SanitizeUtf8(v); break;
      default: break;  // '5C' tag list, 'A0' (its names come next) and unknown tags
    }
  });
  if (!s.ok()) return s;
  return d;
}

}  // namespace docval::emrtd
