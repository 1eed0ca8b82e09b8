// validator_load (issue 9): a burst of concurrent sessions through the validator's gRPC service
// (validator/service, in-process channel, virtual passports of tools/vchip), then the process's
// resident memory against its baseline. Not a Google Benchmark: one run, figures printed as JSON.
//
//   validator_load [--sessions N] [--concurrency C] [--workers W] [--abandon-every K] [--profile P]
//
// N sessions (default 300) run C at a time (default 60) over W validator workers (default: the
// CPUs). Every K-th session (default 3, 0: none) is abandoned: the client cancels the stream after
// its 5th command, as a phone that vanishes mid-dialog, so the cancel path's memory is measured
// too. Every other session must end with the verdict its profile expects.
//
// RSS (from /proc/self/statm) is printed at: start (world and service up, no session yet), warm
// (after a first burst of C sessions: gRPC's threads, the allocator's arenas), peak (sampled every
// 10 ms during the burst), after (the burst over and every session freed) and after_trim (after
// malloc_trim(0), which hands the allocator's free pages back: what is left is live memory).
// Pass: after_trim within 10 % of warm.
//
// --cancel-finished: the client cancels each stream after Finish() has returned its status (a no-op
// for the session). With gRPC 1.51's in-process transport a completed stream the client neither
// half-closed nor cancelled keeps both call objects alive; this shows it (bench/README.md).
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <prometheus/registry.h>

#include "absl/base/thread_annotations.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/service_start.h"
#include "bench/sessions.h"
#include "tools/vchip/chip_rng.h"
#include "tools/vchip/virtual_chip.h"
#include "validator/service/validator_service.h"

namespace docval::bench {
namespace {

struct Options {
  int sessions = 300;
  int concurrency = 60;
  int workers = 0;
  int abandon_every = 3;
  bool half_close = false;       // the client half-closes once it has the outcome
  bool cancel_finished = false;  // the client cancels the stream once it has its status
  bool tcp = false;         // loopback TCP (HTTP/2), as between pods, instead of an in-process channel
  std::string profile = "pace-gm-ecdh-ca-aa";
};

int64_t RssBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

// Bytes the program holds from malloc (in use, not what the allocator keeps free for later).
int64_t HeapInUse() {
  struct mallinfo2 m = mallinfo2();
  return static_cast<int64_t>(m.uordblks + m.hblkhd);
}

double MiB(int64_t bytes) { return static_cast<double>(bytes) / (1 << 20); }

enum class Outcome { kVerdict, kAbandoned, kWrong };

class Load {
 public:
  explicit Load(const Options& o) : options_(o), case_(GetWorld().Find(o.profile)) {
    std::shared_ptr<const emrtd::TrustStore> store = GetWorld().store;
    service_ = std::make_unique<validator::ValidatorService>(
        validator::ValidatorServiceOptions{.max_sessions = 2 * o.concurrency + 8, .workers = o.workers},
        [store] { return store; }, registry_);
    grpc::ServerBuilder b;
    b.RegisterService(service_.get());
    int port = 0;
    if (o.tcp) b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    server_ = b.BuildAndStart();
    stub_ = v1::Validator::NewStub(
        o.tcp ? grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials())
              : server_->InProcessChannel(grpc::ChannelArguments()));
  }
  ~Load() {
    server_->Shutdown();
    service_->Shutdown();
  }

  const validator::ValidatorService& service() const { return *service_; }

  // Runs `n` sessions, `concurrency` at a time; returns the number that ended as expected (the
  // verdict, or CANCELLED for the abandoned ones). Prints the first unexpected ending.
  int Burst(int n) {
    std::atomic<int> next{0}, good{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < options_.concurrency; ++t) {
      clients.emplace_back([&, t] {
        auto chip = vchip::VirtualChip::Create(case_.profile, vchip::NewSeededRandom(1000 + t));
        if (!chip.ok()) return;
        for (int i = next++; i < n; i = next++) {
          (*chip)->Reset();
          const bool abandon = options_.abandon_every > 0 && i % options_.abandon_every == options_.abandon_every - 1;
          if (Run(**chip, abandon)) ++good;
        }
      });
    }
    for (std::thread& c : clients) c.join();
    return good.load();
  }

