// Spans: what one unit of work recorded (span.h), and the handle the code that does the work holds.
//
// A Span is created by Tracer::StartSpan (tracer.h) and ended once, by End() or its destructor; at its
// end its record goes to the tracer's sink (the exporter) and the handle becomes inert. A span the
// sampler left out, or one started while tracing is off, records nothing and costs a branch per call;
// its context() still carries the ids and the sampled flag to hand on (invalid when tracing is off).
// One owner at a time: a Span is not thread-safe (the gateway's strand, a validator step, a delivery
// worker own theirs), but it may move between threads.
//
// Bounds: at most kMaxAttributes attributes (further ones are counted as dropped, a repeated key
// replaces the earlier value) and kMaxEvents events per span (further ones are counted as dropped),
// string values cut to kMaxValueBytes: a chip that makes a session long cannot make its span unbounded.
#ifndef DOCVAL_COMMON_TRACING_SPAN_H_
#define DOCVAL_COMMON_TRACING_SPAN_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/tracing/trace_context.h"

namespace docval::tracing {

inline constexpr size_t kMaxAttributes = 64;
inline constexpr size_t kMaxEvents = 1024;
inline constexpr size_t kMaxValueBytes = 1024;

using AttributeValue = std::variant<bool, int64_t, double, std::string>;

struct Attribute {
  std::string key;
  AttributeValue value;
};
using Attributes = std::vector<Attribute>;

struct SpanEvent {
  absl::Time time;
  std::string name;
  Attributes attributes;
};

enum class SpanKind { kInternal, kServer, kClient };
enum class StatusCode { kUnset, kOk, kError };

// The record of one ended span, as the exporter sees it.
struct SpanData {
  SpanContext context;
  SpanId parent_span_id{};  // all zero: a root span
  bool parent_remote = false;
  std::string scope;  // the instrumentation scope: "docval.gateway", "docval.validator", ...
  std::string name;
  SpanKind kind = SpanKind::kInternal;
  absl::Time start;
  absl::Time end;
  Attributes attributes;
  uint32_t dropped_attributes = 0;
  std::vector<SpanEvent> events;
  uint32_t dropped_events = 0;
  StatusCode status = StatusCode::kUnset;
  std::string status_message;
};

// Where ended spans go. Implementations must not block the caller (the exporter queues or drops).
class SpanSink {
 public:
  virtual ~SpanSink() = default;
  virtual void OnEnd(SpanData span) = 0;
};

class Span {
 public:
  Span() = default;  // inert, invalid context
  Span(Span&&) noexcept = default;
  Span& operator=(Span&& other) noexcept;
  ~Span();

  // The ids to hand to children and other processes (valid unless tracing is off).
  const SpanContext& context() const { return context_; }
  // True while this span records (sampled and not yet ended).
  bool recording() const { return data_ != nullptr; }

  void SetAttribute(absl::string_view key, absl::string_view value);
  void SetAttribute(absl::string_view key, const char* value) { SetAttribute(key, absl::string_view(value)); }
  void SetAttribute(absl::string_view key, int64_t value);
  void SetAttribute(absl::string_view key, int value) { SetAttribute(key, static_cast<int64_t>(value)); }
  void SetAttribute(absl::string_view key, double value);
  void SetAttribute(absl::string_view key, bool value);
  void AddEvent(absl::string_view name, Attributes attributes, absl::Time time = absl::Now());
  // kError with a short, data-free message (a close reason, a gRPC status code's name).
  void SetStatus(StatusCode code, absl::string_view message = "");
  void End(absl::Time end = absl::Now());

 private:
  friend class Tracer;
  Span(SpanContext context, std::unique_ptr<SpanData> data, SpanSink* sink)
      : context_(context), data_(std::move(data)), sink_(sink) {}
  void Set(absl::string_view key, AttributeValue value);

  SpanContext context_;
  std::unique_ptr<SpanData> data_;  // null: not recording
  SpanSink* sink_ = nullptr;
};

// Cuts a string value to kMaxValueBytes (at a byte boundary; values are ASCII in practice).
std::string BoundedValue(absl::string_view v);

}  // namespace docval::tracing

#endif  // DOCVAL_COMMON_TRACING_SPAN_H_
