// The metric and label names the alert rules and the dashboard use exist in DocVal's /metrics: a
// real `docval serve` (every role in one process, one registry) runs a session, its exposition is
// read, and every `docval_*` selector of deploy/prometheus/docval-rules.yaml and
// deploy/grafana/docval-dashboard.json must name a family it exposes, with label matchers on labels
// that family has. Traces are on (exported to a test collector), so that the exporter's families are
// there too. (The rules' logic is tested by promtool: docval-rules_test.yaml.)
#include <fstream>
#include <map>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "base/testing/paths.h"
#include "gtest/gtest.h"
#include "tests/e2e/harness.h"

namespace docval {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// family name -> label names seen on its samples, from a Prometheus text exposition.
std::map<std::string, std::set<std::string>> Families(const std::string& exposition) {
  std::map<std::string, std::set<std::string>> out;
  std::map<std::string, std::string> types;
  for (absl::string_view line : absl::StrSplit(exposition, '\n')) {
    if (absl::ConsumePrefix(&line, "# TYPE ")) {
      std::vector<std::string> parts = absl::StrSplit(line, ' ');
      if (parts.size() == 2) {
        out[parts[0]];
        types[parts[0]] = parts[1];
      }
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    size_t brace = line.find('{');
    std::string sample(line.substr(0, std::min(brace, line.find(' '))));
    std::string family = sample;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      absl::string_view base = sample;
      if (absl::ConsumeSuffix(&base, suffix) && types.count(std::string(base))) family = std::string(base);
    }
    if (brace == absl::string_view::npos) continue;
    static const std::regex kLabel(R"(([a-zA-Z_][a-zA-Z0-9_]*)=")");
    std::string labels(line.substr(brace));
    for (std::sregex_iterator it(labels.begin(), labels.end(), kLabel), end; it != end; ++it) {
      if ((*it)[1] != "le") out[family].insert((*it)[1]);
    }
  }
  return out;
}

// Every PromQL expression of the rules and the dashboard.
std::vector<std::string> Expressions() {
  std::vector<std::string> out;
  YAML::Node rules = YAML::LoadFile(docval::SourcePath("deploy/prometheus/docval-rules.yaml"));
  for (const YAML::Node& g : rules["groups"]) {
    for (const YAML::Node& r : g["rules"]) out.push_back(r["expr"].as<std::string>());
  }
  nlohmann::json dash = nlohmann::json::parse(ReadFile(docval::SourcePath("deploy/grafana/docval-dashboard.json")));
  for (const auto& panel : dash["panels"]) {
    for (const auto& t : panel.value("targets", nlohmann::json::array())) out.push_back(t.value("expr", ""));
  }
  return out;
}

TEST(RulesMetricsTest, RulesAndDashboardUseMetricsAndLabelsDocValExposes) {
  absl::StatusOr<std::unique_ptr<testsupport::FakeResultServer>> collector = testsupport::FakeResultServer::Start({});
  ASSERT_TRUE(collector.ok()) << collector.status();
  e2e::DeploymentOptions o;
  o.extra_yaml = absl::StrCat("tracing: {endpoint: \"", (*collector)->Url(""), "\"}\n");
  absl::StatusOr<std::unique_ptr<e2e::Deployment>> d = e2e::Deployment::Start(o);
  ASSERT_TRUE(d.ok()) << d.status();
  absl::StatusOr<relay::RelayOutcome> out = e2e::RunPassportSession((*d)->WsUrl());
  ASSERT_TRUE(out.ok()) << out.status();
  // The phone sees the close before the gateway counts the ended session: read /metrics until the
  // count is there (or the deadline passes).
  absl::StatusOr<std::pair<int, std::string>> metrics;
  std::map<std::string, std::set<std::string>> families;
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  do {
    metrics = e2e::HttpGet((*d)->metrics_port(), "/metrics");
    ASSERT_TRUE(metrics.ok()) << metrics.status();
    families = Families(metrics->second);
    if (families.count("docval_sessions_total")) break;
    absl::SleepFor(absl::Milliseconds(20));
  } while (absl::Now() < deadline);
  ASSERT_TRUE(families.count("docval_sessions_total")) << metrics->second;

  static const std::regex kSelector(R"((docval_[a-z0-9_]+)(\{([^}]*)\})?)");
  static const std::regex kMatcher(R"(([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=))");
  std::vector<std::string> exprs = Expressions();
  ASSERT_GE(exprs.size(), 10u);
  int selectors = 0;
  for (const std::string& expr : exprs) {
    for (std::sregex_iterator it(expr.begin(), expr.end(), kSelector), end; it != end; ++it) {
      std::string name = (*it)[1];
      for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        absl::string_view base = name;
        if (absl::ConsumeSuffix(&base, suffix) && families.count(std::string(base))) name = std::string(base);
      }
      ++selectors;
      ASSERT_TRUE(families.count(name)) << name << " (in: " << expr << ") is not exposed by DocVal";
      std::string matchers = (*it)[3];
      for (std::sregex_iterator m(matchers.begin(), matchers.end(), kMatcher); m != end; ++m) {
        EXPECT_TRUE(families[name].count((*m)[1])) << name << " has no label " << (*m)[1] << " (in: " << expr << ")";
      }
    }
  }
  EXPECT_GE(selectors, 15);
  // The exporter's families, which the trace alert and panels read, are among those checked.
  for (const char* family : {"docval_trace_spans_dropped_total", "docval_trace_spans_exported_total",
                             "docval_trace_spans_queued", "docval_trace_spans_max_queued"}) {
    EXPECT_TRUE(families.count(family)) << family;
  }
  EXPECT_TRUE(families["docval_trace_spans_dropped_total"].count("reason"));
  // So are the trust store's (the deployment trusts the test PKI: certificates and CRLs).
  for (const char* family : {"docval_validator_trust_store_crl_next_update_timestamp_seconds",
                             "docval_validator_trust_store_csca_expiry_timestamp_seconds",
                             "docval_validator_trust_store_last_reload_failed",
                             "docval_validator_trust_store_certificates"}) {
    EXPECT_TRUE(families.count(family)) << family;
  }
  EXPECT_TRUE(families["docval_validator_trust_store_reloads_total"].count("outcome"));
  EXPECT_TRUE((*d)->Stop());
}

}  // namespace
}  // namespace docval
