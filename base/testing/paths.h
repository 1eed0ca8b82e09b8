// Where a test finds the checkout's files and the build's programs.
//
// The three directories are compiled into paths.cc alone, not into every test: a compile-time
// define holding an absolute path differs between two clones of the same commit, so every
// translation unit carrying it would miss the compiler cache in a fresh clone (CI builds one).
#ifndef DOCVAL_BASE_TESTING_PATHS_H_
#define DOCVAL_BASE_TESTING_PATHS_H_

#include <string>
#include <string_view>

namespace docval {

// `rel` under the source checkout, e.g. SourcePath("docs/result.schema.json").
std::string SourcePath(std::string_view rel);

// `rel` under the build directory, e.g. BinaryPath("docval").
std::string BinaryPath(std::string_view rel);

// `rel` under the ICAO/BSI worked examples (testdata/vectors unless CMake's DOCVAL_VECTORS_DIR
// says otherwise).
std::string VectorsPath(std::string_view rel);

}  // namespace docval

#endif  // DOCVAL_BASE_TESTING_PATHS_H_
