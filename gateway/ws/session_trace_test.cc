// SessionTrace on its own, its spans captured in memory and as the OTLP bytes a collector would
// receive: the root span's parent from the app's traceparent, the attributes of a WebSocket session
// and of a /v4 request, the close or answer that counts, the error status, and that without
// diagnostics no APDU byte (not even a status word) and no file content is exported.
#include "gateway/ws/session_trace.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/time/clock.h"
#include "common/tracing/span_capture.h"
#include "common/tracing/trace_context.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace docval::gateway {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using tracing::IntAttribute;
using tracing::SpanCapture;
using tracing::SpanData;
using tracing::StringAttribute;

constexpr char kParent[] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
// A protected command and its answer: header 0CB08100, data that must never be exported.
const std::string kCommand("\x0C\xB0\x81\x00\x0A\x97\x01\x5D\x8E\x08\xC1\xD2\xE3\xF4\x05\x16\x27\x38\x00", 19);
const std::string kAnswer("\x87\x11\x01\x61\x5B\x5F\x1F\x58\x50\x3C\x55\x54\x4F\xAA\xBB\xCC\xDD\xEE\x90\x00", 20);

SpanData OnlySpan(const SpanCapture& capture) {
  std::vector<SpanData> spans = capture.spans();
  EXPECT_EQ(spans.size(), 1u);
  return spans.empty() ? SpanData() : spans[0];
}

// A v1/v2-like session: started, two files, one round trip, a close.
void RunSession(SessionTrace& trace, absl::Time opened, bool diagnostics, const std::string& outcome, int code) {
  trace.Start(kParent, opened, "ws2");
  trace.Started("ws2", "android", diagnostics);
  trace.BytesFromClient(120);
  trace.File("sod", 1900);
  trace.File("dg1", 93);
  trace.Command(kCommand);
  trace.BytesToClient(kCommand.size());
  trace.Response(kAnswer);
  trace.BytesFromClient(kAnswer.size());
  trace.Status("CA_HANDBACK");
  trace.Closing(outcome, code);
  trace.Closing("server_error", 1011);  // a later close does not count
  trace.End(opened);
}

