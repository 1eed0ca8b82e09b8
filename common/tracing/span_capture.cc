#include "common/tracing/span_capture.h"

#include <utility>

#include "common/tracing/otlp_exporter.h"

namespace docval::tracing {

SpanCapture::SpanCapture(bool allow_diagnostics, absl::string_view sampler)
    : tracer_(*Sampler::Create(sampler, ""), this, allow_diagnostics) {
  SetGlobalTracer(&tracer_);
}

SpanCapture::~SpanCapture() { SetGlobalTracer(nullptr); }

void SpanCapture::OnEnd(SpanData span) {
  absl::MutexLock lock(&mu_);
  spans_.push_back(std::move(span));
}

std::vector<SpanData> SpanCapture::spans() const {
  absl::MutexLock lock(&mu_);
  return spans_;
}

std::vector<SpanData> SpanCapture::Named(absl::string_view name) const {
  std::vector<SpanData> out;
  for (SpanData& s : spans()) {
    if (s.name == name) out.push_back(std::move(s));
  }
  return out;
}

std::string SpanCapture::ExportBytes() const {
  return BuildExportRequest({{"service.name", std::string("docval-test")}}, spans()).SerializeAsString();
}

const AttributeValue* FindAttribute(const SpanData& span, absl::string_view key) {
  for (const Attribute& a : span.attributes) {
    if (a.key == key) return &a.value;
  }
  return nullptr;
}

std::string StringAttribute(const SpanData& span, absl::string_view key) {
  const AttributeValue* v = FindAttribute(span, key);
  const std::string* s = v != nullptr ? std::get_if<std::string>(v) : nullptr;
  return s != nullptr ? *s : "<absent>";
}

int64_t IntAttribute(const SpanData& span, absl::string_view key) {
  const AttributeValue* v = FindAttribute(span, key);
  const int64_t* i = v != nullptr ? std::get_if<int64_t>(v) : nullptr;
  return i != nullptr ? *i : -1;
}

}  // namespace docval::tracing
