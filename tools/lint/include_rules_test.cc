#include "tools/lint/include_rules.h"

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "base/testing/paths.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace docval::lint {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

MATCHER_P2(Inc, path, angled, "") { return arg.path == path && arg.angled == angled; }

}  // namespace

void PrintTo(const Violation& v, std::ostream* os) { *os << v.file << ":" << v.line << ": " << v.message; }

namespace {

TEST(ScanIncludesTest, FindsDirectivesOnly) {
  const std::string text = R"src(#include "a/b.h"
  #  include <vector>
// #include "commented/out.h"
/* #include "block/comment.h"
#include "still/comment.h" */
const char* s = "#include \"in/string.h\"";
const char* r = R"x(
#include "in/raw_string.h"
)x";
int n = 1'000;
#include "after/digit_separator.h"
#define X 1  // #include "after/define.h"
#include "last.h"  // trailing comment
)src";
  EXPECT_THAT(ScanIncludes(text, false),
              ElementsAre(Inc("a/b.h", false), Inc("vector", true), Inc("after/digit_separator.h", false),
                          Inc("last.h", false)));
  EXPECT_EQ(ScanIncludes(text, false)[2].line, 11);
}

TEST(ScanIncludesTest, ProtoImports) {
  EXPECT_THAT(ScanIncludes("syntax = \"proto3\";\nimport \"docval/v1/result.proto\";\n// import \"x.proto\";\n"
                           "message Important { string import_x = 1; }\n",
                           true),
              ElementsAre(Inc("docval/v1/result.proto", false)));
}

constexpr char kRules[] = R"md(
# Some page

| folder | owns | may include |
|---|---|---|
| `base/` | the leaf | — |
| `proto/docval/v1/` | contracts | — |
| `core/` | the core | `base/` |
| `core/crypto/` | crypto | `base/`, `core/` |
| `core/top*` | the top | `base/`, `core/**` |
| `core/testing/` | test support | `core/` |
| `adapter/` | an adapter | `base/`, `proto/**`, `core/**` |
| `tests/e2e/` | end-to-end tests | `base/`, `core/**` |

| test support | offers |
|---|---|
| `core/testing/` | vectors |

| pure core | why |
|---|---|
| `core/**` | no I/O |

| library | include | only in |
|---|---|---|
| Botan | `<botan/…>` | `core/crypto/` |

| other table | a | b |
|---|---|---|
| `x/` | y | `nothing/` |

| tolerated exception | includes | why |
|---|---|---|
| `core/legacy.cc` | `<mutex>` | going away |
)md";

IncludeRules Rules() {
  absl::StatusOr<IncludeRules> r = ParseIncludeRules(kRules);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : IncludeRules{};
}

std::vector<Violation> Check(const std::string& file, const std::string& text) {
  static const std::set<std::string> kFiles = {"base/check.h",      "core/bytes.h",     "core/crypto/hash.h",
                                               "core/top.h",        "core/testing/v.h", "adapter/json.h",
                                               "proto/docval/v1/result.proto"};
  return CheckFile(Rules(), file, text, [](const std::string& f) { return kFiles.count(f) > 0; });
}

TEST(IncludeRulesTest, ParsesTheTables) {
  IncludeRules r = Rules();
  ASSERT_THAT(r.rows, SizeIs(8));
  EXPECT_EQ(r.rows[4].prefix, "core/top");
  EXPECT_TRUE(r.rows[4].file_prefix);
  EXPECT_THAT(r.rows[4].may_include, ElementsAre("base/", "core/**"));
  EXPECT_THAT(r.rows[0].may_include, IsEmpty());
  EXPECT_THAT(r.test_support, ElementsAre("core/testing/"));
  EXPECT_THAT(r.pure, ElementsAre("core/**"));
  ASSERT_THAT(r.libraries, SizeIs(1));
  EXPECT_EQ(r.libraries[0].include_prefix, "botan/");
  ASSERT_THAT(r.exceptions, SizeIs(1));
  EXPECT_EQ(r.exceptions[0].include, "mutex");
}

TEST(IncludeRulesTest, RefusesTablesThatNameUnknownFolders) {
  std::string bad = kRules;
  bad.replace(bad.find("`base/`, `proto/**`, `core/**`"), 30, "`base/`, `nowhere/`");
  EXPECT_THAT(std::string(ParseIncludeRules(bad).status().message()), HasSubstr("nowhere/"));
  EXPECT_FALSE(ParseIncludeRules("no tables here").ok());
  EXPECT_FALSE(ParseIncludeRules("| folder | owns | may include |\n|---|---|---|\n| `base` | x | — |\n").ok());
}

TEST(IncludeRulesTest, AllowsWhatTheTableAllows) {
  EXPECT_THAT(Check("core/crypto/hash.cc", "#include \"core/crypto/hash.h\"\n#include \"core/bytes.h\"\n"
                                           "#include \"base/check.h\"\n#include <botan/hash.h>\n#include <vector>\n"
                                           "#include \"absl/status/status.h\"\n"),
              IsEmpty());
  EXPECT_THAT(Check("core/top.cc", "#include \"core/crypto/hash.h\"\n"), IsEmpty());
  EXPECT_THAT(Check("adapter/json.cc", "#include \"docval/v1/result.pb.h\"\n#include \"core/top.h\"\n"
                                       "#include <nlohmann/json.hpp>\n#include <thread>\n"),
              IsEmpty());
  // Tests may include test support; so may the tests' own tree and test support itself.
  EXPECT_THAT(Check("core/crypto/hash_test.cc", "#include \"core/testing/v.h\"\n#include \"gtest/gtest.h\"\n"),
              IsEmpty());
  EXPECT_THAT(Check("core/top_fuzz.cc", "#include \"core/testing/v.h\"\n"), IsEmpty());
  EXPECT_THAT(Check("tests/e2e/harness.cc", "#include \"core/testing/v.h\"\n"), IsEmpty());
}

