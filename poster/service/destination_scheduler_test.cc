#include "poster/service/destination_scheduler.h"

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace docval::poster {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Admission = DestinationScheduler::Admission;
using Drop = DestinationScheduler::Drop;

constexpr absl::Duration kWait = absl::Seconds(10);  // only reached when something is broken

SchedulerOptions Options(int workers, int concurrency, size_t per_destination_queue = 8,
                         size_t max_queued = 64) {
  SchedulerOptions o;
  o.workers = workers;
  o.max_queued = max_queued;
  o.per_destination = {.concurrency = concurrency, .max_queued = per_destination_queue};
  return o;
}

// Records what happened to each task.
class Journal {
 public:
  void Add(std::string event) {
    absl::MutexLock lock(&mu_);
    events_.push_back(std::move(event));
  }
  std::vector<std::string> events() const {
    absl::MutexLock lock(&mu_);
    return events_;
  }
  bool WaitFor(size_t n) const {
    absl::MutexLock lock(&mu_);
    auto enough = [this, n]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return events_.size() >= n; };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), kWait);
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<std::string> events_ ABSL_GUARDED_BY(mu_);
};

const char* DropName(Drop d) {
  switch (d) {
    case Drop::kExpired: return "expired";
    case Drop::kCancelled: return "cancelled";
    case Drop::kShutdown: return "shutdown";
  }
  return "?";
}

// A task for `destination` that records "run <name>" after `gate` opens (if any).
DestinationScheduler::Task MakeTask(const std::string& destination, const std::string& name,
                                    Journal& journal, absl::Notification* gate = nullptr,
                                    absl::Time expires = absl::InfiniteFuture()) {
  DestinationScheduler::Task t;
  t.destination = destination;
  t.expires = expires;
  t.run = [&journal, name, gate] {
    if (gate != nullptr) gate->WaitForNotification();
    journal.Add("run " + name);
  };
  t.drop = [&journal, name](Drop d) { journal.Add(absl::StrCat(DropName(d), " ", name)); };
  return t;
}

// Waits until `destination` has `running` tasks running.
bool WaitRunning(const DestinationScheduler& s, const std::string& destination, int running) {
  absl::Time limit = absl::Now() + kWait;
  while (s.running(destination) != running) {
    if (absl::Now() > limit) return false;
    absl::SleepFor(absl::Milliseconds(2));
  }
  return true;
}

TEST(DestinationSchedulerTest, ConcurrencyPerDestinationIsNeverExceeded) {
  DestinationScheduler s(Options(/*workers=*/4, /*concurrency=*/2));
  Journal journal;
  absl::Notification gate;
  std::atomic<int> now{0}, peak{0};
  for (int i = 0; i < 5; ++i) {
    DestinationScheduler::Task t = MakeTask("a.example", absl::StrCat(i), journal);
    t.run = [&, i] {
      int n = ++now;
      int p = peak.load();
      while (n > p && !peak.compare_exchange_weak(p, n)) {
      }
      gate.WaitForNotification();
      --now;
      journal.Add(absl::StrCat("run ", i));
    };
    ASSERT_EQ(s.Submit(std::move(t)).admission, Admission::kQueued);
  }
  ASSERT_TRUE(WaitRunning(s, "a.example", 2));
  EXPECT_EQ(s.waiting("a.example"), 3u);
  gate.Notify();
  ASSERT_TRUE(journal.WaitFor(5));
  EXPECT_EQ(peak.load(), 2);
  EXPECT_TRUE(s.WaitIdle(absl::Now() + kWait));
}

// The point of the scheduler: a destination whose deliveries hang cannot hold the workers another
// destination needs.
TEST(DestinationSchedulerTest, HangingDestinationDoesNotDelayAnother) {
  DestinationScheduler s(Options(/*workers=*/2, /*concurrency=*/1));
  Journal journal;
  absl::Notification hang;
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(s.Submit(MakeTask("slow.example", absl::StrCat("a", i), journal, &hang)).admission,
              Admission::kQueued);
  }
  ASSERT_TRUE(WaitRunning(s, "slow.example", 1));
  ASSERT_EQ(s.Submit(MakeTask("fast.example", "b", journal)).admission, Admission::kQueued);
  ASSERT_TRUE(journal.WaitFor(1));
  EXPECT_THAT(journal.events(), ElementsAre("run b"));  // while every slow task still hangs
  EXPECT_EQ(s.running("slow.example"), 1);
  EXPECT_EQ(s.waiting("slow.example"), 2u);
  hang.Notify();
  ASSERT_TRUE(journal.WaitFor(4));
}

