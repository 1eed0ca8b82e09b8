// The crypto floor (issue 12, benchmark 2): the CPU time of the cryptography one session cannot
// avoid, done with Botan directly (crypto_floor.h), against the CPU time of whole sessions of the
// same profile, in the same process and interleaved (one floor, then one session, per iteration), so
// that the load of a shared machine weighs on both alike.
//
// Rows per profile (extended-length link):
//   CryptoFloor/<profile>/in-process   ReadDocument driven by RunDialog against the virtual passport
//   CryptoFloor/<profile>/grpc         the same session through the validator's gRPC service
//                                      (validator/service) over an in-process channel
// Counters (per session, milliseconds of CPU):
//   floor_ms           the terminal's floor (what the server must compute)
//   floor_chip_ms      the chip's floor (what the virtual passport must compute)
//   floor_<part>_ms    the terminal's floor by part (access, ca, cam, aa, pa, hash, sm)
//   key_load_ms        not in the floor: loading the DS and CSCA keys with Botan, per session
//   reader_ms          in-process: thread CPU of the session less the time inside the chip
//   session_ms         in-process: reader + chip
//   server_ms          grpc: process CPU of the session (every thread: gRPC's, the service's, the
//                      client's) less the time inside the chip
//   reader_vs_floor    reader_ms / floor_ms (target <= 1.3)
//   session_vs_floor   session_ms / (floor_ms + floor_chip_ms)
//   server_vs_floor    server_ms / floor_ms
//
//   crypto_floor_bench [--describe] [benchmark flags]
// --describe prints what each profile's floor covers.
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <prometheus/registry.h>

#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "bench/crypto_floor.h"
#include "bench/service_start.h"
#include "bench/sessions.h"
#include "benchmark/benchmark.h"
#include "tools/vchip/chip_rng.h"
#include "tools/vchip/virtual_chip.h"
#include "validator/cache/key_cache.h"
#include "validator/service/validator_service.h"

namespace docval::bench {
namespace {

const char* const kProfiles[] = {"bac-passport", "pace-gm-ecdh-ca-aa", "pace-cam-idcard",
                                 "pace-gm-ecdh-ca-aa-large-dg2"};
const emrtd::LinkLimits kExtended{.extended_length = true};

int64_t ProcessCpuNs() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// The validator's gRPC service on an in-process channel, the trust store of the world.
class InProcessValidator {
 public:
  InProcessValidator() {
    std::shared_ptr<const emrtd::TrustStore> store = GetWorld().store;
    service_ = std::make_unique<validator::ValidatorService>(
        validator::ValidatorServiceOptions{}, [store] { return store; }, registry_);
    grpc::ServerBuilder b;
    b.RegisterService(service_.get());
    server_ = b.BuildAndStart();
    stub_ = v1::Validator::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
  }
  ~InProcessValidator() { server_->Shutdown(); }

  // One session of `c` against `chip`; empty when it ended with a result whose PA holds, else why
  // not. Adds the thread CPU time spent inside the chip to `chip_ns`.
  std::string Run(vchip::VirtualChip& chip, const Case& c, int64_t& chip_ns) {
    const emrtd::SessionParams p = SessionParamsFor(c, kExtended);
    const v1::SessionRequest start = StartRequestFor(p, "bench");
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    auto stream = stub_->Session(&ctx);
    if (!stream->Write(start)) return "start not written";
    v1::SessionEvent e;
    std::string error = "no result";
    while (stream->Read(&e)) {
      if (e.has_command_apdu()) {
        const int64_t t0 = ThreadCpuNs();
        std::optional<emrtd::Bytes> r = chip.Process(emrtd::AsSpan(e.command_apdu()));
        chip_ns += ThreadCpuNs() - t0;
        if (!r) return "the chip did not answer";
        v1::SessionRequest answer;
        answer.set_response_apdu(std::string(r->begin(), r->end()));
        if (!stream->Write(answer)) return "answer not written";
      } else if (e.has_result()) {
        error = e.result().passive_authentication() && e.result().has_face_photo() ? "" : "PA failed or no face";
      } else if (e.has_failure()) {
        error = absl::StrCat("failure: ", e.failure().detail());
      }
    }
    grpc::Status st = stream->Finish();
    if (!st.ok()) return absl::StrCat("stream: ", st.error_message());
    return error;
  }

