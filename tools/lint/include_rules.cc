#include "tools/lint/include_rules.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace docval::lint {
namespace {

// What the rows of the pure core (the "pure core" table of docs/architecture.md) may not include:
// standard headers for threads, clocks, randomness, files and consoles, and the impure parts of Abseil.
// Libraries other than Abseil and Botan are refused altogether.
constexpr absl::string_view kCoreForbiddenStd[] = {
    "thread", "mutex", "shared_mutex", "condition_variable", "future", "semaphore", "latch", "barrier", "stop_token",
    "chrono", "ctime", "time.h", "random", "filesystem", "fstream", "iostream", "cstdio", "stdio.h", "unistd.h",
    "pthread.h"};
constexpr absl::string_view kCoreForbiddenAbsl[] = {"absl/synchronization/", "absl/time/clock.h", "absl/random/",
                                                    "absl/log/", "absl/flags/"};

bool IsIdentChar(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::string Dir(const std::string& file) {
  size_t slash = file.rfind('/');
  return slash == std::string::npos ? "" : file.substr(0, slash + 1);
}

std::string Base(const std::string& file) {
  size_t slash = file.rfind('/');
  return slash == std::string::npos ? file : file.substr(slash + 1);
}

bool IsTestFile(const std::string& file) {
  const std::string b = Base(file);
  return absl::EndsWith(b, "_test.cc") || absl::EndsWith(b, "_fuzz.cc") || absl::EndsWith(b, "_test_util.h");
}

// A `testing/` folder (base/testing/, validator/emrtd/testing/): test support for tests only.
bool IsTestingRow(const IncludeRules::Row& r) {
  return !r.file_prefix && (absl::StartsWith(r.prefix, "testing/") || absl::StrContains(r.prefix, "/testing/"));
}

// The tree of tests across services (tests/e2e/, tests/support/, ...): test code as a whole.
bool IsTestsRow(const IncludeRules::Row& r) { return absl::StartsWith(r.prefix, "tests/"); }

bool IsSource(const std::string& file) {
  return absl::EndsWith(file, ".h") || absl::EndsWith(file, ".cc") || absl::EndsWith(file, ".proto");
}

// The `...` tokens of a Markdown cell.
std::vector<std::string> Ticked(absl::string_view cell) {
  std::vector<std::string> out;
  std::vector<absl::string_view> parts = absl::StrSplit(cell, '`');
  for (size_t i = 1; i < parts.size(); i += 2) out.emplace_back(parts[i]);
  return out;
}

std::vector<std::string> Cells(absl::string_view line) {
  line = absl::StripAsciiWhitespace(line);
  if (!absl::ConsumePrefix(&line, "|") || !absl::ConsumeSuffix(&line, "|")) return {};
  std::vector<std::string> cells;
  for (absl::string_view c : absl::StrSplit(line, '|')) cells.emplace_back(absl::StripAsciiWhitespace(c));
  return cells;
}

// "<botan/…>" -> "botan/", "<mutex>" -> "mutex", "\"absl/x.h\"" -> "absl/x.h".
std::string IncludeToken(std::string t) {
  absl::string_view v(t);
  absl::ConsumePrefix(&v, "<");
  absl::ConsumePrefix(&v, "\"");
  absl::ConsumeSuffix(&v, ">");
  absl::ConsumeSuffix(&v, "\"");
  absl::ConsumeSuffix(&v, "…");
  absl::ConsumeSuffix(&v, "...");
  return std::string(v);
}

const IncludeRules::Row* RowFor(const IncludeRules& rules, const std::string& file) {
  const IncludeRules::Row* best = nullptr;
  for (const IncludeRules::Row& r : rules.rows) {
    const bool match = r.file_prefix
                           ? absl::StartsWith(file, r.prefix) && file.find('/', r.prefix.size()) == std::string::npos
                           : Dir(file) == r.prefix;
    if (match && (best == nullptr || r.prefix.size() > best->prefix.size())) best = &r;
  }
  return best;
}

std::string RowName(const IncludeRules::Row& r) { return r.file_prefix ? r.prefix + "*" : r.prefix; }

bool Matches(const std::string& pattern, const IncludeRules::Row& target) {
  if (absl::EndsWith(pattern, "/**")) return absl::StartsWith(target.prefix, pattern.substr(0, pattern.size() - 2));
  return RowName(target) == pattern;
}

// A row of the pure core: named by the "pure core" table and not test support.
bool IsCoreRow(const IncludeRules& rules, const IncludeRules::Row& r) {
  auto any = [&](const std::vector<std::string>& patterns) {
    return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) { return Matches(p, r); });
  };
  return any(rules.pure) && !any(rules.test_support);
}

