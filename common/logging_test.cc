#include "common/logging.h"

#include <nlohmann/json.hpp>

#include "gtest/gtest.h"

namespace docval {
namespace {

TEST(LoggingTest, OneJsonObjectPerLineWithFields) {
  std::string sink;
  SetLogSinkForTesting(&sink);
  InitLogging("gateway");
  LogInfo("session ended", {{"session_id", "s1"}, {"close_code", 1000}, {"ok", true}});
  LogDiagnostic("s1", "apdu", {{"bytes", 12}});
  Log(LogLevel::kDebug, "hidden");
  SetLogSinkForTesting(nullptr);
  size_t nl = sink.find('\n');
  ASSERT_NE(nl, std::string::npos);
  nlohmann::json a = nlohmann::json::parse(sink.substr(0, nl));
  EXPECT_EQ(a["msg"], "session ended");
  EXPECT_EQ(a["role"], "gateway");
  EXPECT_EQ(a["close_code"], 1000);
  EXPECT_EQ(a["level"], "info");
  EXPECT_FALSE(a.contains("channel"));
  nlohmann::json b = nlohmann::json::parse(sink.substr(nl + 1, sink.find('\n', nl + 1) - nl - 1));
  EXPECT_EQ(b["channel"], "diagnostics");
  EXPECT_EQ(b["session_id"], "s1");
  EXPECT_EQ(std::count(sink.begin(), sink.end(), '\n'), 2);  // the debug line is filtered
}

TEST(LoggingTest, EscapesControlCharactersAndInvalidUtf8) {
  std::string sink;
  SetLogSinkForTesting(&sink);
  LogWarning("bad\ninput", {{"detail", std::string("\xff\xfe")}});
  SetLogSinkForTesting(nullptr);
  EXPECT_EQ(std::count(sink.begin(), sink.end(), '\n'), 1);
  EXPECT_TRUE(nlohmann::json::accept(sink));
}

}  // namespace
}  // namespace docval
