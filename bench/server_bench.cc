// server_bench: the whole server on loopback, as real processes (the end-to-end harness starts the
// docval binary of this build, as `serve` or as its three roles, and a Result Server). One command
// per figure; each prints its figures as JSON lines, ratios to a baseline measured in the same run.
//
//   server_bench turnaround [--sessions N]     (default 30)
//     What one relayed APDU adds: a phone (TCP_NODELAY, relaying the virtual passport) times every
//     exchange, from its response to the next command, through `serve` and through the split roles.
//     Baseline: the same dialog driven in-process (validator/emrtd against the virtual chip), where
//     the time between the chip's answer and the next command is the reader's own work. Added
//     latency = relayed − in-process, per exchange (the dialogs are the same, exchange by exchange);
//     p50 and p99 over every exchange of every session. Also, per exchange, the context switches of
//     the server's processes (/proc/PID/task/*/status), their CPU per session (/proc/PID/stat), and
//     the machine's cost of one hand-off:
//     two threads on different CPUs passing a byte back and forth through pipes, idle between
//     rounds as the server's threads are between exchanges (p50/p99 of a round trip, two hand-offs).
//     With --detail, one line per exchange as well.
//   server_bench throughput [--sessions N] [--concurrency C] [--validator-cpu M] [--https-result-server 1]
//                           [--wss ecdsa|rsa]     (default 120, 8)
//     Sessions per second through the split roles with one validator process, then two (each
//     validator with validator.workers: 1, so a validator is one core's worth of dialog work). Also
//     the CPU each side spent per session (/proc/PID/stat: validators, gateway, this process's
//     phones), the machine's busy share (/proc/stat), and sessions per CPU-second of the validators:
//     whether a second validator yields as much per core as the first, apart from how many cores
//     the machine has left for it. With --validator-cpu M, each validator process runs in a cpu
//     cgroup of its own limited to M millicores (a CFS quota, as a Kubernetes pod's CPU limit), so
//     that the validators, not the machine, bound the rate: the scaling of validator replicas on a
//     machine with too few cores to give each its own. Needs a writable cgroup cpu controller (v2
//     or v1) and permission to use it; the figures then include the validators' throttled periods.
//     With --https-result-server 1, the Result Server speaks HTTPS and the poster trusts a bundle the
//     size of the system store (Debian's CAs and the test CA), as a poster without
//     result_server_ca_file does; otherwise plain HTTP.
//     With --wss ecdsa|rsa, the gateway serves wss:// with a P-256 or an RSA-2048 certificate (issued
//     for 127.0.0.1 by a test CA the phones trust); otherwise ws://.
//   server_bench relay-floor [--sessions N]     (default 200)
//     The least CPU a server split into two processes can spend on a session, whatever it
//     computes: the reader's own CPU in-process (validator/emrtd against the virtual chip, less the
//     chip's time, DS keys cached as the validator caches them) plus the CPU of relaying the same
//     dialog's bytes through two hops over loopback TCP (TCP_NODELAY) with nothing else done: a
//     "validator" thread writes each recorded command and reads its response, a "gateway" thread
//     passes both on with blocking reads and writes (one syscall each way; the real processes use
//     epoll and framing on top), and a "phone" thread answers after a 1 ms pause, so that the
//     server's threads sleep between exchanges as they do for a real chip. Printed against the
//     crypto floor of the same run: the lower bound of the whole-pipeline ratio.
//   server_bench idle [--connections N]     (default 10000)
//     Gateway memory per open WebSocket session that has not sent its start message: the gateway
//     process's RSS (/proc/PID/statm) before and after N upgrades. Raises this process's
//     file-descriptor limit to its hard limit first.
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/crypto_floor.h"
#include "bench/process_stats.h"
#include "bench/relay_floor.h"
#include "bench/sessions.h"
#include "tests/e2e/harness.h"
#include "tests/support/test_certs.h"
#include "tools/vchip/chip_rng.h"
#include "tools/vchip/virtual_chip.h"
#include "validator/cache/key_cache.h"
#include "validator/emrtd/crypto/random.h"