std::set<std::string> TopFolders(const IncludeRules& rules) {
  std::set<std::string> out;
  for (const IncludeRules::Row& r : rules.rows) out.insert(r.prefix.substr(0, r.prefix.find('/') + 1));
  return out;
}

}  // namespace

std::vector<Include> ScanIncludes(absl::string_view t, bool proto) {
  enum class State { kCode, kLineComment, kBlockComment, kString, kChar, kRaw };
  std::vector<Include> out;
  State state = State::kCode;
  std::string raw_end;
  int line = 1;
  bool line_start = true;  // only whitespace so far on this line, in code
  auto quoted = [&](size_t from, char open) -> std::optional<std::string> {
    const char close = open == '<' ? '>' : '"';
    size_t end = t.find(close, from + 1);
    size_t eol = t.find('\n', from);
    if (end == absl::string_view::npos || (eol != absl::string_view::npos && end > eol)) return std::nullopt;
    return std::string(t.substr(from + 1, end - from - 1));
  };
  for (size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    const char next = i + 1 < t.size() ? t[i + 1] : '\0';
    if (c == '\n') {
      ++line;
      if (state == State::kLineComment || state == State::kString || state == State::kChar) state = State::kCode;
      line_start = state == State::kCode;
      continue;
    }
    switch (state) {
      case State::kCode:
        if (c == '/' && next == '/') {
          state = State::kLineComment;
          ++i;
        } else if (c == '/' && next == '*') {
          state = State::kBlockComment;
          ++i;
        } else if (c == 'R' && next == '"' && (i == 0 || !IsIdentChar(t[i - 1]))) {
          size_t open = t.find('(', i + 2);
          if (open == absl::string_view::npos) return out;
          raw_end = absl::StrCat(")", t.substr(i + 2, open - i - 2), "\"");
          state = State::kRaw;
          i = open;
        } else if (c == '"') {
          state = State::kString;
        } else if (c == '\'' && (i == 0 || !absl::ascii_isxdigit(static_cast<unsigned char>(t[i - 1])))) {
          state = State::kChar;  // (a quote after a digit is a digit separator)
        } else if (line_start && !proto && c == '#') {
          size_t p = i + 1;
          while (p < t.size() && (t[p] == ' ' || t[p] == '\t')) ++p;
          if (t.substr(p, 7) == "include") {
            p += 7;
            while (p < t.size() && (t[p] == ' ' || t[p] == '\t')) ++p;
            if (p < t.size() && (t[p] == '<' || t[p] == '"')) {
              if (std::optional<std::string> path = quoted(p, t[p])) out.push_back({line, *path, t[p] == '<'});
            }
          }
          state = State::kLineComment;  // the rest of a directive line holds no include
        } else if (line_start && proto && t.substr(i, 6) == "import" && i + 6 < t.size() && !IsIdentChar(t[i + 6])) {
          size_t q = t.find('"', i);
          size_t eol = t.find('\n', i);
          if (q != absl::string_view::npos && (eol == absl::string_view::npos || q < eol)) {
            if (std::optional<std::string> path = quoted(q, '"')) out.push_back({line, *path, false});
          }
          state = State::kLineComment;
        }
        if (c != ' ' && c != '\t' && c != '\r') line_start = false;
        break;
      case State::kLineComment:
        break;
      case State::kBlockComment:
        if (c == '*' && next == '/') {
          state = State::kCode;
          ++i;
        }
        break;
      case State::kString:
        if (c == '\\') {
          ++i;
        } else if (c == '"') {
          state = State::kCode;
        }
        break;
      case State::kChar:
        if (c == '\\') {
          ++i;
        } else if (c == '\'') {
          state = State::kCode;
        }
        break;
      case State::kRaw:
        if (t.substr(i, raw_end.size()) == raw_end) {
          i += raw_end.size() - 1;
          state = State::kCode;
        }
        break;
    }
  }
  return out;
}

