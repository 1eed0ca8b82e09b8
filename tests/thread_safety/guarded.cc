// Keeps Counter's contract (counter.h): compiles under -Werror=thread-safety.
#include "tests/thread_safety/counter.h"

namespace docval::thread_safety_probe {

int ReadLocked(Counter& c) {
  absl::MutexLock lock(&c.mu_);
  c.BumpLocked();
  return c.count_;
}

int NextTwice(Counter& c) { return c.Next() + c.Next(); }

}  // namespace docval::thread_safety_probe
