// The trust store's Prometheus metrics (docs/operations.md lists each, deploy/prometheus alerts on
// them). Timestamps are gauges in Unix seconds, the Prometheus way: an age or a time left is
// `time() - x` or `x - time()` in PromQL. A time that does not exist (no certificate still valid, no
// CRL with a nextUpdate) has no series, so no alert fires on a made-up value.
//
// Not thread-safe: its owner (TrustStoreSource) serialises the calls.
#ifndef DOCVAL_VALIDATOR_TRUST_TRUST_STORE_METRICS_H_
#define DOCVAL_VALIDATOR_TRUST_TRUST_STORE_METRICS_H_

#include <cstdint>
#include <optional>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "absl/time/time.h"
#include "validator/emrtd/auth/trust_store.h"

namespace docval::trust {

class TrustStoreMetrics {
 public:
  explicit TrustStoreMetrics(prometheus::Registry& registry);

  // `store` is the snapshot in service since `loaded_at`.
  void SetStore(const emrtd::TrustStore& store, absl::Time loaded_at);
  // The earliest expiry among the certificates of `store` still valid at `now`: it moves on as they
  // expire, so the poll refreshes it.
  void SetNow(const emrtd::TrustStore& store, absl::Time now);
  // A reload attempt (SIGHUP or changed files) and its outcome.
  void CountReload(bool ok);

 private:
  // Sets the family's one series to `value`, or removes it when there is no value.
  static void SetOptional(prometheus::Family<prometheus::Gauge>& family, prometheus::Gauge*& series,
                          std::optional<int64_t> value);

  prometheus::Gauge& loaded_;
  prometheus::Gauge& certificates_;
  prometheus::Gauge& crls_;
  prometheus::Family<prometheus::Gauge>& csca_expiry_family_;
  prometheus::Gauge* csca_expiry_ = nullptr;
  prometheus::Family<prometheus::Gauge>& crl_next_update_family_;
  prometheus::Gauge* crl_next_update_ = nullptr;
  prometheus::Family<prometheus::Counter>& reloads_;
  prometheus::Counter& reloads_ok_;
  prometheus::Counter& reloads_failed_;
  prometheus::Gauge& last_reload_failed_;
};

}  // namespace docval::trust

#endif  // DOCVAL_VALIDATOR_TRUST_TRUST_STORE_METRICS_H_
