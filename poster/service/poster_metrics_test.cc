#include "poster/service/poster_metrics.h"

#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace docval::poster {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(OutcomeLabelTest, EveryOutcomeHasItsOwnLabel) {
  std::set<std::string> labels;
  for (int o = v1::DELIVERED; o <= v1::NOT_CONFIGURED; ++o) {
    labels.insert(std::string(OutcomeLabel(static_cast<v1::DeliveryOutcome>(o))));
  }
  EXPECT_EQ(labels.size(), 7u);
  EXPECT_EQ(OutcomeLabel(v1::RETRIES_EXHAUSTED), "retries_exhausted");
  EXPECT_EQ(OutcomeLabel(v1::DEADLINE_REACHED), "deadline_reached");
  EXPECT_EQ(OutcomeLabel(v1::DELIVERY_OUTCOME_UNSPECIFIED), "unspecified");
}

TEST(AttemptLabelTest, ClassesStatusesAndErrors) {
  EXPECT_EQ(AttemptLabel(AttemptOutcome::Http(204)), "2xx");
  EXPECT_EQ(AttemptLabel(AttemptOutcome::Http(503)), "5xx");
  EXPECT_EQ(AttemptLabel(AttemptOutcome::Http(99)), "error");
  EXPECT_EQ(AttemptLabel(AttemptOutcome::Error(absl::DeadlineExceededError("t"))), "timeout");
  EXPECT_EQ(AttemptLabel(AttemptOutcome::Error(absl::UnavailableError("n"))), "network");
  EXPECT_EQ(AttemptLabel(AttemptOutcome::Error(absl::FailedPreconditionError("tls"))), "error");
}

TEST(PosterMetricsTest, SeriesOfEveryDestinationExistFromTheStart) {
  prometheus::Registry registry;
  PosterMetrics metrics(registry, {"a.example", "b.example:8443"});
  metrics.Depth("a.example", 3, 2);
  metrics.Delivery("a.example", "delivered", absl::Milliseconds(120));
  metrics.Attempt("a.example", AttemptOutcome::Http(200), absl::Milliseconds(100));
  const std::string text = prometheus::TextSerializer().Serialize(registry.Collect());
  EXPECT_THAT(text, HasSubstr(
      R"(docval_result_deliveries_total{destination="a.example",outcome="delivered"} 1)"));
  EXPECT_THAT(text, HasSubstr(
      R"(docval_result_deliveries_total{destination="b.example:8443",outcome="retries_exhausted"} 0)"));
  EXPECT_THAT(text, HasSubstr(
      R"(docval_result_deliveries_total{destination="b.example:8443",outcome="overloaded"} 0)"));
  EXPECT_THAT(text, HasSubstr(
      R"(docval_result_delivery_attempts_total{destination="b.example:8443",result="timeout"} 0)"));
  EXPECT_THAT(text, HasSubstr(
      R"(docval_result_delivery_attempts_total{destination="a.example",result="2xx"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(docval_result_delivery_queue_depth{destination="a.example"} 3)"));
  EXPECT_THAT(text, HasSubstr(R"(docval_result_deliveries_in_flight{destination="a.example"} 2)"));
  EXPECT_THAT(text, HasSubstr(
      R"(docval_result_delivery_duration_seconds_count{destination="a.example"} 1)"));
  EXPECT_THAT(text, HasSubstr(
      R"(docval_result_delivery_attempt_duration_seconds_count{destination="a.example"} 1)"));
  EXPECT_THAT(text, HasSubstr(
      R"(docval_result_deliveries_total{destination="none",outcome="not_configured"} 0)"));
}

}  // namespace
}  // namespace docval::poster