TEST(IncludeRulesTest, RefusesWhatItDoesNot) {
  // Layers point one way.
  EXPECT_THAT(Check("core/crypto/hash.cc", "#include \"core/top.h\"\n"),
              ElementsAre(Field(&Violation::message, HasSubstr("core/crypto/ may not include core/top*"))));
  EXPECT_THAT(Check("base/check.h", "#include \"core/bytes.h\"\n"), SizeIs(1));
  // Test support is for tests only.
  EXPECT_THAT(Check("core/crypto/hash.cc", "#include \"core/testing/v.h\"\n"), SizeIs(1));
  // ... and a testing/ folder stays so when a row may include the folder above it: core/top* and
  // adapter/ may include core/**, but not core/testing/ from production code.
  for (const char* file : {"core/top.cc", "adapter/json.h"}) {
    SCOPED_TRACE(file);
    EXPECT_THAT(Check(file, "#include \"core/testing/v.h\"\n"),
                ElementsAre(Field(&Violation::message, HasSubstr("core/testing/ is test support"))));
  }
  // Botan only in crypto.
  EXPECT_THAT(Check("core/bytes.cc", "#include <botan/hash.h>\n"),
              ElementsAre(Field(&Violation::message, HasSubstr("only core/crypto/"))));
  // Files that do not exist, relative includes, folders without a row.
  EXPECT_THAT(Check("core/bytes.cc", "#include \"core/nothing.h\"\n"),
              ElementsAre(Field(&Violation::message, HasSubstr("no such file"))));
  EXPECT_THAT(Check("core/bytes.cc", "#include \"bytes.h\"\n"),
              ElementsAre(Field(&Violation::message, HasSubstr("path from the repository root"))));
  EXPECT_THAT(Check("elsewhere/x.cc", ""), ElementsAre(Field(&Violation::message, HasSubstr("has no row"))));
  EXPECT_THAT(Check("core/sub/x.cc", ""), ElementsAre(Field(&Violation::message, HasSubstr("has no row"))));
  EXPECT_THAT(Check("core/bytes.cc", "#include \"docval/v1/nothing.pb.h\"\n"), SizeIs(1));
}

TEST(IncludeRulesTest, ALibraryNoFolderMayInclude) {
  absl::StatusOr<IncludeRules> r = ParseIncludeRules(R"md(
| folder | owns | may include |
|---|---|---|
| `app/` | an adapter | — |

| library | include | only in |
|---|---|---|
| the standard library's locks | `<mutex>`, `<shared_mutex>` | — |
)md");
  ASSERT_TRUE(r.ok()) << r.status();
  auto none = [](const std::string&) { return false; };
  EXPECT_THAT(CheckFile(*r, "app/x.cc", "#include <shared_mutex>\n#include <thread>\n", none),
              ElementsAre(Field(&Violation::message, HasSubstr("no folder may include shared_mutex"))));
  EXPECT_THAT(CheckFile(*r, "app/x_test.cc", "#include <mutex>\n", none), SizeIs(1));
  EXPECT_THAT(CheckFile(*r, "app/x.cc", "#include \"absl/synchronization/mutex.h\"\n", none), IsEmpty());
}

TEST(IncludeRulesTest, TheCoreIsPure) {
  for (const char* inc : {"<thread>", "<mutex>", "<chrono>", "<random>", "<fstream>", "<filesystem>",
                          "<grpcpp/grpcpp.h>", "<boost/asio.hpp>", "<nlohmann/json.hpp>", "<sys/socket.h>",
                          "\"absl/synchronization/mutex.h\"", "\"absl/time/clock.h\"", "\"nlohmann/json.hpp\"",
                          "\"docval/v1/result.pb.h\""}) {
    SCOPED_TRACE(inc);
    EXPECT_THAT(Check("core/crypto/hash.cc", absl::StrCat("#include ", inc, "\n")), SizeIs(1));
  }
  // ... but its tests and test support are not the core.
  EXPECT_THAT(Check("core/crypto/hash_test.cc", "#include <thread>\n#include \"nlohmann/json.hpp\"\n"), IsEmpty());
  EXPECT_THAT(Check("core/testing/v.cc", "#include <fstream>\n"), IsEmpty());
}

// ---- The repository ------------------------------------------------------------------------------------

TEST(IncludeRulesTest, TheRepositoryFollowsDocsArchitectureMd) {
  std::ifstream in(docval::SourcePath("docs/architecture.md"));
  ASSERT_TRUE(in.good());
  std::stringstream md;
  md << in.rdbuf();
  absl::StatusOr<IncludeRules> rules = ParseIncludeRules(md.str());
  ASSERT_TRUE(rules.ok()) << "docs/architecture.md: " << rules.status();
  std::vector<Violation> violations = CheckTree(*rules, docval::SourcePath(""));
  for (const Violation& v : violations) ADD_FAILURE() << v.file << ":" << v.line << ": " << v.message;
  EXPECT_EQ(violations.size(), 0u) << "includes that break the rules of docs/architecture.md";
}

}  // namespace
}  // namespace docval::lint
