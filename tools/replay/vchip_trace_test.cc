// The committed traces of our reader against the virtual passport (testdata/traces/vchip-*.json):
// (a) recording them again gives the same bytes (the dialog, the chip and the terminal randomness are
// deterministic); (b) the real binary, `docval replay FILE`, replays each with exit 0 and the recorded
// result; (c) one flipped response byte is caught ("failed" or "diverged", exit != 0).
//
// To re-record after a deliberate change of the reader or the chip:
//   DOCVAL_RECORD_TRACES=1 build/tools/replay/replay_vchip_traces_test --gtest_filter='*SameBytes*'
// writes the files into the source tree; review the diff before committing.
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/testing/paths.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "base/testing/temp_dir.h"
#include "tools/replay/replay.h"
#include "tools/replay/vchip_recorder.h"

namespace docval::replay {
namespace {

const char* const kTraceFiles[] = {
    "vchip-bac.json",          "vchip-bac-read-dg1.json",         "vchip-aa-rsa.json",
    "vchip-ca-dh-3des.json",   "vchip-pace-gm-ecdh-aes128.json",  "vchip-aa-ecdsa.json",
    "vchip-ca-ecdh-aes128.json", "vchip-ca-select-proof.json",    "vchip-pace-gm-dh-3des.json",
    "vchip-pace-im-ecdh-aes256.json", "vchip-pace-cam-ecdh-aes128.json",
};

std::string TracePath(const std::string& file) { return absl::StrCat(docval::SourcePath("testdata/traces/"), file); }

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

nlohmann::json Committed(const std::string& file) {
  nlohmann::json j = nlohmann::json::parse(ReadText(TracePath(file)), nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << file;
  return j;
}

// The binary's outcome: exit code and the JSON it printed.
struct BinaryRun {
  int exit_code = -1;
  nlohmann::json outcome;
};

BinaryRun RunDocvalReplay(const std::string& path) {
  const std::string command = absl::StrCat(docval::BinaryPath("docval"), " replay '", path, "' 2>/dev/null");
  BinaryRun run;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return run;
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = pclose(p);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.outcome = nlohmann::json::parse(out, nullptr, /*allow_exceptions=*/false);
  return run;
}

// The first exchange whose response carries data (not only SW1 SW2).
size_t FirstDataExchange(const nlohmann::json& trace) {
  const nlohmann::json& ex = trace["exchanges"];
  for (size_t i = 0; i < ex.size(); ++i) {
    if (ex[i]["response"].get<std::string>().size() > 4) return i;
  }
  return 0;
}

// Flips the last data byte of a response (the one before SW1 SW2; SW2 when there is no data): a MAC
// byte under secure messaging, a nonce or key byte in BAC and PACE, so that the cryptographic checks,
// not the TLV parser, must catch it.
nlohmann::json FlipResponseByte(nlohmann::json trace, size_t exchange) {
  std::string hex = trace["exchanges"][exchange]["response"];
  emrtd::Bytes b = emrtd::HexOrDie(hex);
  b[b.size() > 2 ? b.size() - 3 : b.size() - 1] ^= 0x01;
  trace["exchanges"][exchange]["response"] = emrtd::ToHex(b);
  return trace;
}

const std::vector<VchipTrace>& Rerecorded() {
  static const std::vector<VchipTrace>* traces = [] {
    absl::StatusOr<std::vector<VchipTrace>> t = RecordVchipTraces();
    EXPECT_TRUE(t.ok()) << t.status();
    return new std::vector<VchipTrace>(t.ok() ? *std::move(t) : std::vector<VchipTrace>());
  }();
  return *traces;
}

TEST(VchipTraces, EveryRecordedTraceIsCommitted) {
  std::vector<std::string> recorded;
  for (const VchipTrace& t : Rerecorded()) recorded.push_back(t.file);
  EXPECT_EQ(recorded, std::vector<std::string>(std::begin(kTraceFiles), std::end(kTraceFiles)));
}

class VchipTraceTest : public ::testing::TestWithParam<std::string> {};

TEST_P(VchipTraceTest, RecordingAgainGivesTheSameBytes) {
  const VchipTrace* trace = nullptr;
  for (const VchipTrace& t : Rerecorded()) {
    if (t.file == GetParam()) trace = &t;
  }
  ASSERT_NE(trace, nullptr);
  const std::string text = TraceText(trace->trace);
  if (std::getenv("DOCVAL_RECORD_TRACES") != nullptr) {
    std::ofstream(TracePath(GetParam()), std::ios::binary) << text;
    GTEST_SKIP() << "written " << TracePath(GetParam());
  }
  EXPECT_EQ(ReadText(TracePath(GetParam())), text)
      << "re-record with DOCVAL_RECORD_TRACES=1 if the reader or the chip changed on purpose";
}

TEST_P(VchipTraceTest, DocvalReplayGivesTheRecordedResult) {
  const nlohmann::json trace = Committed(GetParam());
  ASSERT_TRUE(trace.contains("expected_result"));
  BinaryRun run = RunDocvalReplay(TracePath(GetParam()));
  EXPECT_EQ(run.exit_code, 0) << run.outcome.dump();
  ASSERT_TRUE(run.outcome.is_object());
  EXPECT_EQ(run.outcome["outcome"], "ok") << run.outcome.dump();
  EXPECT_EQ(run.outcome["step"], trace["step"]);
  EXPECT_EQ(run.outcome["exchanges_replayed"], trace["exchanges"].size());
  EXPECT_EQ(run.outcome["result"], trace["expected_result"]);
  EXPECT_EQ(run.outcome["sm"], trace["expected_sm_after"]);
}

TEST_P(VchipTraceTest, AFlippedResponseByteIsCaught) {
  const nlohmann::json trace = Committed(GetParam());
  ASSERT_FALSE(trace["exchanges"].empty());
  // Through the binary: the first response with data.
  const std::string path = absl::StrCat(docval::ProcessTempDir(), "/flipped-", GetParam());
  std::ofstream(path, std::ios::binary) << FlipResponseByte(trace, FirstDataExchange(trace)).dump(1);
  BinaryRun run = RunDocvalReplay(path);
  EXPECT_NE(run.exit_code, 0);
  ASSERT_TRUE(run.outcome.is_object());
  EXPECT_TRUE(run.outcome["outcome"] == "failed" || run.outcome["outcome"] == "diverged") << run.outcome.dump();
  std::remove(path.c_str());

  // In process: a flip in the last response never passes for the recorded result either (for CA it
  // is the proof read: the keys are then not proven).
  const size_t last = trace["exchanges"].size() - 1;
  nlohmann::json out = Replay(FlipResponseByte(trace, last));
  EXPECT_FALSE(out["outcome"] == "ok" && out["result"] == trace["expected_result"]) << out.dump();
}

INSTANTIATE_TEST_SUITE_P(Traces, VchipTraceTest,
                         ::testing::ValuesIn(std::vector<std::string>(std::begin(kTraceFiles), std::end(kTraceFiles))),
                         [](const ::testing::TestParamInfo<std::string>& i) {
                           std::string n = i.param.substr(6, i.param.size() - 6 - 5);  // vchip-....json
                           for (char& c : n) {
                             if (c == '-') c = '_';
                           }
                           return n;
                         });

}  // namespace
}  // namespace docval::replay
