// Traces end to end (docs/operations.md, "Traces"): the real role processes export their spans over
// OTLP/HTTP to a collector played by a test HTTP server (trace_collector.h), whose raw request bodies
// are decoded with the OTLP messages. Asserts one trace per WebSocket v1 session with the right
// parent/child shape across the three roles, the attributes, the privacy rule (no personal data or
// APDU bytes without diagnostics, status words with them), and that a collector that hangs or refuses
// slows no session while drops are counted. WebSocket v2 sessions and POST /v4/validate requests:
// ws2_e2e_test.cc and v4_validate_e2e_test.cc.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "otlp/otlp_trace.pb.h"
#include "tests/e2e/harness.h"
#include "tests/e2e/trace_collector.h"

namespace docval::e2e {
namespace {

using ::testing::HasSubstr;

constexpr char kProfile[] = "pace-gm-ecdh-ca-aa";
// The app's trace: the session's root span must be its child.
constexpr char kAppTraceparent[] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

struct SessionRun {
  relay::RelayOutcome outcome;
  std::vector<std::string> commands;
  std::vector<std::string> responses;
};

absl::StatusOr<SessionRun> RunTracedSession(Deployment& d, bool diagnostics) {
  absl::StatusOr<Passport> passport = MakePassport(kProfile);
  if (!passport.ok()) return passport.status();
  nlohmann::json start = nlohmann::json::parse(passport->start_message);
  start["enable_diagnostics"] = diagnostics;
  SessionRun run;
  auto chip = [&](const std::string& c) {
    run.commands.push_back(c);
    std::optional<std::string> r = passport->chip(c);
    if (r) run.responses.push_back(*r);
    return r;
  };
  relay::WsClientOptions options;
  options.headers.emplace_back("traceparent", kAppTraceparent);
  absl::StatusOr<relay::RelayOutcome> out = RunSession(d.WsUrl(), start.dump(), chip, options);
  if (!out.ok()) return out.status();
  run.outcome = *std::move(out);
  return run;
}

TEST(TracingE2eTest, OneTraceAcrossTheThreeRolesWithoutPersonalDataOrApduBytes) {
  absl::StatusOr<TracedDeployment> traced = StartTracedDeployment(/*separate_roles=*/true);
  ASSERT_TRUE(traced.ok()) << traced.status();
  Collector& collector = *traced->collector;
  Deployment& d = *traced->deployment;
  absl::StatusOr<SessionRun> run = RunTracedSession(d, /*diagnostics=*/false);
  ASSERT_TRUE(run.ok()) << run.status();
  ASSERT_EQ(run->outcome.close.code, 1000);
  ASSERT_TRUE(run->outcome.result.has_value());
  ASSERT_TRUE(collector.AwaitSpans(
      {"docval.session", "docval.dialog", "docval.delivery", "docval.delivery_attempt", "PASSIVE_AUTHENTICATION"},
      absl::Seconds(20)))
      << d.AllOutput();
  std::vector<SpanOf> spans = collector.Spans();

  // One trace, the app's.
  for (const SpanOf& s : spans)
    EXPECT_EQ(IdHex(s.span.trace_id()), "0af7651916cd43dd8448eb211c80319c") << s.span.name();
  const SpanOf* session = FindSpan(spans, "docval.session");
  const SpanOf* dialog = FindSpan(spans, "docval.dialog");
  const SpanOf* delivery = FindSpan(spans, "docval.delivery");
  const SpanOf* attempt = FindSpan(spans, "docval.delivery_attempt");
  ASSERT_TRUE(session && dialog && delivery && attempt);
  EXPECT_EQ(session->scope, "docval.gateway");
  EXPECT_EQ(dialog->scope, "docval.validator");
  EXPECT_EQ(delivery->scope, "docval.poster");
  // The shape: app -> session -> {dialog -> steps, delivery -> attempt}.
  EXPECT_EQ(IdHex(session->span.parent_span_id()), "b7ad6b7169203331");
  EXPECT_EQ(session->span.kind(), otlp::Span::SPAN_KIND_SERVER);
  EXPECT_EQ(session->span.flags() & 0x300, 0x300u);  // the parent is remote
  EXPECT_EQ(dialog->span.parent_span_id(), session->span.span_id());
  EXPECT_EQ(delivery->span.parent_span_id(), session->span.span_id());
  EXPECT_EQ(attempt->span.parent_span_id(), delivery->span.span_id());
  std::vector<std::string> steps;
  for (const SpanOf& s : spans) {
    if (s.span.parent_span_id() == dialog->span.span_id()) steps.push_back(s.span.name());
  }
  EXPECT_THAT(steps, ::testing::UnorderedElementsAre("READ_ATR_INFO", "ACCESS_CONTROL", "READ_SOD", "READ_DG14",
                                                     "CHIP_AUTHENTICATION", "READ_DG15", "ACTIVE_AUTHENTICATION",
                                                     "READ_DG1", "READ_DG2", "READ_DG7", "READ_DG11", "READ_DG12",
                                                     "PASSIVE_AUTHENTICATION"));
  EXPECT_LE(session->span.start_time_unix_nano(), dialog->span.start_time_unix_nano());
  EXPECT_GE(session->span.end_time_unix_nano(), delivery->span.end_time_unix_nano());

  // The attributes.
  EXPECT_EQ(StrAttr(session->span, "docval.protocol"), "ws1");
  EXPECT_EQ(StrAttr(session->span, "docval.platform"), "android");
  EXPECT_EQ(StrAttr(session->span, "docval.outcome"), "success");
  EXPECT_EQ(IntAttr(session->span, "docval.close_code"), 1000);
  EXPECT_EQ(IntAttr(session->span, "docval.round_trips"), static_cast<int64_t>(run->commands.size()));
  EXPECT_GT(IntAttr(session->span, "docval.bytes_to_client"), 0);
  EXPECT_GT(IntAttr(session->span, "docval.bytes_from_client"), 0);
  EXPECT_EQ(session->span.status().code(), otlp::Status::STATUS_CODE_OK);
  const SpanOf* ac = FindSpan(spans, "ACCESS_CONTROL");
  ASSERT_NE(ac, nullptr);
  EXPECT_EQ(StrAttr(ac->span, "docval.access_control.protocol"), "PACE");
  EXPECT_EQ(StrAttr(ac->span, "docval.access_control.mapping"), "GM");
  EXPECT_GT(IntAttr(ac->span, "docval.round_trips"), 0);
  const SpanOf* dg1 = FindSpan(spans, "READ_DG1");
  ASSERT_NE(dg1, nullptr);
  EXPECT_GT(IntAttr(dg1->span, "docval.file.bytes"), 80);  // a TD3 MRZ is 88 characters
  EXPECT_GT(IntAttr(dg1->span, "docval.round_trips"), 0);
  EXPECT_EQ(StrAttr(FindSpan(spans, "CHIP_AUTHENTICATION")->span, "docval.chip_authentication"), "SUCCESS");
  EXPECT_EQ(StrAttr(FindSpan(spans, "ACTIVE_AUTHENTICATION")->span, "docval.active_authentication"), "SUCCESS");
  const otlp::AnyValue* pa = Attr(FindSpan(spans, "PASSIVE_AUTHENTICATION")->span, "docval.passive_authentication");
  ASSERT_NE(pa, nullptr);
  EXPECT_TRUE(pa->bool_value());
  EXPECT_EQ(StrAttr(dialog->span, "docval.outcome"), "result");
  EXPECT_EQ(IntAttr(attempt->span, "http.response.status_code"), 200);
  EXPECT_EQ(StrAttr(delivery->span, "docval.outcome"), "delivered");

  // Privacy: nothing of the holder, the access key or the APDUs in the raw export.
  const std::string raw = collector.Raw();
  const nlohmann::json& mrz = (*run->outcome.result)["emrtd_passport"]["mrz_info"];
  for (const char* key : {"document_number", "primary_identifier", "date_of_birth", "date_of_expiry"}) {
    const std::string v = mrz[key].get<std::string>();
    ASSERT_GE(v.size(), 4u) << key;
    EXPECT_EQ(raw.find(v), std::string::npos) << key << " is in the export";
  }
  for (const auto& name : mrz["secondary_identifier"]) EXPECT_EQ(raw.find(name.get<std::string>()), std::string::npos);
  for (const std::vector<std::string>* apdus : {&run->commands, &run->responses}) {
    for (const std::string& a : *apdus) {
      if (a.size() < 8) continue;  // too short to tell from random ids
      EXPECT_EQ(raw.find(a), std::string::npos) << "APDU bytes in the export: " << absl::BytesToHexString(a);
      EXPECT_EQ(absl::AsciiStrToLower(raw).find(absl::BytesToHexString(a)), std::string::npos);
    }
  }
  EXPECT_EQ(raw.find(std::string("\x0a\x02sw", 4)), std::string::npos);  // no attribute named "sw"
  for (const SpanOf& s : spans) {
    for (const otlp::Span::Event& e : s.span.events()) EXPECT_NE(e.name(), "response") << s.span.name();
  }
  EXPECT_TRUE(d.Stop()) << d.AllOutput();
}

TEST(TracingE2eTest, DiagnosticsPutStatusWordsIntoSpanEvents) {
  absl::StatusOr<TracedDeployment> traced = StartTracedDeployment(/*separate_roles=*/false);
  ASSERT_TRUE(traced.ok()) << traced.status();
  Collector& collector = *traced->collector;
  Deployment& d = *traced->deployment;
  absl::StatusOr<SessionRun> run = RunTracedSession(d, /*diagnostics=*/true);
  ASSERT_TRUE(run.ok()) << run.status();
  ASSERT_EQ(run->outcome.close.code, 1000);
  ASSERT_TRUE(collector.AwaitSpans({"docval.session", "docval.dialog", "docval.delivery"}, absl::Seconds(20)));
  std::vector<SpanOf> spans = collector.Spans();
  std::map<std::string, int> sw_by_scope;
  for (const SpanOf& s : spans) {
    for (const otlp::Span::Event& e : s.span.events()) {
      for (const otlp::KeyValue& kv : e.attributes()) {
        if (e.name() == "response" && kv.key() == "sw" && kv.value().string_value() == "9000") ++sw_by_scope[s.scope];
      }
    }
  }
  // Every answer the chip gave with 9000, once at the gateway and once in the validator's steps.
  const int answered_9000 =
      static_cast<int>(std::count_if(run->responses.begin(), run->responses.end(), [](const std::string& r) {
        return r.size() >= 2 && r.substr(r.size() - 2) == std::string("\x90\x00", 2);
      }));
  EXPECT_GT(answered_9000, 5);
  EXPECT_EQ(sw_by_scope["docval.gateway"], answered_9000);
  EXPECT_EQ(sw_by_scope["docval.validator"], answered_9000);
  EXPECT_THAT(collector.Raw(), HasSubstr("9000"));
  const SpanOf* atr = FindSpan(spans, "READ_ATR_INFO");
  ASSERT_NE(atr, nullptr);
  EXPECT_NE(StrAttr(atr->span, "docval.ef_card_access.hex"), "<absent>");
  EXPECT_TRUE(d.Stop()) << d.AllOutput();
}

TEST(TracingE2eTest, ADeploymentCanForbidDiagnostics) {
  absl::StatusOr<TracedDeployment> traced =
      StartTracedDeployment(/*separate_roles=*/false, ", allow_diagnostics: false");
  ASSERT_TRUE(traced.ok()) << traced.status();
  Collector& collector = *traced->collector;
  Deployment& d = *traced->deployment;
  absl::StatusOr<SessionRun> run = RunTracedSession(d, /*diagnostics=*/true);
  ASSERT_TRUE(run.ok()) << run.status();
  ASSERT_EQ(run->outcome.close.code, 1000);
  ASSERT_TRUE(collector.AwaitSpans({"docval.session", "docval.dialog", "PASSIVE_AUTHENTICATION"}, absl::Seconds(20)));
  std::vector<SpanOf> spans = collector.Spans();
  for (const SpanOf& s : spans) {
    for (const otlp::Span::Event& e : s.span.events()) EXPECT_EQ(e.name(), "status") << s.span.name();
    EXPECT_EQ(StrAttr(s.span, "docval.ef_card_access.hex"), "<absent>");
  }
  EXPECT_FALSE(Attr(FindSpan(spans, "docval.session")->span, "docval.diagnostics")->bool_value());
  EXPECT_TRUE(d.Stop()) << d.AllOutput();
}

// Sessions are not slowed by a collector that hangs (or refuses), and what is lost is counted.
void ExpectSessionsUnaffected(const std::string& collector_url, const std::string& drop_reason) {
  absl::StatusOr<std::unique_ptr<Deployment>> d =
      StartTraced(collector_url, /*separate_roles=*/false, ", max_queued_spans: 4, export_timeout_s: 30");
  ASSERT_TRUE(d.ok()) << d.status();
  for (int i = 0; i < 2; ++i) {
    const absl::Time started = absl::Now();
    absl::StatusOr<SessionRun> run = RunTracedSession(**d, /*diagnostics=*/false);
    ASSERT_TRUE(run.ok()) << run.status();
    EXPECT_EQ(run->outcome.close.code, 1000);
    EXPECT_LT(absl::Now() - started, absl::Seconds(10));  // the export timeout (30 s) never shows
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  std::string metrics;
  for (;;) {
    absl::StatusOr<std::pair<int, std::string>> m = HttpGet((*d)->metrics_port(), "/metrics");
    ASSERT_TRUE(m.ok()) << m.status();
    metrics = m->second;
    if (metrics.find(absl::StrCat("docval_trace_spans_dropped_total{reason=\"", drop_reason, "\"} 0")) ==
            std::string::npos ||
        absl::Now() > deadline) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(50));  // polling the metric, bounded by the deadline
  }
  EXPECT_THAT(metrics, HasSubstr(absl::StrCat("docval_trace_spans_dropped_total{reason=\"", drop_reason, "\"}")));
  EXPECT_THAT(
      metrics,
      ::testing::Not(HasSubstr(absl::StrCat("docval_trace_spans_dropped_total{reason=\"", drop_reason, "\"} 0\n"))));
  EXPECT_THAT(metrics, HasSubstr("docval_trace_spans_exported_total 0"));
  EXPECT_TRUE((*d)->Stop()) << (*d)->AllOutput();
}

TEST(TracingE2eTest, AHangingCollectorSlowsNoSessionAndDropsAreCounted) {
  testsupport::FakeResultServerOptions o;
  o.script = {testsupport::FakeAction::Hang()};
  absl::StatusOr<std::unique_ptr<testsupport::FakeResultServer>> collector = testsupport::FakeResultServer::Start(o);
  ASSERT_TRUE(collector.ok()) << collector.status();
  ExpectSessionsUnaffected((*collector)->Url(""), "queue_full");
}

TEST(TracingE2eTest, ARefusingCollectorSlowsNoSessionAndDropsAreCounted) {
  absl::StatusOr<testsupport::RefusingPort> refusing = testsupport::RefusingPort::Create();
  ASSERT_TRUE(refusing.ok()) << refusing.status();
  ExpectSessionsUnaffected(refusing->Url(""), "export_failed");
}

}  // namespace
}  // namespace docval::e2e
