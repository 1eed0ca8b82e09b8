// Traces in end-to-end tests (docs/operations.md, "Traces"): an OTLP/HTTP collector played by a test
// HTTP server, whose raw request bodies are decoded with the OTLP messages, the lookups the tests
// make on the spans, and a deployment whose processes export to it.
#ifndef DOCVAL_TESTS_E2E_TRACE_COLLECTOR_H_
#define DOCVAL_TESTS_E2E_TRACE_COLLECTOR_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "otlp/otlp_trace.pb.h"
#include "tests/e2e/harness.h"
#include "tests/support/fake_result_server.h"

namespace docval::e2e {

struct SpanOf {
  std::string scope;
  otlp::Span span;
};

// The collector: every export POST (to /v1/traces, binary protobuf), decoded.
class Collector {
 public:
  static absl::StatusOr<std::unique_ptr<Collector>> Start();
  std::string Url() const { return server_->Url(""); }
  std::vector<SpanOf> Spans() const;
  // The request bodies as they arrived, concatenated: what a privacy check searches.
  std::string Raw() const;
  // Waits (bounded) until the spans include every name of `names`. Spans of one process arrive in the
  // order they ended (one export at a time), so waiting for the last one of each process suffices.
  bool AwaitSpans(const std::vector<std::string>& names, absl::Duration timeout) const;
  // Waits (bounded) until at least `n` spans are named `name`.
  bool AwaitCount(const std::string& name, size_t n, absl::Duration timeout) const;

 private:
  explicit Collector(std::unique_ptr<testsupport::FakeResultServer> server) : server_(std::move(server)) {}
  bool Await(const std::function<bool(const std::vector<SpanOf>&)>& done, absl::Duration timeout) const;
  std::unique_ptr<testsupport::FakeResultServer> server_;
};

// The first span named `name`, or nullptr.
const SpanOf* FindSpan(const std::vector<SpanOf>& spans, const std::string& name);
// The first span named `name` in the trace `trace_id` (raw bytes), or nullptr.
const SpanOf* FindSpanIn(const std::vector<SpanOf>& spans, const std::string& trace_id, const std::string& name);
// The names of the spans whose parent is `parent`.
std::vector<std::string> ChildNames(const std::vector<SpanOf>& spans, const otlp::Span& parent);
const otlp::AnyValue* Attr(const otlp::Span& s, const std::string& key);
std::string StrAttr(const otlp::Span& s, const std::string& key);  // "<absent>" when missing
int64_t IntAttr(const otlp::Span& s, const std::string& key);      // -1 when missing
std::string IdHex(const std::string& id);

// A deployment whose processes export to `collector_url` within 50 ms of a span's end;
// `more_tracing_yaml` (", key: value, ...") is added to its `tracing` map.
absl::StatusOr<std::unique_ptr<Deployment>> StartTraced(const std::string& collector_url, bool separate_roles,
                                                        const std::string& more_tracing_yaml = "");

// A collector and a deployment exporting to it (StartTraced).
struct TracedDeployment {
  std::unique_ptr<Collector> collector;
  std::unique_ptr<Deployment> deployment;
};
absl::StatusOr<TracedDeployment> StartTracedDeployment(bool separate_roles, const std::string& more_tracing_yaml = "");

}  // namespace docval::e2e

#endif  // DOCVAL_TESTS_E2E_TRACE_COLLECTOR_H_