// The same load when one destination may take every worker: the fast destination waits. (Shows
// that the test above would fail without per-destination limits.)
TEST(DestinationSchedulerTest, WithoutASpareWorkerTheOtherDestinationWaits) {
  DestinationScheduler s(Options(/*workers=*/1, /*concurrency=*/1));
  Journal journal;
  absl::Notification hang;
  ASSERT_EQ(s.Submit(MakeTask("slow.example", "a", journal, &hang)).admission, Admission::kQueued);
  ASSERT_TRUE(WaitRunning(s, "slow.example", 1));
  ASSERT_EQ(s.Submit(MakeTask("fast.example", "b", journal)).admission, Admission::kQueued);
  EXPECT_FALSE(s.WaitIdle(absl::Now() + absl::Milliseconds(200)));
  EXPECT_TRUE(journal.events().empty());
  EXPECT_EQ(s.waiting("fast.example"), 1u);
  hang.Notify();
  ASSERT_TRUE(journal.WaitFor(2));
  EXPECT_THAT(journal.events(), ElementsAre("run a", "run b"));
}

TEST(DestinationSchedulerTest, DestinationsAreServedRoundRobin) {
  DestinationScheduler s(Options(/*workers=*/1, /*concurrency=*/1));
  Journal journal;
  absl::Notification gate;
  ASSERT_EQ(s.Submit(MakeTask("a", "a1", journal, &gate)).admission, Admission::kQueued);
  ASSERT_TRUE(WaitRunning(s, "a", 1));
  for (const char* name : {"a2", "a3"}) {
    ASSERT_EQ(s.Submit(MakeTask("a", name, journal)).admission, Admission::kQueued);
  }
  ASSERT_EQ(s.Submit(MakeTask("b", "b1", journal)).admission, Admission::kQueued);
  gate.Notify();
  ASSERT_TRUE(journal.WaitFor(4));
  // b1 arrived last but does not wait behind a's backlog.
  EXPECT_THAT(journal.events(), ElementsAre("run a1", "run b1", "run a2", "run a3"));
}

TEST(DestinationSchedulerTest, AdmissionIsBoundedPerDestinationAndOverall) {
  SchedulerOptions o = Options(/*workers=*/2, /*concurrency=*/1, /*per_destination_queue=*/1,
                               /*max_queued=*/2);
  o.destinations["big"] = {.concurrency = 1, .max_queued = 2};
  DestinationScheduler s(o);
  Journal journal;
  absl::Notification gate;
  // "a": 1 running + 1 waiting, then full.
  EXPECT_EQ(s.Submit(MakeTask("a", "a1", journal, &gate)).admission, Admission::kQueued);
  EXPECT_EQ(s.Submit(MakeTask("a", "a2", journal, &gate)).admission, Admission::kQueued);
  EXPECT_EQ(s.Submit(MakeTask("a", "a3", journal, &gate)).admission, Admission::kDestinationFull);
  // "big" has its own, larger queue (1 running + 2 waiting), but the overall bound (2 workers +
  // 2 waiting) strikes first.
  EXPECT_EQ(s.Submit(MakeTask("big", "g1", journal, &gate)).admission, Admission::kQueued);
  EXPECT_EQ(s.Submit(MakeTask("big", "g2", journal, &gate)).admission, Admission::kQueued);
  EXPECT_EQ(s.Submit(MakeTask("big", "g3", journal, &gate)).admission, Admission::kQueueFull);
  EXPECT_EQ(s.LimitsFor("big").max_queued, 2u);
  EXPECT_EQ(s.LimitsFor("a").max_queued, 1u);
  s.StopAccepting();
  EXPECT_EQ(s.Submit(MakeTask("c", "c1", journal)).admission, Admission::kStopped);
  gate.Notify();
  ASSERT_TRUE(s.WaitIdle(absl::Now() + kWait));
  EXPECT_EQ(journal.events().size(), 4u);  // every accepted task ran after StopAccepting()
}

