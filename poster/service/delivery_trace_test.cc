// DeliveryTrace on its own, its spans captured in memory and as the OTLP bytes a collector would
// receive: the delivery span under the gateway's (the call's traceparent metadata), one CLIENT span
// per HTTP attempt with its status, result and retry reason, the error status of a failed delivery,
// and never the Result Server's URL or an error's text.
#include "poster/service/delivery_trace.h"

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "common/tracing/span_capture.h"
#include "common/tracing/trace_context.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace docval::poster {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using tracing::IntAttribute;
using tracing::SpanCapture;
using tracing::SpanData;
using tracing::StringAttribute;

const std::string kTraceparentKey = "traceparent";
const std::string kParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

std::multimap<grpc::string_ref, grpc::string_ref> Metadata(const std::string& traceparent) {
  std::multimap<grpc::string_ref, grpc::string_ref> m;
  if (!traceparent.empty()) m.emplace(grpc::string_ref(kTraceparentKey), grpc::string_ref(traceparent));
  return m;
}

SpanData Named(const SpanCapture& capture, const std::string& name, size_t index = 0) {
  std::vector<SpanData> spans = capture.Named(name);
  EXPECT_GT(spans.size(), index) << name;
  return spans.size() > index ? spans[index] : SpanData();
}

TEST(DeliveryTraceTest, TheDeliveryAndItsAttemptsUnderTheSessionSpan) {
  SpanCapture capture;
  const absl::Time arrived = absl::Now();
  DeliveryTrace trace(Metadata(kParent), arrived);
  trace.Attempt(1, AttemptOutcome::Http(503, "2"), absl::Milliseconds(40));
  trace.Attempt(2, AttemptOutcome::Http(200), absl::Milliseconds(30));
  trace.End("delivered", 2);

  const SpanData delivery = Named(capture, "docval.delivery");
  EXPECT_EQ(delivery.scope, "docval.poster");
  EXPECT_EQ(delivery.kind, tracing::SpanKind::kServer);
  EXPECT_EQ(tracing::ToHex(delivery.context.trace_id), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(tracing::ToHex(delivery.parent_span_id), "b7ad6b7169203331");
  EXPECT_EQ(delivery.start, arrived);
  EXPECT_EQ(StringAttribute(delivery, "docval.outcome"), "delivered");
  EXPECT_EQ(IntAttribute(delivery, "docval.attempts"), 2);
  EXPECT_EQ(delivery.status, tracing::StatusCode::kOk);

  ASSERT_EQ(capture.Named("docval.delivery_attempt").size(), 2u);
  const SpanData first = Named(capture, "docval.delivery_attempt", 0);
  const SpanData second = Named(capture, "docval.delivery_attempt", 1);
  for (const SpanData& a : {first, second}) {
    EXPECT_EQ(a.kind, tracing::SpanKind::kClient);
    EXPECT_EQ(a.parent_span_id, delivery.context.span_id);
    EXPECT_EQ(a.context.trace_id, delivery.context.trace_id);
  }
  EXPECT_EQ(IntAttribute(first, "docval.attempt"), 1);
  EXPECT_EQ(IntAttribute(first, "http.response.status_code"), 503);
  EXPECT_EQ(StringAttribute(first, "docval.result"), "5xx");
  EXPECT_EQ(StringAttribute(first, "docval.retry_reason"), "5xx");
  EXPECT_EQ(StringAttribute(first, "docval.retry_after"), "2");
  EXPECT_EQ(first.status, tracing::StatusCode::kError);
  EXPECT_EQ(first.end - first.start, absl::Milliseconds(40));
  EXPECT_EQ(IntAttribute(second, "http.response.status_code"), 200);
  EXPECT_EQ(StringAttribute(second, "docval.retry_reason"), "<absent>");
  EXPECT_EQ(second.status, tracing::StatusCode::kOk);
  EXPECT_LE(first.end, second.end);
}

TEST(DeliveryTraceTest, AFinalRefusalIsNotARetryAndTheDeliveryIsAnError) {
  SpanCapture capture;
  DeliveryTrace trace(Metadata(kParent), absl::Now());
  trace.Attempt(1, AttemptOutcome::Http(400), absl::Milliseconds(5));
  trace.End("rejected", 1);
  trace.End("delivered", 1);  // idempotent: the first end counts
  const SpanData attempt = Named(capture, "docval.delivery_attempt");
  EXPECT_EQ(StringAttribute(attempt, "docval.result"), "4xx");
  EXPECT_EQ(tracing::FindAttribute(attempt, "docval.retry_reason"), nullptr);
  ASSERT_EQ(capture.Named("docval.delivery").size(), 1u);
  const SpanData delivery = Named(capture, "docval.delivery");
  EXPECT_EQ(delivery.status, tracing::StatusCode::kError);
  EXPECT_EQ(delivery.status_message, "rejected");
}

TEST(DeliveryTraceTest, NoAnswerIsStatusZeroAndNeverTheErrorsTextOrTheUrl) {
  SpanCapture capture;
  DeliveryTrace trace(Metadata(kParent), absl::Now());
  trace.Attempt(1,
                AttemptOutcome::Error(
                    absl::UnavailableError("connect to https://results.example.org/hook?token=s3cr3t-t0ken failed")),
                absl::Milliseconds(3));
  trace.End("network_error", 1);
  const SpanData attempt = Named(capture, "docval.delivery_attempt");
  EXPECT_EQ(IntAttribute(attempt, "http.response.status_code"), 0);
  EXPECT_EQ(StringAttribute(attempt, "docval.result"), "network");
  EXPECT_EQ(StringAttribute(attempt, "docval.retry_reason"), "network");
  const std::string exported = capture.ExportBytes();
  ASSERT_THAT(exported, HasSubstr("docval.delivery_attempt"));
  EXPECT_THAT(exported, Not(HasSubstr("results.example.org")));
  EXPECT_THAT(exported, Not(HasSubstr("s3cr3t-t0ken")));
}

TEST(DeliveryTraceTest, WithoutATraceparentTheDeliveryIsATraceOfItsOwn) {
  SpanCapture capture;
  DeliveryTrace trace(Metadata(""), absl::Now());
  trace.End("cancelled", 0);
  const SpanData delivery = Named(capture, "docval.delivery");
  EXPECT_EQ(delivery.parent_span_id, tracing::SpanId{});
  EXPECT_TRUE(delivery.context.valid());
}

TEST(DeliveryTraceTest, AnUnsampledSessionExportsNothing) {
  SpanCapture capture;
  const std::string unsampled = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";
  DeliveryTrace trace(Metadata(unsampled), absl::Now());
  trace.Attempt(1, AttemptOutcome::Http(200), absl::Milliseconds(1));
  trace.End("delivered", 1);
  EXPECT_TRUE(capture.spans().empty());
}

TEST(DeliveryTraceTest, InertWhenTracesAreOff) {
  DeliveryTrace trace(Metadata(kParent), absl::Now());
  trace.Attempt(1, AttemptOutcome::Http(200), absl::Milliseconds(1));
  trace.End("delivered", 1);
  SpanCapture capture;  // installed after: the trace above recorded into nothing
  EXPECT_TRUE(capture.spans().empty());
}

}  // namespace
}  // namespace docval::poster
