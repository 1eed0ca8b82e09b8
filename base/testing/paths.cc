#include "base/testing/paths.h"

namespace docval {
namespace {

std::string Join(const char* dir, std::string_view rel) {
  std::string path(dir);
  if (!rel.empty()) {
    path += '/';
    path.append(rel);
  }
  return path;
}

}  // namespace

// The three macros come from base/CMakeLists.txt.
std::string SourcePath(std::string_view rel) { return Join(DOCVAL_SOURCE_DIR, rel); }
std::string BinaryPath(std::string_view rel) { return Join(DOCVAL_BINARY_DIR, rel); }
std::string VectorsPath(std::string_view rel) { return Join(DOCVAL_VECTORS_DIR, rel); }

}  // namespace docval