 private:
  prometheus::Registry registry_;
  std::unique_ptr<validator::ValidatorService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::Validator::Stub> stub_;
};

InProcessValidator& Validator() {
  static auto* v = new InProcessValidator;
  return *v;
}

void BM_CryptoFloor(benchmark::State& state, const char* profile, bool grpc) {
  const World& w = GetWorld();
  const Case& c = w.Find(profile);
  absl::StatusOr<std::unique_ptr<CryptoFloor>> floor = CryptoFloor::ForCase(c, w);
  if (!floor.ok()) {
    state.SkipWithError(std::string(floor.status().message()).c_str());
    return;
  }
  absl::StatusOr<std::unique_ptr<vchip::VirtualChip>> chip =
      vchip::VirtualChip::Create(c.profile, vchip::NewSeededRandom(42));
  if (!chip.ok()) {
    state.SkipWithError(std::string(chip.status().message()).c_str());
    return;
  }
  std::unique_ptr<emrtd::RandomSource> rng = emrtd::NewSystemRandom();
  // The Document Signer keys kept across sessions, as the validator service keeps them.
  cache::BoundedKeyCache key_cache;
  FloorTimes floor_times;
  int64_t session_ns = 0, chip_ns = 0, sessions = 0;
  for (auto _ : state) {
    (*floor)->Run(floor_times);
    (*chip)->Reset();
    std::string error;
    if (grpc) {
      const int64_t t0 = ProcessCpuNs();
      error = Validator().Run(**chip, c, chip_ns);
      session_ns += ProcessCpuNs() - t0;
    } else {
      const int64_t t0 = ThreadCpuNs();
      Session s = RunSession(**chip, c, kExtended, *rng, w.store.get(), false, &key_cache);
      session_ns += ThreadCpuNs() - t0;
      chip_ns += s.chip_cpu_ns;
      error = CheckOutcome(s.outcome, c);
    }
    ++sessions;
    if (!error.empty()) {
      state.SkipWithError(error.c_str());
      return;
    }
  }
  if (sessions == 0) return;
  const double n = static_cast<double>(sessions);
  auto ms = [n](double ns) { return ns / n / 1e6; };
  const double floor_ms = ms(static_cast<double>(floor_times.terminal_total()));
  const double floor_chip_ms = ms(static_cast<double>(floor_times.chip_total()));
  const double reader_ms = ms(static_cast<double>(session_ns - chip_ns));
  state.counters["floor_ms"] = floor_ms;
  state.counters["floor_chip_ms"] = floor_chip_ms;
  state.counters["key_load_ms"] = ms(static_cast<double>(floor_times.key_load_ns));
  for (size_t i = 0; i < kFloorParts; ++i) {
    if (floor_times.terminal_ns[i] == 0) continue;
    state.counters[absl::StrCat("floor_", FloorPartName(static_cast<FloorPart>(i)), "_ms")] =
        ms(static_cast<double>(floor_times.terminal_ns[i]));
  }
  if (grpc) {
    state.counters["server_ms"] = reader_ms;
    state.counters["server_vs_floor"] = reader_ms / floor_ms;
  } else {
    state.counters["reader_ms"] = reader_ms;
    state.counters["session_ms"] = ms(static_cast<double>(session_ns));
    state.counters["reader_vs_floor"] = reader_ms / floor_ms;
    state.counters["session_vs_floor"] = ms(static_cast<double>(session_ns)) / (floor_ms + floor_chip_ms);
  }
}

}  // namespace
}  // namespace docval::bench

int main(int argc, char** argv) {
  bool describe = false;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--describe") == 0) {
      describe = true;
    } else {
      args.push_back(argv[i]);
    }
  }
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
  const docval::bench::World& w = docval::bench::GetWorld();
  if (describe) {
    for (const char* profile : docval::bench::kProfiles) {
      auto floor = docval::bench::CryptoFloor::ForCase(w.Find(profile), w);
      DOCVAL_CHECK_OK(floor.status());
      std::printf("%s: %s\n", profile, (*floor)->Describe().c_str());
    }
    std::fflush(stdout);
  }
  for (const char* profile : docval::bench::kProfiles) {
    for (bool grpc : {false, true}) {
      benchmark::RegisterBenchmark(absl::StrCat("CryptoFloor/", profile, grpc ? "/grpc" : "/in-process").c_str(),
                                   docval::bench::BM_CryptoFloor, profile, grpc)
          ->Unit(benchmark::kMillisecond);
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
