#include "validator/emrtd/testing/vectors.h"

#include <fstream>
#include <iterator>
#include <stdexcept>

#include "base/testing/paths.h"

namespace docval::emrtd::testing {
namespace {

std::string VectorPath(const std::string& name) { return docval::VectorsPath(name); }
std::string PkiPath(const std::string& name) {
  return docval::SourcePath("validator/emrtd/crypto/testdata/pki/") + name;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("test data file cannot be opened: " + path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw std::runtime_error("test data file cannot be read: " + path);
  return text;
}

nlohmann::json ParseJson(const std::string& path) {
  nlohmann::json j = nlohmann::json::parse(ReadFile(path), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw std::runtime_error("test data file is not valid JSON: " + path);
  return j;
}

Bytes ToBytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

}  // namespace

nlohmann::json LoadVector(const std::string& name) { return ParseJson(VectorPath(name)); }
Bytes ReadVector(const std::string& name) { return ToBytes(ReadFile(VectorPath(name))); }

nlohmann::json LoadPkiJson(const std::string& name) { return ParseJson(PkiPath(name)); }
Bytes ReadPki(const std::string& name) { return ToBytes(ReadFile(PkiPath(name))); }

Bytes HexField(const nlohmann::json& hex) { return HexOrDie(hex.get<std::string>()); }

Bytes EcPointField(const nlohmann::json& point) {
  return Concat({HexOrDie("04"), HexField(point.at("x")), HexField(point.at("y"))});
}

}  // namespace docval::emrtd::testing
