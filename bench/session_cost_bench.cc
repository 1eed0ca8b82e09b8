// What one session can cost the validator when the chip is hostile (docs/limits.md), next to an
// honest PACE+CA+AA session in the same run: ReadDocument driven by RunDialog against the virtual
// passport, per profile of tools/testpki/hostile_profiles.h, plus two that sit at the limits:
//   honest-pace-gm-ecdh-ca-aa        the baseline (PACE-GM ECDH, CA, AA, every data group)
//   cardaccess-dh2048-proprietary    a valid proprietary 2048-bit DH group (RFC 5114 §2.2's p and q
//                                    with another generator): validated from scratch every session...
//   ...-process-cache                ...or once per process (validator/cache BoundedGroupCache)
//   hostile-*                        each class of hostile chip, stopped at its limit
//
// Counters per benchmark (one iteration = one session):
//   reader_cpu_ms   thread CPU time per session, without the time spent inside the virtual chip
//   peak_heap_kb    the highest heap in use during a session above what was in use before it: the
//                   reader's (operator new/delete of this binary). What the virtual chip allocates
//                   while it answers is not counted (no server runs it); each answer is, as the copy
//                   the reader receives (the message a server holds)
//   cpu_vs_honest, heap_vs_honest   the same relative to the honest session (target: <= 10)
//   retained_kb     heap still in use after a session and the chip's Reset() above what was in use
//                   before it, the worst session but the first (whose lazy statics, e.g. Botan's named
//                   curves, are paid once per process): what a session leaves in the process, e.g. a
//                   curve registered in a process-wide list (0 expected)
//
//   session_cost_bench [benchmark flags]
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "bench/sessions.h"
#include "benchmark/benchmark.h"
#include "tools/testpki/hostile_profiles.h"
#include "tools/vchip/chip_rng.h"
#include "tools/vchip/virtual_chip.h"
#include "validator/cache/group_cache.h"
#include "validator/emrtd/crypto/dh.h"
#include "validator/emrtd/reader.h"
#include "validator/emrtd/tlv.h"

// ---- Heap accounting: every allocation of this binary carries its size in front. ----
namespace {
std::atomic<int64_t> g_heap_in_use{0};
std::atomic<int64_t> g_heap_peak{0};
constexpr size_t kHeader = alignof(std::max_align_t);
constexpr size_t kUncounted = size_t{1} << 63;  // in the header: allocated while not counting
thread_local bool t_uncounted = false;         // set while the virtual chip runs

void* CountedAlloc(size_t n) {
  void* p = std::malloc(n + kHeader);
  if (p == nullptr) throw std::bad_alloc();
  if (t_uncounted) {
    *static_cast<size_t*>(p) = n | kUncounted;
    return static_cast<char*>(p) + kHeader;
  }
  *static_cast<size_t*>(p) = n;
  const int64_t now = g_heap_in_use.fetch_add(static_cast<int64_t>(n)) + static_cast<int64_t>(n);
  int64_t peak = g_heap_peak.load();
  while (now > peak && !g_heap_peak.compare_exchange_weak(peak, now)) {
  }
  return static_cast<char*>(p) + kHeader;
}
void CountedFree(void* p) {
  if (p == nullptr) return;
  char* base = static_cast<char*>(p) - kHeader;
  const size_t n = *reinterpret_cast<size_t*>(base);
  if ((n & kUncounted) == 0) g_heap_in_use.fetch_sub(static_cast<int64_t>(n));
  std::free(base);
}
}  // namespace

void* operator new(size_t n) { return CountedAlloc(n); }
void* operator new[](size_t n) { return CountedAlloc(n); }
void operator delete(void* p) noexcept { CountedFree(p); }
void operator delete[](void* p) noexcept { CountedFree(p); }
void operator delete(void* p, size_t) noexcept { CountedFree(p); }
void operator delete[](void* p, size_t) noexcept { CountedFree(p); }

