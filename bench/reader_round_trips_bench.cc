// Round trips and CPU time of whole reading sessions: ReadDocument (validator/emrtd/reader.h) driven
// by RunDialog against the virtual passport (tools/vchip) personalised by the test PKI
// (tools/testpki), for several profiles and two links:
//   ext       extended length, no client limits
//   short223  short APDUs, max_command_bytes = max_response_bytes = 223
//
// Counters per benchmark (one iteration = one session):
//   round_trips        commands the reader sent (CardLink::round_trips())
//   bound              the protocol's lower bound, computed from the profile (round_trip_bound.h)
//   ratio              round_trips / bound (target: <= 1.10)
//   cpu_ms             thread CPU time per session, reader + virtual chip
//   reader_cpu_ms      the same without the time spent inside the virtual chip
//   cpu_vs_bac         cpu_ms relative to the BAC profile on the same link, measured in this process
//   reader_cpu_vs_bac  reader_cpu_ms relative to the BAC profile's
//
//   reader_round_trips_bench [--detail] [benchmark flags]
// --detail first prints, per profile and link, the round trips of each dialog step against the
// bound and the commands of every step that uses more.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/round_trip_bound.h"
#include "bench/sessions.h"
#include "benchmark/benchmark.h"
#include "base/check.h"
#include "tools/vchip/chip_rng.h"
#include "tools/vchip/virtual_chip.h"
#include "validator/emrtd/card_link.h"
#include "validator/emrtd/crypto/random.h"
#include "validator/emrtd/reader.h"

