#include "common/tracing/tracing_runtime.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace docval::tracing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(TracingRuntimeTest, HeadersArePercentDecodedPairs) {
  absl::StatusOr<http::HeaderList> h = ParseOtlpHeaders(" api-key = se%2Ccret , x-tenant=eu,");
  ASSERT_TRUE(h.ok()) << h.status();
  ASSERT_EQ(h->size(), 2u);
  EXPECT_EQ((*h)[0], std::make_pair(std::string("api-key"), std::string("se,cret")));
  EXPECT_EQ((*h)[1], std::make_pair(std::string("x-tenant"), std::string("eu")));
  EXPECT_TRUE(ParseOtlpHeaders("")->empty());
  for (const char* bad : {"novalue", "=v", "bad name=v", "k=a%0Db", "k=%zz"}) {
    absl::StatusOr<http::HeaderList> r = ParseOtlpHeaders(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_THAT(std::string(r.status().message()), HasSubstr("OTEL_EXPORTER_OTLP_HEADERS"));
  }
  EXPECT_THAT(std::string(ParseOtlpHeaders("k=top%0Asecret").status().message()), Not(HasSubstr("secret")));
}

TEST(TracingRuntimeTest, TheTracesUrl) {
  TracingConfig c;
  EXPECT_EQ(*TracesUrl(c), "");
  c.endpoint = "http://collector:4318/";
  EXPECT_EQ(*TracesUrl(c), "http://collector:4318/v1/traces");
  c.endpoint = "https://otel.example/prefix";
  EXPECT_EQ(*TracesUrl(c), "https://otel.example/prefix/v1/traces");
  c.traces_endpoint = "http://other:9999/custom";
  EXPECT_EQ(*TracesUrl(c), "http://other:9999/custom");
  c.traces_endpoint = "grpc://collector:4317";
  EXPECT_THAT(std::string(TracesUrl(c).status().message()), HasSubstr("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"));
}

TEST(TracingRuntimeTest, OffWithoutAnEndpointButStillChecked) {
  TracingConfig c;
  absl::StatusOr<std::unique_ptr<TracingRuntime>> off = TracingRuntime::Start(c, "gateway", "0.1.0", nullptr);
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_FALSE((*off)->enabled());
  EXPECT_FALSE((*off)->tracer().enabled());
  c.sampler = "sometimes";
  EXPECT_FALSE(TracingRuntime::Start(c, "gateway", "0.1.0", nullptr).ok());
}

TEST(TracingRuntimeTest, OnWithAnEndpoint) {
  TracingConfig c;
  c.endpoint = "http://127.0.0.1:1";
  c.allow_diagnostics = false;
  absl::StatusOr<std::unique_ptr<TracingRuntime>> on = TracingRuntime::Start(c, "gateway", "0.1.0", nullptr);
  ASSERT_TRUE(on.ok()) << on.status();
  EXPECT_TRUE((*on)->enabled());
  EXPECT_TRUE((*on)->tracer().enabled());
  EXPECT_FALSE((*on)->tracer().DiagnosticsAllowed());
  EXPECT_EQ((*on)->url(), "http://127.0.0.1:1/v1/traces");
  EXPECT_EQ((*on)->sampler(), "parentbased_always_on");
}

}  // namespace
}  // namespace docval::tracing
