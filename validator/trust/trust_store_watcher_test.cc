#include "validator/trust/trust_store_watcher.h"

#include <vector>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "validator/trust/trust_test_util.h"

namespace docval::trust {
namespace {

using Outcome = TrustStoreSource::PollOutcome;

// What the watcher's thread reported, for the test's thread to wait on.
class Polls {
 public:
  void Add(Outcome o) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock l(&mu_);
    seen_.push_back(o);
  }
  // Waits until an outcome other than kUnchanged arrives, and returns it.
  Outcome WaitForChange() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock l(&mu_);
    auto changed = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      for (size_t i = consumed_; i < seen_.size(); ++i) {
        if (seen_[i] != Outcome::kUnchanged) return true;
      }
      return false;
    };
    mu_.Await(absl::Condition(&changed));
    while (seen_[consumed_] == Outcome::kUnchanged) ++consumed_;
    return seen_[consumed_++];
  }

 private:
  absl::Mutex mu_;
  std::vector<Outcome> seen_ ABSL_GUARDED_BY(mu_);
  size_t consumed_ ABSL_GUARDED_BY(mu_) = 0;
};

using WatcherTest = TrustFolderTest;

TEST_F(WatcherTest, ReloadsChangedFilesAndKeepsTheStoreWhenTheyAreBroken) {
  PutPki("csca/rsa.der", "csca_rsa.der");
  absl::StatusOr<std::unique_ptr<TrustStoreSource>> source = TrustStoreSource::Open({.trust_paths = {Path("csca")}});
  ASSERT_TRUE(source.ok()) << source.status();
  Polls polls;
  // A short interval: the test waits for the polls' outcomes, never for a time.
  TrustStoreWatcher watcher(**source, absl::Milliseconds(1), [&polls](Outcome o) { polls.Add(o); });
  PutPki("csca/ec.der", "csca_ec.der");
  EXPECT_EQ(polls.WaitForChange(), Outcome::kReloaded);
  EXPECT_EQ((*source)->Get()->size(), 2u);
  Put("csca/bad.der", {0x00});
  EXPECT_EQ(polls.WaitForChange(), Outcome::kFailed);
  EXPECT_EQ((*source)->Get()->size(), 2u);
  watcher.Stop();
  watcher.Stop();  // idempotent
}

TEST_F(WatcherTest, StopEndsALongWaitAtOnce) {
  PutPki("csca/rsa.der", "csca_rsa.der");
  absl::StatusOr<std::unique_ptr<TrustStoreSource>> source = TrustStoreSource::Open({.trust_paths = {Path("csca")}});
  ASSERT_TRUE(source.ok()) << source.status();
  int polls = 0;
  {
    // With a sleep in the loop this would hang for a day (and the test would time out).
    TrustStoreWatcher watcher(**source, absl::Hours(24), [&polls](Outcome) { ++polls; });
  }
  EXPECT_EQ(polls, 0);
}

}  // namespace
}  // namespace docval::trust
