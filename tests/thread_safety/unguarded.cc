// Breaks Counter's contract (counter.h) in four ways; tests/thread_safety/check.cmake expects a
// thread-safety error for each. Never part of a build that must succeed.
#include "tests/thread_safety/counter.h"

namespace docval::thread_safety_probe {

int ReadUnlocked(Counter& c) { return c.count_; }

void WriteUnlocked(Counter& c) { c.count_ = 1; }

void BumpUnlocked(Counter& c) { c.BumpLocked(); }

int NextWhileLocked(Counter& c) {
  absl::MutexLock lock(&c.mu_);
  return c.Next();
}

}  // namespace docval::thread_safety_probe
