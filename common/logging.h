// Structured logs: one JSON object per line on stderr, e.g.
//   {"ts":"2026-11-28T12:00:00.123Z","level":"info","role":"gateway","msg":"session ended",
//    "session_id":"3f2a...","close_code":1000}
// Privacy contract: callers never pass personal data (MRZ, CAN, names, images, keys, results) as a
// field. Diagnostic data of sessions that enabled diagnostics goes through LogDiagnostic(), the only
// channel allowed to carry it (marked "channel":"diagnostics").
#ifndef DOCVAL_COMMON_LOGGING_H_
#define DOCVAL_COMMON_LOGGING_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <variant>

#include "absl/strings/string_view.h"

namespace docval {

using LogValue = std::variant<std::string, int64_t, bool, double>;
struct LogField {
  LogField(absl::string_view k, const char* v) : key(k), value(std::string(v)) {}
  LogField(absl::string_view k, absl::string_view v) : key(k), value(std::string(v)) {}
  LogField(absl::string_view k, const std::string& v) : key(k), value(v) {}
  LogField(absl::string_view k, int v) : key(k), value(int64_t{v}) {}
  LogField(absl::string_view k, int64_t v) : key(k), value(v) {}
  LogField(absl::string_view k, uint64_t v) : key(k), value(static_cast<int64_t>(v)) {}
  LogField(absl::string_view k, bool v) : key(k), value(v) {}
  LogField(absl::string_view k, double v) : key(k), value(v) {}
  absl::string_view key;
  LogValue value;
};

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// Sets the "role" field of every line and the minimum level (default info). Call once at start-up.
void InitLogging(absl::string_view role, LogLevel min_level = LogLevel::kInfo);

void Log(LogLevel level, absl::string_view msg, std::initializer_list<LogField> fields = {});
inline void LogInfo(absl::string_view msg, std::initializer_list<LogField> fields = {}) {
  Log(LogLevel::kInfo, msg, fields);
}
inline void LogWarning(absl::string_view msg, std::initializer_list<LogField> fields = {}) {
  Log(LogLevel::kWarning, msg, fields);
}
inline void LogError(absl::string_view msg, std::initializer_list<LogField> fields = {}) {
  Log(LogLevel::kError, msg, fields);
}

// Only for sessions that enabled diagnostics.
void LogDiagnostic(absl::string_view session_id, absl::string_view msg, std::initializer_list<LogField> fields = {});

// Redirects output (tests). Null restores stderr.
void SetLogSinkForTesting(std::string* sink);

}  // namespace docval

#endif  // DOCVAL_COMMON_LOGGING_H_