TEST(SessionTraceTest, TheRootSpanOfAWebSocketSession) {
  SpanCapture capture;
  SessionTrace trace;
  const absl::Time opened = absl::Now() - absl::Seconds(2);
  RunSession(trace, opened, /*diagnostics=*/false, "success", 1000);
  const SpanData s = OnlySpan(capture);
  EXPECT_EQ(s.name, "docval.session");
  EXPECT_EQ(s.scope, "docval.gateway");
  EXPECT_EQ(s.kind, tracing::SpanKind::kServer);
  EXPECT_EQ(tracing::ToHex(s.context.trace_id), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(tracing::ToHex(s.parent_span_id), "b7ad6b7169203331");
  EXPECT_TRUE(s.parent_remote);
  EXPECT_EQ(s.start, opened);
  EXPECT_EQ(StringAttribute(s, "docval.protocol"), "ws2");
  EXPECT_EQ(StringAttribute(s, "docval.platform"), "android");
  EXPECT_EQ(StringAttribute(s, "docval.outcome"), "success");
  EXPECT_EQ(IntAttribute(s, "docval.close_code"), 1000);
  EXPECT_EQ(tracing::FindAttribute(s, "http.response.status_code"), nullptr);
  EXPECT_EQ(IntAttribute(s, "docval.round_trips"), 1);
  EXPECT_EQ(IntAttribute(s, "docval.bytes_to_client"), static_cast<int64_t>(kCommand.size()));
  EXPECT_EQ(IntAttribute(s, "docval.bytes_from_client"), static_cast<int64_t>(120 + kAnswer.size()));
  EXPECT_EQ(IntAttribute(s, "docval.files"), 2);
  EXPECT_EQ(IntAttribute(s, "docval.files.bytes"), 1993);
  const tracing::AttributeValue* duration = tracing::FindAttribute(s, "docval.duration_s");
  ASSERT_NE(duration, nullptr);
  EXPECT_GE(std::get<double>(*duration), 2.0);
  EXPECT_EQ(s.status, tracing::StatusCode::kOk);
  // Events: the files (name and size) and the step; no command or response without diagnostics.
  std::vector<std::string> events;
  for (const tracing::SpanEvent& e : s.events) events.push_back(e.name);
  EXPECT_THAT(events, ::testing::ElementsAre("file", "file", "status"));
  EXPECT_EQ(std::get<std::string>(s.events[1].attributes[0].value), "dg1");
  EXPECT_EQ(std::get<int64_t>(s.events[1].attributes[1].value), 93);
}

TEST(SessionTraceTest, TheTraceparentHandedOnNamesTheSessionSpan) {
  SpanCapture capture;
  SessionTrace trace;
  trace.Start(kParent, absl::Now(), "ws1");
  const std::string handed_on = trace.Traceparent();
  trace.End(absl::Now());
  absl::StatusOr<tracing::SpanContext> c = tracing::ParseTraceparent(handed_on);
  ASSERT_TRUE(c.ok()) << handed_on;
  const SpanData s = OnlySpan(capture);
  EXPECT_EQ(c->trace_id, s.context.trace_id);
  EXPECT_EQ(c->span_id, s.context.span_id);
  EXPECT_TRUE(c->sampled());
}

TEST(SessionTraceTest, AnInvalidTraceparentStartsATraceOfItsOwn) {
  SpanCapture capture;
  SessionTrace trace;
  trace.Start("00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01", absl::Now(), "ws1");
  trace.End(absl::Now());
  const SpanData s = OnlySpan(capture);
  EXPECT_EQ(s.parent_span_id, tracing::SpanId{});
  EXPECT_NE(tracing::ToHex(s.context.trace_id), "0af7651916cd43dd8448eb211c80319c");
}

TEST(SessionTraceTest, ACloseOtherThanSuccessIsAnErrorAndNoCloseIsAConnectionLost) {
  {
    SpanCapture capture;
    SessionTrace trace;
    RunSession(trace, absl::Now(), false, "timeout_while_waiting_for_response", 1001);
    const SpanData s = OnlySpan(capture);
    EXPECT_EQ(s.status, tracing::StatusCode::kError);
    EXPECT_EQ(s.status_message, "timeout_while_waiting_for_response");
    EXPECT_EQ(IntAttribute(s, "docval.close_code"), 1001);
  }
  SpanCapture capture;
  SessionTrace trace;
  trace.Start("", absl::Now(), "ws1");
  trace.End(absl::Now());
  const SpanData s = OnlySpan(capture);
  EXPECT_EQ(StringAttribute(s, "docval.outcome"), "connection_lost");
  EXPECT_EQ(StringAttribute(s, "docval.protocol"), "ws1");  // from the start, before any start message
  EXPECT_EQ(IntAttribute(s, "docval.close_code"), 0);
  EXPECT_EQ(s.status, tracing::StatusCode::kError);
}

TEST(SessionTraceTest, AV4RequestHasAnHttpStatusInsteadOfACloseCode) {
  SpanCapture capture;
  SessionTrace trace;
  const absl::Time arrived = absl::Now();
  trace.Start(kParent, arrived, "v4");
  trace.Started("v4", "", false);
  trace.BytesFromClient(4000);
  trace.File("sod", 1900);
  trace.Answered("unavailable", 503);
  trace.Answered("success", 200);  // the first answer counts
  trace.BytesToClient(90);
  trace.End(arrived);
  const SpanData s = OnlySpan(capture);
  EXPECT_EQ(StringAttribute(s, "docval.protocol"), "v4");
  EXPECT_EQ(tracing::FindAttribute(s, "docval.platform"), nullptr);
  EXPECT_EQ(IntAttribute(s, "http.response.status_code"), 503);
  EXPECT_EQ(tracing::FindAttribute(s, "docval.close_code"), nullptr);
  EXPECT_EQ(StringAttribute(s, "docval.outcome"), "unavailable");
  EXPECT_EQ(s.status, tracing::StatusCode::kError);
  EXPECT_EQ(IntAttribute(s, "docval.bytes_from_client"), 4000);
  EXPECT_EQ(IntAttribute(s, "docval.bytes_to_client"), 90);
  EXPECT_EQ(IntAttribute(s, "docval.files"), 1);
}

// Neither the bytes nor their hex of `secret` in `exported`.
void ExpectAbsent(const std::string& exported, absl::string_view secret, const std::string& what) {
  EXPECT_EQ(exported.find(std::string(secret)), std::string::npos) << what;
  EXPECT_EQ(absl::AsciiStrToLower(exported).find(absl::BytesToHexString(secret)), std::string::npos)
      << what << " in hex";
}

TEST(SessionTraceTest, WithoutDiagnosticsNoApduByteIsExported) {
  SpanCapture capture;
  SessionTrace trace;
  RunSession(trace, absl::Now(), /*diagnostics=*/false, "success", 1000);
  const std::string exported = capture.ExportBytes();
  ASSERT_THAT(exported, HasSubstr("docval.session"));
  ExpectAbsent(exported, kCommand, "the command");
  ExpectAbsent(exported, kCommand.substr(5), "the command's data");
  ExpectAbsent(exported, kCommand.substr(0, 4), "the command's header");
  ExpectAbsent(exported, kAnswer, "the answer");
  ExpectAbsent(exported, kAnswer.substr(kAnswer.size() - 2), "the status word");
  EXPECT_THAT(exported, Not(HasSubstr("9000")));
}

TEST(SessionTraceTest, DiagnosticsAddTheHeaderAndStatusWordButNeverTheData) {
  SpanCapture capture;
  SessionTrace trace;
  RunSession(trace, absl::Now(), /*diagnostics=*/true, "success", 1000);
  const SpanData s = OnlySpan(capture);
  EXPECT_EQ(s.events.size(), 5u);  // file, file, command, response, status
  EXPECT_EQ(s.events[2].name, "command");
  EXPECT_EQ(std::get<std::string>(s.events[2].attributes[0].value), "0CB08100");
  EXPECT_EQ(s.events[3].name, "response");
  EXPECT_EQ(std::get<std::string>(s.events[3].attributes[0].value), "9000");
  const std::string exported = capture.ExportBytes();
  ExpectAbsent(exported, kCommand.substr(5), "the command's data");
  ExpectAbsent(exported, kAnswer.substr(0, kAnswer.size() - 2), "the answer's data");
}

TEST(SessionTraceTest, ADeploymentThatForbidsDiagnosticsGetsNoApduEvents) {
  SpanCapture capture(/*allow_diagnostics=*/false);
  SessionTrace trace;
  RunSession(trace, absl::Now(), /*diagnostics=*/true, "success", 1000);
  const SpanData s = OnlySpan(capture);
  for (const tracing::SpanEvent& e : s.events) EXPECT_THAT(e.name, Not(::testing::AnyOf("command", "response")));
  const tracing::AttributeValue* d = tracing::FindAttribute(s, "docval.diagnostics");
  ASSERT_NE(d, nullptr);
  EXPECT_FALSE(std::get<bool>(*d));
}

TEST(SessionTraceTest, NothingAndNoTraceparentWhenTracesAreOff) {
  SessionTrace trace;
  RunSession(trace, absl::Now(), /*diagnostics=*/true, "success", 1000);
  EXPECT_EQ(trace.Traceparent(), "");
}

}  // namespace
}  // namespace docval::gateway
