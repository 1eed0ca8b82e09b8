// Test helpers of gateway/dev: the sample portraits of testdata/faces (drawn by make_face.py).
#ifndef DOCVAL_GATEWAY_DEV_DEV_TEST_UTIL_H_
#define DOCVAL_GATEWAY_DEV_DEV_TEST_UTIL_H_

#include <fstream>
#include <sstream>
#include <string>

#include "base/testing/paths.h"

namespace docval::gateway::testing {

// "face.jpg" (JPEG) or "face.jp2" (JPEG 2000), 120x160; "" when missing.
inline std::string ReadSampleFace(const std::string& name) {
  std::ifstream in(docval::SourcePath("testdata/faces/") + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace docval::gateway::testing

#endif  // DOCVAL_GATEWAY_DEV_DEV_TEST_UTIL_H_
