// DG11 (ICAO 9303-10 §4.7.11): additional personal details, '6B' { '5C' tag list, fields... }.
//
//   '5F0E' full name            -> full_name_of_holder (as encoded, '<' separators kept)
//   'A0' { '02' n, '5F0F'... }  -> other_names (also accepted: bare '5F0F' elements)
//   '5F10' personal number      '5F2B' full date of birth (yyyyMMdd; ASCII or 4-byte BCD)
//   '5F11' place of birth       -> place_of_birth (as encoded)
//   '5F42' permanent address    -> permanent_address, split at '<'
//   '5F12' telephone  '5F13' profession  '5F14' title  '5F15' personal summary
//   '5F16' proof of citizenship -> proof_of_citizenship_image (bytes)
//   '5F17' other valid travel document numbers -> split at '<'
//   '5F18' custody information
// Absent fields stay nullopt (JSON null). Text is UTF-8 (invalid sequences replaced by U+FFFD).
// Unknown tags are skipped.
#ifndef DOCVAL_VALIDATOR_EMRTD_LDS_DG11_H_
#define DOCVAL_VALIDATOR_EMRTD_LDS_DG11_H_

#include "absl/status/statusor.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/result.h"

namespace docval::emrtd {

absl::StatusOr<AdditionalPersonalDetails> ParseDg11(ByteSpan dg11);

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_LDS_DG11_H_
