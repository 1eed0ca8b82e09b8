#include "validator/trust/trust_store_watcher.h"

#include <utility>

#include "base/check.h"

namespace docval::trust {

TrustStoreWatcher::TrustStoreWatcher(TrustStoreSource& source, absl::Duration interval, PollObserver observer)
    : source_(source), interval_(interval), observer_(std::move(observer)) {
  DOCVAL_CHECK(interval_ > absl::ZeroDuration());
  thread_ = std::thread([this] { Run(); });
}

TrustStoreWatcher::~TrustStoreWatcher() { Stop(); }

void TrustStoreWatcher::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

void TrustStoreWatcher::Run() {
  // Waits on the notification, not a sleep: Stop() ends the wait at once.
  while (!stop_.WaitForNotificationWithTimeout(interval_)) {
    TrustStoreSource::PollOutcome outcome = source_.Poll();
    if (observer_) observer_(outcome);
  }
}

}  // namespace docval::trust
