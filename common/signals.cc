#include "common/signals.h"

#include <csignal>
#include <pthread.h>

namespace docval {
namespace {
sigset_t Set() {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGTERM);
  sigaddset(&s, SIGINT);
  sigaddset(&s, SIGHUP);
  return s;
}
}  // namespace

void BlockTerminationSignals() {
  sigset_t s = Set();
  pthread_sigmask(SIG_BLOCK, &s, nullptr);
  std::signal(SIGPIPE, SIG_IGN);  // a peer closing mid-write is an error status, not a crash
}

ProcessSignal WaitForSignal() {
  sigset_t s = Set();
  while (true) {
    int sig = 0;
    if (sigwait(&s, &sig) != 0) continue;
    if (sig == SIGHUP) return ProcessSignal::kReload;
    return ProcessSignal::kShutdown;
  }
}

}  // namespace docval
