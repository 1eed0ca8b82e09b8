// Fair scheduling of deliveries over Result Servers: one bounded waiting queue per destination
// (a Result Server host), each with its own concurrency limit, served by one shared set of worker
// threads. A destination whose deliveries hang holds at most its own `concurrency` workers; the
// other workers keep serving every other destination, so a slow or failing Result Server costs
// only its own customer (docs/poster.md, "Fair delivery").
//
// Contract:
//   - Submit() never blocks. A destination holds at most `concurrency + max_queued` tasks (running
//     plus waiting), the scheduler at most `workers + max_queued` over all destinations; beyond
//     either, and after StopAccepting()/Shutdown(), Submit() refuses and the task is not kept.
//   - Exactly one of a task's `run` (on a worker thread) or `drop` (why it will never run) is
//     called, exactly once, and never under the scheduler's lock.
//   - Workers take the next task round-robin over the destinations that have a task waiting and a
//     free slot (running < concurrency), oldest task first within a destination.
//   - A task still waiting at its `expires` time is dropped with kExpired (by a timer thread, even
//     when every worker is busy). Cancel() drops a waiting task with kCancelled on the caller's
//     thread.
//   - StopAccepting() refuses new tasks but keeps running and starting the accepted ones;
//     WaitIdle() waits for them. Shutdown() drops every waiting task (kShutdown), waits for the
//     running ones (they must end by themselves: the caller cancels them first) and joins the
//     threads. The destructor calls Shutdown().
#ifndef DOCVAL_POSTER_SERVICE_DESTINATION_SCHEDULER_H_
#define DOCVAL_POSTER_SERVICE_DESTINATION_SCHEDULER_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace docval::poster {

struct DestinationLimits {
  int concurrency = 4;      // deliveries running at once to this destination (>= 1)
  size_t max_queued = 32;   // deliveries waiting for a slot, beyond those running
};

struct SchedulerOptions {
  int workers = 16;         // threads shared by every destination (>= 1)
  size_t max_queued = 256;  // deliveries waiting over all destinations, beyond those running
  DestinationLimits per_destination;                              // the default
  absl::flat_hash_map<std::string, DestinationLimits> destinations;  // overrides by destination
};

// kInvalidArgument-style description of what is wrong with `options`, or "" when usable:
// workers >= 1, every concurrency from 1 to workers, per-destination max_queued <= max_queued.
std::string SchedulerOptionsError(const SchedulerOptions& options);

class DestinationScheduler {
 public:
  enum class Drop { kExpired, kCancelled, kShutdown };
  enum class Admission { kQueued, kDestinationFull, kQueueFull, kStopped };

  struct Task {
    std::string destination;
    absl::Time expires = absl::InfiniteFuture();
    std::function<void()> run;
    std::function<void(Drop)> drop;
  };

  struct Ticket {
    Admission admission = Admission::kStopped;
    uint64_t id = 0;  // for Cancel(); 0 when refused
  };

  // Called with a destination's waiting and running counts after each change, under the
  // scheduler's lock: it must be quick and must not call the scheduler.
  using Observer = std::function<void(const std::string& destination, size_t waiting, int running)>;

  // `options` must be valid (SchedulerOptionsError() == ""): DOCVAL_CHECKed.
  explicit DestinationScheduler(SchedulerOptions options, Observer observer = {});
  DestinationScheduler(const DestinationScheduler&) = delete;
  DestinationScheduler& operator=(const DestinationScheduler&) = delete;
  ~DestinationScheduler();

  Ticket Submit(Task task);
  // Drops the task with kCancelled if it is still waiting (true); false when it runs, ran, was
  // dropped already or is unknown.
  bool Cancel(uint64_t id);

  void StopAccepting();
  // Waits until no task waits or runs; false when `deadline` came first.
  bool WaitIdle(absl::Time deadline);
  void Shutdown();

  const DestinationLimits& LimitsFor(const std::string& destination) const;
  size_t waiting(const std::string& destination) const;
  int running(const std::string& destination) const;

 private:
  struct Entry {
    uint64_t id;
    Task task;
  };
  // Reached only through destinations_ and order_, so guarded by mu_ as they are.
  struct Destination {
    std::string name;
    DestinationLimits limits;
    std::deque<Entry> waiting;
    int running = 0;
  };

  void WorkerLoop();
  void TimerLoop();
  Destination& DestinationLocked(const std::string& name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The destination whose oldest task a worker should start next, or null.
  Destination* NextRunnableLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void NotifyLocked(const Destination& d) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const SchedulerOptions options_;
  const Observer observer_;

  mutable absl::Mutex mu_;
  // std::map: stable addresses and a stable order for the round-robin cursor.
  std::map<std::string, std::unique_ptr<Destination>> destinations_ ABSL_GUARDED_BY(mu_);
  std::vector<Destination*> order_ ABSL_GUARDED_BY(mu_);  // round-robin order
  size_t last_served_ ABSL_GUARDED_BY(mu_) = 0;  // index in order_
  size_t waiting_total_ ABSL_GUARDED_BY(mu_) = 0;
  int running_total_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  bool accepting_ ABSL_GUARDED_BY(mu_) = true;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t timer_generation_ ABSL_GUARDED_BY(mu_) = 0;  // bumped when the timer must look again

  absl::Mutex join_mu_;  // serialises Shutdown()
  std::vector<std::thread> workers_ ABSL_GUARDED_BY(join_mu_);  // started by the constructor
  std::thread timer_ ABSL_GUARDED_BY(join_mu_);
};

}  // namespace docval::poster

#endif  // DOCVAL_POSTER_SERVICE_DESTINATION_SCHEDULER_H_
