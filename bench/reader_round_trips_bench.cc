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
#include <time.h>

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
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "bench/round_trip_bound.h"
#include "benchmark/benchmark.h"
#include "base/check.h"
#include "tools/testpki/cms_builder.h"
#include "tools/testpki/passport_factory.h"
#include "tools/testpki/sample_faces.h"
#include "tools/testpki/test_pki.h"
#include "tools/vchip/chip_rng.h"
#include "tools/vchip/lds_builder.h"
#include "tools/vchip/virtual_chip.h"
#include "validator/emrtd/auth/trust_store.h"
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

constexpr int64_t kNow = 1780272000;  // 2026-06-01T00:00:00Z
constexpr size_t kLargeDg2Bytes = 20 * 1024;

int64_t ThreadCpuNs() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

struct LinkMode {
  const char* name;
  LinkLimits limits;
};
const LinkMode kLinks[] = {
    {"ext", LinkLimits{.extended_length = true}},
    {"short223", LinkLimits{.extended_length = false, .max_command_bytes = 223, .max_response_bytes = 223}},
};

struct Case {
  std::string name;
  vchip::ChipProfile profile;
};

// A JPEG of about `size` bytes: the sample face with a comment segment (FF FE) after SOI.
Bytes LargeJpeg(size_t size) {
  Bytes jpeg(testpki::kSampleFaceJpeg, testpki::kSampleFaceJpeg + testpki::kSampleFaceJpegSize);
  DOCVAL_CHECK(jpeg.size() > 2 && jpeg[0] == 0xFF && jpeg[1] == 0xD8);
  const size_t payload = size > jpeg.size() + 4 ? size - jpeg.size() - 4 : 0;
  DOCVAL_CHECK(payload + 2 <= 0xFFFF);
  Bytes segment = {0xFF, 0xFE, static_cast<uint8_t>((payload + 2) >> 8), static_cast<uint8_t>(payload + 2)};
  const std::string filler = "DocVal round-trip benchmark: a large portrait. ";
  for (size_t i = 0; i < payload; ++i) segment.push_back(static_cast<uint8_t>(filler[i % filler.size()]));
  jpeg.insert(jpeg.begin() + 2, segment.begin(), segment.end());
  return jpeg;
}

// `profile` with a DG2 of about `size` bytes (JPEG, ISO 19794-5) and its SOD signed again by `ds`.
absl::StatusOr<vchip::ChipProfile> WithLargeDg2(vchip::ChipProfile profile, const testpki::TestPki& pki,
                                                const testpki::Credential& ds, size_t size) {
  vchip::FaceImage face;
  face.image = LargeJpeg(size - 64);  // the DG2 headers and the 19794-5 record add about 60 bytes
  face.format = vchip::ImageFormat::kJpeg;
  face.width = testpki::kSampleFaceWidth;
  face.height = testpki::kSampleFaceHeight;
  face.sex = 'M';
  vchip::ChipFile* dg2 = profile.FindFile("DG2");
  if (dg2 == nullptr) return absl::InvalidArgumentError("no DG2");
  dg2->content = vchip::BuildDg2(face, vchip::FaceEncoding::kIso19794_5);
  std::map<int, Bytes> groups;
  for (const vchip::ChipFile& f : profile.files) {
    int n = 0;
    if (!f.in_mf && f.name.rfind("DG", 0) == 0 && absl::SimpleAtoi(f.name.substr(2), &n)) groups[n] = f.content;
  }
  std::unique_ptr<vchip::ChipRandom> rng = vchip::NewSeededRandom(7);
  absl::StatusOr<Bytes> sod = testpki::BuildSod(groups, pki.Signer(ds), rng->rng());
  if (!sod.ok()) return sod.status();
  profile.FindFile("EF.SOD")->content = *sod;
  profile.name = absl::StrCat(profile.name, "-large-dg2");
  return profile;
}

struct World {
  testpki::TestPki pki;
  std::shared_ptr<const emrtd::TrustStore> store;
  std::vector<Case> cases;  // cases[0] is the BAC baseline
};

const World& GetWorld() {
  static const World* world = [] {
    auto* w = new World;
    absl::StatusOr<testpki::TestPki> pki = testpki::GenerateTestPki(1);
    DOCVAL_CHECK_OK(pki.status());
    w->pki = *std::move(pki);
    emrtd::TrustStore::Builder b;
    for (const auto* c : {&w->pki.csca_rsa, &w->pki.csca_ecdsa}) {
      std::string pem = testpki::CertPem(*c->cert);
      absl::Status added = b.AddAny(emrtd::AsSpan(pem), "csca");
      DOCVAL_CHECK_OK(added);
    }
    for (const auto& crl : {w->pki.crl_rsa, w->pki.crl_ecdsa}) {
      std::string pem = testpki::CrlPem(*crl);
      absl::Status added = b.AddAny(emrtd::AsSpan(pem), "crl");
      DOCVAL_CHECK_OK(added);
    }
    w->store = std::move(b).Build();

    std::map<std::string, testpki::PassportSpec> specs;
    for (testpki::PassportSpec& s : testpki::StandardPassportSpecs()) specs[s.name] = s;
    for (const char* name : {"bac-passport", "pace-gm-ecdh-ca-aa", "pace-im-dh-can-idcard", "pace-cam-idcard"}) {
      DOCVAL_CHECK(specs.count(name) == 1);
      absl::StatusOr<vchip::ChipProfile> p = testpki::Personalize(specs[name], w->pki);
      DOCVAL_CHECK_OK(p.status());
      w->cases.push_back(Case{name, *std::move(p)});
    }
    // BAC-only passports often have no EF.ATR/INFO either (nothing in the MF).
    vchip::ChipProfile no_atr = w->cases[0].profile;
    std::erase_if(no_atr.files, [](const vchip::ChipFile& f) { return f.name == "EF.ATR/INFO"; });
    no_atr.name = "bac-passport-no-atr-info";
    w->cases.insert(w->cases.begin() + 1, Case{no_atr.name, no_atr});
    // PACE-GM ECDH with CA and AA, and a 20 KB JPEG portrait.
    testpki::PassportSpec large = specs["pace-gm-ecdh-ca-aa"];
    large.face_format = vchip::ImageFormat::kJpeg;
    large.face_encoding = vchip::FaceEncoding::kIso19794_5;
    absl::StatusOr<vchip::ChipProfile> p = testpki::Personalize(large, w->pki);
    DOCVAL_CHECK_OK(p.status());
    p = WithLargeDg2(*std::move(p), w->pki, w->pki.ds_ecdsa, kLargeDg2Bytes);
    DOCVAL_CHECK_OK(p.status());
    w->cases.push_back(Case{p->name, *std::move(p)});
    return w;
  }();
  return *world;
}

