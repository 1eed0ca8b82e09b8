// The "pace" replay step on the ICAO 9303-11 App. G.1 and G.2 traces (testdata/traces/).
#include <fstream>
#include <string>

#include "base/testing/paths.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tools/replay/replay.h"

namespace docval::replay {
namespace {

nlohmann::json LoadTrace(const std::string& name) {
  std::ifstream in(docval::SourcePath("testdata/traces/") + name);
  EXPECT_TRUE(in.good()) << name;
  return nlohmann::json::parse(in);
}

class PaceReplayTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PaceReplayTest, ReplaysByteForByte) {
  nlohmann::json trace = LoadTrace(GetParam());
  nlohmann::json out = Replay(trace);
  ASSERT_EQ(out["outcome"], "ok") << out.dump(1);
  EXPECT_EQ(out["step"], "pace");
  EXPECT_EQ(out["exchanges_replayed"], 5);
  EXPECT_EQ(out["sm"], trace["expected_sm_after"]);
  EXPECT_EQ(out["result"]["access_control"], "PACE");
  EXPECT_EQ(out["result"]["mapping"], "GM");
  EXPECT_EQ(out["result"]["password"], "MRZ");
  EXPECT_EQ(out["result"]["chip_ephemeral_public_key"], trace["expected_chip_ephemeral_public_key"]);
}

TEST_P(PaceReplayTest, ChangedRandomnessDivergesAtTheMappingKey) {
  nlohmann::json trace = LoadTrace(GetParam());
  std::string k = trace["randomness"]["pace.mapping_key"];
  k.back() = k.back() == '1' ? '2' : '1';
  trace["randomness"]["pace.mapping_key"] = k;
  nlohmann::json out = Replay(trace);
  EXPECT_EQ(out["outcome"], "diverged") << out.dump(1);
  EXPECT_EQ(out["divergence"]["index"], 2);  // MSE, step 1, then our mapping key differs
  EXPECT_TRUE(out["sm"].is_null());
}

TEST_P(PaceReplayTest, ChangedChipTokenFailsAsRefused) {
  nlohmann::json trace = LoadTrace(GetParam());
  std::string rsp = trace["exchanges"][4]["response"];
  // 7C0A8608 <T_IC>...: flip a bit of the token's first byte.
  rsp[9] = rsp[9] == '0' ? '1' : '0';
  trace["exchanges"][4]["response"] = rsp;
  nlohmann::json out = Replay(trace);
  EXPECT_EQ(out["outcome"], "failed") << out.dump(1);
  EXPECT_NE(out["error"].get<std::string>().find("password refused"), std::string::npos) << out["error"];
  EXPECT_TRUE(out["sm"].is_null());
}

TEST_P(PaceReplayTest, WrongPasswordDivergesAtTheTerminalToken) {
  // Another MRZ decrypts another nonce s; our mapping key (step 2) does not depend on it, but the
  // mapped generator does, and with it our ephemeral public key (step 3, exchange 3).
  nlohmann::json trace = LoadTrace(GetParam());
  trace["access_key"]["date_of_birth"] = "640813";
  nlohmann::json out = Replay(trace);
  EXPECT_EQ(out["outcome"], "diverged") << out.dump(1);
  EXPECT_EQ(out["divergence"]["index"], 3);
}

INSTANTIATE_TEST_SUITE_P(AppendixG, PaceReplayTest,
                         ::testing::Values("icao9303-appG1-pace-ecdh.json", "icao9303-appG2-pace-dh.json"));

TEST(PaceReplayStepTest, TraceErrors) {
  nlohmann::json trace = LoadTrace("icao9303-appG1-pace-ecdh.json");
  nlohmann::json no_card_access = trace;
  no_card_access.erase("card_access");
  EXPECT_NE(Replay(no_card_access)["error"].get<std::string>().find("card_access"), std::string::npos);
  nlohmann::json no_can = trace;
  no_can["pace"] = {{"password", "CAN"}};
  EXPECT_EQ(Replay(no_can)["outcome"], "failed");
  nlohmann::json other_protocol = trace;
  other_protocol["pace"] = {{"protocol", "0.4.0.127.0.7.2.2.4.1.2"}};
  EXPECT_NE(Replay(other_protocol)["error"].get<std::string>().find("no supported PACEInfo"), std::string::npos);
}

}  // namespace
}  // namespace docval::replay
