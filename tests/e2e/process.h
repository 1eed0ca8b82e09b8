// Child processes for end-to-end tests: the real docval binary started with arguments and
// environment, its stderr captured line by line (the JSON logs) so a test can wait for
// "listening" lines and read the bound ports.
#ifndef DOCVAL_TESTS_E2E_PROCESS_H_
#define DOCVAL_TESTS_E2E_PROCESS_H_

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace docval::e2e {

class ChildProcess {
 public:
  // Starts `argv[0]` with `argv` and the current environment plus `env`.
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Start(std::vector<std::string> argv,
                                                             std::map<std::string, std::string> env = {});
  ~ChildProcess();  // SIGKILL if still running

  // Waits for a stderr line that parses as JSON and satisfies `pred`.
  std::optional<nlohmann::json> WaitForLog(const std::function<bool(const nlohmann::json&)>& pred,
                                           absl::Duration timeout);
  // The port of the `{"msg":"listening","service":<service>}` line.
  absl::StatusOr<int> WaitForPort(const std::string& service, absl::Duration timeout = absl::Seconds(20));

  pid_t pid() const { return pid_; }
  void Signal(int sig);
  // Waits for exit; the exit status (or -signal), nullopt on timeout. After an exit the output is
  // complete (up to 5 s more for the last lines in the pipe), so AllOutput() holds its last words.
  std::optional<int> Wait(absl::Duration timeout);
  bool running();
  std::vector<std::string> Lines() const;
  std::string AllOutput() const;

 private:
  ChildProcess() = default;
  void ReadLoop(int fd);
  pid_t pid_ = -1;
  std::optional<int> exit_status_;
  std::thread reader_;
  mutable absl::Mutex mu_;
  std::vector<std::string> lines_ ABSL_GUARDED_BY(mu_);
  bool output_closed_ ABSL_GUARDED_BY(mu_) = false;  // the reader saw the end of the output
};

// The docval binary of this build.
std::string DocvalBinary();
// A fresh temporary directory (removed at exit of the test binary is not guaranteed).
std::string MakeTempDir();
void WriteFile(const std::string& path, const std::string& content);

}  // namespace docval::e2e

#endif  // DOCVAL_TESTS_E2E_PROCESS_H_
