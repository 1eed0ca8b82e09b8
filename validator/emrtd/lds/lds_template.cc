#include "validator/emrtd/lds/lds_template.h"

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "validator/emrtd/tlv.h"

namespace docval::emrtd {

absl::Status ForEachTemplateElement(ByteSpan data_group, uint32_t template_tag, uint32_t repeated_tag,
                                    absl::string_view name,
                                    absl::FunctionRef<void(uint32_t tag, ByteSpan value)> element) {
  auto bad = [name](absl::string_view why) { return absl::InvalidArgumentError(absl::StrCat(name, ": ", why)); };
  absl::StatusOr<Tlv> outer = ParseSingleTlv(data_group, template_tag);
  if (!outer.ok()) return bad(outer.status().message());
  TlvReader r(outer->value);
  while (!r.AtEnd()) {
    absl::StatusOr<Tlv> t = r.Next();
    if (!t.ok()) return bad(t.status().message());
    element(t->tag, t->value);
    if (t->tag != 0xA0) continue;
    TlvReader inner(t->value);
    while (!inner.AtEnd()) {
      absl::StatusOr<Tlv> n = inner.Next();
      if (!n.ok()) return bad(n.status().message());
      if (n->tag == repeated_tag) element(n->tag, n->value);
    }
  }
  return absl::OkStatus();
}

}  // namespace docval::emrtd