TEST(DestinationSchedulerTest, CancelDropsAWaitingTaskButNotARunningOne) {
  DestinationScheduler s(Options(1, 1));
  Journal journal;
  absl::Notification gate;
  auto running = s.Submit(MakeTask("a", "a1", journal, &gate));
  ASSERT_TRUE(WaitRunning(s, "a", 1));
  auto waiting = s.Submit(MakeTask("a", "a2", journal));
  ASSERT_EQ(waiting.admission, Admission::kQueued);
  EXPECT_TRUE(s.Cancel(waiting.id));
  EXPECT_THAT(journal.events(), ElementsAre("cancelled a2"));  // on this thread, at once
  EXPECT_FALSE(s.Cancel(waiting.id));
  EXPECT_FALSE(s.Cancel(running.id));
  EXPECT_EQ(s.waiting("a"), 0u);
  gate.Notify();
  ASSERT_TRUE(journal.WaitFor(2));
  EXPECT_THAT(journal.events(), ElementsAre("cancelled a2", "run a1"));
}

TEST(DestinationSchedulerTest, WaitingTaskExpiresEvenWhenEveryWorkerIsBusy) {
  DestinationScheduler s(Options(1, 1));
  Journal journal;
  absl::Notification gate;
  ASSERT_EQ(s.Submit(MakeTask("a", "a1", journal, &gate)).admission, Admission::kQueued);
  ASSERT_TRUE(WaitRunning(s, "a", 1));
  ASSERT_EQ(s.Submit(MakeTask("b", "b1", journal, nullptr, absl::Now() + absl::Milliseconds(50)))
                .admission,
            Admission::kQueued);
  ASSERT_TRUE(journal.WaitFor(1));
  EXPECT_THAT(journal.events(), ElementsAre("expired b1"));
  EXPECT_EQ(s.waiting("b"), 0u);
  gate.Notify();
  ASSERT_TRUE(journal.WaitFor(2));
}

TEST(DestinationSchedulerTest, ShutdownDropsWaitingTasksAndWaitsForRunningOnes) {
  auto s = std::make_unique<DestinationScheduler>(Options(1, 1));
  Journal journal;
  absl::Notification gate;
  ASSERT_EQ(s->Submit(MakeTask("a", "a1", journal, &gate)).admission, Admission::kQueued);
  ASSERT_TRUE(WaitRunning(*s, "a", 1));
  ASSERT_EQ(s->Submit(MakeTask("a", "a2", journal)).admission, Admission::kQueued);
  ASSERT_EQ(s->Submit(MakeTask("b", "b1", journal)).admission, Admission::kQueued);
  EXPECT_FALSE(s->WaitIdle(absl::Now()));
  std::thread release([&] {
    journal.WaitFor(2);  // both drops happened before the running task may end
    gate.Notify();
  });
  s->Shutdown();
  release.join();
  auto events = journal.events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_THAT(std::vector<std::string>(events.begin(), events.begin() + 2),
              ::testing::UnorderedElementsAre("shutdown a2", "shutdown b1"));
  EXPECT_EQ(events[2], "run a1");
  EXPECT_EQ(s->Submit(MakeTask("a", "late", journal)).admission, Admission::kStopped);
  s.reset();  // a second Shutdown() (the destructor) is harmless
}

TEST(DestinationSchedulerTest, ObserverSeesWaitingAndRunningCounts) {
  absl::Mutex mu;
  std::vector<std::string> seen;
  DestinationScheduler s(Options(1, 1), [&](const std::string& d, size_t waiting, int running) {
    absl::MutexLock lock(&mu);
    seen.push_back(absl::StrCat(d, " ", waiting, "/", running));
  });
  Journal journal;
  ASSERT_EQ(s.Submit(MakeTask("a", "a1", journal)).admission, Admission::kQueued);
  ASSERT_TRUE(s.WaitIdle(absl::Now() + kWait));
  absl::MutexLock lock(&mu);
  EXPECT_THAT(seen, ElementsAre("a 1/0", "a 0/1", "a 0/0"));
}

TEST(SchedulerOptionsErrorTest, NamesWhatIsWrong) {
  EXPECT_EQ(SchedulerOptionsError(Options(4, 2)), "");
  EXPECT_THAT(SchedulerOptionsError(Options(0, 1)), HasSubstr("workers"));
  EXPECT_THAT(SchedulerOptionsError(Options(2, 3)), HasSubstr("concurrency"));
  EXPECT_THAT(SchedulerOptionsError(Options(2, 0)), HasSubstr("concurrency"));
  EXPECT_THAT(SchedulerOptionsError(Options(2, 1, 10, 5)), HasSubstr("max_queued"));
  SchedulerOptions o = Options(2, 1);
  o.destinations["x.example"] = {.concurrency = 5, .max_queued = 1};
  EXPECT_THAT(SchedulerOptionsError(o), HasSubstr("x.example"));
}

}  // namespace
}  // namespace docval::poster
