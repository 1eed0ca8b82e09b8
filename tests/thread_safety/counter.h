// The probe of tests/thread_safety: a counter whose contract clang's thread-safety analysis checks.
// guarded.cc keeps the contract and must compile; unguarded.cc breaks it in each way the analysis
// knows and must not compile (docs/development.md "Locking").
#ifndef DOCVAL_TESTS_THREAD_SAFETY_COUNTER_H_
#define DOCVAL_TESTS_THREAD_SAFETY_COUNTER_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace docval::thread_safety_probe {

class Counter {
 public:
  // Takes the lock: must not be called with it held.
  int Next() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    BumpLocked();
    return count_;
  }

  absl::Mutex mu_;
  int count_ ABSL_GUARDED_BY(mu_) = 0;

  void BumpLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { ++count_; }
};

}  // namespace docval::thread_safety_probe

#endif  // DOCVAL_TESTS_THREAD_SAFETY_COUNTER_H_
