// Test-only helpers for the LDS tests. The committed vectors and PKI fixtures are read with
// validator/emrtd/testing/vectors.h.
#ifndef DOCVAL_VALIDATOR_EMRTD_LDS_LDS_TEST_UTIL_H_
#define DOCVAL_VALIDATOR_EMRTD_LDS_LDS_TEST_UTIL_H_

#include <string>

#include "validator/emrtd/bytes.h"

namespace docval::emrtd::testing {

inline ByteSpan Text(const char* s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s), std::char_traits<char>::length(s));
}

}  // namespace docval::emrtd::testing

#endif  // DOCVAL_VALIDATOR_EMRTD_LDS_LDS_TEST_UTIL_H_
