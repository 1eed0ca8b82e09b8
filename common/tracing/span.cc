#include "common/tracing/span.h"

#include <utility>

namespace docval::tracing {

std::string BoundedValue(absl::string_view v) { return std::string(v.substr(0, kMaxValueBytes)); }

Span& Span::operator=(Span&& other) noexcept {
  if (this != &other) {
    End();
    context_ = other.context_;
    data_ = std::move(other.data_);
    sink_ = other.sink_;
  }
  return *this;
}

Span::~Span() { End(); }

void Span::Set(absl::string_view key, AttributeValue value) {
  if (!data_) return;
  for (Attribute& a : data_->attributes) {
    if (a.key == key) {
      a.value = std::move(value);
      return;
    }
  }
  if (data_->attributes.size() >= kMaxAttributes) {
    ++data_->dropped_attributes;
    return;
  }
  data_->attributes.push_back({std::string(key), std::move(value)});
}

void Span::SetAttribute(absl::string_view key, absl::string_view value) { Set(key, BoundedValue(value)); }
void Span::SetAttribute(absl::string_view key, int64_t value) { Set(key, value); }
void Span::SetAttribute(absl::string_view key, double value) { Set(key, value); }
void Span::SetAttribute(absl::string_view key, bool value) { Set(key, value); }

void Span::AddEvent(absl::string_view name, Attributes attributes, absl::Time time) {
  if (!data_) return;
  if (data_->events.size() >= kMaxEvents) {
    ++data_->dropped_events;
    return;
  }
  if (attributes.size() > kMaxAttributes) attributes.resize(kMaxAttributes);
  for (Attribute& a : attributes) {
    if (auto* s = std::get_if<std::string>(&a.value); s && s->size() > kMaxValueBytes) s->resize(kMaxValueBytes);
  }
  data_->events.push_back({time, std::string(name), std::move(attributes)});
}

void Span::SetStatus(StatusCode code, absl::string_view message) {
  if (!data_) return;
  data_->status = code;
  data_->status_message = BoundedValue(message);
}

void Span::End(absl::Time end) {
  if (!data_) return;
  data_->end = end;
  std::unique_ptr<SpanData> data = std::move(data_);
  if (sink_ != nullptr) sink_->OnEnd(std::move(*data));
}

}  // namespace docval::tracing
