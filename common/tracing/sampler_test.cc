#include "common/tracing/sampler.h"

#include <random>

#include "gtest/gtest.h"

namespace docval::tracing {
namespace {

// A trace id whose last 7 bytes (the part the ratio reads) are all `low`.
TraceId IdWithLowBytes(uint8_t low) {
  TraceId id{};
  id.fill(0xab);
  for (size_t i = 9; i < 16; ++i) id[i] = low;
  return id;
}

SpanContext Parent(bool sampled) {
  SpanContext p;
  p.trace_id = IdWithLowBytes(0x11);
  p.span_id.fill(0x22);
  p.flags = sampled ? kSampledFlag : 0;
  p.remote = true;
  return p;
}

TEST(SamplerTest, DefaultIsParentBasedAlwaysOn) {
  absl::StatusOr<Sampler> s = Sampler::Create("", "");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->Description(), "parentbased_always_on");
  const SpanContext yes = Parent(true), no = Parent(false);
  EXPECT_TRUE(s->ShouldSample(nullptr, IdWithLowBytes(0xff)));
  EXPECT_TRUE(s->ShouldSample(&yes, yes.trace_id));
  EXPECT_FALSE(s->ShouldSample(&no, no.trace_id));
}

TEST(SamplerTest, PlainSamplersIgnoreTheParent) {
  const SpanContext yes = Parent(true), no = Parent(false);
  absl::StatusOr<Sampler> on = Sampler::Create("always_on", "");
  absl::StatusOr<Sampler> off = Sampler::Create("ALWAYS_OFF", "");
  ASSERT_TRUE(on.ok() && off.ok());
  EXPECT_TRUE(on->ShouldSample(&no, no.trace_id));
  EXPECT_FALSE(off->ShouldSample(&yes, yes.trace_id));
  EXPECT_FALSE(off->ShouldSample(nullptr, yes.trace_id));
}

TEST(SamplerTest, ParentBasedAlwaysOffRecordsOnlyWhatTheParentSampled) {
  absl::StatusOr<Sampler> s = Sampler::Create("parentbased_always_off", "");
  ASSERT_TRUE(s.ok());
  const SpanContext yes = Parent(true);
  EXPECT_FALSE(s->ShouldSample(nullptr, yes.trace_id));
  EXPECT_TRUE(s->ShouldSample(&yes, yes.trace_id));
}

TEST(SamplerTest, RatioReadsTheLastSevenBytes) {
  absl::StatusOr<Sampler> s = Sampler::Create("traceidratio", "0.5");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->Description(), "traceidratio:0.5");
  EXPECT_TRUE(s->ShouldSample(nullptr, IdWithLowBytes(0x00)));
  EXPECT_TRUE(s->ShouldSample(nullptr, IdWithLowBytes(0x7f)));   // 0x7f7f.. < 2^55
  EXPECT_FALSE(s->ShouldSample(nullptr, IdWithLowBytes(0x80)));  // 0x8080.. >= 2^55
  TraceId high_bytes_differ = IdWithLowBytes(0x00);
  high_bytes_differ[0] = high_bytes_differ[8] = 0xff;  // outside the 7 bytes: no effect
  EXPECT_TRUE(s->ShouldSample(nullptr, high_bytes_differ));
  absl::StatusOr<Sampler> none = Sampler::Create("traceidratio", "0");
  absl::StatusOr<Sampler> all = Sampler::Create("traceidratio", "");
  ASSERT_TRUE(none.ok() && all.ok());
  EXPECT_FALSE(none->ShouldSample(nullptr, IdWithLowBytes(0x00)));
  EXPECT_TRUE(all->ShouldSample(nullptr, IdWithLowBytes(0xff)));
}

TEST(SamplerTest, RatioKeepsAboutThatFractionOfRandomIds) {
  absl::StatusOr<Sampler> s = Sampler::Create("traceidratio", "0.25");
  ASSERT_TRUE(s.ok());
  std::mt19937_64 rng(42);  // fixed seed: the count is the same on every run
  int sampled = 0;
  constexpr int kIds = 20000;
  for (int i = 0; i < kIds; ++i) {
    TraceId id;
    for (uint8_t& b : id) b = static_cast<uint8_t>(rng());
    sampled += s->ShouldSample(nullptr, id) ? 1 : 0;
  }
  EXPECT_NEAR(sampled, kIds / 4, kIds / 50);
}

TEST(SamplerTest, ParentBasedRatioFollowsTheParentAndSamplesRootsByRatio) {
  absl::StatusOr<Sampler> s = Sampler::Create("parentbased_traceidratio", "0.01");
  ASSERT_TRUE(s.ok());
  const SpanContext yes = Parent(true);
  EXPECT_TRUE(s->ShouldSample(&yes, IdWithLowBytes(0xff)));
  EXPECT_FALSE(s->ShouldSample(nullptr, IdWithLowBytes(0xff)));
  EXPECT_TRUE(s->ShouldSample(nullptr, IdWithLowBytes(0x00)));
}

TEST(SamplerTest, RefusesUnknownNamesAndBadRatios) {
  absl::StatusOr<Sampler> typo = Sampler::Create("always-on", "");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.status().message().find("OTEL_TRACES_SAMPLER"), absl::string_view::npos);
  for (const char* arg : {"1.5", "-0.1", "half", "nan"}) {
    absl::StatusOr<Sampler> s = Sampler::Create("parentbased_traceidratio", arg);
    ASSERT_FALSE(s.ok()) << arg;
    EXPECT_NE(s.status().message().find("OTEL_TRACES_SAMPLER_ARG"), absl::string_view::npos);
  }
  EXPECT_TRUE(Sampler::Create("always_on", "ignored").ok());
}

}  // namespace
}  // namespace docval::tracing
