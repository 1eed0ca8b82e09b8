#include "validator/trust/trust_store_source.h"

#include <algorithm>
#include <optional>
#include <string>

#include <prometheus/registry.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "validator/emrtd/crypto/x509.h"
#include "validator/trust/trust_test_util.h"

namespace docval::trust {
namespace {

using ::testing::HasSubstr;
using Outcome = TrustStoreSource::PollOutcome;

// The value of the series of `family` whose labels include `label` (any series when empty), or none.
std::optional<double> Value(prometheus::Registry& registry, const std::string& family, const std::string& label = "") {
  for (const prometheus::MetricFamily& f : registry.Collect()) {
    if (f.name != family) continue;
    for (const prometheus::ClientMetric& m : f.metric) {
      bool match = label.empty();
      for (const prometheus::ClientMetric::Label& l : m.label) match = match || l.value == label;
      if (!match) continue;
      return f.type == prometheus::MetricType::Counter ? m.counter.value : m.gauge.value;
    }
  }
  return std::nullopt;
}

class SourceTest : public TrustFolderTest {
 protected:
  std::unique_ptr<TrustStoreSource> Open() {
    absl::StatusOr<std::unique_ptr<TrustStoreSource>> s =
        TrustStoreSource::Open(Config(), &registry_, [this] { return now_; });
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *std::move(s) : nullptr;
  }
  std::optional<double> Metric(const char* suffix, const std::string& label = "") {
    return Value(registry_, std::string("docval_validator_trust_store_") + suffix, label);
  }
  TrustStoreConfig Config() const { return {.trust_paths = {Path("csca")}}; }
  prometheus::Registry registry_;
  absl::Time now_ = absl::FromUnixSeconds(1780272000);  // 2026-06-01
};

TEST_F(SourceTest, AReloadSwapsOnlyWhenItLoads) {
  PutPki("csca/rsa.der", "csca_rsa.der");
  std::unique_ptr<TrustStoreSource> source = Open();
  ASSERT_NE(source, nullptr);
  std::shared_ptr<const emrtd::TrustStore> session_snapshot = source->Get();
  PutPki("csca/ec.der", "csca_ec.der");
  ASSERT_TRUE(source->Reload().ok());
  EXPECT_EQ(source->Get()->size(), 2u);
  EXPECT_EQ(session_snapshot->size(), 1u);  // a running session keeps its snapshot
  EXPECT_EQ(Metric("reloads_total", "ok"), 1);
  EXPECT_EQ(Metric("last_reload_failed"), 0);
  Put("csca/bad.der", {0x00});
  absl::Status s = source->Reload();
  EXPECT_THAT(std::string(s.message()), HasSubstr("bad.der"));
  EXPECT_EQ(source->Get()->size(), 2u);
  EXPECT_EQ(Metric("reloads_total", "failed"), 1);
  EXPECT_EQ(Metric("reloads_total", "ok"), 1);
  EXPECT_EQ(Metric("last_reload_failed"), 1);
  EXPECT_EQ(Metric("certificates"), 2);
}

TEST_F(SourceTest, APollReloadsWhenTheFilesChangeAndTriesBrokenFilesOnce) {
  PutPki("csca/rsa.der", "csca_rsa.der");
  std::unique_ptr<TrustStoreSource> source = Open();
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(source->Poll(), Outcome::kUnchanged);
  PutPki("csca/ec.der", "csca_ec.der");
  EXPECT_EQ(source->Poll(), Outcome::kReloaded);
  EXPECT_EQ(source->Get()->size(), 2u);
  EXPECT_EQ(source->Poll(), Outcome::kUnchanged);

  Put("csca/bad.der", {0x00});
  EXPECT_EQ(source->Poll(), Outcome::kFailed);
  EXPECT_EQ(source->Get()->size(), 2u);            // kept
  EXPECT_EQ(source->Poll(), Outcome::kUnchanged);  // the same broken files are not loaded again
  EXPECT_EQ(Metric("reloads_total", "failed"), 1);
  EXPECT_EQ(Metric("last_reload_failed"), 1);

  std::filesystem::remove(dir_ / "csca/bad.der");
  EXPECT_EQ(source->Poll(), Outcome::kReloaded);
  EXPECT_EQ(Metric("last_reload_failed"), 0);
  EXPECT_EQ(Metric("reloads_total", "ok"), 2);
}

TEST_F(SourceTest, APollReloadsAfterTheDataSymlinkSwap) {
  Mount("csca", {{"csca.der", "csca_rsa.der"}});
  std::unique_ptr<TrustStoreSource> source = Open();
  ASSERT_NE(source, nullptr);
  Mount("csca", {{"csca.der", "csca_ec.der"}});
  EXPECT_EQ(source->Poll(), Outcome::kReloaded);
  ASSERT_EQ(source->Get()->size(), 1u);
  EXPECT_EQ(source->Get()->certificates()[0],
            *emrtd::x509::Certificate::FromDer(emrtd::testing::ReadPki("csca_ec.der")));
}

TEST_F(SourceTest, MetricsDescribeTheStoreInService) {
  // Certificates that expire in 2045 (the CSCA), 2036 and 2021 (two Document Signer certificates,
  // which a store holds like any other certificate).
  PutPki("csca/rsa.der", "csca_rsa.der");
  PutPki("csca/ds.der", "ds_rsa.der");
  PutPki("csca/old.der", "ds_expired.der");
  PutPki("csca/rsa.crl", "crl_rsa.der");
  std::unique_ptr<TrustStoreSource> source = Open();
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(Metric("loaded_timestamp_seconds"), absl::ToDoubleSeconds(now_ - absl::UnixEpoch()));
  EXPECT_EQ(Metric("certificates"), 3);
  EXPECT_EQ(Metric("crls"), 1);
  EXPECT_EQ(Metric("crl_next_update_timestamp_seconds"), source->Get()->earliest_crl_next_update());
  EXPECT_EQ(Metric("reloads_total", "ok"), 0);  // both outcomes exist from the start
  EXPECT_EQ(Metric("reloads_total", "failed"), 0);

  std::vector<int64_t> not_after;
  for (const auto& c : source->Get()->certificates()) not_after.push_back(c.not_after());
  std::sort(not_after.begin(), not_after.end());
  ASSERT_EQ(not_after.size(), 3u);
  ASSERT_LT(not_after[0], absl::ToUnixSeconds(now_));
  ASSERT_LT(absl::ToUnixSeconds(now_), not_after[1]);
  ASSERT_LT(not_after[1], not_after[2]);
  EXPECT_EQ(Metric("csca_expiry_timestamp_seconds"), not_after[1]);  // the expired one does not count
  // Time passes (no file changes): the poll moves the expiry on to the next certificate, and drops
  // the series when none is left; the load time stays.
  now_ = absl::FromUnixSeconds(not_after[1] + 1);
  EXPECT_EQ(source->Poll(), Outcome::kUnchanged);
  EXPECT_EQ(Metric("csca_expiry_timestamp_seconds"), not_after[2]);
  now_ = absl::FromUnixSeconds(not_after[2] + 1);
  source->Poll();
  EXPECT_EQ(Metric("csca_expiry_timestamp_seconds"), std::nullopt);
  EXPECT_EQ(Metric("loaded_timestamp_seconds"), 1780272000);

  // A reload stamps its own time and drops the CRL series when no CRL is left.
  std::filesystem::remove(dir_ / "csca/rsa.crl");
  EXPECT_EQ(source->Poll(), Outcome::kReloaded);
  EXPECT_EQ(Metric("loaded_timestamp_seconds"), absl::ToDoubleSeconds(now_ - absl::UnixEpoch()));
  EXPECT_EQ(Metric("crls"), 0);
  EXPECT_EQ(Metric("crl_next_update_timestamp_seconds"), std::nullopt);
}

TEST_F(SourceTest, OpenFailsOnBrokenFilesAndRegistersNothing) {
  Put("csca/bad.der", {0x00});
  absl::StatusOr<std::unique_ptr<TrustStoreSource>> s = TrustStoreSource::Open(Config(), &registry_);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("bad.der"));
  EXPECT_TRUE(registry_.Collect().empty());
}

}  // namespace
}  // namespace docval::trust
