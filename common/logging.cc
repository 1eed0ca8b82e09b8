#include "common/logging.h"

#include <cstdio>

#include <nlohmann/json.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace docval {
namespace {

ABSL_CONST_INIT absl::Mutex g_mu(absl::kConstInit);
std::string g_role ABSL_GUARDED_BY(g_mu) = "docval";
LogLevel g_min ABSL_GUARDED_BY(g_mu) = LogLevel::kInfo;
std::string* g_sink ABSL_GUARDED_BY(g_mu) = nullptr;

const char* LevelName(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kError: return "error";
  }
  return "info";
}

void AddFields(nlohmann::ordered_json& j, absl::Span<const LogField> fields) {
  for (const LogField& f : fields) {
    std::string k(f.key);
    std::visit([&](const auto& v) { j[k] = v; }, f.value);
  }
}

void Emit(LogLevel level, absl::string_view msg, const char* channel, absl::Span<const LogField> first,
          absl::Span<const LogField> rest) {
  nlohmann::ordered_json j;
  j["ts"] = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  j["level"] = LevelName(level);
  absl::MutexLock lock(&g_mu);
  if (level < g_min) return;
  j["role"] = g_role;
  if (channel) j["channel"] = channel;
  j["msg"] = std::string(msg);
  AddFields(j, first);
  AddFields(j, rest);
  std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  line.push_back('\n');
  if (g_sink) {
    g_sink->append(line);
  } else {
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
}

}  // namespace

void InitLogging(absl::string_view role, LogLevel min_level) {
  absl::MutexLock lock(&g_mu);
  g_role = std::string(role);
  g_min = min_level;
}

void Log(LogLevel level, absl::string_view msg, std::initializer_list<LogField> fields) {
  Emit(level, msg, nullptr, {}, absl::MakeConstSpan(fields.begin(), fields.size()));
}

void LogDiagnostic(absl::string_view session_id, absl::string_view msg, std::initializer_list<LogField> fields) {
  LogField id("session_id", session_id);
  Emit(LogLevel::kInfo, msg, "diagnostics", absl::MakeConstSpan(&id, 1),
       absl::MakeConstSpan(fields.begin(), fields.size()));
}

void SetLogSinkForTesting(std::string* sink) {
  absl::MutexLock lock(&g_mu);
  g_sink = sink;
}

}  // namespace docval
