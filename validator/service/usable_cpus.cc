#include "validator/service/usable_cpus.h"

#include <sched.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace docval::validator {
namespace {

std::optional<std::string> ReadSmallFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::optional<int> Ratio(int64_t quota, int64_t period) {
  if (quota <= 0 || period <= 0) return std::nullopt;
  return static_cast<int>(std::max<int64_t>(1, (quota + period - 1) / period));
}

std::optional<int> Min(std::optional<int> a, std::optional<int> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

}  // namespace

std::optional<int> CpusFromCgroupV2CpuMax(absl::string_view cpu_max) {
  std::vector<absl::string_view> parts = absl::StrSplit(absl::StripAsciiWhitespace(cpu_max), ' ', absl::SkipEmpty());
  if (parts.empty() || parts[0] == "max") return std::nullopt;
  int64_t quota = 0;
  int64_t period = 100000;  // the kernel's default when only the quota is written
  if (!absl::SimpleAtoi(parts[0], &quota)) return std::nullopt;
  if (parts.size() > 1 && !absl::SimpleAtoi(parts[1], &period)) return std::nullopt;
  return Ratio(quota, period);
}

std::optional<int> CpusFromCgroupV1Quota(absl::string_view quota_us, absl::string_view period_us) {
  int64_t quota = 0;
  int64_t period = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(quota_us), &quota) ||
      !absl::SimpleAtoi(absl::StripAsciiWhitespace(period_us), &period)) {
    return std::nullopt;
  }
  return Ratio(quota, period);
}

std::optional<int> CgroupCpuLimit(absl::string_view proc_self_cgroup, const std::string& cgroup_root) {
  std::optional<int> limit;
  for (absl::string_view line : absl::StrSplit(proc_self_cgroup, '\n', absl::SkipEmpty())) {
    // "hierarchy-id:controllers:path"; cgroup v2 is "0::/path".
    std::vector<absl::string_view> f = absl::StrSplit(line, absl::MaxSplits(':', 2));
    if (f.size() != 3) continue;
    std::string path(f[2]);
    if (path.find("..") != std::string::npos) continue;
    if (f[0] == "0" && f[1].empty()) {
      // v2: a limit anywhere on the way up applies.
      while (true) {
        std::string dir = cgroup_root + (path == "/" ? "" : path);
        if (auto text = ReadSmallFile(dir + "/cpu.max")) limit = Min(limit, CpusFromCgroupV2CpuMax(*text));
        if (path == "/" || path.empty()) break;
        size_t slash = path.rfind('/');
        path = slash == 0 ? "/" : path.substr(0, slash);
      }
    } else {
      std::vector<absl::string_view> controllers = absl::StrSplit(f[1], ',');
      if (std::find(controllers.begin(), controllers.end(), "cpu") == controllers.end()) continue;
      // v1: the controller is usually mounted as cpu,cpuacct (and linked as cpu); inside a
      // container the cgroup is the mount's root.
      for (const std::string& dir : {cgroup_root + "/cpu" + (path == "/" ? "" : path), cgroup_root + "/cpu"}) {
        auto quota = ReadSmallFile(dir + "/cpu.cfs_quota_us");
        auto period = ReadSmallFile(dir + "/cpu.cfs_period_us");
        if (quota && period) {
          limit = Min(limit, CpusFromCgroupV1Quota(*quota, *period));
          break;
        }
      }
    }
  }
  return limit;
}

int UsableCpus() {
  std::optional<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) cpus = n;
  }
  if (auto self = ReadSmallFile("/proc/self/cgroup")) cpus = Min(cpus, CgroupCpuLimit(*self, "/sys/fs/cgroup"));
  if (!cpus) cpus = static_cast<int>(std::thread::hardware_concurrency());
  return std::max(1, cpus.value_or(1));
}

}  // namespace docval::validator
