// The OTLP/HTTP exporter: ended spans are queued, batched and POSTed by a thread of its own to a
// collector's traces URL as binary protobuf (`Content-Type: application/x-protobuf`, one
// ExportTraceServiceRequest per POST, proto/otlp/otlp_trace.proto), through common/http/http_client.h.
//
// It never slows a session: OnEnd() takes a lock for a queue push and returns. The queue holds at
// most `max_queued_spans`; a span that finds it full is dropped. A batch goes out when it reaches
// `max_batch_spans`, when its oldest span has waited `schedule_delay`, or on Flush(). A POST that
// fails (no answer within `export_timeout`, refused, not 2xx) drops its batch: no retries, so a slow
// or absent collector costs at most the queue's memory and one thread. Every dropped span is counted
// in `docval_trace_spans_dropped_total{reason}` (`queue_full`, `export_failed`, `shutdown`);
// exported ones in `docval_trace_spans_exported_total`; the queue's fill in the gauges
// `docval_trace_spans_queued` and `docval_trace_spans_max_queued`.
#ifndef DOCVAL_COMMON_TRACING_OTLP_EXPORTER_H_
#define DOCVAL_COMMON_TRACING_OTLP_EXPORTER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/tracing/span.h"
#include "otlp/otlp_trace.pb.h"
#include "common/http/http_client.h"

namespace prometheus {
class Registry;
template <typename T>
class Family;
class Counter;
class Gauge;
}  // namespace prometheus

namespace docval::tracing {

struct OtlpExporterOptions {
  std::string url;             // the traces URL, e.g. http://collector:4318/v1/traces
  http::HeaderList headers;  // sent with every POST (OTEL_EXPORTER_OTLP_HEADERS)
  Attributes resource;         // service.name and the like
  size_t max_queued_spans = 2048;
  size_t max_batch_spans = 512;
  absl::Duration schedule_delay = absl::Seconds(1);
  absl::Duration export_timeout = absl::Seconds(10);
};

// One request holding `spans` under one resource, grouped by scope (in order of first appearance).
otlp::ExportTraceServiceRequest BuildExportRequest(const Attributes& resource, const std::vector<SpanData>& spans);

class OtlpHttpExporter : public SpanSink {
 public:
  // `client` sends the POSTs; `registry` (may be null) gets the counters. Starts the export thread.
  OtlpHttpExporter(OtlpExporterOptions options, std::unique_ptr<http::HttpClient> client,
                   prometheus::Registry* registry);
  ~OtlpHttpExporter() override;  // Shutdown(0) unless done

  void OnEnd(SpanData span) override;

  // Exports every span queued so far (and waits for an export in flight) for up to `timeout`. True
  // when the queue was empty and nothing in flight before the deadline.
  bool Flush(absl::Duration timeout);
  // Flush(timeout), then stops the thread: a POST still running is aborted, spans still queued and
  // spans that end later are dropped (`shutdown`). Idempotent.
  bool Shutdown(absl::Duration timeout);

  struct Stats {
    uint64_t exported = 0;
    uint64_t dropped_queue_full = 0;
    uint64_t dropped_export_failed = 0;
    uint64_t dropped_shutdown = 0;
  };
  Stats stats() const;

 private:
  void Run();
  bool Send(const std::vector<SpanData>& batch) ABSL_LOCKS_EXCLUDED(mu_);  // a blocking POST
  void CountDropped(uint64_t n, int reason) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CountQueued() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);  // the queue's size into its gauge

  const OtlpExporterOptions options_;
  const std::unique_ptr<http::HttpClient> client_;
  prometheus::Counter* exported_counter_ = nullptr;
  prometheus::Counter* dropped_counters_[3] = {nullptr, nullptr, nullptr};
  prometheus::Gauge* queued_gauge_ = nullptr;

  mutable absl::Mutex mu_;
  std::deque<SpanData> queue_ ABSL_GUARDED_BY(mu_);
  absl::Time oldest_ ABSL_GUARDED_BY(mu_);  // when the queue's first span arrived
  int flush_waiters_ ABSL_GUARDED_BY(mu_) = 0;
  bool in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  Stats stats_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> abort_{false};  // polled by a running POST
  std::thread thread_;
};

}  // namespace docval::tracing

#endif  // DOCVAL_COMMON_TRACING_OTLP_EXPORTER_H_
