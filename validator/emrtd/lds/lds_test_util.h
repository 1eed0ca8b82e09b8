// Test-only helpers for the LDS tests: reading the committed vectors and fixtures.
#ifndef DOCVAL_VALIDATOR_EMRTD_LDS_LDS_TEST_UTIL_H_
#define DOCVAL_VALIDATOR_EMRTD_LDS_LDS_TEST_UTIL_H_

#include <fstream>
#include <iterator>
#include <string>

#include "gtest/gtest.h"
#include "validator/emrtd/bytes.h"

namespace docval::emrtd::testing {

// A file under testdata/vectors (DOCVAL_VECTORS_DIR).
inline Bytes ReadVector(const std::string& rel) {
  std::ifstream in(std::string(DOCVAL_VECTORS_DIR) + "/" + rel, std::ios::binary);
  EXPECT_TRUE(in.good()) << rel;
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A fixture of validator/emrtd/crypto/testdata/pki (made by make_pki.py).
inline Bytes ReadPki(const std::string& name) {
  std::ifstream in(std::string(DOCVAL_SOURCE_DIR) + "/validator/emrtd/crypto/testdata/pki/" + name,
                   std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline ByteSpan Text(const char* s) { return ByteSpan(reinterpret_cast<const uint8_t*>(s), std::char_traits<char>::length(s)); }

}  // namespace docval::emrtd::testing

#endif  // DOCVAL_VALIDATOR_EMRTD_LDS_LDS_TEST_UTIL_H_
