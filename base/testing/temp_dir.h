// A scratch directory for tests that write files. CTest runs the cases of one test binary as
// separate processes in parallel (and several checkouts may run the same tests at once), so a fixed
// name under ::testing::TempDir() is shared between them; this one is private to the process.
#ifndef DOCVAL_BASE_TESTING_TEMP_DIR_H_
#define DOCVAL_BASE_TESTING_TEMP_DIR_H_

#include <stdlib.h>

#include <string>

#include "base/check.h"

namespace docval {

// A new directory under $TMPDIR (or /tmp) on every call; never removed (the OS cleans /tmp).
inline std::string MakeTestTempDir(const char* prefix = "docval-test") {
  const char* tmp = getenv("TMPDIR");
  std::string tmpl = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/" + prefix + "-XXXXXX";
  DOCVAL_CHECK_MSG(mkdtemp(tmpl.data()) != nullptr, "mkdtemp failed");
  return tmpl;
}

// One directory per process, made on first use.
inline const std::string& ProcessTempDir() {
  static const std::string* dir = new std::string(MakeTestTempDir());
  return *dir;
}

}  // namespace docval

#endif  // DOCVAL_BASE_TESTING_TEMP_DIR_H_
