#include "common/tracing/otlp_exporter.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace docval::tracing {
namespace {

enum DropReason { kQueueFull = 0, kExportFailed = 1, kShutdown = 2 };
constexpr const char* kDropReasonNames[] = {"queue_full", "export_failed", "shutdown"};

// OTLP Span.flags: bits 0-7 the W3C trace flags, bit 8 "whether the parent is remote is known", bit 9
// "the parent is remote".
constexpr uint32_t kContextHasIsRemote = 0x100;
constexpr uint32_t kContextIsRemote = 0x200;

void SetValue(const AttributeValue& v, otlp::AnyValue* out) {
  if (const bool* b = std::get_if<bool>(&v)) {
    out->set_bool_value(*b);
  } else if (const int64_t* i = std::get_if<int64_t>(&v)) {
    out->set_int_value(*i);
  } else if (const double* d = std::get_if<double>(&v)) {
    out->set_double_value(*d);
  } else {
    out->set_string_value(std::get<std::string>(v));
  }
}

void SetAttributes(const Attributes& in, google::protobuf::RepeatedPtrField<otlp::KeyValue>* out) {
  for (const Attribute& a : in) {
    otlp::KeyValue* kv = out->Add();
    kv->set_key(a.key);
    SetValue(a.value, kv->mutable_value());
  }
}

uint64_t UnixNanos(absl::Time t) { return static_cast<uint64_t>(absl::ToUnixNanos(t)); }

void FillSpan(const SpanData& s, otlp::Span* out) {
  out->set_trace_id(s.context.trace_id.data(), s.context.trace_id.size());
  out->set_span_id(s.context.span_id.data(), s.context.span_id.size());
  const bool has_parent = s.parent_span_id != SpanId{};
  if (has_parent) out->set_parent_span_id(s.parent_span_id.data(), s.parent_span_id.size());
  out->set_flags(s.context.flags | kContextHasIsRemote | (has_parent && s.parent_remote ? kContextIsRemote : 0));
  out->set_name(s.name);
  switch (s.kind) {
    case SpanKind::kInternal: out->set_kind(otlp::Span::SPAN_KIND_INTERNAL); break;
    case SpanKind::kServer: out->set_kind(otlp::Span::SPAN_KIND_SERVER); break;
    case SpanKind::kClient: out->set_kind(otlp::Span::SPAN_KIND_CLIENT); break;
  }
  out->set_start_time_unix_nano(UnixNanos(s.start));
  out->set_end_time_unix_nano(UnixNanos(s.end));
  SetAttributes(s.attributes, out->mutable_attributes());
  out->set_dropped_attributes_count(s.dropped_attributes);
  for (const SpanEvent& e : s.events) {
    otlp::Span::Event* oe = out->add_events();
    oe->set_time_unix_nano(UnixNanos(e.time));
    oe->set_name(e.name);
    SetAttributes(e.attributes, oe->mutable_attributes());
  }
  out->set_dropped_events_count(s.dropped_events);
  if (s.status != StatusCode::kUnset) {
    out->mutable_status()->set_code(s.status == StatusCode::kOk ? otlp::Status::STATUS_CODE_OK
                                                                : otlp::Status::STATUS_CODE_ERROR);
    out->mutable_status()->set_message(s.status_message);
  }
}

}  // namespace

otlp::ExportTraceServiceRequest BuildExportRequest(const Attributes& resource, const std::vector<SpanData>& spans) {
  otlp::ExportTraceServiceRequest r;
  otlp::ResourceSpans* rs = r.add_resource_spans();
  SetAttributes(resource, rs->mutable_resource()->mutable_attributes());
  for (const SpanData& s : spans) {
    otlp::ScopeSpans* scope = nullptr;
    for (otlp::ScopeSpans& ss : *rs->mutable_scope_spans()) {
      if (ss.scope().name() == s.scope) scope = &ss;
    }
    if (scope == nullptr) {
      scope = rs->add_scope_spans();
      scope->mutable_scope()->set_name(s.scope);
    }
    FillSpan(s, scope->add_spans());
  }
  return r;
}

