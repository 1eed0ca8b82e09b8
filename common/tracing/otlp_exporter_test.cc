#include "common/tracing/otlp_exporter.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/metrics.h"
#include "common/tracing/tracer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"

namespace docval::tracing {
namespace {

using ::testing::HasSubstr;

// A collector behind the HTTP client interface: records each POST, answers `status` or `error`, and
// while `hold` is set keeps the call open until released or aborted (as the real client polls).
class FakeCollector : public http::HttpClient {
 public:
  absl::StatusOr<http::HttpResponse> Post(const http::HttpRequest& request,
                                            const std::function<bool()>& should_abort) override {
    absl::MutexLock lock(&mu_);
    requests_.push_back(request);
    while (hold_) {
      if (should_abort && should_abort()) return absl::CancelledError("aborted");
      mu_.AwaitWithTimeout(absl::Condition(
                               +[](bool* h) { return !*h; }, &hold_),
                           absl::Milliseconds(20));
    }
    if (!error_.ok()) return error_;
    http::HttpResponse r;
    r.status = status_;
    return r;
  }
  void Hold(bool h) {
    absl::MutexLock lock(&mu_);
    hold_ = h;
  }
  void Answer(int status, absl::Status error = absl::OkStatus()) {
    absl::MutexLock lock(&mu_);
    status_ = status;
    error_ = error;
  }
  // Waits (bounded) until `n` POSTs arrived.
  bool AwaitRequests(size_t n) {
    absl::MutexLock lock(&mu_);
    auto enough = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return requests_.size() >= n; };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), absl::Seconds(10));
  }
  std::vector<http::HttpRequest> requests() {
    absl::MutexLock lock(&mu_);
    return requests_;
  }

 private:
  absl::Mutex mu_;
  std::vector<http::HttpRequest> requests_ ABSL_GUARDED_BY(mu_);
  bool hold_ ABSL_GUARDED_BY(mu_) = false;
  int status_ ABSL_GUARDED_BY(mu_) = 200;
  absl::Status error_ ABSL_GUARDED_BY(mu_);
};

struct Fixture {
  explicit Fixture(OtlpExporterOptions o = Options()) {
    auto c = std::make_unique<FakeCollector>();
    collector = c.get();
    registry = std::make_shared<prometheus::Registry>();
    exporter = std::make_unique<OtlpHttpExporter>(std::move(o), std::move(c), registry.get());
    tracer = std::make_unique<Tracer>(*Sampler::Create("parentbased_always_on", ""), exporter.get(), true);
  }
  static OtlpExporterOptions Options() {
    OtlpExporterOptions o;
    o.url = "http://collector.test:4318/v1/traces";
    o.headers = {{"x-token", "abc"}};
    o.resource = {{"service.name", std::string("docval-test")}};
    o.schedule_delay = absl::Hours(1);  // only Flush() or a full batch sends
    return o;
  }
  std::string Metrics() { return SerializeMetrics(*registry); }

  FakeCollector* collector;
  std::shared_ptr<prometheus::Registry> registry;
  std::unique_ptr<OtlpHttpExporter> exporter;
  std::unique_ptr<Tracer> tracer;
};

otlp::ExportTraceServiceRequest Decode(const http::HttpRequest& r) {
  otlp::ExportTraceServiceRequest out;
  EXPECT_TRUE(out.ParseFromString(r.body));
  return out;
}

