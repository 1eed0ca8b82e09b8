#include "validator/trust/trust_store_source.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/logging.h"

namespace docval::trust {
namespace {

void LogStore(const char* msg, const char* trigger, const emrtd::TrustStore& t) {
  LogInfo(msg, {{"trigger", trigger},
                {"certificates", static_cast<int64_t>(t.size())},
                {"crls", static_cast<int64_t>(t.crl_count())}});
  for (const std::string& w : t.warnings()) LogWarning("trust store warning", {{"warning", w}});
}

}  // namespace

TrustStoreSource::TrustStoreSource(TrustStoreConfig config, prometheus::Registry* registry, Clock clock)
    : config_(std::move(config)), clock_(std::move(clock)) {
  absl::MutexLock l(&reload_mu_);
  if (registry != nullptr) metrics_.emplace(*registry);
}

absl::StatusOr<std::unique_ptr<TrustStoreSource>> TrustStoreSource::Open(TrustStoreConfig config,
                                                                         prometheus::Registry* registry, Clock clock) {
  // Loaded before the metrics are registered: a start-up that fails leaves the registry as it was.
  TrustFingerprint fingerprint = FingerprintTrustFiles(config);
  absl::StatusOr<std::shared_ptr<const emrtd::TrustStore>> store = LoadTrustStore(config);
  if (!store.ok()) return store.status();
  std::unique_ptr<TrustStoreSource> source(new TrustStoreSource(std::move(config), registry, std::move(clock)));
  LogStore("trust store loaded", "start", **store);
  absl::MutexLock r(&source->reload_mu_);
  source->last_attempt_ = std::move(fingerprint);
  source->InstallLocked(*std::move(store));
  return source;
}

std::shared_ptr<const emrtd::TrustStore> TrustStoreSource::Get() const {
  absl::MutexLock l(&mu_);
  return current_;
}

absl::Status TrustStoreSource::LoadLocked(TrustFingerprint fingerprint, const char* trigger) {
  last_attempt_ = std::move(fingerprint);
  absl::StatusOr<std::shared_ptr<const emrtd::TrustStore>> store = LoadTrustStore(config_);
  if (metrics_) metrics_->CountReload(store.ok());
  if (!store.ok()) {
    // Trust-store files are public: the error may name them and say what is wrong.
    LogError("trust store reload failed; keeping the previous one",
             {{"trigger", trigger}, {"error", std::string(store.status().message())}});
    return store.status();
  }
  LogStore("trust store reloaded", trigger, **store);
  InstallLocked(*std::move(store));
  return absl::OkStatus();
}

void TrustStoreSource::InstallLocked(std::shared_ptr<const emrtd::TrustStore> store) {
  if (metrics_) {
    const absl::Time now = clock_();
    metrics_->SetStore(*store, now);
    metrics_->SetNow(*store, now);
  }
  absl::MutexLock l(&mu_);
  current_ = std::move(store);
}

absl::Status TrustStoreSource::Reload() {
  absl::MutexLock r(&reload_mu_);
  return LoadLocked(FingerprintTrustFiles(config_), "signal");
}

TrustStoreSource::PollOutcome TrustStoreSource::Poll() {
  absl::MutexLock r(&reload_mu_);
  TrustFingerprint now = FingerprintTrustFiles(config_);
  PollOutcome outcome = PollOutcome::kUnchanged;
  if (!(now == last_attempt_)) {
    outcome = LoadLocked(std::move(now), "files_changed").ok() ? PollOutcome::kReloaded : PollOutcome::kFailed;
  }
  if (metrics_) metrics_->SetNow(*Get(), clock_());
  return outcome;
}

}  // namespace docval::trust
