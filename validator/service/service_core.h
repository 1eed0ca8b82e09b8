// What the Validator service (validator_service.h) shares with its session reactors
// (session_reactor.h): the options, the trust store provider, the caches every session uses, the
// metrics, the worker pool and the set of open sessions. Internal to validator/service; it lives as
// long as the service, so it outlives every reactor (Shutdown() ends them before the pool stops).
#ifndef DOCVAL_VALIDATOR_SERVICE_SERVICE_CORE_H_
#define DOCVAL_VALIDATOR_SERVICE_SERVICE_CORE_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "common/worker_pool.h"
#include "validator/cache/group_cache.h"
#include "validator/cache/key_cache.h"
#include "validator/service/usable_cpus.h"
#include "validator/service/validator_metrics.h"
#include "validator/service/validator_service.h"

namespace docval::validator {

class SessionReactor;

// What the reactors share with the service. Lock order: `mu` before a reactor's lock; a reactor
// never takes `mu` while holding its own.
struct ValidatorService::Core {
  Core(ValidatorServiceOptions o, TrustStoreProvider t, prometheus::Registry& registry)
      : options(std::move(o)),
        trust(std::move(t)),
        worker_count(options.workers > 0 ? options.workers : UsableCpus()),
        metrics(registry),
        // One step at most per session waits: the queue never needs more than max_sessions.
        pool(worker_count, static_cast<size_t>(std::max(1, options.max_sessions))) {
    metrics.workers.Set(worker_count);
    metrics.max_sessions.Set(options.max_sessions);
  }

  // Called once per reactor, just before it is deleted.
  void Unregister(SessionReactor* r) {
    absl::MutexLock lock(&mu);
    sessions.erase(r);
  }

  const ValidatorServiceOptions options;
  const TrustStoreProvider trust;
  const int worker_count;
  // Verdicts on chips' explicit DH groups, shared by every session: a group is validated (primality
  // of p and q) once per process while it stays among the most recently used.
  cache::BoundedGroupCache group_cache;
  // Document Signer keys, shared by every session: an RSA key is loaded (its Montgomery parameters,
  // a constant-time division) once per process while it stays cached (docs/limits.md).
  cache::BoundedKeyCache key_cache;
  ValidatorMetrics metrics;
  std::atomic<int> queued{0};

  mutable absl::Mutex mu;
  bool accepting ABSL_GUARDED_BY(mu) = true;
  bool stopped ABSL_GUARDED_BY(mu) = false;
  absl::flat_hash_set<SessionReactor*> sessions ABSL_GUARDED_BY(mu);
  int admitted ABSL_GUARDED_BY(mu) = 0;  // RunAdmitted computations queued or running

  WorkerPool pool;  // last: its threads stop first, while everything above is still alive
};

}  // namespace docval::validator

#endif  // DOCVAL_VALIDATOR_SERVICE_SERVICE_CORE_H_