TEST(OtlpExporterTest, OneBatchHoldsTheTreeOfSpansByScope) {
  Fixture f;
  SpanContext remote = *ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  Span root = f.tracer->StartSpan("docval.gateway", "session", SpanKind::kServer, &remote);
  root.SetAttribute("docval.protocol", "ws1");
  root.SetAttribute("docval.round_trips", 12);
  Span child = f.tracer->StartSpan("docval.validator", "read_file", SpanKind::kInternal, &root.context());
  child.AddEvent("apdu", {{"sw", std::string("9000")}});
  child.SetStatus(StatusCode::kError, "chip gone");
  const SpanContext root_ctx = root.context(), child_ctx = child.context();
  child.End();
  root.End();
  ASSERT_TRUE(f.exporter->Flush(absl::Seconds(10)));
  std::vector<http::HttpRequest> requests = f.collector->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].url, "http://collector.test:4318/v1/traces");
  EXPECT_THAT(requests[0].headers, ::testing::Contains(std::pair<std::string, std::string>("x-token", "abc")));
  EXPECT_THAT(requests[0].headers,
              ::testing::Contains(std::pair<std::string, std::string>("Content-Type", "application/x-protobuf")));
  otlp::ExportTraceServiceRequest r = Decode(requests[0]);
  ASSERT_EQ(r.resource_spans_size(), 1);
  EXPECT_EQ(r.resource_spans(0).resource().attributes(0).value().string_value(), "docval-test");
  ASSERT_EQ(r.resource_spans(0).scope_spans_size(), 2);
  const otlp::ScopeSpans& validator = r.resource_spans(0).scope_spans(0);  // ended first
  const otlp::ScopeSpans& gateway = r.resource_spans(0).scope_spans(1);
  EXPECT_EQ(validator.scope().name(), "docval.validator");
  EXPECT_EQ(gateway.scope().name(), "docval.gateway");
  const otlp::Span& g = gateway.spans(0);
  const otlp::Span& v = validator.spans(0);
  EXPECT_EQ(g.trace_id(), std::string(reinterpret_cast<const char*>(remote.trace_id.data()), 16));
  EXPECT_EQ(g.parent_span_id(), std::string(reinterpret_cast<const char*>(remote.span_id.data()), 8));
  EXPECT_EQ(g.flags(), 0x301u);  // sampled, parent known to be remote
  EXPECT_EQ(g.kind(), otlp::Span::SPAN_KIND_SERVER);
  EXPECT_EQ(g.span_id(), std::string(reinterpret_cast<const char*>(root_ctx.span_id.data()), 8));
  EXPECT_EQ(v.trace_id(), g.trace_id());
  EXPECT_EQ(v.parent_span_id(), g.span_id());
  EXPECT_EQ(v.span_id(), std::string(reinterpret_cast<const char*>(child_ctx.span_id.data()), 8));
  EXPECT_EQ(v.flags(), 0x101u);  // local parent
  EXPECT_LE(g.start_time_unix_nano(), v.start_time_unix_nano());
  EXPECT_GE(g.end_time_unix_nano(), v.end_time_unix_nano());
  ASSERT_EQ(g.attributes_size(), 2);
  EXPECT_EQ(g.attributes(0).value().string_value(), "ws1");
  EXPECT_EQ(g.attributes(1).value().int_value(), 12);
  ASSERT_EQ(v.events_size(), 1);
  EXPECT_EQ(v.events(0).attributes(0).value().string_value(), "9000");
  EXPECT_EQ(v.status().code(), otlp::Status::STATUS_CODE_ERROR);
  EXPECT_EQ(v.status().message(), "chip gone");
  EXPECT_EQ(f.exporter->stats().exported, 2u);
  EXPECT_THAT(f.Metrics(), HasSubstr("docval_trace_spans_exported_total 2"));
}

TEST(OtlpExporterTest, AFullBatchGoesOutWithoutFlush) {
  OtlpExporterOptions o = Fixture::Options();
  o.max_batch_spans = 3;
  Fixture f(o);
  for (int i = 0; i < 3; ++i) f.tracer->StartSpan("docval.poster", "delivery", SpanKind::kClient, nullptr).End();
  ASSERT_TRUE(f.collector->AwaitRequests(1));
  EXPECT_EQ(Decode(f.collector->requests()[0]).resource_spans(0).scope_spans(0).spans_size(), 3);
}

TEST(OtlpExporterTest, TheScheduleDelaySendsAPartialBatch) {
  OtlpExporterOptions o = Fixture::Options();
  o.schedule_delay = absl::Milliseconds(50);
  Fixture f(o);
  f.tracer->StartSpan("docval.poster", "delivery", SpanKind::kClient, nullptr).End();
  ASSERT_TRUE(f.collector->AwaitRequests(1));
}

TEST(OtlpExporterTest, AFullQueueDropsAndCountsWhileTheCollectorHangs) {
  OtlpExporterOptions o = Fixture::Options();
  o.max_queued_spans = 4;
  o.max_batch_spans = 1;
  Fixture f(o);
  f.collector->Hold(true);
  f.tracer->StartSpan("docval.gateway", "session", SpanKind::kServer, nullptr).End();
  ASSERT_TRUE(f.collector->AwaitRequests(1));  // that span is in flight, the queue is empty
  const absl::Time before = absl::Now();
  for (int i = 0; i < 10; ++i) f.tracer->StartSpan("docval.gateway", "session", SpanKind::kServer, nullptr).End();
  EXPECT_LT(absl::Now() - before, absl::Seconds(1));  // ending spans never waits for the collector
  EXPECT_EQ(f.exporter->stats().dropped_queue_full, 6u);
  EXPECT_THAT(f.Metrics(), HasSubstr("docval_trace_spans_dropped_total{reason=\"queue_full\"} 6"));
  EXPECT_THAT(f.Metrics(), HasSubstr("docval_trace_spans_queued 4\n"));
  EXPECT_THAT(f.Metrics(), HasSubstr("docval_trace_spans_max_queued 4\n"));
  f.collector->Answer(503);
  f.collector->Hold(false);
  EXPECT_TRUE(f.exporter->Flush(absl::Seconds(10)));
  EXPECT_EQ(f.exporter->stats().dropped_export_failed, 5u);  // the one in flight and the 4 queued
  EXPECT_THAT(f.Metrics(), HasSubstr("docval_trace_spans_queued 0\n"));
  EXPECT_EQ(f.exporter->stats().exported, 0u);
  EXPECT_THAT(f.Metrics(), HasSubstr("docval_trace_spans_dropped_total{reason=\"export_failed\"} 5"));
}

