// The template walk shared by the DG11 and DG12 parsers (ICAO 9303-10 §4.7.11, §4.7.12): one TLV of
// the data group's tag around a '5C' tag list and data elements in any order, where an 'A0' element
// holds a count and repeated elements (DG11's other names, DG12's other persons).
#ifndef DOCVAL_VALIDATOR_EMRTD_LDS_LDS_TEMPLATE_H_
#define DOCVAL_VALIDATOR_EMRTD_LDS_LDS_TEMPLATE_H_

#include <cstdint>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "validator/emrtd/bytes.h"

namespace docval::emrtd {

// Calls `element` with the tag and value of each data element of `data_group` (one TLV of
// `template_tag`), in order. For an 'A0' element it is called with the A0 itself, then with each
// `repeated_tag` element inside it (other elements inside A0 are skipped). Malformed TLVs are
// kInvalidArgument, prefixed with `name` ("DG11: ...").
absl::Status ForEachTemplateElement(ByteSpan data_group, uint32_t template_tag, uint32_t repeated_tag,
                                    absl::string_view name,
                                    absl::FunctionRef<void(uint32_t tag, ByteSpan value)> element);

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_LDS_LDS_TEMPLATE_H_
