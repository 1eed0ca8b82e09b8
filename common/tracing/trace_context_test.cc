#include "common/tracing/trace_context.h"

#include <string>

#include "gtest/gtest.h"

namespace docval::tracing {
namespace {

// The example of the W3C Trace Context specification.
constexpr char kExample[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceparentTest, ParsesTheSpecificationsExample) {
  absl::StatusOr<SpanContext> c = ParseTraceparent(kExample);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(ToHex(c->trace_id), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(ToHex(c->span_id), "00f067aa0ba902b7");
  EXPECT_TRUE(c->sampled());
  EXPECT_TRUE(c->remote);
  EXPECT_TRUE(c->valid());
  EXPECT_EQ(FormatTraceparent(*c), kExample);
}

TEST(TraceparentTest, UnsampledFlagAndSurroundingWhitespace) {
  absl::StatusOr<SpanContext> c = ParseTraceparent(" \t00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00 ");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->sampled());
  EXPECT_EQ(FormatTraceparent(*c), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
}

TEST(TraceparentTest, FormatsOnlyTheSampledBit) {
  absl::StatusOr<SpanContext> c = ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->flags, 0x03);
  EXPECT_EQ(FormatTraceparent(*c), kExample);
}

TEST(TraceparentTest, LaterVersionsAreReadAsVersion00) {
  absl::StatusOr<SpanContext> c = ParseTraceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-ever");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(FormatTraceparent(*c), kExample);
  EXPECT_TRUE(ParseTraceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").ok());
  EXPECT_FALSE(ParseTraceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x").ok());
}

TEST(TraceparentTest, RefusesWhatTheSpecificationRefuses) {
  for (const char* bad : {
           "",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",    // short
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",  // version 00, longer
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   // version ff
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",   // upper case
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",   // zero trace-id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",   // zero parent-id
           "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   // separator
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",   // flags
           "0x-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   // version
           "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",   // field lengths
       }) {
    EXPECT_FALSE(ParseTraceparent(bad).ok()) << bad;
  }
  EXPECT_FALSE(ParseTraceparent(std::string(kMaxTraceparentSize + 1, ' ')).ok());
}

TEST(TraceparentTest, ErrorsDoNotEchoTheValue) {
  absl::StatusOr<SpanContext> c = ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-zz");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message().find("4bf92f"), absl::string_view::npos);
}

}  // namespace
}  // namespace docval::tracing
