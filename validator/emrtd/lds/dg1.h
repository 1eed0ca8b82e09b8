// DG1 (ICAO 9303-10 §4.7.1): the machine readable zone, '61' { '5F1F' MRZ }.
//
// The MRZ form is chosen by its length: TD1 90 characters (3 x 30), TD2 72 (2 x 36), TD3 88 (2 x 44);
// MRV-B and MRV-A visas share the TD2 and TD3 layouts. Fields (ICAO 9303-4/5/6):
// - Filler '<' is removed from the end of every field (document_code "P<" -> "P", issuing_state
//   "D<<" -> "D"); dates stay as the six digits yyMMdd.
// - Name: primary_identifier is the part before the first "<<" with single '<' turned into spaces;
//   secondary_identifier holds the given names after it, split at '<' (empty parts dropped).
// - Gender: 'M' MALE, 'F' FEMALE, anything else ('<', 'X') UNSPECIFIED.
// - optional_data1: TD1 line 1 positions 16-30, TD2 line 2 positions 29-35, TD3 the personal number
//   (line 2 positions 29-42); optional_data2: TD1 line 2 positions 19-29, null for TD2/TD3.
// - Long document numbers (TD1, TD2): when the check-digit position holds '<', the number goes on in
//   the optional data up to the next '<', whose last character is the check digit (9303-5 §4.2.4);
//   the number is re-joined and the overflow removed from the optional data.
// Check digits are not enforced here (Passive Authentication vouches for the bytes); MrzCheckDigits
// reports them for diagnostics.
#ifndef DOCVAL_VALIDATOR_EMRTD_LDS_DG1_H_
#define DOCVAL_VALIDATOR_EMRTD_LDS_DG1_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/result.h"

namespace docval::emrtd {

// The MRZ text (no line breaks) to fields. kInvalidArgument for a length that is no MRZ form or a
// character outside A-Z, 0-9 and '<'.
absl::StatusOr<MrzInfo> ParseMrz(absl::string_view mrz);
// The DG1 file.
absl::StatusOr<MrzInfo> ParseDg1(ByteSpan dg1);
// The raw MRZ string of a DG1 file (for access keys and diagnostics).
absl::StatusOr<std::string> Dg1MrzText(ByteSpan dg1);

// ICAO 9303-3 §4.9 check digit (weights 7, 3, 1; '<' = 0, A-Z = 10..35). -1 for a bad character.
int MrzCheckDigit(absl::string_view field);
// Whether the document number, date of birth, date of expiry and composite check digits of an MRZ
// hold. kInvalidArgument when the MRZ is not of a known form.
absl::StatusOr<bool> MrzCheckDigits(absl::string_view mrz);

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_LDS_DG1_H_
