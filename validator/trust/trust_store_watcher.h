// TrustStoreWatcher: a thread that polls the trust store's files (TrustStoreSource::Poll) every
// `interval`, so files replaced in place reload without a signal. Kubernetes updates a mounted
// ConfigMap or Secret by swapping the `..data` symlink and sends no signal; the fingerprint follows
// the symlinks to the files, so the swap is a change.
//
// The first poll comes one interval after the start (the source has just loaded). Stop() (or the
// destructor) wakes the thread at once, also in the middle of its wait, and joins it; a load in
// progress finishes first.
#ifndef DOCVAL_VALIDATOR_TRUST_TRUST_STORE_WATCHER_H_
#define DOCVAL_VALIDATOR_TRUST_TRUST_STORE_WATCHER_H_

#include <functional>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "validator/trust/trust_store_source.h"

namespace docval::trust {

class TrustStoreWatcher {
 public:
  // Called on the watcher's thread after each poll (tests).
  using PollObserver = std::function<void(TrustStoreSource::PollOutcome)>;

  // Starts polling `source`, which must outlive the watcher, every `interval` (> 0).
  TrustStoreWatcher(TrustStoreSource& source, absl::Duration interval, PollObserver observer = nullptr);
  ~TrustStoreWatcher();
  TrustStoreWatcher(const TrustStoreWatcher&) = delete;
  TrustStoreWatcher& operator=(const TrustStoreWatcher&) = delete;

  // Ends the polls and joins the thread. Idempotent; call from the owner's thread.
  void Stop();

 private:
  void Run();

  TrustStoreSource& source_;
  const absl::Duration interval_;
  const PollObserver observer_;
  absl::Notification stop_;
  std::thread thread_;  // the owner's thread only: the constructor and Stop()
};

}  // namespace docval::trust

#endif  // DOCVAL_VALIDATOR_TRUST_TRUST_STORE_WATCHER_H_
