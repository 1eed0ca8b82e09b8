// Text helpers shared by the LDS parsers: everything that reaches the result is valid UTF-8.
#ifndef DOCVAL_VALIDATOR_EMRTD_LDS_LDS_TEXT_H_
#define DOCVAL_VALIDATOR_EMRTD_LDS_LDS_TEXT_H_

#include <string>
#include <vector>

#include "validator/emrtd/bytes.h"

namespace docval::emrtd {

// `bytes` as UTF-8, every invalid sequence (and NUL) replaced by U+FFFD.
std::string SanitizeUtf8(ByteSpan bytes);

// Splits ICAO '<'-separated text, dropping empty parts.
std::vector<std::string> SplitFiller(const std::string& text);

// A date field of DG11/DG12: ASCII digits as given, or BCD (2 digits per byte) turned into digits.
std::string DigitsOrBcd(ByteSpan bytes);

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_LDS_LDS_TEXT_H_
