// Test helpers of the virtual chip's own tests: loading the ICAO/BSI worked examples.
#ifndef DOCVAL_TOOLS_VCHIP_VCHIP_TEST_UTIL_H_
#define DOCVAL_TOOLS_VCHIP_VCHIP_TEST_UTIL_H_

#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "base/testing/paths.h"
#include "validator/emrtd/bytes.h"

namespace docval::vchip::testing {

inline nlohmann::json LoadVector(const std::string& name) {
  std::ifstream in(docval::VectorsPath(name));
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

inline emrtd::Bytes H(const nlohmann::json& j) { return emrtd::HexOrDie(j.get<std::string>()); }
inline emrtd::Bytes H(const char* s) { return emrtd::HexOrDie(s); }

}  // namespace docval::vchip::testing

#endif  // DOCVAL_TOOLS_VCHIP_VCHIP_TEST_UTIL_H_