namespace docval::bench {
namespace {

using emrtd::Bytes;
using emrtd::ByteSpan;
using emrtd::CardLink;
using emrtd::CheckResult;
using emrtd::DialogOutcome;
using emrtd::LinkLimits;
using emrtd::Step;

struct LinkMode {
  const char* name;
  LinkLimits limits;
};
const LinkMode kLinks[] = {
    {"ext", LinkLimits{.extended_length = true}},
    {"short223", LinkLimits{.extended_length = false, .max_command_bytes = 223, .max_response_bytes = 223}},
};

struct CpuPerSession {
  double total_ns = 0;
  double reader_ns = 0;
};

std::map<std::string, CpuPerSession>& Baselines() {
  static auto* baselines = new std::map<std::string, CpuPerSession>;
  return *baselines;
}

// The BAC profile's CPU time per session on `mode` (the baseline): what its benchmark measured in
// this run (it runs first on each link), or, when a filter left it out, 30 sessions measured here.
const CpuPerSession& BacBaseline(const LinkMode& mode) {
  std::map<std::string, CpuPerSession>* baselines = &Baselines();
  auto it = baselines->find(mode.name);
  if (it != baselines->end()) return it->second;
  const World& w = GetWorld();
  const Case& bac = w.cases[0];
  absl::StatusOr<std::unique_ptr<vchip::VirtualChip>> chip =
      vchip::VirtualChip::Create(bac.profile, vchip::NewSeededRandom(42));
  DOCVAL_CHECK_OK(chip.status());
  std::unique_ptr<emrtd::RandomSource> rng = emrtd::NewSystemRandom();
  constexpr int kWarmUp = 3, kSessions = 30;
  CpuPerSession sum;
  for (int i = 0; i < kWarmUp + kSessions; ++i) {
    (*chip)->Reset();
    const int64_t t0 = ThreadCpuNs();
    Session s = RunSession(**chip, bac, mode.limits, *rng, w.store.get(), false);
    const int64_t t = ThreadCpuNs() - t0;
    DOCVAL_CHECK(CheckOutcome(s.outcome, bac).empty());
    if (i < kWarmUp) continue;
    sum.total_ns += static_cast<double>(t) / kSessions;
    sum.reader_ns += static_cast<double>(t - s.chip_cpu_ns) / kSessions;
  }
  return baselines->emplace(mode.name, sum).first->second;
}

void BM_ReadDocument(benchmark::State& state, size_t case_index, const LinkMode* mode) {
  const World& w = GetWorld();
  const Case& c = w.cases[case_index];
  absl::StatusOr<RoundTripBound> bound = ComputeRoundTripBound(c.profile, mode->limits);
  if (!bound.ok()) {
    state.SkipWithError(std::string(bound.status().message()).c_str());
    return;
  }
  BacBaseline(*mode);
  absl::StatusOr<std::unique_ptr<vchip::VirtualChip>> chip =
      vchip::VirtualChip::Create(c.profile, vchip::NewSeededRandom(42));
  if (!chip.ok()) {
    state.SkipWithError(std::string(chip.status().message()).c_str());
    return;
  }
  std::unique_ptr<emrtd::RandomSource> rng = emrtd::NewSystemRandom();
  size_t min_rt = SIZE_MAX, max_rt = 0;
  int64_t total_ns = 0, chip_ns = 0, sessions = 0;
  for (auto _ : state) {
    (*chip)->Reset();
    const int64_t t0 = ThreadCpuNs();
    Session s = RunSession(**chip, c, mode->limits, *rng, w.store.get(), false);
    total_ns += ThreadCpuNs() - t0;
    chip_ns += s.chip_cpu_ns;
    ++sessions;
    if (std::string error = CheckOutcome(s.outcome, c); !error.empty()) {
      state.SkipWithError(error.c_str());
      break;
    }
    min_rt = std::min(min_rt, s.round_trips);
    max_rt = std::max(max_rt, s.round_trips);
  }
  if (sessions == 0 || max_rt == 0) return;
  const double cpu = static_cast<double>(total_ns) / static_cast<double>(sessions);
  const double reader = static_cast<double>(total_ns - chip_ns) / static_cast<double>(sessions);
  if (case_index == 0) Baselines()[mode->name] = CpuPerSession{cpu, reader};
  const CpuPerSession& baseline = BacBaseline(*mode);
  state.counters["round_trips"] = static_cast<double>(max_rt);
  if (min_rt != max_rt) state.counters["round_trips_min"] = static_cast<double>(min_rt);
  state.counters["bound"] = static_cast<double>(bound->total);
  state.counters["ratio"] = static_cast<double>(max_rt) / static_cast<double>(bound->total);
  state.counters["cpu_ms"] = cpu / 1e6;
  state.counters["reader_cpu_ms"] = reader / 1e6;
  state.counters["cpu_vs_bac"] = cpu / baseline.total_ns;
  state.counters["reader_cpu_vs_bac"] = reader / baseline.reader_ns;
  state.SetLabel(bound->protocol);
}

std::string Hex(ByteSpan b, size_t max) {
  std::string out;
  for (size_t i = 0; i < b.size() && i < max; ++i) absl::StrAppendFormat(&out, "%02X", b[i]);
  if (b.size() > max) absl::StrAppend(&out, "..");
  return out;
}

const char* InsName(uint8_t ins) {
  switch (ins) {
    case 0xA4: return "SELECT";
    case 0xB0: case 0xB1: return "READ BINARY";
    case 0x84: return "GET CHALLENGE";
    case 0x82: return "EXTERNAL AUTHENTICATE";
    case 0x22: return "MSE";
    case 0x86: case 0x87: return "GENERAL AUTHENTICATE";
    case 0x88: return "INTERNAL AUTHENTICATE";
    case 0xC0: return "GET RESPONSE";
  }
  return "?";
}

// Per step: round trips used against the bound; the commands of the steps that use more.
void PrintDetail() {
  const World& w = GetWorld();
  std::unique_ptr<emrtd::RandomSource> rng = emrtd::NewSystemRandom();
  for (const Case& c : w.cases) {
    for (const LinkMode& mode : kLinks) {
      absl::StatusOr<RoundTripBound> bound = ComputeRoundTripBound(c.profile, mode.limits);
      DOCVAL_CHECK_OK(bound.status());
      absl::StatusOr<std::unique_ptr<vchip::VirtualChip>> chip =
          vchip::VirtualChip::Create(c.profile, vchip::NewSeededRandom(42));
      DOCVAL_CHECK_OK(chip.status());
      Session s = RunSession(**chip, c, mode.limits, *rng, w.store.get(), true);
      std::string error = CheckOutcome(s.outcome, c);
      const vchip::ChipFile* dg2 = c.profile.FindFile("DG2");
      std::printf("\n%s / %s (%s; DG2 %zu bytes): %zu round trips, bound %zu, ratio %.3f%s%s\n", c.name.c_str(),
                  mode.name, bound->protocol.c_str(), dg2 ? dg2->content.size() : 0, s.round_trips, bound->total,
                  static_cast<double>(s.round_trips) / static_cast<double>(bound->total),
                  error.empty() ? "" : "  ERROR: ", error.c_str());
      std::printf("  %-24s %5s %5s %5s\n", "step", "used", "bound", "extra");
      std::map<Step, size_t> steps = bound->per_step;
      for (const auto& [step, n] : s.per_step) steps.emplace(step, 0);
      for (const auto& [step, b] : steps) {
        const size_t used = s.per_step.count(step) ? s.per_step.at(step) : 0;
        std::printf("  %-24s %5zu %5zu %+5d\n", emrtd::StepName(step), used, b,
                    static_cast<int>(used) - static_cast<int>(b));
        if (used <= b) continue;
        for (const Exchange& e : s.exchanges) {
          if (e.step != step || e.command.size() < 4) continue;
          const uint16_t sw = e.response.size() >= 2
                                  ? static_cast<uint16_t>(e.response[e.response.size() - 2] << 8 | e.response.back())
                                  : 0;
          std::printf("      %-22s %s (%zu bytes) -> %zu bytes, SW %04X\n", InsName(e.command[1]),
                      Hex(e.command, 8).c_str(), e.command.size(), e.response.size(), sw);
        }
      }
    }
  }
  std::printf("\n");
  std::fflush(stdout);
}

}  // namespace
}  // namespace docval::bench

int main(int argc, char** argv) {
  bool detail = false;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--detail") == 0) {
      detail = true;
    } else {
      args.push_back(argv[i]);
    }
  }
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
  using docval::bench::kLinks;
  const docval::bench::World& w = docval::bench::GetWorld();
  if (detail) docval::bench::PrintDetail();
  for (const docval::bench::LinkMode& mode : kLinks) {
    for (size_t i = 0; i < w.cases.size(); ++i) {
      benchmark::RegisterBenchmark(absl::StrCat("ReadDocument/", w.cases[i].name, "/", mode.name).c_str(),
                                   docval::bench::BM_ReadDocument, i, &mode)
          ->Unit(benchmark::kMillisecond);
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
