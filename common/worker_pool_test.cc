#include "common/worker_pool.h"

#include <atomic>
#include <set>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace docval {
namespace {

TEST(WorkerPoolTest, RunsTasksOnWorkerThreads) {
  WorkerPool pool(2, 10);
  std::atomic<int> done{0};
  absl::Mutex mu;
  std::set<std::thread::id> ids;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(pool.TrySubmit([&] {
      absl::MutexLock lock(&mu);
      ids.insert(std::this_thread::get_id());
      ++done;
    }));
  }
  pool.Shutdown();
  EXPECT_EQ(done.load(), 10);
  EXPECT_EQ(ids.count(std::this_thread::get_id()), 0u);
  EXPECT_LE(ids.size(), 2u);
}

TEST(WorkerPoolTest, RefusesWhenTheQueueIsFull) {
  WorkerPool pool(1, 2);
  absl::Notification started, release;
  ASSERT_TRUE(pool.TrySubmit([&] {
    started.Notify();
    release.WaitForNotification();
  }));
  started.WaitForNotification();  // the worker is busy; the queue is empty
  EXPECT_TRUE(pool.TrySubmit([] {}));
  EXPECT_TRUE(pool.TrySubmit([] {}));
  EXPECT_EQ(pool.queued(), 2u);
  EXPECT_FALSE(pool.TrySubmit([] {}));
  release.Notify();
  pool.Shutdown();
  EXPECT_EQ(pool.queued(), 0u);
}

TEST(WorkerPoolTest, ShutdownRunsQueuedTasksThenRefuses) {
  WorkerPool pool(1, 5);
  std::atomic<int> done{0};
  absl::Notification release;
  ASSERT_TRUE(pool.TrySubmit([&] { release.WaitForNotification(); }));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(pool.TrySubmit([&] { ++done; }));
  std::thread stopper([&] { pool.Shutdown(); });
  release.Notify();
  stopper.join();
  EXPECT_EQ(done.load(), 3);
  EXPECT_FALSE(pool.TrySubmit([] {}));
}

}  // namespace
}  // namespace docval
