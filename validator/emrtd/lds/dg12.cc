#include "validator/emrtd/lds/dg12.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "validator/emrtd/lds/lds_text.h"
#include "validator/emrtd/tlv.h"

namespace docval::emrtd {

absl::StatusOr<AdditionalDocumentDetails> ParseDg12(ByteSpan dg12) {
  auto bad = [](absl::string_view why) { return absl::InvalidArgumentError(absl::StrCat("DG12: ", why)); };
  absl::StatusOr<Tlv> outer = ParseSingleTlv(dg12, 0x6C);
  if (!outer.ok()) return bad(outer.status().message());
  AdditionalDocumentDetails d;
  auto add_name = [&d](ByteSpan v) {
    if (!d.names_of_other_persons) {
      d.names_of_other_persons = SanitizeUtf8(v);
    } else {
      absl::StrAppend(&*d.names_of_other_persons, "; ", SanitizeUtf8(v));
    }
  };
  TlvReader r(outer->value);
  while (!r.AtEnd()) {
    absl::StatusOr<Tlv> t = r.Next();
    if (!t.ok()) return bad(t.status().message());
    const ByteSpan v = t->value;
    switch (t->tag) {
      case 0x5F19: d.issuing_authority = SanitizeUtf8(v); break;
      case 0x5F26: d.date_of_issue = DigitsOrBcd(v); break;
      case 0x5F1A: add_name(v); break;
      case 0xA0: {
        TlvReader inner(v);
        while (!inner.AtEnd()) {
          absl::StatusOr<Tlv> n = inner.Next();
          if (!n.ok()) return bad(n.status().message());
          if (n->tag == 0x5F1A) add_name(n->value);
        }
        break;
      }
      case 0x5F1B: d.endorsements_and_observations = SanitizeUtf8(v); break;
      case 0x5F1C: d.tax_or_exit_requirements = SanitizeUtf8(v); break;
      case 0x5F1D: d.image_of_front = Bytes(v.begin(), v.end()); break;
      case 0x5F1E: d.image_of_rear = Bytes(v.begin(), v.end()); break;
      case 0x5F55: d.date_and_time_of_personalization = DigitsOrBcd(v); break;
      case 0x5F56: d.personalization_system_serial_number = SanitizeUtf8(v); break;
      default: break;
    }
  }
  return d;
}

}  // namespace docval::emrtd
