// A fixed set of worker threads with a bounded queue, for work that must never run on gRPC's callback
// threads: the poster's blocking HTTP deliveries, the validator's chip dialogs.
//
// TrySubmit() never blocks: it refuses when `queue_capacity` tasks are already waiting (running
// tasks do not count) or after Shutdown(). Shutdown() stops accepting, lets the workers run every
// task already queued, and joins them; tasks are expected to notice shutdown themselves and end
// quickly.
#ifndef DOCVAL_COMMON_WORKER_POOL_H_
#define DOCVAL_COMMON_WORKER_POOL_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace docval {

class WorkerPool {
 public:
  WorkerPool(int workers, size_t queue_capacity);  // workers >= 1
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  ~WorkerPool();  // Shutdown()

  bool TrySubmit(std::function<void()> task);
  void Shutdown();

  size_t queued() const;

 private:
  void Run();

  const size_t capacity_;
  mutable absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;  // the owner's thread only: the constructor and Shutdown()
};

}  // namespace docval

#endif  // DOCVAL_COMMON_WORKER_POOL_H_
