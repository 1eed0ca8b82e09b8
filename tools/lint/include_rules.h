// The dependency rules of docs/architecture.md ("Directory map"), checked against every #include and
// proto import of the repository. The tables of that page are the rules: this code only reads them.
//
// - Every folder holding sources (.h .cc .proto) has a row; a file belongs to the row of its folder,
//   or to a file-prefix row (`validator/emrtd/reader*`) that names it.
// - A project include resolves to the row of the file it names ("docval/v1/x.pb.h" and proto imports
//   resolve to proto/). It is allowed when it is the including row itself or matches the row's "may
//   include" list (`x/` that row, `x/**` every row under x/). Test files (`*_test.cc`, `*_fuzz.cc`,
//   `*_test_util.h`) may also include the "Test support" rows.
// - A `testing/` folder is test support whatever the tables say: only test files, other `testing/`
//   folders and the `tests/` tree may include it (so no production file reaches it through a `x/**`).
// - The "Libraries" table limits some libraries to some folders (Botan: the crypto folder of the core
//   and the test tools that build documents).
// - The rows of the "pure core" table (test files and test support aside) include only the standard
//   library without threads, clocks, randomness or files, Abseil without synchronisation, clock or
//   random, and Botan (kCoreForbidden* in include_rules.cc).
// - "Tolerated exceptions" lists (file, include) pairs that break a rule today; an exception that no
//   longer matches anything is itself reported, so the list only shrinks.
#ifndef DOCVAL_TOOLS_LINT_INCLUDE_RULES_H_
#define DOCVAL_TOOLS_LINT_INCLUDE_RULES_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace docval::lint {

struct Include {
  int line = 0;
  std::string path;     // as written, without quotes or brackets
  bool angled = false;  // <...> rather than "..."
};

// The #include lines of a C++ source, or the `import "..."` lines of a .proto file. Includes inside
// comments and string literals (raw strings too) are not includes.
std::vector<Include> ScanIncludes(absl::string_view text, bool proto);

struct IncludeRules {
  struct Row {
    std::string prefix;  // "validator/emrtd/crypto/", or "validator/emrtd/reader" for a file prefix
    bool file_prefix = false;
    std::vector<std::string> may_include;  // "base/", "validator/emrtd/**"
  };
  struct Library {
    std::string include_prefix;              // "botan/"
    std::vector<std::string> allowed_rows;   // row prefixes; none: no folder may include it
  };
  struct Exception {
    std::string file;
    std::string include;
  };
  std::vector<Row> rows;
  std::vector<std::string> test_support;  // row patterns
  std::vector<std::string> pure;          // row patterns of the pure core
  std::vector<Library> libraries;
  std::vector<Exception> exceptions;
};

// Reads the tables of docs/architecture.md. Errors name the line.
absl::StatusOr<IncludeRules> ParseIncludeRules(absl::string_view markdown);

struct Violation {
  std::string file;  // repository-relative
  int line = 0;         // 0: the file or the table as a whole
  std::string include;  // as written; "" when the violation is not about one include
  std::string message;
};

// Checks one file. `exists` answers whether a repository-relative path names a file.
std::vector<Violation> CheckFile(const IncludeRules& rules, const std::string& file, absl::string_view content,
                                 const std::function<bool(const std::string&)>& exists);

// Checks every source under `root` (build trees, hidden folders, node_modules and testdata left out),
// the rows against the folders that exist, and the exceptions against what they excuse.
std::vector<Violation> CheckTree(const IncludeRules& rules, const std::string& root);

}  // namespace docval::lint

#endif  // DOCVAL_TOOLS_LINT_INCLUDE_RULES_H_
