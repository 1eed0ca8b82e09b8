#include "common/tracing/tracer.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <memory>

#include "absl/random/random.h"

namespace docval::tracing {
namespace {

Sampler DefaultSampler() { return *Sampler::Create("", ""); }

template <size_t N>
void RandomNonZero(std::array<uint8_t, N>& id) {
  thread_local absl::BitGen gen;
  do {
    for (uint8_t& b : id) b = absl::Uniform<uint8_t>(gen);
  } while (std::all_of(id.begin(), id.end(), [](uint8_t b) { return b == 0; }));
}

const Tracer& DisabledTracer() {
  static const Tracer* const kDisabled = new Tracer();
  return *kDisabled;
}

std::atomic<const Tracer*> global_tracer{nullptr};

}  // namespace

Tracer::Tracer() : sampler_(DefaultSampler()) {}

Tracer::Tracer(Sampler sampler, SpanSink* sink, bool allow_diagnostics)
    : sampler_(std::move(sampler)), sink_(sink), allow_diagnostics_(allow_diagnostics) {}

Span Tracer::StartSpan(absl::string_view scope, absl::string_view name, SpanKind kind, const SpanContext* parent,
                       absl::Time start) const {
  if (!enabled()) return Span();
  const bool has_parent = parent != nullptr && parent->valid();
  SpanContext c;
  if (has_parent) {
    c.trace_id = parent->trace_id;
  } else {
    RandomNonZero(c.trace_id);
  }
  RandomNonZero(c.span_id);
  const bool sampled = sampler_.ShouldSample(has_parent ? parent : nullptr, c.trace_id);
  c.flags = sampled ? kSampledFlag : 0;
  if (!sampled) return Span(c, nullptr, nullptr);
  auto data = std::make_unique<SpanData>();
  data->context = c;
  if (has_parent) {
    data->parent_span_id = parent->span_id;
    data->parent_remote = parent->remote;
  }
  data->scope = std::string(scope);
  data->name = std::string(name);
  data->kind = kind;
  data->start = start;
  return Span(c, std::move(data), sink_);
}

const Tracer& GlobalTracer() {
  const Tracer* t = global_tracer.load(std::memory_order_acquire);
  return t != nullptr ? *t : DisabledTracer();
}

void SetGlobalTracer(const Tracer* tracer) { global_tracer.store(tracer, std::memory_order_release); }

}  // namespace docval::tracing
