// TrustStoreSource: the validator's current trust store snapshot, and its reloads. Sessions take the
// snapshot with Get() when they start and keep it to their end; a reload builds a whole new snapshot
// from the files (trust_store_loader.h) and swaps it in only when it loaded: a failed reload keeps
// the snapshot in service, logs why and counts it (trust_store_metrics.h).
//
// Two ways to reload: Reload() loads the files whatever changed (SIGHUP); Poll() loads them only when
// their fingerprint differs from the one the previous attempt saw (trust_store_watcher.h calls it
// every trust.reload_interval_s). A fingerprint that failed to load is not tried again until the files
// change once more, so broken files cost one error line, not one per poll.
//
// Thread-safe: Get() never waits for a load; reloads run one at a time.
#ifndef DOCVAL_VALIDATOR_TRUST_TRUST_STORE_SOURCE_H_
#define DOCVAL_VALIDATOR_TRUST_TRUST_STORE_SOURCE_H_

#include <functional>
#include <memory>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "validator/emrtd/auth/trust_store.h"
#include "validator/trust/trust_store_loader.h"
#include "validator/trust/trust_store_metrics.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace docval::trust {

class TrustStoreSource {
 public:
  using Clock = std::function<absl::Time()>;

  // Loads `config` (an error names the file: start-up stops). Metrics go to `registry` when given;
  // `clock` stamps the loads and ages the certificates' expiry (tests pass a fixed one).
  static absl::StatusOr<std::unique_ptr<TrustStoreSource>> Open(TrustStoreConfig config,
                                                                prometheus::Registry* registry = nullptr,
                                                                Clock clock = absl::Now);

  // The snapshot in service; never null.
  std::shared_ptr<const emrtd::TrustStore> Get() const ABSL_LOCKS_EXCLUDED(mu_);

  // Loads the files and swaps the snapshot on success; on failure the snapshot in service stays and
  // the error (naming the file) is returned. Logged and counted either way.
  absl::Status Reload() ABSL_LOCKS_EXCLUDED(reload_mu_, mu_);

  enum class PollOutcome { kUnchanged, kReloaded, kFailed };
  // Reloads when the files' fingerprint differs from the previous attempt's; refreshes the
  // certificates' expiry metric either way.
  PollOutcome Poll() ABSL_LOCKS_EXCLUDED(reload_mu_, mu_);

 private:
  TrustStoreSource(TrustStoreConfig config, prometheus::Registry* registry, Clock clock);
  // Loads with `fingerprint` taken before reading, so a change during the load is seen next time.
  absl::Status LoadLocked(TrustFingerprint fingerprint, const char* trigger) ABSL_EXCLUSIVE_LOCKS_REQUIRED(reload_mu_)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Puts `store` in service: its metrics first (loaded now), then the snapshot Get() returns.
  void InstallLocked(std::shared_ptr<const emrtd::TrustStore> store) ABSL_EXCLUSIVE_LOCKS_REQUIRED(reload_mu_)
      ABSL_LOCKS_EXCLUDED(mu_);

  const TrustStoreConfig config_;
  const Clock clock_;
  // Held for a whole load: reloads of SIGHUP and of the watcher do not overlap.
  absl::Mutex reload_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  TrustFingerprint last_attempt_ ABSL_GUARDED_BY(reload_mu_);
  std::optional<TrustStoreMetrics> metrics_ ABSL_GUARDED_BY(reload_mu_);
  mutable absl::Mutex mu_;
  std::shared_ptr<const emrtd::TrustStore> current_ ABSL_GUARDED_BY(mu_);
};

}  // namespace docval::trust

#endif  // DOCVAL_VALIDATOR_TRUST_TRUST_STORE_SOURCE_H_
