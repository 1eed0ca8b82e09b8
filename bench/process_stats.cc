#include "bench/process_stats.h"

#include <dirent.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include <sys/stat.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace docval::bench {

double CpuSeconds(pid_t pid) {
  std::ifstream f(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  // The command name (field 2) may hold spaces; the fields after it start past its closing ')'.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i >= 14) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::map<std::string, int64_t> ContextSwitchesByThread(pid_t pid) {
  std::map<std::string, int64_t> by_name;
  const std::string dir = absl::StrCat("/proc/", pid, "/task");
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return by_name;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::string name;
    std::getline(std::ifstream(absl::StrCat(dir, "/", e->d_name, "/comm")), name);
    std::ifstream f(absl::StrCat(dir, "/", e->d_name, "/status"));
    std::string line;
    while (std::getline(f, line)) {
      int64_t v = 0;
      const size_t colon = line.find(':');
      if (colon != std::string::npos && absl::EndsWith(line.substr(0, colon), "ctxt_switches") &&
          absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(colon + 1)), &v)) {
        by_name[name] += v;
      }
    }
  }
  closedir(d);
  return by_name;
}

std::pair<double, double> MachineTicks() {
  std::ifstream f("/proc/stat");
  std::string cpu;
  f >> cpu;
  double total = 0, idle = 0, v = 0;
  for (int i = 0; i < 8 && f >> v; ++i) {
    total += v;
    if (i == 3 || i == 4) idle += v;  // idle, iowait
  }
  return {total - idle, total};
}

int64_t RssBytes(pid_t pid) {
  std::ifstream f(absl::StrCat("/proc/", pid, "/statm"));
  int64_t size = 0, resident = 0;
  f >> size >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

absl::StatusOr<std::unique_ptr<CpuLimit>> CpuLimit::Create(const std::string& name, int millicores) {
  const int64_t period_us = 100000, quota_us = int64_t{millicores} * period_us / 1000;
  std::string dir, limit_file, limit;
  bool v2 = false;
  {
    std::ifstream controllers("/sys/fs/cgroup/cgroup.controllers");
    std::string word;
    while (controllers >> word) v2 = v2 || word == "cpu";
  }
  if (v2) {
    dir = absl::StrCat("/sys/fs/cgroup/", name);
    limit_file = "cpu.max";
    limit = absl::StrCat(quota_us, " ", period_us);
  } else {
    dir = absl::StrCat("/sys/fs/cgroup/cpu/", name);
    limit_file = "cpu.cfs_quota_us";
    limit = absl::StrCat(quota_us);
  }
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return absl::FailedPreconditionError(
        absl::StrCat("--validator-cpu needs a writable cgroup cpu controller: mkdir ", dir, ": ", strerror(errno)));
  }
  auto cg = std::unique_ptr<CpuLimit>(new CpuLimit(dir));
  if (!v2) {
    if (absl::Status s = cg->Write("cpu.cfs_period_us", absl::StrCat(period_us)); !s.ok()) return s;
  }
  if (absl::Status s = cg->Write(limit_file, limit); !s.ok()) return s;
  return cg;
}

CpuLimit::~CpuLimit() { (void)rmdir(dir_.c_str()); }

absl::Status CpuLimit::Add(pid_t pid) { return Write("cgroup.procs", absl::StrCat(pid)); }

std::pair<int64_t, double> CpuLimit::Throttled() const {
  std::ifstream f(absl::StrCat(dir_, "/cpu.stat"));
  std::string key;
  int64_t v = 0, periods = 0;
  double seconds = 0;
  while (f >> key >> v) {
    if (key == "nr_throttled") periods = v;
    if (key == "throttled_usec") seconds = static_cast<double>(v) / 1e6;  // v2
    if (key == "throttled_time") seconds = static_cast<double>(v) / 1e9;  // v1, nanoseconds
  }
  return {periods, seconds};
}

absl::Status CpuLimit::Write(const std::string& file, const std::string& value) {
  std::ofstream f(absl::StrCat(dir_, "/", file));
  f << value << std::flush;
  if (!f) return absl::FailedPreconditionError(absl::StrCat("cannot write ", value, " to ", dir_, "/", file));
  return absl::OkStatus();
}

}  // namespace docval::bench
