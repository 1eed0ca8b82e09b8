#include "validator/trust/trust_store_metrics.h"

#include <optional>

namespace docval::trust {
namespace {

prometheus::Gauge& NewGauge(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r).Add({});
}

}  // namespace

TrustStoreMetrics::TrustStoreMetrics(prometheus::Registry& r)
    : loaded_(NewGauge(r, "docval_validator_trust_store_loaded_timestamp_seconds",
                       "When the trust store in service was loaded (Unix time)")),
      certificates_(NewGauge(r, "docval_validator_trust_store_certificates",
                             "Trusted certificates (CSCAs and link certificates) in the trust store")),
      crls_(NewGauge(r, "docval_validator_trust_store_crls", "Verified CRLs in the trust store")),
      csca_expiry_family_(prometheus::BuildGauge()
                              .Name("docval_validator_trust_store_csca_expiry_timestamp_seconds")
                              .Help("The earliest notAfter among the trusted certificates still valid (Unix time)")
                              .Register(r)),
      crl_next_update_family_(prometheus::BuildGauge()
                                  .Name("docval_validator_trust_store_crl_next_update_timestamp_seconds")
                                  .Help("The earliest nextUpdate among the issuers' latest CRLs (Unix time); in the "
                                        "past, that issuer's CRL has expired")
                                  .Register(r)),
      reloads_(prometheus::BuildCounter()
                   .Name("docval_validator_trust_store_reloads_total")
                   .Help("Trust store reloads (SIGHUP or changed files), by outcome: ok, failed (the previous "
                         "store stays in service)")
                   .Register(r)),
      reloads_ok_(reloads_.Add({{"outcome", "ok"}})),
      reloads_failed_(reloads_.Add({{"outcome", "failed"}})),
      last_reload_failed_(NewGauge(r, "docval_validator_trust_store_last_reload_failed",
                                   "1 when the latest reload failed: the files differ from the store in service")) {}

void TrustStoreMetrics::SetOptional(prometheus::Family<prometheus::Gauge>& family, prometheus::Gauge*& series,
                                    std::optional<int64_t> value) {
  if (!value) {
    if (series != nullptr) family.Remove(series);
    series = nullptr;
    return;
  }
  if (series == nullptr) series = &family.Add({});
  series->Set(static_cast<double>(*value));
}

void TrustStoreMetrics::SetStore(const emrtd::TrustStore& store, absl::Time loaded_at) {
  loaded_.Set(absl::ToDoubleSeconds(loaded_at - absl::UnixEpoch()));
  certificates_.Set(static_cast<double>(store.size()));
  crls_.Set(static_cast<double>(store.crl_count()));
  SetOptional(crl_next_update_family_, crl_next_update_, store.earliest_crl_next_update());
}

void TrustStoreMetrics::SetNow(const emrtd::TrustStore& store, absl::Time now) {
  SetOptional(csca_expiry_family_, csca_expiry_, store.EarliestExpiryAfter(absl::ToUnixSeconds(now)));
}

void TrustStoreMetrics::CountReload(bool ok) {
  (ok ? reloads_ok_ : reloads_failed_).Increment();
  last_reload_failed_.Set(ok ? 0 : 1);
}

}  // namespace docval::trust