absl::StatusOr<IncludeRules> ParseIncludeRules(absl::string_view markdown) {
  enum class Table { kNone, kOther, kRows, kTestSupport, kPure, kLibraries, kExceptions };
  IncludeRules rules;
  Table table = Table::kNone;  // the table the line is in
  int n = 0;
  for (absl::string_view line : absl::StrSplit(markdown, '\n')) {
    ++n;
    std::vector<std::string> cells = Cells(line);
    if (cells.empty()) {
      table = Table::kNone;
      continue;
    }
    if (table == Table::kNone) {  // a header row: its first cell names the table
      const std::string h = absl::AsciiStrToLower(cells[0]);
      table = h == "folder"                ? Table::kRows
              : h == "test support"        ? Table::kTestSupport
              : h == "pure core"           ? Table::kPure
              : h == "library"             ? Table::kLibraries
              : h == "tolerated exception" ? Table::kExceptions
                                           : Table::kOther;
      continue;
    }
    if (absl::StartsWith(cells[0], "---") || absl::StartsWith(cells[0], ":--")) continue;
    auto bad = [&](absl::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat("line ", n, ": ", why, ": ", line));
    };
    std::vector<std::string> first = Ticked(cells[0]);
    switch (table) {
      case Table::kNone:
      case Table::kOther:
        break;
      case Table::kRows: {
        if (cells.size() != 3 || first.size() != 1) return bad("a row is | `folder/` | owns | may include |");
        IncludeRules::Row row;
        row.prefix = first[0];
        if (absl::EndsWith(row.prefix, "*")) {
          row.file_prefix = true;
          row.prefix.pop_back();
        } else if (!absl::EndsWith(row.prefix, "/")) {
          return bad("a folder ends with / (or a file prefix with *)");
        }
        for (const std::string& m : Ticked(cells[2])) {
          if (!absl::EndsWith(m, "/") && !absl::EndsWith(m, "*")) return bad(absl::StrCat("\"", m, "\" is no folder"));
          row.may_include.push_back(m);
        }
        rules.rows.push_back(std::move(row));
        break;
      }
      case Table::kTestSupport:
        if (first.size() != 1) return bad("a row is | `folder/` | what it offers |");
        rules.test_support.push_back(first[0]);
        break;
      case Table::kPure:
        if (first.size() != 1) return bad("a row is | `folder/**` | why |");
        rules.pure.push_back(first[0]);
        break;
      case Table::kLibraries: {
        std::vector<std::string> inc = cells.size() == 3 ? Ticked(cells[1]) : std::vector<std::string>{};
        if (inc.empty()) return bad("a row is | library | `<prefix/…>` | `folder/`, ... |");
        for (const std::string& i : inc) rules.libraries.push_back({IncludeToken(i), Ticked(cells[2])});
        break;
      }
      case Table::kExceptions: {
        std::vector<std::string> inc = cells.size() == 3 ? Ticked(cells[1]) : std::vector<std::string>{};
        if (first.size() != 1 || inc.empty()) return bad("a row is | `file` | `include`, ... | why |");
        for (const std::string& i : inc) rules.exceptions.push_back({first[0], IncludeToken(i)});
        break;
      }
    }
  }
  if (rules.rows.empty()) return absl::InvalidArgumentError("no \"| folder | owns | may include |\" table");
  // Every folder a rule names is a row.
  auto known = [&](const std::string& pattern) {
    return std::any_of(rules.rows.begin(), rules.rows.end(),
                       [&](const IncludeRules::Row& r) { return Matches(pattern, r); });
  };
  for (const IncludeRules::Row& r : rules.rows) {
    for (const std::string& m : r.may_include) {
      if (!known(m))
        return absl::InvalidArgumentError(absl::StrCat(RowName(r), " may include ", m, ", which is no row"));
    }
  }
  for (const std::string& s : rules.test_support) {
    if (!known(s)) return absl::InvalidArgumentError(absl::StrCat("test support ", s, " is no row"));
  }
  for (const std::string& s : rules.pure) {
    if (!known(s)) return absl::InvalidArgumentError(absl::StrCat("pure core ", s, " is no row"));
  }
  for (const IncludeRules::Library& l : rules.libraries) {
    for (const std::string& f : l.allowed_rows) {
      if (!known(f))
        return absl::InvalidArgumentError(absl::StrCat("library ", l.include_prefix, ": ", f, " is no row"));
    }
  }
  return rules;
}