OtlpHttpExporter::OtlpHttpExporter(OtlpExporterOptions options, std::unique_ptr<http::HttpClient> client,
                                   prometheus::Registry* registry)
    : options_(std::move(options)), client_(std::move(client)) {
  if (registry != nullptr) {
    exported_counter_ = &prometheus::BuildCounter()
                             .Name("docval_trace_spans_exported_total")
                             .Help("Spans a collector accepted")
                             .Register(*registry)
                             .Add({});
    auto& dropped = prometheus::BuildCounter()
                        .Name("docval_trace_spans_dropped_total")
                        .Help("Spans not exported: queue_full, export_failed, shutdown")
                        .Register(*registry);
    for (int i = 0; i < 3; ++i) dropped_counters_[i] = &dropped.Add({{"reason", kDropReasonNames[i]}});
    queued_gauge_ = &prometheus::BuildGauge()
                         .Name("docval_trace_spans_queued")
                         .Help("Ended spans waiting for their export (at most docval_trace_spans_max_queued)")
                         .Register(*registry)
                         .Add({});
    prometheus::BuildGauge()
        .Name("docval_trace_spans_max_queued")
        .Help("The export queue's size (tracing.max_queued_spans): a full queue drops new spans")
        .Register(*registry)
        .Add({})
        .Set(static_cast<double>(options_.max_queued_spans));
  }
  thread_ = std::thread([this] { Run(); });
}

OtlpHttpExporter::~OtlpHttpExporter() { Shutdown(absl::ZeroDuration()); }

void OtlpHttpExporter::CountDropped(uint64_t n, int reason) {
  if (n == 0) return;
  if (reason == kQueueFull) stats_.dropped_queue_full += n;
  if (reason == kExportFailed) stats_.dropped_export_failed += n;
  if (reason == kShutdown) stats_.dropped_shutdown += n;
  if (dropped_counters_[reason] != nullptr) dropped_counters_[reason]->Increment(static_cast<double>(n));
}

void OtlpHttpExporter::OnEnd(SpanData span) {
  absl::MutexLock lock(&mu_);
  if (stopping_) {
    CountDropped(1, kShutdown);
    return;
  }
  if (queue_.size() >= options_.max_queued_spans) {
    CountDropped(1, kQueueFull);
    return;
  }
  if (queue_.empty()) oldest_ = absl::Now();
  queue_.push_back(std::move(span));
  CountQueued();
}

void OtlpHttpExporter::CountQueued() {
  if (queued_gauge_ != nullptr) queued_gauge_->Set(static_cast<double>(queue_.size()));
}

void OtlpHttpExporter::Run() {
  for (;;) {
    std::vector<SpanData> batch;
    {
      absl::MutexLock lock(&mu_);
      for (;;) {
        if (stopping_) return;
        const bool due = !queue_.empty() && (queue_.size() >= options_.max_batch_spans || flush_waiters_ > 0 ||
                                             absl::Now() >= oldest_ + options_.schedule_delay);
        if (due) break;
        if (queue_.empty()) {
          auto work = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_ || !queue_.empty(); };
          mu_.Await(absl::Condition(&work));
        } else {
          auto batch_due = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
            return stopping_ || flush_waiters_ > 0 || queue_.size() >= options_.max_batch_spans;
          };
          mu_.AwaitWithDeadline(absl::Condition(&batch_due), oldest_ + options_.schedule_delay);
        }
      }
      const size_t n = std::min(queue_.size(), options_.max_batch_spans);
      batch.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      if (!queue_.empty()) oldest_ = absl::Now();
      CountQueued();
      in_flight_ = true;
    }
    const bool ok = Send(batch);
    absl::MutexLock lock(&mu_);
    in_flight_ = false;
    if (ok) {
      stats_.exported += batch.size();
      if (exported_counter_ != nullptr) exported_counter_->Increment(static_cast<double>(batch.size()));
    } else {
      CountDropped(batch.size(), abort_.load() ? kShutdown : kExportFailed);
    }
  }
}

bool OtlpHttpExporter::Send(const std::vector<SpanData>& batch) {
  http::HttpRequest request;
  request.url = options_.url;
  request.headers = options_.headers;
  request.headers.emplace_back("Content-Type", "application/x-protobuf");
  request.body = BuildExportRequest(options_.resource, batch).SerializeAsString();
  request.timeout = options_.export_timeout;
  absl::StatusOr<http::HttpResponse> response = client_->Post(request, [this] { return abort_.load(); });
  return response.ok() && response->status >= 200 && response->status < 300;
}

bool OtlpHttpExporter::Flush(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::MutexLock lock(&mu_);
  if (stopped_) return queue_.empty();
  ++flush_waiters_;
  auto drained = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return queue_.empty() && !in_flight_; };
  const bool done = mu_.AwaitWithDeadline(absl::Condition(&drained), deadline);
  --flush_waiters_;
  return done;
}

bool OtlpHttpExporter::Shutdown(absl::Duration timeout) {
  const bool flushed = Flush(timeout);
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return flushed;
    stopping_ = true;
    stopped_ = true;
  }
  abort_ = true;
  thread_.join();
  absl::MutexLock lock(&mu_);
  CountDropped(queue_.size(), kShutdown);
  queue_.clear();
  CountQueued();
  return flushed;
}

OtlpHttpExporter::Stats OtlpHttpExporter::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

}  // namespace docval::tracing