namespace docval::bench {
namespace {

using emrtd::Bytes;
using emrtd::ByteSpan;
using emrtd::Concat;
using emrtd::EncodeTlv;
using emrtd::HexOrDie;

struct CostCase {
  std::string name;
  vchip::ChipProfile profile;
  bool process_cache = false;
};

struct Cost {
  double reader_cpu_ns = 0;
  double peak_heap_bytes = 0;
  double retained_bytes = 0;
};

Bytes Integer(Bytes v) {
  if (v[0] & 0x80) v.insert(v.begin(), 0x00);
  return EncodeTlv(0x02, v);
}

// EF.CardAccess with one DH-GM PACEInfo (id 32) on a valid, non-standardized 2048-bit group.
Bytes ProprietaryDh2048CardAccess() {
  const emrtd::DhGroup g = *emrtd::DhGroup::FromParameterId(1);
  const Bytes gen = g.PowerMod(g.g(), HexOrDie("02"));
  const Bytes info = EncodeTlv(0x30, Concat({EncodeTlv(0x06, HexOrDie("04007F00070202040102")), HexOrDie("020102"),
                                              HexOrDie("020120")}));
  const Bytes params = EncodeTlv(0x30, Concat({Integer(g.p()), Integer(gen), Integer(g.q())}));
  const Bytes alg = EncodeTlv(0x30, Concat({EncodeTlv(0x06, HexOrDie("2A8648CE3E0201")), params}));
  const Bytes domain =
      EncodeTlv(0x30, Concat({EncodeTlv(0x06, HexOrDie("04007F000702020401")), alg, HexOrDie("020120")}));
  return EncodeTlv(0x31, Concat({info, domain}));
}

const std::vector<CostCase>& Cases() {
  static const auto* cases = [] {
    auto* out = new std::vector<CostCase>;
    const World& w = GetWorld();
    const Case& honest = w.Find("pace-gm-ecdh-ca-aa");
    out->push_back({"honest-pace-gm-ecdh-ca-aa", honest.profile});
    vchip::ChipProfile dh = honest.profile;
    dh.FindFile("EF.CardAccess")->content = ProprietaryDh2048CardAccess();
    out->push_back({"cardaccess-dh2048-proprietary", dh});
    out->push_back({"cardaccess-dh2048-proprietary-process-cache", dh, true});
    absl::StatusOr<std::vector<testpki::HostileProfile>> hostile = testpki::HostilePassportProfiles(w.pki, 3);
    DOCVAL_CHECK_OK(hostile.status());
    for (testpki::HostileProfile& h : *hostile) out->push_back({h.profile.name, std::move(h.profile)});
    return out;
  }();
  return *cases;
}

cache::BoundedGroupCache& ProcessCache() {
  static auto* cache = new cache::BoundedGroupCache();
  return *cache;
}

// One session; its reader CPU time and peak heap.
Cost RunOnce(vchip::VirtualChip& chip, const CostCase& c, emrtd::RandomSource& rng, std::string* outcome) {
  const Case as_case{c.name, c.profile};
  const emrtd::SessionParams params = SessionParamsFor(as_case, emrtd::LinkLimits{.extended_length = true});
  emrtd::ReaderConfig config;
  config.trust_store = GetWorld().store.get();
  if (c.process_cache) config.group_cache = &ProcessCache();
  int64_t chip_ns = 0;
  const int64_t heap_before = g_heap_in_use.load();
  g_heap_peak.store(heap_before);
  const int64_t t0 = ThreadCpuNs();
  {
    emrtd::CardLink link(params.limits);
    emrtd::Task<emrtd::DialogOutcome> task = emrtd::ReadDocument(link, params, config, rng);
    emrtd::DialogOutcome o = emrtd::RunDialog(task, link, [&](ByteSpan cmd) -> absl::StatusOr<Bytes> {
      const int64_t c0 = ThreadCpuNs();
      t_uncounted = true;
      std::optional<Bytes> r = chip.Process(cmd);
      t_uncounted = false;
      chip_ns += ThreadCpuNs() - c0;
      if (!r) return absl::DeadlineExceededError("the chip did not answer");
      return Bytes(r->begin(), r->end());  // counted: the answer as the reader receives it
    });
    if (outcome != nullptr) {
      if (const auto* f = std::get_if<emrtd::DialogFailure>(&o)) {
        *outcome = absl::StrCat(emrtd::FailureReasonName(f->reason), " ", f->detail);
      } else {
        *outcome =
            absl::StrCat("result, AA ", CheckResultName(std::get<emrtd::EmrtdResult>(o).active_authentication_result));
      }
    }
  }
  const int64_t t = ThreadCpuNs() - t0;
  chip.Reset();
  return Cost{static_cast<double>(t - chip_ns), static_cast<double>(g_heap_peak.load() - heap_before),
              static_cast<double>(g_heap_in_use.load() - heap_before)};
}

// The honest session's cost in this process (measured once, 20 sessions after 3 warm-ups).
const Cost& HonestCost() {
  static const Cost* cost = [] {
    const CostCase& honest = Cases()[0];
    std::unique_ptr<vchip::VirtualChip> chip = *vchip::VirtualChip::Create(honest.profile, vchip::NewSeededRandom(42));
    std::unique_ptr<emrtd::RandomSource> rng = emrtd::NewSystemRandom();
    auto* sum = new Cost;
    constexpr int kWarmUp = 3, kSessions = 20;
    for (int i = 0; i < kWarmUp + kSessions; ++i) {
      chip->Reset();
      Cost c = RunOnce(*chip, honest, *rng, nullptr);
      if (i < kWarmUp) continue;
      sum->reader_cpu_ns += c.reader_cpu_ns / kSessions;
      sum->peak_heap_bytes += c.peak_heap_bytes / kSessions;
    }
    return sum;
  }();
  return *cost;
}

void BM_SessionCost(benchmark::State& state, size_t index) {
  const CostCase& c = Cases()[index];
  const Cost& honest = HonestCost();
  absl::StatusOr<std::unique_ptr<vchip::VirtualChip>> chip =
      vchip::VirtualChip::Create(c.profile, vchip::NewSeededRandom(42));
  if (!chip.ok()) {
    state.SkipWithError(std::string(chip.status().message()).c_str());
    return;
  }
  std::unique_ptr<emrtd::RandomSource> rng = emrtd::NewSystemRandom();
  Cost worst;
  double cpu_sum = 0;
  int64_t sessions = 0;
  std::string outcome;
  (*chip)->Reset();
  for (auto _ : state) {
    Cost cost = RunOnce(**chip, c, *rng, &outcome);
    cpu_sum += cost.reader_cpu_ns;
    worst.reader_cpu_ns = std::max(worst.reader_cpu_ns, cost.reader_cpu_ns);
    worst.peak_heap_bytes = std::max(worst.peak_heap_bytes, cost.peak_heap_bytes);
    if (sessions > 0) worst.retained_bytes = std::max(worst.retained_bytes, cost.retained_bytes);
    ++sessions;
  }
  if (sessions == 0) return;
  const double mean_cpu = cpu_sum / static_cast<double>(sessions);
  state.counters["reader_cpu_ms"] = mean_cpu / 1e6;
  state.counters["worst_cpu_ms"] = worst.reader_cpu_ns / 1e6;
  state.counters["peak_heap_kb"] = worst.peak_heap_bytes / 1024;
  state.counters["cpu_vs_honest"] = mean_cpu / honest.reader_cpu_ns;
  state.counters["worst_cpu_vs_honest"] = worst.reader_cpu_ns / honest.reader_cpu_ns;
  state.counters["heap_vs_honest"] = worst.peak_heap_bytes / honest.peak_heap_bytes;
  state.counters["retained_kb"] = worst.retained_bytes / 1024;
  state.SetLabel(outcome.substr(0, 90));
}

void RegisterAll() {
  for (size_t i = 0; i < Cases().size(); ++i) {
    benchmark::RegisterBenchmark(Cases()[i].name.c_str(), BM_SessionCost, i)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->MinTime(0.5);
  }
}

}  // namespace
}  // namespace docval::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  docval::bench::RegisterAll();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
