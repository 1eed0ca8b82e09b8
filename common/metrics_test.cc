#include "common/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace docval {
namespace {

using ::testing::HasSubstr;

TEST(MetricsTest, RegistryCarriesBuildInfo) {
  auto registry = NewMetricsRegistry("gateway,validator,poster");
  std::string text = SerializeMetrics(*registry);
  EXPECT_THAT(text, HasSubstr("docval_build_info{"));
  EXPECT_THAT(text, HasSubstr("roles=\"gateway,validator,poster\""));
}

TEST(MetricsTest, ServerRejectsBadAddress) {
  auto registry = NewMetricsRegistry("x");
  EXPECT_FALSE(MetricsServer::Start("nonsense", registry).ok());
}

TEST(MetricsTest, ServerBindsEphemeralPort) {
  auto registry = NewMetricsRegistry("x");
  absl::StatusOr<std::unique_ptr<MetricsServer>> s = MetricsServer::Start("127.0.0.1:0", registry);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_GT((*s)->port(), 0);
}

}  // namespace
}  // namespace docval
