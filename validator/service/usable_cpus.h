// How many CPUs this process may really use, for sizing the validator's worker pool.
// std::thread::hardware_concurrency() reports the host's CPUs; in a container the process may be
// pinned to fewer (sched_getaffinity, cpusets) or throttled to a fraction of them (a cgroup CPU
// quota, e.g. a Kubernetes CPU limit). UsableCpus() takes the smallest of:
//   - the CPUs in the affinity mask (sched_getaffinity),
//   - ceil(quota / period) of the cgroup v2 `cpu.max` of the process's cgroup (read from
//     /proc/self/cgroup, then /sys/fs/cgroup/<path>/cpu.max and each parent up to the root), or of
//     cgroup v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us` when there is no v2 file,
// and is at least 1. A file that is missing or unreadable is no limit.
#ifndef DOCVAL_VALIDATOR_SERVICE_USABLE_CPUS_H_
#define DOCVAL_VALIDATOR_SERVICE_USABLE_CPUS_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace docval::validator {

int UsableCpus();

// Building blocks (exposed for tests).
// "max 100000" → nullopt; "150000 100000" → 2 (rounded up); malformed → nullopt.
std::optional<int> CpusFromCgroupV2CpuMax(absl::string_view cpu_max);
// quota "-1" → nullopt; quota 50000, period 100000 → 1.
std::optional<int> CpusFromCgroupV1Quota(absl::string_view quota_us, absl::string_view period_us);
// The quota of the cgroup tree under `cgroup_root` (normally /sys/fs/cgroup) for the process
// whose /proc/<pid>/cgroup text is `proc_self_cgroup`: the smallest limit on the path to the root.
std::optional<int> CgroupCpuLimit(absl::string_view proc_self_cgroup, const std::string& cgroup_root);

}  // namespace docval::validator

#endif  // DOCVAL_VALIDATOR_SERVICE_USABLE_CPUS_H_
