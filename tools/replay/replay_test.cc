#include "tools/replay/replay.h"

#include <cstdio>
#include <fstream>
#include <string>

#include "base/testing/paths.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "base/testing/temp_dir.h"
#include "tools/replay/replay_main.h"

namespace docval::replay {
namespace {

std::string TracePath(const std::string& name) { return docval::SourcePath("testdata/traces/") + name; }

nlohmann::json LoadTrace(const std::string& name) {
  std::ifstream in(TracePath(name));
  EXPECT_TRUE(in.good()) << name;
  return nlohmann::json::parse(in);
}

TEST(ReplayTest, AppendixDBac) {
  nlohmann::json trace = LoadTrace("icao9303-appD-bac.json");
  nlohmann::json out = Replay(trace);
  EXPECT_EQ(out["outcome"], "ok") << out.dump(1);
  EXPECT_EQ(out["step"], "bac");
  EXPECT_EQ(out["exchanges_replayed"], 2);
  EXPECT_EQ(out["sm"], trace["expected_sm_after"]);
  EXPECT_EQ(out["result"]["access_control"], "BAC");
}

TEST(ReplayTest, AppendixDReadOfEfCom) {
  nlohmann::json trace = LoadTrace("icao9303-appD-read-ef-com.json");
  nlohmann::json out = Replay(trace);
  EXPECT_EQ(out["outcome"], "ok") << out.dump(1);
  EXPECT_EQ(out["exchanges_replayed"], 3);
  EXPECT_EQ(out["result"]["file"], "EF.COM");
  EXPECT_EQ(out["result"]["content"], trace["expected_content"]);
  EXPECT_EQ(out["sm"], trace["expected_sm_after"]);
}

TEST(ReplayTest, Aes256ReadOfEfCom) {
  nlohmann::json trace = LoadTrace("gmrtd-aes256-read-ef-com.json");
  nlohmann::json out = Replay(trace);
  EXPECT_EQ(out["outcome"], "ok") << out.dump(1);
  EXPECT_EQ(out["exchanges_replayed"], 3);
  EXPECT_EQ(out["result"]["content"], trace["expected_content"]);
  EXPECT_EQ(out["sm"], trace["expected_sm_after"]);
}

// One changed byte in a recorded command: our command differs there.
TEST(ReplayTest, ChangedCommandByteDiverges) {
  nlohmann::json trace = LoadTrace("icao9303-appD-bac.json");
  std::string original = trace["exchanges"][1]["command"];
  std::string changed = original;
  changed[20] = changed[20] == '0' ? '1' : '0';
  trace["exchanges"][1]["command"] = changed;
  nlohmann::json out = Replay(trace);
  EXPECT_EQ(out["outcome"], "diverged") << out.dump(1);
  EXPECT_EQ(out["exchanges_replayed"], 1);
  EXPECT_EQ(out["divergence"]["index"], 1);
  EXPECT_EQ(out["divergence"]["expected"], changed);
  EXPECT_EQ(out["divergence"]["actual"], original);
  EXPECT_TRUE(out["sm"].is_null());
}

// Changed randomness makes the step's own command differ from the recording.
TEST(ReplayTest, ChangedRandomnessDiverges) {
  nlohmann::json trace = LoadTrace("icao9303-appD-bac.json");
  trace["randomness"]["bac.k_ifd"] = "0B795240CB7049B01C19B33E32804F0C";
  nlohmann::json out = Replay(trace);
  EXPECT_EQ(out["outcome"], "diverged") << out.dump(1);
  EXPECT_EQ(out["divergence"]["index"], 1);
}

// One changed byte in a recorded response: the step fails (the chip's MAC does not verify).
TEST(ReplayTest, ChangedResponseByteFails) {
  nlohmann::json trace = LoadTrace("icao9303-appD-read-ef-com.json");
  std::string rsp = trace["exchanges"][1]["response"];
  rsp[8] = rsp[8] == 'A' ? 'B' : 'A';
  trace["exchanges"][1]["response"] = rsp;
  nlohmann::json out = Replay(trace);
  EXPECT_EQ(out["outcome"], "failed") << out.dump(1);
  EXPECT_EQ(out["exchanges_replayed"], 2);
  EXPECT_NE(out["error"].get<std::string>().find("MAC"), std::string::npos);
  EXPECT_FALSE(out.contains("divergence"));
}

TEST(ReplayTest, TooFewRecordedExchangesDiverges) {
  nlohmann::json trace = LoadTrace("gmrtd-aes256-read-ef-com.json");
  trace["exchanges"].erase(2);
  nlohmann::json out = Replay(trace);
  EXPECT_EQ(out["outcome"], "diverged") << out.dump(1);
  EXPECT_EQ(out["divergence"]["index"], 2);
  EXPECT_TRUE(out["divergence"]["expected"].is_null());
}

TEST(ReplayTest, BadTracesFailWithTheField) {
  nlohmann::json trace = LoadTrace("icao9303-appD-read-ef-com.json");
  trace["sm"]["ssc"] = "0011";
  nlohmann::json out = Replay(trace);
  EXPECT_EQ(out["outcome"], "failed");
  EXPECT_NE(out["error"].get<std::string>().find("\"sm\""), std::string::npos) << out["error"];

  trace = LoadTrace("icao9303-appD-read-ef-com.json");
  trace["step"] = "teleport";
  out = Replay(trace);
  EXPECT_EQ(out["outcome"], "failed");
  EXPECT_NE(out["error"].get<std::string>().find("read"), std::string::npos) << out["error"];

  trace = LoadTrace("icao9303-appD-read-ef-com.json");
  trace["exchanges"][0]["response"] = "9";
  EXPECT_EQ(Replay(trace)["outcome"], "failed");

  trace = LoadTrace("icao9303-appD-bac.json");
  trace.erase("access_key");
  out = Replay(trace);
  EXPECT_EQ(out["outcome"], "failed");
  EXPECT_EQ(out["exchanges_replayed"], 0);

  EXPECT_EQ(Replay(nlohmann::json::array())["outcome"], "failed");
}

TEST(ReplayTest, RegistryKnowsTheSteps) {
  EXPECT_TRUE(StepRegistry::Global().Find("bac").has_value());
  EXPECT_TRUE(StepRegistry::Global().Find("read").has_value());
  EXPECT_FALSE(StepRegistry::Global().Find("nope").has_value());
}

int Main(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  return ReplayMain(static_cast<int>(argv.size()), argv.data());
}

TEST(ReplayMainTest, ExitCodes) {
  EXPECT_EQ(Main({"replay", TracePath("icao9303-appD-bac.json")}), 0);
  nlohmann::json trace = LoadTrace("icao9303-appD-bac.json");
  trace["exchanges"][0]["command"] = "0084000009";
  const std::string tmp = docval::ProcessTempDir() + "/diverged.json";
  std::ofstream(tmp) << trace.dump();
  EXPECT_EQ(Main({"replay", tmp}), 1);
  EXPECT_EQ(Main({"replay"}), 2);
  EXPECT_EQ(Main({"replay", docval::ProcessTempDir() + "/does-not-exist.json"}), 2);
  std::ofstream(tmp) << "{not json";
  EXPECT_EQ(Main({"replay", tmp}), 2);
  std::remove(tmp.c_str());
}

}  // namespace
}  // namespace docval::replay