TEST(OtlpExporterTest, ARefusedConnectionDropsTheBatch) {
  Fixture f;
  f.collector->Answer(0, absl::UnavailableError("connection refused"));
  f.tracer->StartSpan("docval.gateway", "session", SpanKind::kServer, nullptr).End();
  EXPECT_TRUE(f.exporter->Flush(absl::Seconds(10)));
  EXPECT_EQ(f.exporter->stats().dropped_export_failed, 1u);
}

TEST(OtlpExporterTest, ShutdownAbortsAHangingExportAndCountsWhatIsLeft) {
  Fixture f;
  f.collector->Hold(true);
  f.tracer->StartSpan("docval.gateway", "session", SpanKind::kServer, nullptr).End();
  ASSERT_FALSE(f.exporter->Flush(absl::Milliseconds(100)));  // in flight, held
  f.tracer->StartSpan("docval.gateway", "session", SpanKind::kServer, nullptr).End();
  const absl::Time before = absl::Now();
  EXPECT_FALSE(f.exporter->Shutdown(absl::Milliseconds(100)));
  EXPECT_LT(absl::Now() - before, absl::Seconds(5));
  f.tracer->StartSpan("docval.gateway", "late", SpanKind::kServer, nullptr).End();
  EXPECT_EQ(f.exporter->stats().dropped_shutdown, 3u);  // aborted, still queued, ended after
}

TEST(TracerTest, UnsampledSpansPropagateButAreNotExported) {
  Fixture f;
  SpanContext unsampled = *ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  Span s = f.tracer->StartSpan("docval.gateway", "session", SpanKind::kServer, &unsampled);
  EXPECT_FALSE(s.recording());
  EXPECT_TRUE(s.context().valid());
  EXPECT_FALSE(s.context().sampled());
  EXPECT_EQ(s.context().trace_id, unsampled.trace_id);
  s.End();
  EXPECT_TRUE(f.exporter->Flush(absl::Seconds(10)));
  EXPECT_TRUE(f.collector->requests().empty());
}

TEST(TracerTest, ADisabledTracerPropagatesNothing) {
  Tracer off;
  EXPECT_FALSE(off.enabled());
  EXPECT_FALSE(off.DiagnosticsAllowed());
  Span s = off.StartSpan("docval.gateway", "session", SpanKind::kServer, nullptr);
  EXPECT_FALSE(s.recording());
  EXPECT_FALSE(s.context().valid());
  EXPECT_FALSE(GlobalTracer().enabled());
}

TEST(TracerTest, SpansAreBounded) {
  Fixture f;
  Span s = f.tracer->StartSpan("docval.validator", "dialog", SpanKind::kInternal, nullptr);
  for (size_t i = 0; i < kMaxEvents + 5; ++i) s.AddEvent("apdu", {});
  for (size_t i = 0; i < kMaxAttributes + 2; ++i) s.SetAttribute(absl::StrCat("k", i), true);
  s.SetAttribute("k0", std::string(kMaxValueBytes * 2, 'x'));  // replaces, cut
  s.End();
  ASSERT_TRUE(f.exporter->Flush(absl::Seconds(10)));
  const otlp::ExportTraceServiceRequest r = Decode(f.collector->requests()[0]);
  const otlp::Span& o = r.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(o.events_size(), static_cast<int>(kMaxEvents));
  EXPECT_EQ(o.dropped_events_count(), 5u);
  EXPECT_EQ(o.attributes_size(), static_cast<int>(kMaxAttributes));
  EXPECT_EQ(o.dropped_attributes_count(), 2u);
  EXPECT_EQ(o.attributes(0).value().string_value().size(), kMaxValueBytes);
}

}  // namespace
}  // namespace docval::tracing