namespace docval::bench {
namespace {

constexpr char kProfile[] = "pace-gm-ecdh-ca-aa";

int Fail(const std::string& what) {
  std::fprintf(stderr, "server_bench: %s\n", what.c_str());
  return 1;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

void PinToCpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  (void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

// The machine's cost of handing work to a thread that sleeps on another CPU and back: round trips
// of one byte through two pipes between two threads pinned to CPUs 0 and 1, with a pause between
// rounds so that both sleep as a server's threads do between exchanges. Milliseconds per round
// trip (two hand-offs).
std::vector<double> HandOffRoundTripsMs(int rounds) {
  int there[2], back[2];
  if (pipe(there) != 0) return {};
  if (pipe(back) != 0) {
    close(there[0]);
    close(there[1]);
    return {};
  }
  std::thread echo([&] {
    PinToCpu(1);
    char c;
    while (read(there[0], &c, 1) == 1) {
      if (write(back[1], &c, 1) != 1) break;
    }
  });
  std::vector<double> ms;
  std::thread timer([&] {
    PinToCpu(0);
    char c = 'x';
    for (int i = 0; i < rounds; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      if (write(there[1], &c, 1) != 1 || read(back[0], &c, 1) != 1) break;
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  });
  timer.join();
  close(there[1]);  // the echo thread's read ends
  echo.join();
  for (int fd : {there[0], back[0], back[1]}) close(fd);
  return ms;
}

// The reader's own time per exchange, in-process: the median over `sessions` of each exchange.
absl::StatusOr<std::vector<double>> InProcessGapsMs(int sessions) {
  const World& world = GetWorld();
  const Case& c = world.Find(kProfile);
  std::vector<std::vector<double>> per_exchange;
  for (int i = 0; i < sessions; ++i) {
    absl::StatusOr<std::unique_ptr<vchip::VirtualChip>> chip =
        vchip::VirtualChip::Create(c.profile, vchip::NewSeededRandom(static_cast<uint64_t>(i) + 1));
    if (!chip.ok()) return chip.status();
    std::unique_ptr<emrtd::RandomSource> rng = emrtd::NewSystemRandom();
    emrtd::LinkLimits limits;
    limits.extended_length = true;
    Session s = RunSession(**chip, c, limits, *rng, world.store.get(), false);
    std::string bad = CheckOutcome(s.outcome, c);
    if (!bad.empty()) return absl::InternalError(bad);
    if (per_exchange.empty()) per_exchange.resize(s.reader_gap_ns.size());
    if (per_exchange.size() != s.reader_gap_ns.size()) return absl::InternalError("in-process dialogs differ");
    for (size_t k = 0; k < s.reader_gap_ns.size(); ++k) per_exchange[k].push_back(s.reader_gap_ns[k] / 1e6);
  }
  std::vector<double> medians;
  for (auto& v : per_exchange) medians.push_back(Percentile(v, 0.5));
  return medians;
}

int Turnaround(int sessions, bool detail) {
  absl::StatusOr<std::vector<double>> baseline = InProcessGapsMs(sessions);
  if (!baseline.ok()) return Fail(std::string(baseline.status().message()));
  std::printf("{\"mode\":\"in-process\",\"exchanges\":%zu,\"p50_ms\":%.3f,\"p99_ms\":%.3f}\n", baseline->size(),
              Percentile(*baseline, 0.5), Percentile(*baseline, 0.99));
  const std::vector<double> hand_off = HandOffRoundTripsMs(2000);
  std::printf("{\"mode\":\"hand-off\",\"round_trips\":%zu,\"round_trip_p50_ms\":%.3f,\"round_trip_p99_ms\":%.3f}\n",
              hand_off.size(), Percentile(hand_off, 0.5), Percentile(hand_off, 0.99));
  for (bool split : {false, true}) {
    e2e::DeploymentOptions o;
    o.separate_roles = split;
    absl::StatusOr<std::unique_ptr<e2e::Deployment>> d = e2e::Deployment::Start(std::move(o));
    if (!d.ok()) return Fail(std::string(d.status().message()));
    std::vector<double> relayed, added;
    std::vector<std::vector<double>> added_by_exchange(baseline->size());
    std::vector<pid_t> server = {(*d)->gateway().pid()};
    for (size_t v = 0; v < (*d)->validator_count(); ++v) server.push_back((*d)->validator(v)->pid());
    // By "<process>/<thread name>"; the process is "serve", "gateway" or "validator".
    auto server_switches = [&] {
      std::map<std::string, int64_t> by_thread;
      for (size_t i = 0; i < server.size(); ++i) {
        const char* process = !split ? "serve" : i == 0 ? "gateway" : "validator";
        for (const auto& [name, n] : ContextSwitchesByThread(server[i]))
          by_thread[absl::StrCat(process, "/", name)] += n;
      }
      return by_thread;
    };
    auto server_cpu = [&] {
      double sum = 0;
      for (pid_t pid : server) sum += CpuSeconds(pid);
      return sum;
    };
    const std::map<std::string, int64_t> switches_before = server_switches();
    const double cpu_before = server_cpu();
    for (int i = 0; i < sessions; ++i) {
      absl::StatusOr<relay::RelayOutcome> out = e2e::RunPassportSession((*d)->WsUrl(), kProfile);
      if (!out.ok()) return Fail(std::string(out.status().message()));
      if (out->close.code != 1000) return Fail(absl::StrCat("a session ended ", out->close.code));
      if (out->turnarounds.size() != baseline->size()) {
        return Fail(
            absl::StrCat("relayed dialog has ", out->turnarounds.size(), " exchanges, in-process ", baseline->size()));
      }
      for (size_t k = 0; k < out->turnarounds.size(); ++k) {
        const double ms = absl::ToDoubleMilliseconds(out->turnarounds[k].interval);
        relayed.push_back(ms);
        added.push_back(ms - (*baseline)[k]);
        added_by_exchange[k].push_back(ms - (*baseline)[k]);
      }
    }
    // Includes each session's opening, start message and close: an upper bound per exchange.
    const double exchanges = static_cast<double>(sessions * baseline->size());
    double switches_per_exchange = 0;
    std::string by_thread;
    for (const auto& [thread, n] : server_switches()) {
      auto before = switches_before.find(thread);
      const double per_exchange =
          static_cast<double>(n - (before != switches_before.end() ? before->second : 0)) / exchanges;
      switches_per_exchange += per_exchange;
      if (per_exchange >= 0.05) {
        absl::StrAppend(&by_thread, by_thread.empty() ? "" : ",", "\"", thread,
                        "\":", absl::StrFormat("%.1f", per_exchange));
      }
    }
    std::printf(
        "{\"mode\":\"%s\",\"sessions\":%d,\"turnaround_p50_ms\":%.3f,\"turnaround_p99_ms\":%.3f,"
        "\"added_p50_ms\":%.3f,\"added_p99_ms\":%.3f,\"target_added_p99_ms\":1.0,"
        "\"server_context_switches_per_exchange\":%.1f,\"by_thread\":{%s},\"server_cpu_ms_per_session\":%.2f,"
        "\"added_p50_in_hand_off_round_trips\":%.1f}\n",
        split ? "split-roles" : "serve", sessions, Percentile(relayed, 0.5), Percentile(relayed, 0.99),
        Percentile(added, 0.5), Percentile(added, 0.99), switches_per_exchange, by_thread.c_str(),
        1e3 * (server_cpu() - cpu_before) / sessions,
        Percentile(hand_off, 0.5) > 0 ? Percentile(added, 0.5) / Percentile(hand_off, 0.5) : 0.0);
    for (size_t k = 0; detail && k < added_by_exchange.size(); ++k) {
      std::printf(
          "{\"mode\":\"%s\",\"exchange\":%zu,\"in_process_ms\":%.3f,\"added_p50_ms\":%.3f,\"added_max_ms\":%.3f}\n",
          split ? "split-roles" : "serve", k, (*baseline)[k], Percentile(added_by_exchange[k], 0.5),
          Percentile(added_by_exchange[k], 1.0));
    }
    (*d)->Stop();
  }
  return 0;
}

// The terminal's crypto floor of one kProfile session (crypto_floor.h), in milliseconds of thread
// CPU: the median of `runs` sessions.
absl::StatusOr<double> CryptoFloorMs(int runs) {
  const World& world = GetWorld();
  absl::StatusOr<std::unique_ptr<CryptoFloor>> floor = CryptoFloor::ForCase(world.Find(kProfile), world);
  if (!floor.ok()) return floor.status();
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    FloorTimes t;
    (*floor)->Run(t);
    ms.push_back(static_cast<double>(t.terminal_total()) / 1e6);
  }
  return Percentile(ms, 0.5);
}

// An HTTPS Result Server for the deployment, and the poster trusting a system-size bundle with its CA.
absl::Status UseHttpsResultServer(e2e::DeploymentOptions& o) {
  absl::StatusOr<testsupport::TestCerts> certs = testsupport::MakeTestCerts("IP:127.0.0.1,DNS:localhost");
  if (!certs.ok()) return certs.status();
  absl::StatusOr<std::string> bundle = testsupport::MakeSystemSizeBundle(*certs);
  if (!bundle.ok()) return bundle.status();
  o.result_server.tls_cert_path = certs->server_cert;
  o.result_server.tls_key_path = certs->server_key;
  absl::StrAppend(&o.extra_yaml, "result_server_ca_file: ", *bundle, "\n");
  return absl::OkStatus();
}

// The gateway serving wss:// with a certificate of `key` ("ecdsa": P-256, "rsa": RSA-2048) for
// 127.0.0.1; `phone` is told to trust its CA.
absl::Status UseWss(const std::string& key, e2e::DeploymentOptions& o, relay::WsClientOptions& phone) {
  absl::StatusOr<testsupport::TestCerts> certs = testsupport::MakeTestCerts("IP:127.0.0.1");
  if (!certs.ok()) return certs.status();
  absl::StatusOr<testsupport::LeafCert> leaf =
      testsupport::MakeLeafCert(*certs, "gateway", "IP:127.0.0.1", /*by_other_ca=*/false,
                                key == "rsa" ? testsupport::LeafKey::kRsa2048 : testsupport::LeafKey::kEcP256);
  if (!leaf.ok()) return leaf.status();
  absl::StrAppend(&o.extra_yaml, "tls: {certificate_file: ", leaf->cert, ", private_key_file: ", leaf->key, "}\n");
  phone.ca_file = certs->ca_cert;
  return absl::OkStatus();
}

struct ThroughputOptions {
  int sessions = 120;
  int concurrency = 8;
  int validator_millicores = 0;  // 0: no CPU limit
  bool https_result_server = false;
  std::string wss;  // "", "ecdsa" or "rsa"
};

int Throughput(const ThroughputOptions& t) {
  const int sessions = t.sessions, concurrency = t.concurrency, validator_millicores = t.validator_millicores;
  const bool https_result_server = t.https_result_server;
  absl::StatusOr<double> floor_ms = CryptoFloorMs(100);
  if (!floor_ms.ok()) return Fail(std::string(floor_ms.status().message()));
  std::printf("{\"mode\":\"crypto-floor\",\"profile\":\"%s\",\"terminal_ms\":%.3f}\n", kProfile, *floor_ms);
  double one = 0, one_per_cpu = 0;
  for (int validators : {1, 2}) {
    e2e::DeploymentOptions o;
    o.separate_roles = true;
    o.validators = validators;
    o.role_yaml["validator"] = "validator: {workers: 1}\n";
    if (https_result_server) {
      if (absl::Status s = UseHttpsResultServer(o); !s.ok()) return Fail(std::string(s.message()));
    }
    relay::WsClientOptions phone;
    if (!t.wss.empty()) {
      if (absl::Status s = UseWss(t.wss, o, phone); !s.ok()) return Fail(std::string(s.message()));
    }
    absl::StatusOr<std::unique_ptr<e2e::Deployment>> d = e2e::Deployment::Start(std::move(o));
    if (!d.ok()) return Fail(std::string(d.status().message()));
    std::string url = (*d)->WsUrl();
    if (!t.wss.empty()) url.replace(0, 2, "wss");  // ws:// -> wss://
    std::vector<std::unique_ptr<CpuLimit>> limits;
    for (int v = 0; v < validators && validator_millicores > 0; ++v) {
      absl::StatusOr<std::unique_ptr<CpuLimit>> limit =
          CpuLimit::Create(absl::StrCat("docval-bench-validator-", getpid(), "-", v), validator_millicores);
      if (!limit.ok()) return Fail(std::string(limit.status().message()));
      if (absl::Status s = (*limit)->Add((*d)->validator(static_cast<size_t>(v))->pid()); !s.ok()) {
        return Fail(std::string(s.message()));
      }
      limits.push_back(*std::move(limit));
    }
    auto throttled = [&] {
      std::pair<int64_t, double> sum{0, 0};
      for (const auto& limit : limits) {
        const auto [periods, seconds] = limit->Throttled();
        sum.first += periods;
        sum.second += seconds;
      }
      return sum;
    };
    // Warm-up: every validator connection up, the first sessions' allocations made.
    for (int i = 0; i < 2 * validators; ++i) (void)e2e::RunPassportSession(url, kProfile, phone);
    auto validator_cpu = [&] {
      double sum = 0;
      for (int v = 0; v < validators; ++v) sum += CpuSeconds((*d)->validator(static_cast<size_t>(v))->pid());
      return sum;
    };
    const double validators_before = validator_cpu();
    const double gateway_before = CpuSeconds((*d)->gateway().pid());
    const pid_t poster = (*d)->poster() != nullptr ? (*d)->poster()->pid() : 0;
    const double poster_before = poster != 0 ? CpuSeconds(poster) : 0;
    const double phones_before = CpuSeconds(getpid());
    const auto [busy_before, total_before] = MachineTicks();
    const auto [throttled_periods_before, throttled_s_before] = throttled();
    std::atomic<int> next{0}, ok{0};
    const absl::Time start = absl::Now();
    std::vector<std::thread> threads;
    for (int t = 0; t < concurrency; ++t) {
      threads.emplace_back([&] {
        while (next.fetch_add(1) < sessions) {
          absl::StatusOr<relay::RelayOutcome> out = e2e::RunPassportSession(url, kProfile, phone);
          if (out.ok() && out->close.code == 1000) ok.fetch_add(1);
        }
      });
    }
    for (std::thread& t : threads) t.join();
    const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    const auto [busy_after, total_after] = MachineTicks();
    const auto [throttled_periods_after, throttled_s_after] = throttled();
    const double validators_cpu = validator_cpu() - validators_before;
    const double gateway_cpu = CpuSeconds((*d)->gateway().pid()) - gateway_before;
    const double poster_cpu = poster != 0 ? CpuSeconds(poster) - poster_before : 0;
    // The server's CPU of a whole session through the pipeline (validators, gateway, poster).
    const double server_ms = 1e3 * (validators_cpu + gateway_cpu + poster_cpu) / std::max(1, ok.load());
    const double phones_cpu = CpuSeconds(getpid()) - phones_before;
    const double rate = ok.load() / seconds;
    // Sessions per CPU-second of the validators: what one core given to validators yields.
    const double per_cpu = validators_cpu > 0 ? ok.load() / validators_cpu : 0;
    if (validators == 1) {
      one = rate;
      one_per_cpu = per_cpu;
    }
    std::printf(
        "{\"mode\":\"throughput\",\"validators\":%d,\"sessions\":%d,\"ended_1000\":%d,\"seconds\":%.2f,"
        "\"sessions_per_s\":%.2f,\"ratio_to_one\":%.2f,\"target_ratio\":1.8,\"cpus\":%u,"
        "\"phones\":\"%s\",\"result_server\":\"%s\",\"validator_cpu_limit_m\":%d,\"validator_throttled_periods\":%lld,"
        "\"validator_"
        "throttled_s\":%.2f,"
        "\"machine_busy\":%.2f,\"cpu_ms_per_session\":{\"validators\":%.2f,\"gateway\":%.2f,\"poster\":%.2f,"
        "\"phones\":%.2f},\"server_cpu_ms_per_session\":%.2f,\"server_vs_crypto_floor\":%.2f,"
        "\"sessions_per_validator_cpu_s\":%.1f,\"per_cpu_ratio_to_one\":%.2f}\n",
        validators, sessions, ok.load(), seconds, rate, one > 0 ? rate / one : 0.0, std::thread::hardware_concurrency(),
        t.wss.empty() ? "ws" : ("wss-" + t.wss).c_str(), https_result_server ? "https" : "http", validator_millicores,
        static_cast<long long>(throttled_periods_after - throttled_periods_before),
        throttled_s_after - throttled_s_before, (busy_after - busy_before) / std::max(1.0, total_after - total_before),
        1e3 * validators_cpu / std::max(1, ok.load()), 1e3 * gateway_cpu / std::max(1, ok.load()),
        1e3 * poster_cpu / std::max(1, ok.load()), 1e3 * phones_cpu / std::max(1, ok.load()), server_ms,
        server_ms / *floor_ms, per_cpu, one_per_cpu > 0 ? per_cpu / one_per_cpu : 0.0);
    (*d)->Stop();
    limits.clear();  // after Stop: the cgroups are empty once their validators have exited
  }
  return 0;
}

int RelayFloor(int sessions) {
  absl::StatusOr<double> floor_ms = CryptoFloorMs(100);
  if (!floor_ms.ok()) return Fail(std::string(floor_ms.status().message()));
  const World& world = GetWorld();
  const Case& c = world.Find(kProfile);
  emrtd::LinkLimits limits;
  limits.extended_length = true;
  std::unique_ptr<emrtd::RandomSource> rng = emrtd::NewSystemRandom();
  cache::BoundedKeyCache key_cache;  // as the validator keeps the Document Signer keys
  // The reader in-process, and one dialog's bytes for the relay.
  std::vector<Exchange> dialog;
  int64_t reader_ns = 0;
  for (int i = 0; i < sessions; ++i) {
    absl::StatusOr<std::unique_ptr<vchip::VirtualChip>> chip =
        vchip::VirtualChip::Create(c.profile, vchip::NewSeededRandom(static_cast<uint64_t>(i) + 1));
    if (!chip.ok()) return Fail(std::string(chip.status().message()));
    const int64_t t0 = ThreadCpuNs();
    Session s = RunSession(**chip, c, limits, *rng, world.store.get(), i == 0, &key_cache);
    if (i > 0) reader_ns += ThreadCpuNs() - t0 - s.chip_cpu_ns;  // the first loads the keys
    if (std::string bad = CheckOutcome(s.outcome, c); !bad.empty()) return Fail(bad);
    if (i == 0) dialog = std::move(s.exchanges);
  }
  const double reader_ms = static_cast<double>(reader_ns) / 1e6 / std::max(1, sessions - 1);

  absl::StatusOr<BareRelayCpu> relay = MeasureBareRelay(dialog, sessions);
  if (!relay.ok()) return Fail(std::string(relay.status().message()));
  const double relay_gateway_ms = relay->gateway_ms_per_session;
  const double relay_validator_ms = relay->validator_ms_per_session;
  const double bound_ms = reader_ms + relay_gateway_ms + relay_validator_ms;
  std::printf(
      "{\"mode\":\"relay-floor\",\"profile\":\"%s\",\"sessions\":%d,\"exchanges_per_session\":%zu,"
      "\"crypto_floor_ms\":%.3f,\"reader_in_process_ms\":%.3f,\"reader_vs_crypto_floor\":%.2f,"
      "\"relay_ms_per_session\":{\"gateway\":%.3f,\"validator\":%.3f},\"lower_bound_ms\":%.3f,"
      "\"lower_bound_vs_crypto_floor\":%.2f,\"target\":1.3}\n",
      kProfile, sessions, dialog.size(), *floor_ms, reader_ms, reader_ms / *floor_ms, relay_gateway_ms,
      relay_validator_ms, bound_ms, bound_ms / *floor_ms);
  return 0;
}

// A WebSocket upgrade on a raw socket; the socket stays open (the session idle before its start).
int OpenIdleSession(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    close(fd);
    return -1;
  }
  const std::string req = absl::StrCat(
      "GET /ws1/validate HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  if (send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    close(fd);
    return -1;
  }
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  std::string got;
  char buf[512];
  while (got.find("\r\n\r\n") == std::string::npos) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  if (got.rfind("HTTP/1.1 101", 0) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

int Idle(int connections) {
  rlimit r{};
  getrlimit(RLIMIT_NOFILE, &r);
  r.rlim_cur = r.rlim_max;
  setrlimit(RLIMIT_NOFILE, &r);  // the gateway, started below, inherits it
  if (r.rlim_cur < static_cast<rlim_t>(connections) + 100) {
    return Fail(absl::StrCat("the file-descriptor limit (", r.rlim_cur, ") is below ", connections, " + 100"));
  }
  e2e::DeploymentOptions o;
  o.extra_yaml = absl::StrCat("timeouts: {start_message_s: 600}\nlimits: {max_sessions: ", connections + 10,
                              ", max_connections: ", connections + 20, "}\n");
  absl::StatusOr<std::unique_ptr<e2e::Deployment>> d = e2e::Deployment::Start(std::move(o));
  if (!d.ok()) return Fail(std::string(d.status().message()));
  const pid_t pid = (*d)->gateway().pid();
  // Warm-up: one honest session and a few idle ones, so the baseline holds the first allocations.
  (void)e2e::RunPassportSession((*d)->WsUrl(), kProfile);
  std::vector<int> fds;
  for (int i = 0; i < 10; ++i) fds.push_back(OpenIdleSession((*d)->gateway_port()));
  absl::SleepFor(absl::Milliseconds(200));
  const int64_t before = RssBytes(pid);
  int opened = 0;
  for (int i = 0; i < connections; ++i) {
    int fd = OpenIdleSession((*d)->gateway_port());
    if (fd < 0) break;
    fds.push_back(fd);
    ++opened;
  }
  absl::SleepFor(absl::Milliseconds(500));
  const int64_t after = RssBytes(pid);
  std::printf(
      "{\"mode\":\"idle\",\"connections\":%d,\"opened\":%d,\"gateway_rss_before_kb\":%lld,"
      "\"gateway_rss_after_kb\":%lld,\"per_session_kb\":%.1f,\"target_kb\":50}\n",
      connections, opened, static_cast<long long>(before / 1024), static_cast<long long>(after / 1024),
      opened > 0 ? static_cast<double>(after - before) / 1024.0 / opened : 0.0);
  for (int fd : fds) {
    if (fd >= 0) close(fd);
  }
  (*d)->Stop();
  return opened == connections ? 0 : 1;
}

}  // namespace
}  // namespace docval::bench

int main(int argc, char** argv) {
  using namespace docval::bench;
  if (argc < 2) {
    return Fail(
        "usage: server_bench turnaround|throughput|relay-floor|idle [--sessions N] [--concurrency C] [--connections N] "
        "[--validator-cpu MILLICORES] [--https-result-server 1] [--wss ecdsa|rsa] [--detail]");
  }
  const std::string mode = argv[1];
  int sessions = mode == "throughput"    ? 120
                 : mode == "relay-floor" ? 200
                                         : 30,
      concurrency = 8, connections = 10000, validator_millicores = 0, https_result_server = 0;
  std::string wss;
  bool detail = false;
  for (int i = 2; i < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--detail") {
      detail = true;
      --i;
      continue;
    }
    if (i + 1 >= argc) return Fail(absl::StrCat("no value for ", flag));
    if (flag == "--wss") {
      wss = argv[i + 1];
      if (wss != "ecdsa" && wss != "rsa") return Fail("--wss takes ecdsa or rsa");
      continue;
    }
    int v = 0;
    if (!absl::SimpleAtoi(argv[i + 1], &v) || v <= 0) return Fail(absl::StrCat("bad value for ", flag));
    if (flag == "--sessions") {
      sessions = v;
    } else if (flag == "--concurrency") {
      concurrency = v;
    } else if (flag == "--connections") {
      connections = v;
    } else if (flag == "--validator-cpu") {
      validator_millicores = v;
    } else if (flag == "--https-result-server") {
      https_result_server = v;
    } else {
      return Fail(absl::StrCat("unknown flag ", flag));
    }
  }
  if (mode == "turnaround") return Turnaround(sessions, detail);
  if (mode == "throughput") {
    return Throughput({.sessions = sessions,
                       .concurrency = concurrency,
                       .validator_millicores = validator_millicores,
                       .https_result_server = https_result_server != 0,
                       .wss = wss});
  }
  if (mode == "idle") return Idle(connections);
  if (mode == "relay-floor") return RelayFloor(sessions);
  return Fail(absl::StrCat("unknown mode ", mode));
}
