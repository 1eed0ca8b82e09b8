// DialogTrace on its own: a scripted dialog through a real CardLink, driven as the validator service
// drives it (AfterStep after each step, Response before each answer), its spans captured in memory
// and as the OTLP bytes a collector would receive: the span tree, the attributes, the verdicts, the
// error status of a failed dialog, the v2 Chip Authentication and file verifications, and that without
// diagnostics neither personal data nor APDU bytes are exported.
#include "validator/service/dialog_trace.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/time/clock.h"
#include "common/tracing/span_capture.h"
#include "common/tracing/trace_context.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "validator/emrtd/task.h"

namespace docval::validator {
namespace {

using emrtd::Bytes;
using emrtd::Step;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using tracing::IntAttribute;
using tracing::SpanCapture;
using tracing::SpanData;
using tracing::StringAttribute;

constexpr char kParent[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
// What must never reach a collector without diagnostics: a command's data, an answer's data, names.
const Bytes kSecretCommandData = {0x7C, 0x0E, 0x81, 0x0C, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6, 0x07, 0x18};
const Bytes kSecretAnswer = {0x61, 0x5B, 0x5F, 0x1F, 0x58, 0x50, 0x3C, 0x55, 0x54, 0x4F, 0x90, 0x00};
constexpr char kHolder[] = "ERIKSSON";
constexpr char kDocumentNumber[] = "L898902C3";

emrtd::EmrtdResult Result() {
  emrtd::EmrtdResult r;
  r.mrz_info.emplace();
  r.mrz_info->primary_identifier = kHolder;
  r.mrz_info->document_number = kDocumentNumber;
  r.passive_authentication = true;
  r.passive_authentication_details.sod_signature_valid = true;
  r.passive_authentication_details.document_certificate_valid = true;
  r.passive_authentication_details.all_hashes_valid = false;
  r.passive_authentication_details.data_groups_checked = {1, 2};
  r.passive_authentication_details.data_groups_with_valid_hash = {1};
  r.chip_authentication_result = emrtd::CheckResult::kSuccess;
  r.active_authentication_result = emrtd::CheckResult::kFailed;
  return r;
}

// Access control (two commands), DG1 (one), Chip Authentication (one), Passive Authentication; then
// the result, or (`fail`) a FILE_READ_ERROR.
emrtd::Task<emrtd::DialogOutcome> Dialog(emrtd::CardLink& link, bool fail) {
  // Named commands: a temporary with a vector inside a co_await expression is freed twice by GCC 12.
  const emrtd::CommandApdu mse{.cla = 0x10, .ins = 0x86, .data = kSecretCommandData, .ne = 256};
  const emrtd::CommandApdu general_authenticate{.ins = 0x86, .data = kSecretCommandData, .ne = 256};
  const emrtd::CommandApdu read_dg1{.cla = 0x0C, .ins = 0xB0, .p1 = 0x81, .ne = 93};
  const emrtd::CommandApdu ca{.cla = 0x0C, .ins = 0x22, .p1 = 0x41, .p2 = 0xA4};
  link.Progress(Step::kReadAtrInfo);
  link.Note("ef_card_access.bytes", int64_t{18});
  link.Note("ef_card_access.hex", std::string("3112300D060804007F0007020202020100"));
  link.Progress(Step::kAccessControl);
  (void)co_await link.Transmit(mse);
  (void)co_await link.Transmit(general_authenticate);
  link.Note("access_control.protocol", std::string("PACE"));
  link.Note("access_control.mapping", std::string("GM"));
  link.Progress(Step::kReadDg1);
  (void)co_await link.Transmit(read_dg1);
  link.Note("file.bytes", int64_t{93});
  link.Progress(Step::kChipAuthentication);
  (void)co_await link.Transmit(ca);
  link.Progress(Step::kPassiveAuthentication);
  if (fail) co_return emrtd::DialogFailure{emrtd::FailureReason::kFileReadError, "DG1 unreadable"};
  co_return Result();
}

struct Driven {
  std::vector<Bytes> commands;
};

// Drives `task` as the validator service does, every answer kSecretAnswer; ends with `label`.
Driven Drive(DialogTrace& trace, emrtd::CardLink& link, emrtd::Task<emrtd::DialogOutcome>& task, bool diagnostics,
             bool v2_ca, const std::string& label) {
  Driven run;
  task.Start();
  for (;;) {
    const bool done = task.done();
    trace.AfterStep(link, diagnostics, done && !v2_ca ? &task.result() : nullptr);
    if (done) break;
    run.commands.push_back(link.pending_command());
    link.Respond(trace.Response(kSecretAnswer));
  }
  trace.End(label);
  return run;
}

// The one span named `name` (an empty one, and a failure, when there is not exactly one).
SpanData Only(const SpanCapture& capture, const std::string& name) {
  std::vector<SpanData> spans = capture.Named(name);
  EXPECT_EQ(spans.size(), 1u) << name;
  return spans.size() == 1 ? spans[0] : SpanData();
}

std::vector<std::string> ChildrenOf(const SpanCapture& capture, const SpanData& parent) {
  std::vector<std::string> out;
  for (const SpanData& s : capture.spans()) {
    if (s.parent_span_id == parent.context.span_id) out.push_back(s.name);
  }
  return out;
}

bool BoolAttribute(const SpanData& s, const std::string& key) {
  const tracing::AttributeValue* v = tracing::FindAttribute(s, key);
  return v != nullptr && std::get<bool>(*v);
}

// Neither the bytes nor their hex (either case) of `secret` in `exported`.
void ExpectAbsent(const std::string& exported, const Bytes& secret, const std::string& what) {
  const std::string raw(secret.begin(), secret.end());
  EXPECT_EQ(exported.find(raw), std::string::npos) << what;
  const std::string hex = absl::BytesToHexString(raw);
  EXPECT_EQ(absl::AsciiStrToLower(exported).find(hex), std::string::npos) << what << " in hex";
}

TEST(DialogTraceTest, OneSpanPerStepUnderTheDialogUnderTheCallersSpan) {
  SpanCapture capture;
  emrtd::CardLink link;
  DialogTrace trace(kParent, absl::Now());
  emrtd::Task<emrtd::DialogOutcome> task = Dialog(link, /*fail=*/false);
  Drive(trace, link, task, /*diagnostics=*/false, /*v2_ca=*/false, "result");

  const SpanData& dialog = Only(capture, "docval.dialog");
  EXPECT_EQ(dialog.scope, "docval.validator");
  EXPECT_EQ(dialog.kind, tracing::SpanKind::kServer);
  EXPECT_EQ(tracing::ToHex(dialog.context.trace_id), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(tracing::ToHex(dialog.parent_span_id), "00f067aa0ba902b7");
  EXPECT_TRUE(dialog.parent_remote);
  EXPECT_THAT(ChildrenOf(capture, dialog), ElementsAre("READ_ATR_INFO", "ACCESS_CONTROL", "READ_DG1",
                                                       "CHIP_AUTHENTICATION", "PASSIVE_AUTHENTICATION"));
  EXPECT_EQ(StringAttribute(dialog, "docval.outcome"), "result");
  EXPECT_EQ(IntAttribute(dialog, "docval.round_trips"), 4);
  EXPECT_EQ(dialog.status, tracing::StatusCode::kOk);
  EXPECT_EQ(StringAttribute(dialog, "docval.chip_authentication"), "SUCCESS");
  EXPECT_EQ(StringAttribute(dialog, "docval.active_authentication"), "FAILED");
  EXPECT_TRUE(BoolAttribute(dialog, "docval.passive_authentication"));
  EXPECT_FALSE(BoolAttribute(dialog, "docval.passive_authentication.all_hashes_valid"));

  const SpanData& ac = Only(capture, "ACCESS_CONTROL");
  EXPECT_EQ(IntAttribute(ac, "docval.round_trips"), 2);
  EXPECT_EQ(StringAttribute(ac, "docval.access_control.protocol"), "PACE");
  EXPECT_EQ(StringAttribute(ac, "docval.access_control.mapping"), "GM");
  EXPECT_LE(ac.start, ac.end);
  const SpanData& dg1 = Only(capture, "READ_DG1");
  EXPECT_EQ(IntAttribute(dg1, "docval.file.bytes"), 93);
  EXPECT_EQ(IntAttribute(dg1, "docval.round_trips"), 1);
  EXPECT_LE(ac.end, dg1.start);
  EXPECT_EQ(StringAttribute(Only(capture, "CHIP_AUTHENTICATION"), "docval.chip_authentication"), "SUCCESS");
  EXPECT_TRUE(BoolAttribute(Only(capture, "PASSIVE_AUTHENTICATION"), "docval.passive_authentication"));
  const SpanData& atr = Only(capture, "READ_ATR_INFO");
  EXPECT_EQ(IntAttribute(atr, "docval.ef_card_access.bytes"), 18);
  EXPECT_EQ(StringAttribute(atr, "docval.ef_card_access.hex"), "<absent>");  // diagnostics only
  for (const SpanData& s : capture.spans()) EXPECT_TRUE(s.events.empty()) << s.name;
}

TEST(DialogTraceTest, WithoutDiagnosticsNoPersonalDataAndNoApduBytesAreExported) {
  SpanCapture capture;
  emrtd::CardLink link;
  DialogTrace trace("", absl::Now());
  emrtd::Task<emrtd::DialogOutcome> task = Dialog(link, /*fail=*/false);
  Driven run = Drive(trace, link, task, /*diagnostics=*/false, /*v2_ca=*/false, "result");
  const std::string exported = capture.ExportBytes();
  ASSERT_THAT(exported, HasSubstr("docval.dialog"));  // the check below searches a real export
  EXPECT_THAT(exported, Not(HasSubstr(kHolder)));
  EXPECT_THAT(exported, Not(HasSubstr(kDocumentNumber)));
  ExpectAbsent(exported, kSecretCommandData, "a command's data");
  ExpectAbsent(exported, kSecretAnswer, "an answer");
  for (const Bytes& c : run.commands) ExpectAbsent(exported, c, "a command APDU");
  EXPECT_THAT(exported, Not(HasSubstr("9000")));
  EXPECT_THAT(exported, Not(HasSubstr("3112300D")));  // EF.CardAccess
}

TEST(DialogTraceTest, DiagnosticsAddHeadersAndStatusWordsButNeverTheData) {
  SpanCapture capture;
  emrtd::CardLink link;
  DialogTrace trace("", absl::Now());
  emrtd::Task<emrtd::DialogOutcome> task = Dialog(link, /*fail=*/false);
  Drive(trace, link, task, /*diagnostics=*/true, /*v2_ca=*/false, "result");
  const SpanData& ac = Only(capture, "ACCESS_CONTROL");
  ASSERT_EQ(ac.events.size(), 4u);  // two commands, two answers
  EXPECT_EQ(ac.events[0].name, "command");
  EXPECT_EQ(std::get<std::string>(ac.events[0].attributes[0].value), "10860000");
  EXPECT_EQ(ac.events[1].name, "response");
  EXPECT_EQ(std::get<std::string>(ac.events[1].attributes[0].value), "9000");
  EXPECT_EQ(StringAttribute(Only(capture, "READ_ATR_INFO"), "docval.ef_card_access.hex"),
            "3112300D060804007F0007020202020100");
  const std::string exported = capture.ExportBytes();
  ExpectAbsent(exported, kSecretCommandData, "a command's data");
  ExpectAbsent(exported, kSecretAnswer, "an answer");
}

TEST(DialogTraceTest, ADeploymentThatForbidsDiagnosticsGetsNone) {
  SpanCapture capture(/*allow_diagnostics=*/false);
  emrtd::CardLink link;
  DialogTrace trace("", absl::Now());
  emrtd::Task<emrtd::DialogOutcome> task = Dialog(link, /*fail=*/false);
  Drive(trace, link, task, /*diagnostics=*/true, /*v2_ca=*/false, "result");
  for (const SpanData& s : capture.spans()) EXPECT_TRUE(s.events.empty()) << s.name;
  EXPECT_EQ(StringAttribute(Only(capture, "READ_ATR_INFO"), "docval.ef_card_access.hex"), "<absent>");
}

TEST(DialogTraceTest, AFailedDialogIsAnErrorOnItsLastStepAndTheDialog) {
  SpanCapture capture;
  emrtd::CardLink link;
  DialogTrace trace("", absl::Now());
  emrtd::Task<emrtd::DialogOutcome> task = Dialog(link, /*fail=*/true);
  Drive(trace, link, task, /*diagnostics=*/false, /*v2_ca=*/false, "file_read_error");
  const SpanData& pa = Only(capture, "PASSIVE_AUTHENTICATION");
  EXPECT_EQ(pa.status, tracing::StatusCode::kError);
  EXPECT_EQ(pa.status_message, "FILE_READ_ERROR");
  EXPECT_EQ(tracing::FindAttribute(pa, "docval.passive_authentication"), nullptr);
  const SpanData& dialog = Only(capture, "docval.dialog");
  EXPECT_EQ(dialog.status, tracing::StatusCode::kError);
  EXPECT_EQ(dialog.status_message, "file_read_error");
  EXPECT_EQ(StringAttribute(dialog, "docval.outcome"), "file_read_error");
  EXPECT_EQ(Only(capture, "READ_DG1").status, tracing::StatusCode::kUnset);
}

TEST(DialogTraceTest, ASessionEndedBeforeItsDialogEndsEveryOpenSpan) {
  SpanCapture capture;
  emrtd::CardLink link;
  DialogTrace trace("", absl::Now());
  emrtd::Task<emrtd::DialogOutcome> task = Dialog(link, /*fail=*/false);
  task.Start();
  trace.AfterStep(link, false, nullptr);  // the first command is out; the gateway hangs up
  trace.End("cancelled");
  trace.End("cancelled");  // idempotent
  EXPECT_THAT(ChildrenOf(capture, Only(capture, "docval.dialog")), ElementsAre("READ_ATR_INFO", "ACCESS_CONTROL"));
  EXPECT_EQ(Only(capture, "docval.dialog").status_message, "cancelled");
  EXPECT_EQ(capture.spans().size(), 3u);
}

// WebSocket API v2's Chip Authentication stream: its own steps and verdict, none of a dialog's result.
emrtd::Task<emrtd::DialogOutcome> V2ChipAuthentication(emrtd::CardLink& link) {
  const emrtd::CommandApdu ca{.cla = 0x0C, .ins = 0x22, .p1 = 0x41, .p2 = 0xA4};
  const emrtd::CommandApdu read_dg1{.cla = 0x0C, .ins = 0xB0, .p1 = 0x81, .ne = 93};
  link.Progress(Step::kChipAuthentication);
  (void)co_await link.Transmit(ca);
  link.Progress(Step::kReadDg1);
  (void)co_await link.Transmit(read_dg1);
  link.Note("file.bytes", int64_t{93});
  co_return emrtd::EmrtdResult{};  // unused, as in the service
}

TEST(DialogTraceTest, AV2ChipAuthenticationCarriesItsVerdictAndNoPassiveAuthentication) {
  SpanCapture capture;
  emrtd::CardLink link;
  DialogTrace trace(kParent, absl::Now());
  emrtd::Task<emrtd::DialogOutcome> task = V2ChipAuthentication(link);
  task.Start();
  for (;;) {
    trace.AfterStep(link, false, nullptr);
    if (task.done()) break;
    link.Respond(trace.Response(Bytes{0x90, 0x00}));
  }
  trace.ChipAuthentication(emrtd::CheckResult::kSuccess);
  trace.End("v2_chip_authentication");
  const SpanData& dialog = Only(capture, "docval.dialog");
  EXPECT_THAT(ChildrenOf(capture, dialog), ElementsAre("CHIP_AUTHENTICATION", "READ_DG1"));
  EXPECT_EQ(StringAttribute(dialog, "docval.chip_authentication"), "SUCCESS");
  EXPECT_EQ(StringAttribute(Only(capture, "CHIP_AUTHENTICATION"), "docval.chip_authentication"), "SUCCESS");
  EXPECT_EQ(IntAttribute(Only(capture, "READ_DG1"), "docval.file.bytes"), 93);
  EXPECT_EQ(tracing::FindAttribute(dialog, "docval.passive_authentication"), nullptr);
  EXPECT_EQ(tracing::FindAttribute(dialog, "docval.active_authentication"), nullptr);
  EXPECT_EQ(StringAttribute(dialog, "docval.outcome"), "v2_chip_authentication");
}

TEST(DialogTraceTest, AV2ChipAuthenticationThatFailsIsAnErrorOnItsLastStep) {
  SpanCapture capture;
  emrtd::CardLink link;
  DialogTrace trace("", absl::Now());
  emrtd::Task<emrtd::DialogOutcome> task = V2ChipAuthentication(link);
  task.Start();
  trace.AfterStep(link, false, nullptr);
  link.Respond(Bytes{0x90, 0x00});
  trace.AfterStep(link, false, nullptr);
  trace.ChipAuthentication(emrtd::CheckResult::kUnavailable, "EMRTD_PASSPORT_READER_ERROR");
  trace.End("emrtd_passport_reader_error");
  EXPECT_EQ(Only(capture, "READ_DG1").status_message, "EMRTD_PASSPORT_READER_ERROR");
  EXPECT_EQ(tracing::FindAttribute(Only(capture, "docval.dialog"), "docval.chip_authentication"), nullptr);
}

TEST(DialogTraceTest, FilesVerifiedAreOneSpanPerFileAndPerCheck) {
  SpanCapture capture;
  const absl::Time start = absl::Now();
  DialogTrace trace(kParent, start, "docval.verify");
  const emrtd::EmrtdResult result = Result();
  trace.FilesVerified({{"sod", 1900, 0}, {"dg1", 93, 1}, {"dg2", 15000, 2}},
                      {Step::kPassiveAuthentication, Step::kActiveAuthentication, Step::kChipAuthentication}, start,
                      start + absl::Milliseconds(5), &result);
  trace.End("result");
  const SpanData& verify = Only(capture, "docval.verify");
  EXPECT_EQ(tracing::ToHex(verify.parent_span_id), "00f067aa0ba902b7");
  EXPECT_THAT(ChildrenOf(capture, verify),
              ElementsAre("VERIFY_SOD", "VERIFY_DG1", "VERIFY_DG2", "PASSIVE_AUTHENTICATION", "ACTIVE_AUTHENTICATION",
                          "CHIP_AUTHENTICATION"));
  EXPECT_EQ(IntAttribute(verify, "docval.files"), 3);
  EXPECT_EQ(IntAttribute(verify, "docval.files.bytes"), 1900 + 93 + 15000);
  const SpanData& dg2 = Only(capture, "VERIFY_DG2");
  EXPECT_EQ(StringAttribute(dg2, "docval.file"), "dg2");
  EXPECT_EQ(IntAttribute(dg2, "docval.file.bytes"), 15000);
  EXPECT_FALSE(BoolAttribute(dg2, "docval.file.hash_valid"));
  EXPECT_TRUE(BoolAttribute(Only(capture, "VERIFY_DG1"), "docval.file.hash_valid"));
  EXPECT_EQ(tracing::FindAttribute(Only(capture, "VERIFY_SOD"), "docval.file.hash_valid"), nullptr);
  EXPECT_EQ(Only(capture, "VERIFY_DG2").end - Only(capture, "VERIFY_DG2").start, absl::Milliseconds(5));
  EXPECT_EQ(StringAttribute(Only(capture, "ACTIVE_AUTHENTICATION"), "docval.active_authentication"), "FAILED");
  EXPECT_EQ(StringAttribute(Only(capture, "CHIP_AUTHENTICATION"), "docval.chip_authentication"), "SUCCESS");
  EXPECT_TRUE(BoolAttribute(Only(capture, "PASSIVE_AUTHENTICATION"), "docval.passive_authentication"));
  EXPECT_EQ(verify.status, tracing::StatusCode::kOk);
  const std::string exported = capture.ExportBytes();
  EXPECT_THAT(exported, Not(HasSubstr(kHolder)));
  EXPECT_THAT(exported, Not(HasSubstr(kDocumentNumber)));
}

TEST(DialogTraceTest, RefusedFilesHaveNoVerdicts) {
  SpanCapture capture;
  const absl::Time start = absl::Now();
  DialogTrace trace("", start, "docval.verify");
  trace.FilesVerified({{"sod", 10, 0}, {"dg3", 5, 3}}, {Step::kPassiveAuthentication}, start, start, nullptr);
  trace.End("protocol_error");
  const SpanData& verify = Only(capture, "docval.verify");
  EXPECT_THAT(ChildrenOf(capture, verify), ElementsAre("VERIFY_SOD", "VERIFY_DG3"));
  EXPECT_EQ(verify.status, tracing::StatusCode::kError);
  EXPECT_EQ(StringAttribute(verify, "docval.outcome"), "protocol_error");
  EXPECT_EQ(tracing::FindAttribute(verify, "docval.passive_authentication"), nullptr);
  EXPECT_EQ(tracing::FindAttribute(Only(capture, "VERIFY_DG3"), "docval.file.hash_valid"), nullptr);
}

TEST(DialogTraceTest, InertWhenTracesAreOff) {
  emrtd::CardLink link;
  DialogTrace trace(kParent, absl::Now());
  emrtd::Task<emrtd::DialogOutcome> task = Dialog(link, /*fail=*/false);
  Driven run = Drive(trace, link, task, /*diagnostics=*/true, /*v2_ca=*/false, "result");
  EXPECT_EQ(run.commands.size(), 4u);  // the dialog ran through the trace untouched
  EXPECT_TRUE(task.done());
}

TEST(DialogTraceTest, VerifiedFilesOfARequestNameEachFileWithItsSize) {
  struct FakeRequest {
    std::string sod() const { return "12345"; }
    std::map<uint32_t, std::string> data_groups() const { return {{1, "ab"}, {14, "abcd"}}; }
  };
  std::vector<VerifiedFile> files = VerifiedFilesOf(FakeRequest{});
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[0].name, "sod");
  EXPECT_EQ(files[0].bytes, 5u);
  EXPECT_EQ(files[2].name, "dg14");
  EXPECT_EQ(files[2].bytes, 4u);
  EXPECT_EQ(files[2].data_group, 14);
}

}  // namespace
}  // namespace docval::validator
