// What the benchmarks read of the server's processes and of the machine (Linux /proc), and the CPU
// limit they can put a process under (a cgroup), for bench/server_bench.cc.
#ifndef DOCVAL_BENCH_PROCESS_STATS_H_
#define DOCVAL_BENCH_PROCESS_STATS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include <sys/types.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace docval::bench {

// CPU seconds (user + system) a process has used so far: fields 14 and 15 of /proc/PID/stat.
double CpuSeconds(pid_t pid);

// Context switches (voluntary and not) of every thread of a process so far, summed by thread name
// (/proc/PID/task/TID/comm: the gateway's "grpc-completion", gRPC's callback-API "nexting_thread",
// the main thread's and the workers' "docval", ...).
std::map<std::string, int64_t> ContextSwitchesByThread(pid_t pid);

// The machine's busy and total CPU time so far, from the first line of /proc/stat (in ticks).
std::pair<double, double> MachineTicks();

// A process's resident memory (/proc/PID/statm), in bytes.
int64_t RssBytes(pid_t pid);

// A cpu cgroup that holds processes to a CPU budget: `millicores` thousandths of a core per
// 100 ms period, the CFS bandwidth limit behind a Kubernetes CPU limit. Uses cgroup v2 when the cpu
// controller is enabled at /sys/fs/cgroup, else the v1 cpu hierarchy. The cgroup is removed when
// the object goes, once its processes have exited (moving them out first would leave them
// unlimited while they still run).
class CpuLimit {
 public:
  // kFailedPrecondition when no cgroup cpu controller is writable here.
  static absl::StatusOr<std::unique_ptr<CpuLimit>> Create(const std::string& name, int millicores);
  ~CpuLimit();

  absl::Status Add(pid_t pid);
  // Periods in which the group ran out of its quota, and the seconds it spent held (cpu.stat).
  std::pair<int64_t, double> Throttled() const;

 private:
  explicit CpuLimit(std::string dir) : dir_(std::move(dir)) {}
  absl::Status Write(const std::string& file, const std::string& value);
  std::string dir_;
};

}  // namespace docval::bench

#endif  // DOCVAL_BENCH_PROCESS_STATS_H_
