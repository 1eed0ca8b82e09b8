#include "tests/e2e/trace_collector.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace docval::e2e {

absl::StatusOr<std::unique_ptr<Collector>> Collector::Start() {
  absl::StatusOr<std::unique_ptr<testsupport::FakeResultServer>> server = testsupport::FakeResultServer::Start({});
  if (!server.ok()) return server.status();
  return std::unique_ptr<Collector>(new Collector(*std::move(server)));
}

std::vector<SpanOf> Collector::Spans() const {
  std::vector<SpanOf> out;
  for (const testsupport::RecordedRequest& r : server_->requests()) {
    otlp::ExportTraceServiceRequest e;
    EXPECT_TRUE(e.ParseFromString(r.body));
    EXPECT_EQ(r.target, "/v1/traces");
    EXPECT_EQ(r.Header("Content-Type"), "application/x-protobuf");
    for (const otlp::ResourceSpans& rs : e.resource_spans()) {
      for (const otlp::ScopeSpans& ss : rs.scope_spans()) {
        for (const otlp::Span& s : ss.spans()) out.push_back({ss.scope().name(), s});
      }
    }
  }
  return out;
}

std::string Collector::Raw() const {
  std::string raw;
  for (const testsupport::RecordedRequest& r : server_->requests()) raw += r.body;
  return raw;
}

bool Collector::Await(const std::function<bool(const std::vector<SpanOf>&)>& done, absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    const size_t seen = server_->request_count();
    if (done(Spans())) return true;
    const absl::Time now = absl::Now();
    if (now >= deadline) return false;
    server_->WaitForRequests(seen + 1, deadline - now);
  }
}

bool Collector::AwaitSpans(const std::vector<std::string>& names, absl::Duration timeout) const {
  return Await(
      [&](const std::vector<SpanOf>& spans) {
        return std::all_of(names.begin(), names.end(), [&](const std::string& n) {
          return std::any_of(spans.begin(), spans.end(), [&](const SpanOf& s) { return s.span.name() == n; });
        });
      },
      timeout);
}

bool Collector::AwaitCount(const std::string& name, size_t n, absl::Duration timeout) const {
  return Await(
      [&](const std::vector<SpanOf>& spans) {
        return static_cast<size_t>(std::count_if(spans.begin(), spans.end(),
                                                 [&](const SpanOf& s) { return s.span.name() == name; })) >= n;
      },
      timeout);
}

const SpanOf* FindSpan(const std::vector<SpanOf>& spans, const std::string& name) {
  for (const SpanOf& s : spans) {
    if (s.span.name() == name) return &s;
  }
  return nullptr;
}

const SpanOf* FindSpanIn(const std::vector<SpanOf>& spans, const std::string& trace_id, const std::string& name) {
  for (const SpanOf& s : spans) {
    if (s.span.trace_id() == trace_id && s.span.name() == name) return &s;
  }
  return nullptr;
}

std::vector<std::string> ChildNames(const std::vector<SpanOf>& spans, const otlp::Span& parent) {
  std::vector<std::string> out;
  for (const SpanOf& s : spans) {
    if (s.span.trace_id() == parent.trace_id() && s.span.parent_span_id() == parent.span_id()) {
      out.push_back(s.span.name());
    }
  }
  return out;
}

const otlp::AnyValue* Attr(const otlp::Span& s, const std::string& key) {
  for (const otlp::KeyValue& kv : s.attributes()) {
    if (kv.key() == key) return &kv.value();
  }
  return nullptr;
}

std::string StrAttr(const otlp::Span& s, const std::string& key) {
  const otlp::AnyValue* v = Attr(s, key);
  return v ? v->string_value() : "<absent>";
}

int64_t IntAttr(const otlp::Span& s, const std::string& key) {
  const otlp::AnyValue* v = Attr(s, key);
  return v ? v->int_value() : -1;
}

std::string IdHex(const std::string& id) { return absl::BytesToHexString(id); }

absl::StatusOr<std::unique_ptr<Deployment>> StartTraced(const std::string& collector_url, bool separate_roles,
                                                        const std::string& more_tracing_yaml) {
  DeploymentOptions o;
  o.separate_roles = separate_roles;
  o.extra_yaml =
      absl::StrCat("tracing: {endpoint: \"", collector_url, "\", schedule_delay_s: 0.05", more_tracing_yaml, "}\n");
  return Deployment::Start(std::move(o));
}

absl::StatusOr<TracedDeployment> StartTracedDeployment(bool separate_roles, const std::string& more_tracing_yaml) {
  TracedDeployment t;
  absl::StatusOr<std::unique_ptr<Collector>> collector = Collector::Start();
  if (!collector.ok()) return collector.status();
  t.collector = *std::move(collector);
  absl::StatusOr<std::unique_ptr<Deployment>> d = StartTraced(t.collector->Url(), separate_roles, more_tracing_yaml);
  if (!d.ok()) return d.status();
  t.deployment = *std::move(d);
  return t;
}

}  // namespace docval::e2e