struct Exchange {
  Step step;
  Bytes command;
  Bytes response;
};

struct Session {
  DialogOutcome outcome;
  size_t round_trips = 0;
  std::map<Step, size_t> per_step;
  std::vector<Exchange> exchanges;  // only when recording
  int64_t chip_cpu_ns = 0;
};

Session RunSession(vchip::VirtualChip& chip, const Case& c, const LinkMode& mode, emrtd::RandomSource& rng,
                   const emrtd::TrustStore* store, bool record) {
  const vchip::ClientAccessKey& key = c.profile.client_access_key;
  auto secret = [](const std::string& s) { return emrtd::SecureBytes(s.begin(), s.end()); };
  emrtd::SessionParams params;
  params.access_key.can = secret(key.can);
  params.access_key.document_number = secret(key.document_number);
  params.access_key.date_of_birth = secret(key.date_of_birth);
  params.access_key.date_of_expiry = secret(key.date_of_expiry);
  params.limits = mode.limits;
  params.now_unix_seconds = kNow;
  emrtd::ReaderConfig config;
  config.trust_store = store;

  Session s;
  Step current = Step::kReadAtrInfo;
  CardLink link(params.limits);
  emrtd::Task<DialogOutcome> task = emrtd::ReadDocument(link, params, config, rng);
  s.outcome = emrtd::RunDialog(task, link, [&](ByteSpan cmd) -> absl::StatusOr<Bytes> {
    std::vector<Step> steps = link.TakeSteps();
    if (!steps.empty()) current = steps.back();
    ++s.per_step[current];
    const int64_t t0 = ThreadCpuNs();
    std::optional<Bytes> r = chip.Process(cmd);
    s.chip_cpu_ns += ThreadCpuNs() - t0;
    if (!r) return absl::DeadlineExceededError("the chip did not answer");
    if (record) s.exchanges.push_back(Exchange{current, Bytes(cmd.begin(), cmd.end()), *r});
    return *r;
  });
  s.round_trips = link.round_trips();
  return s;
}

// Empty when the session gave the verdict the profile expects.
std::string CheckOutcome(const Session& s, const Case& c) {
  const auto* r = std::get_if<emrtd::EmrtdResult>(&s.outcome);
  if (r == nullptr) {
    const auto& f = std::get<emrtd::DialogFailure>(s.outcome);
    return absl::StrCat("dialog failed: ", emrtd::FailureReasonName(f.reason), " ", f.detail);
  }
  const vchip::Expectation& e = c.profile.expect;
  if (e.passive_authentication && r->passive_authentication != *e.passive_authentication) {
    return "passive authentication differs from the profile's expectation";
  }
  if (!e.chip_authentication.empty() && CheckResultName(r->chip_authentication_result) != e.chip_authentication) {
    return absl::StrCat("chip authentication ", CheckResultName(r->chip_authentication_result));
  }
  if (!e.active_authentication.empty() && CheckResultName(r->active_authentication_result) != e.active_authentication) {
    return absl::StrCat("active authentication ", CheckResultName(r->active_authentication_result));
  }
  if (!r->face_photo.has_value()) return "no face photo";
  return "";
}

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
    Session s = RunSession(**chip, bac, mode, *rng, w.store.get(), false);
    const int64_t t = ThreadCpuNs() - t0;
    DOCVAL_CHECK(CheckOutcome(s, bac).empty());
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
    Session s = RunSession(**chip, c, *mode, *rng, w.store.get(), false);
    total_ns += ThreadCpuNs() - t0;
    chip_ns += s.chip_cpu_ns;
    ++sessions;
    if (std::string error = CheckOutcome(s, c); !error.empty()) {
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
      Session s = RunSession(**chip, c, mode, *rng, w.store.get(), true);
      std::string error = CheckOutcome(s, c);
      const vchip::ChipFile* dg2 = c.profile.FindFile("DG2");
      std::printf("\n%s / %s (%s; DG2 %zu bytes): %zu round trips, bound %zu, ratio %.3f%s%s\n", c.name.c_str(),
                  mode.name, bound->protocol.c_str(), dg2 ? dg2->content.size() : 0, s.round_trips, bound->total,
                  static_cast<double>(s.round_trips) / static_cast<double>(bound->total), error.empty() ? "" : "  ERROR: ",
                  error.c_str());
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
