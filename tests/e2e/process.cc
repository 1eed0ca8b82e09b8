#include "tests/e2e/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/testing/paths.h"
#include "base/testing/temp_dir.h"

extern char** environ;

namespace docval::e2e {

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Start(std::vector<std::string> argv,
                                                                  std::map<std::string, std::string> env) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return absl::InternalError("pipe failed");
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    std::string key = kv.substr(0, kv.find('='));
    if (!env.count(key)) env_strings.push_back(kv);
  }
  for (const auto& [k, v] : env) env_strings.push_back(absl::StrCat(k, "=", v));
  std::vector<char*> cargv, cenv;
  for (std::string& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  for (std::string& e : env_strings) cenv.push_back(e.data());
  cenv.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    dup2(fds[1], 2);
    int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, 0);
    dup2(fds[1], 1);
    execve(cargv[0], cargv.data(), cenv.data());
    _exit(127);
  }
  close(fds[1]);
  std::unique_ptr<ChildProcess> p(new ChildProcess());
  p->pid_ = pid;
  int read_fd = fds[0];
  p->reader_ = std::thread([raw = p.get(), read_fd] { raw->ReadLoop(read_fd); });
  return p;
}

void ChildProcess::ReadLoop(int fd) {
  std::string partial;
  char buf[4096];
  while (true) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n <= 0) break;
    partial.append(buf, static_cast<size_t>(n));
    size_t nl;
    while ((nl = partial.find('\n')) != std::string::npos) {
      absl::MutexLock lock(&mu_);
      lines_.push_back(partial.substr(0, nl));
      partial.erase(0, nl + 1);
    }
  }
  {
    absl::MutexLock lock(&mu_);
    if (!partial.empty()) lines_.push_back(partial);
    output_closed_ = true;
  }
  close(fd);
}

ChildProcess::~ChildProcess() {
  if (running()) {
    kill(pid_, SIGKILL);
    Wait(absl::Seconds(10));
  }
  if (reader_.joinable()) reader_.join();
}

std::optional<nlohmann::json> ChildProcess::WaitForLog(const std::function<bool(const nlohmann::json&)>& pred,
                                                       absl::Duration timeout) {
  absl::Time until = absl::Now() + timeout;
  size_t checked = 0;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      for (; checked < lines_.size(); ++checked) {
        nlohmann::json j = nlohmann::json::parse(lines_[checked], nullptr, false);
        if (!j.is_discarded() && pred(j)) return j;
      }
    }
    if (absl::Now() > until || !running()) {
      absl::MutexLock lock(&mu_);
      for (; checked < lines_.size(); ++checked) {
        nlohmann::json j = nlohmann::json::parse(lines_[checked], nullptr, false);
        if (!j.is_discarded() && pred(j)) return j;
      }
      return std::nullopt;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
}

absl::StatusOr<int> ChildProcess::WaitForPort(const std::string& service, absl::Duration timeout) {
  std::optional<nlohmann::json> line = WaitForLog(
      [&](const nlohmann::json& j) {
        return j.value("msg", "") == "listening" && j.value("service", "") == service && j.contains("port");
      },
      timeout);
  if (!line)
    return absl::DeadlineExceededError(absl::StrCat("no listening line for ", service, "; output:\n", AllOutput()));
  return (*line)["port"].get<int>();
}

void ChildProcess::Signal(int sig) {
  if (pid_ > 0 && !exit_status_) kill(pid_, sig);
}

std::optional<int> ChildProcess::Wait(absl::Duration timeout) {
  absl::Time until = absl::Now() + timeout;
  while (!exit_status_) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
      // The reader thread may not have drained the pipe yet (a child that forked keeps it open:
      // bounded).
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&output_closed_), absl::Seconds(5));
      break;
    }
    if (absl::Now() > until) return std::nullopt;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return exit_status_;
}

bool ChildProcess::running() {
  if (exit_status_) return false;
  return !Wait(absl::ZeroDuration()).has_value();
}

std::vector<std::string> ChildProcess::Lines() const {
  absl::MutexLock lock(&mu_);
  return lines_;
}

std::string ChildProcess::AllOutput() const {
  std::string out;
  for (const std::string& l : Lines()) absl::StrAppend(&out, l, "\n");
  return out;
}

std::string DocvalBinary() { return docval::BinaryPath("docval"); }

std::string MakeTempDir() { return MakeTestTempDir("docval-e2e"); }

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

}  // namespace docval::e2e