std::vector<Violation> CheckFile(const IncludeRules& rules, const std::string& file, absl::string_view content,
                                 const std::function<bool(const std::string&)>& exists) {
  std::vector<Violation> out;
  const IncludeRules::Row* self = RowFor(rules, file);
  if (self == nullptr) {
    out.push_back({file, 0, "", absl::StrCat("its folder ", Dir(file), " has no row in the directory map")});
    return out;
  }
  const bool test = IsTestFile(file);
  const bool core = IsCoreRow(rules, *self) && !test;
  const std::set<std::string> tops = TopFolders(rules);
  auto violation = [&](const Include& inc, std::string why) {
    out.push_back({file, inc.line, inc.path,
                   absl::StrCat(inc.angled ? "<" : "\"", inc.path, inc.angled ? ">" : "\"", ": ", why)});
  };
  auto library = [&](const Include& inc) {
    for (const IncludeRules::Library& l : rules.libraries) {
      if (!absl::StartsWith(inc.path, l.include_prefix)) continue;
      if (std::find(l.allowed_rows.begin(), l.allowed_rows.end(), RowName(*self)) == l.allowed_rows.end()) {
        violation(inc, l.allowed_rows.empty() ? absl::StrCat("no folder may include ", l.include_prefix)
                                              : absl::StrCat("only ", absl::StrJoin(l.allowed_rows, ", "),
                                                             " may include ", l.include_prefix));
      }
    }
    if (!core) return;
    const bool slash = inc.path.find('/') != std::string::npos;
    if (inc.angled && !slash) {
      for (absl::string_view f : kCoreForbiddenStd) {
        if (inc.path == f) violation(inc, "the pure core has no threads, clocks, randomness, files or console");
      }
    } else if (inc.angled && !absl::StartsWith(inc.path, "botan/")) {
      violation(inc, "the pure core links Abseil and Botan only");
    } else if (!inc.angled && !absl::StartsWith(inc.path, "absl/")) {
      violation(inc, "the pure core links Abseil and Botan only");
    } else {
      for (absl::string_view f : kCoreForbiddenAbsl) {
        if (absl::StartsWith(inc.path, f))
          violation(inc, "the pure core has no locks, clock reads, global randomness or logging");
      }
    }
  };
  for (const Include& inc : ScanIncludes(content, absl::EndsWith(file, ".proto"))) {
    if (inc.angled) {
      library(inc);
      continue;
    }
    std::string target;
    if (inc.path.find('/') == std::string::npos) {
      violation(inc, "include project files by their path from the repository root");
      continue;
    }
    if (absl::StartsWith(inc.path, "docval/")) {  // the contracts, or the code generated from them
      std::string p = inc.path;
      for (absl::string_view suffix : {".grpc.pb.h", ".pb.h"}) {
        if (absl::EndsWith(p, suffix)) p = absl::StrCat(p.substr(0, p.size() - suffix.size()), ".proto");
      }
      target = "proto/" + p;
    } else if (exists(inc.path)) {
      target = inc.path;
    } else if (tops.count(inc.path.substr(0, inc.path.find('/') + 1)) > 0) {
      violation(inc, "no such file in the repository");
      continue;
    } else {
      library(inc);  // a library included with quotes: "absl/...", "gtest/gtest.h"
      continue;
    }
    if (!exists(target)) {
      violation(inc, absl::StrCat("no such file in the repository (", target, ")"));
      continue;
    }
    const IncludeRules::Row* to = RowFor(rules, target);
    if (to == nullptr) {
      violation(inc, absl::StrCat("its folder ", Dir(target), " has no row in the directory map"));
      continue;
    }
    if (to == self) continue;
    if (IsTestingRow(*to) && !test && !IsTestingRow(*self) && !IsTestsRow(*self)) {
      violation(inc, absl::StrCat(RowName(*to), " is test support: only tests and other test support may include it"));
      continue;
    }
    bool ok = std::any_of(self->may_include.begin(), self->may_include.end(),
                          [&](const std::string& m) { return Matches(m, *to); });
    if (!ok && test) {
      ok = std::any_of(rules.test_support.begin(), rules.test_support.end(),
                       [&](const std::string& m) { return Matches(m, *to); });
    }
    if (!ok) violation(inc, absl::StrCat(RowName(*self), " may not include ", RowName(*to), " (docs/architecture.md)"));
  }
  return out;
}