 private:
  bool Run(vchip::VirtualChip& chip, bool abandon) {
    const emrtd::SessionParams p = SessionParamsFor(case_, {.extended_length = true});
    const v1::SessionRequest start = StartRequestFor(p, "load");
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
    auto stream = stub_->Session(&ctx);
    stream->Write(start);
    v1::SessionEvent e;
    std::string verdict = "no outcome";
    int commands = 0;
    while (stream->Read(&e)) {
      if (e.has_command_apdu()) {
        if (abandon && ++commands == 5) {
          ctx.TryCancel();
          continue;
        }
        std::optional<emrtd::Bytes> r = chip.Process(emrtd::AsSpan(e.command_apdu()));
        v1::SessionRequest answer;
        if (r) answer.set_response_apdu(std::string(r->begin(), r->end()));
        stream->Write(answer);
      } else if (e.has_result()) {
        verdict = e.result().passive_authentication() && e.result().has_face_photo() ? "" : "PA failed or no face";
        if (options_.half_close) stream->WritesDone();
      } else if (e.has_failure()) {
        verdict = absl::StrCat("failure: ", e.failure().detail());
        if (options_.half_close) stream->WritesDone();
      }
    }
    grpc::Status st = stream->Finish();
    if (options_.cancel_finished) ctx.TryCancel();
    if (abandon) return st.error_code() == grpc::StatusCode::CANCELLED;
    if (!st.ok()) verdict = absl::StrCat("stream: ", st.error_message());
    if (!verdict.empty()) Report(verdict);
    return verdict.empty();
  }

  void Report(const std::string& what) {
    absl::MutexLock lock(&mu_);
    if (!reported_) std::fprintf(stderr, "validator_load: unexpected ending: %s\n", what.c_str());
    reported_ = true;
  }

  const Options options_;
  const Case& case_;
  prometheus::Registry registry_;
  std::unique_ptr<validator::ValidatorService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::Validator::Stub> stub_;
  absl::Mutex mu_;
  bool reported_ ABSL_GUARDED_BY(mu_) = false;
};

bool WaitIdle(const validator::ValidatorService& s) {
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (s.sessions() > 0) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

int Main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](int& out) {
      if (i + 1 >= argc || !absl::SimpleAtoi(argv[++i], &out) || out < 0) {
        std::fprintf(stderr, "validator_load: %s needs a number\n", a.c_str());
        std::exit(2);
      }
    };
    if (a == "--sessions") {
      value(o.sessions);
    } else if (a == "--concurrency") {
      value(o.concurrency);
    } else if (a == "--workers") {
      value(o.workers);
    } else if (a == "--abandon-every") {
      value(o.abandon_every);
    } else if (a == "--tcp") {
      o.tcp = true;
    } else if (a == "--half-close") {
      o.half_close = true;
    } else if (a == "--cancel-finished") {
      o.cancel_finished = true;
    } else if (a == "--profile" && i + 1 < argc) {
      o.profile = argv[++i];
    } else {
      std::fprintf(stderr,
                   "usage: validator_load [--sessions N] [--concurrency C] [--workers W] [--cancel-finished] "
                   "[--abandon-every K] [--profile P]\n");
      return 2;
    }
  }
  if (o.concurrency < 1) o.concurrency = 1;
  GetWorld();
  Load load(o);
  const int64_t start = RssBytes();
  const int warm_good = load.Burst(4 * o.concurrency);
  if (!WaitIdle(load.service())) return 1;
  malloc_trim(0);
  const int64_t warm = RssBytes();
  const int64_t heap_warm = HeapInUse();

  std::atomic<bool> done{false};
  std::atomic<int64_t> peak{0};
  std::thread sampler([&] {
    while (!done) {
      peak = std::max(peak.load(), RssBytes());
      absl::SleepFor(absl::Milliseconds(10));
    }
  });
  const absl::Time t0 = absl::Now();
  const int good = load.Burst(o.sessions);
  const double seconds = absl::ToDoubleSeconds(absl::Now() - t0);
  const bool idle = WaitIdle(load.service());
  done = true;
  sampler.join();
  const int64_t after = RssBytes();
  const int64_t heap_after = HeapInUse();
  malloc_trim(0);
  const int64_t after_trim = RssBytes();
  const bool pass = good == o.sessions && warm_good == 4 * o.concurrency && idle &&
                    after_trim <= warm + warm / 10;
  std::printf(
      "{\"profile\":\"%s\",\"sessions\":%d,\"concurrency\":%d,\"workers\":%d,\"abandon_every\":%d,"
      "\"as_expected\":%d,\"seconds\":%.1f,\"rss_mib\":{\"start\":%.1f,\"warm\":%.1f,\"peak\":%.1f,"
      "\"after\":%.1f,\"after_trim\":%.1f},\"heap_in_use_mib\":{\"warm\":%.1f,\"after\":%.1f},"
      "\"after_trim_vs_warm\":%.3f,\"pass\":%s}\n",
      o.profile.c_str(), o.sessions, o.concurrency, load.service().workers(), o.abandon_every, good, seconds,
      MiB(start), MiB(warm), MiB(peak), MiB(after), MiB(after_trim), MiB(heap_warm), MiB(heap_after),
      static_cast<double>(after_trim) / static_cast<double>(warm), pass ? "true" : "false");
  return pass ? 0 : 1;
}

}  // namespace
}  // namespace docval::bench

int main(int argc, char** argv) { return docval::bench::Main(argc, argv); }
