// DG12 (ICAO 9303-10 §4.7.12): additional document details, '6C' { '5C' tag list, fields... }.
//
//   '5F19' issuing authority     '5F26' date of issue (yyyyMMdd; ASCII or 4-byte BCD)
//   'A0' { '02' n, '5F1A'... }   -> names_of_other_persons: the names joined with "; " (also accepted:
//                                   bare '5F1A' elements)
//   '5F1B' endorsements and observations   '5F1C' tax or exit requirements
//   '5F1D' image of front, '5F1E' image of rear (bytes)
//   '5F55' date and time of personalization (yyyyMMddhhmmss; ASCII or 7-byte BCD)
//   '5F56' serial number of the personalization system
// Absent fields stay nullopt (JSON null). Text is UTF-8 (invalid sequences replaced by U+FFFD).
#ifndef DOCVAL_VALIDATOR_EMRTD_LDS_DG12_H_
#define DOCVAL_VALIDATOR_EMRTD_LDS_DG12_H_

#include "absl/status/statusor.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/result.h"

namespace docval::emrtd {

absl::StatusOr<AdditionalDocumentDetails> ParseDg12(ByteSpan dg12);

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_LDS_DG12_H_