std::vector<Violation> CheckTree(const IncludeRules& rules, const std::string& root) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    const std::string name = it->path().filename().string();
    if (it->is_directory()) {
      if (absl::StartsWith(name, ".") || name == "node_modules" || name == "testdata" ||
          fs::exists(it->path() / "CMakeCache.txt")) {
        it.disable_recursion_pending();
      }
      continue;
    }
    std::string rel = fs::relative(it->path(), root).generic_string();
    if (it->is_regular_file() && IsSource(rel) && rel.find('/') != std::string::npos) files.push_back(rel);
  }
  std::sort(files.begin(), files.end());
  auto exists = [&](const std::string& rel) { return fs::is_regular_file(fs::path(root) / rel); };

  std::vector<Violation> out;
  std::set<const IncludeRules::Row*> used_rows;
  std::vector<bool> used_exceptions(rules.exceptions.size(), false);
  for (const std::string& f : files) {
    if (const IncludeRules::Row* r = RowFor(rules, f)) used_rows.insert(r);
    std::ifstream in(fs::path(root) / f, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    for (Violation& v : CheckFile(rules, f, text.str(), exists)) {
      bool excused = false;
      for (size_t i = 0; i < rules.exceptions.size(); ++i) {
        const IncludeRules::Exception& e = rules.exceptions[i];
        if (e.file == f && e.include == v.include) {
          used_exceptions[i] = true;
          excused = true;
        }
      }
      if (!excused) out.push_back(std::move(v));
    }
  }
  for (const IncludeRules::Row& r : rules.rows) {
    if (used_rows.count(&r) == 0) {
      out.push_back({"docs/architecture.md", 0, "", absl::StrCat("the row ", RowName(r), " names no source file")});
    }
  }
  for (size_t i = 0; i < rules.exceptions.size(); ++i) {
    if (!used_exceptions[i]) {
      out.push_back({"docs/architecture.md", 0, "",
                     absl::StrCat("the tolerated exception ", rules.exceptions[i].file, " -> ",
                                  rules.exceptions[i].include, " excuses nothing any more: delete it")});
    }
  }
  return out;
}

}  // namespace docval::lint
