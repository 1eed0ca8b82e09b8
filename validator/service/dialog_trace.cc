#include "validator/service/dialog_trace.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/tracing/tracer.h"

namespace docval::validator {
namespace {

constexpr char kScope[] = "docval.validator";

std::string HexUpper(const uint8_t* data, size_t n) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0x0f]);
  }
  return out;
}

}  // namespace

std::string TraceparentOf(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
  auto it = metadata.find(tracing::kTraceparentHeader);
  return it == metadata.end() ? std::string() : std::string(it->second.data(), it->second.size());
}

DialogTrace::DialogTrace(absl::string_view traceparent, absl::Time started_at, absl::string_view name) {
  const tracing::Tracer& tracer = tracing::GlobalTracer();
  if (!tracer.enabled()) return;
  absl::StatusOr<tracing::SpanContext> parent = tracing::ParseTraceparent(traceparent);
  absl::MutexLock lock(&mu_);
  dialog_ = tracer.StartSpan(kScope, name, tracing::SpanKind::kServer, parent.ok() ? &*parent : nullptr, started_at);
}

emrtd::Bytes DialogTrace::Response(emrtd::Bytes response) {
  absl::MutexLock lock(&mu_);
  if (!diagnostics_.value_or(false) || steps_.empty()) return response;
  const absl::Time now = absl::Now();
  steps_.back().span.AddEvent("response",
                              {{"sw", response.size() >= 2 ? HexUpper(response.data() + response.size() - 2, 2) : ""},
                               {"bytes", static_cast<int64_t>(response.size())},
                               {"ms", absl::ToDoubleMilliseconds(now - command_at_)}},
                              now);
  return response;
}

void DialogTrace::CloseCurrentLocked(size_t round_trips_now, absl::Time now) {
  if (steps_.empty() || steps_.back().ended) return;
  StepSpan& s = steps_.back();
  s.span.SetAttribute("docval.round_trips", static_cast<int64_t>(round_trips_now - s.round_trips_at_start));
  s.ended = now;
}

tracing::Span* DialogTrace::SpanOfLocked(std::optional<emrtd::Step> step) {
  for (auto it = steps_.rbegin(); it != steps_.rend(); ++it) {
    if (step && it->step == step) return &it->span;
  }
  return &dialog_;
}

tracing::Span& DialogTrace::StartStepLocked(std::optional<emrtd::Step> step, absl::string_view name, absl::Time start,
                                            size_t round_trips) {
  StepSpan s{step,
             tracing::GlobalTracer().StartSpan(kScope, name, tracing::SpanKind::kInternal, &dialog_.context(), start),
             round_trips};
  if (step) s.span.SetAttribute("docval.step", emrtd::StepName(*step));
  steps_.push_back(std::move(s));
  return steps_.back().span;
}

void DialogTrace::CheckResultLocked(emrtd::Step step, absl::string_view key, emrtd::CheckResult check) {
  for (tracing::Span* span : {&dialog_, SpanOfLocked(step)}) span->SetAttribute(key, emrtd::CheckResultName(check));
}

void DialogTrace::VerdictsLocked(const emrtd::EmrtdResult& r) {
  CheckResultLocked(emrtd::Step::kChipAuthentication, "docval.chip_authentication", r.chip_authentication_result);
  CheckResultLocked(emrtd::Step::kActiveAuthentication, "docval.active_authentication", r.active_authentication_result);
  for (tracing::Span* span : {&dialog_, SpanOfLocked(emrtd::Step::kPassiveAuthentication)}) {
    span->SetAttribute("docval.passive_authentication", r.passive_authentication);
    span->SetAttribute("docval.passive_authentication.sod_signature_valid",
                       r.passive_authentication_details.sod_signature_valid);
    span->SetAttribute("docval.passive_authentication.document_certificate_valid",
                       r.passive_authentication_details.document_certificate_valid);
    span->SetAttribute("docval.passive_authentication.all_hashes_valid",
                       r.passive_authentication_details.all_hashes_valid);
  }
}

std::vector<emrtd::Step> DialogTrace::AfterStep(emrtd::CardLink& link, bool diagnostics,
                                                const emrtd::DialogOutcome* outcome) {
  std::vector<emrtd::Step> steps = link.TakeSteps();
  std::vector<emrtd::StepNote> notes = link.TakeNotes();
  absl::MutexLock lock(&mu_);
  if (!dialog_.recording()) return steps;
  if (!diagnostics_) {
    diagnostics_ = diagnostics && tracing::GlobalTracer().DiagnosticsAllowed();
    dialog_.SetAttribute("docval.diagnostics", *diagnostics_);
  }
  const absl::Time now = absl::Now();
  const bool pending = link.awaiting_response();
  const size_t sent_before = link.round_trips() - (pending ? 1 : 0);  // the pending one is the newest step's
  round_trips_ = link.round_trips();
  // Notes belong to the step current when they were made; those steps may already be closed here.
  auto apply_notes = [&](bool before_new_steps) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (const emrtd::StepNote& n : notes) {
      const bool belongs_to_new =
          n.step && !steps.empty() && std::find(steps.begin(), steps.end(), *n.step) != steps.end();
      if (belongs_to_new == before_new_steps) continue;
      if (absl::EndsWith(n.key, ".hex") && !*diagnostics_) continue;
      tracing::Span* span = SpanOfLocked(n.step);
      const std::string key = absl::StrCat("docval.", n.key);
      if (const int64_t* v = std::get_if<int64_t>(&n.value)) {
        span->SetAttribute(key, *v);
      } else {
        span->SetAttribute(key, std::get<std::string>(n.value));
      }
    }
  };
  apply_notes(true);
  for (emrtd::Step step : steps) {
    CloseCurrentLocked(sent_before, now);
    if (step != emrtd::Step::kDone) StartStepLocked(step, emrtd::StepName(step), now, sent_before);
  }
  apply_notes(false);
  if (pending && *diagnostics_ && !steps_.empty()) {
    const emrtd::Bytes& cmd = link.pending_command();
    command_at_ = now;
    steps_.back().span.AddEvent("command",
                                {{"header", HexUpper(cmd.data(), std::min<size_t>(cmd.size(), 4))},
                                 {"bytes", static_cast<int64_t>(cmd.size())}},
                                now);
  }
  if (outcome == nullptr) return steps;
  CloseCurrentLocked(round_trips_, now);
  if (const auto* r = std::get_if<emrtd::EmrtdResult>(outcome)) {
    VerdictsLocked(*r);
  } else {
    const auto& f = std::get<emrtd::DialogFailure>(*outcome);
    tracing::Span* last = steps_.empty() ? &dialog_ : &steps_.back().span;
    last->SetStatus(tracing::StatusCode::kError, emrtd::FailureReasonName(f.reason));
  }
  return steps;
}

void DialogTrace::ChipAuthentication(emrtd::CheckResult check, absl::string_view failure) {
  absl::MutexLock lock(&mu_);
  if (!dialog_.recording()) return;
  CloseCurrentLocked(round_trips_, absl::Now());
  if (!failure.empty()) {
    (steps_.empty() ? dialog_ : steps_.back().span).SetStatus(tracing::StatusCode::kError, failure);
    return;
  }
  CheckResultLocked(emrtd::Step::kChipAuthentication, "docval.chip_authentication", check);
}

void DialogTrace::FilesVerified(const std::vector<VerifiedFile>& files, const std::vector<emrtd::Step>& checks,
                                absl::Time start, absl::Time end, const emrtd::EmrtdResult* result) {
  absl::MutexLock lock(&mu_);
  if (!dialog_.recording()) return;
  int64_t total = 0;
  for (const VerifiedFile& f : files) {
    tracing::Span& span =
        StartStepLocked(std::nullopt, absl::StrCat("VERIFY_", absl::AsciiStrToUpper(f.name)), start, 0);
    span.SetAttribute("docval.file", f.name);
    span.SetAttribute("docval.file.bytes", static_cast<int64_t>(f.bytes));
    if (f.data_group > 0 && result != nullptr) {
      const std::vector<int>& valid = result->passive_authentication_details.data_groups_with_valid_hash;
      span.SetAttribute("docval.file.hash_valid", std::find(valid.begin(), valid.end(), f.data_group) != valid.end());
    }
    steps_.back().ended = end;
    total += static_cast<int64_t>(f.bytes);
  }
  dialog_.SetAttribute("docval.files", static_cast<int64_t>(files.size()));
  dialog_.SetAttribute("docval.files.bytes", total);
  if (result == nullptr) return;
  for (emrtd::Step check : checks) {
    StartStepLocked(check, emrtd::StepName(check), start, 0);
    steps_.back().ended = end;
  }
  VerdictsLocked(*result);
}

void DialogTrace::End(absl::string_view label) {
  absl::MutexLock lock(&mu_);
  if (!dialog_.recording()) return;
  const absl::Time now = absl::Now();
  CloseCurrentLocked(round_trips_, now);
  for (StepSpan& s : steps_) s.span.End(s.ended.value_or(now));
  steps_.clear();
  dialog_.SetAttribute("docval.outcome", label);
  dialog_.SetAttribute("docval.round_trips", static_cast<int64_t>(round_trips_));
  dialog_.SetStatus(label == "result" ? tracing::StatusCode::kOk : tracing::StatusCode::kError, label);
  dialog_.End(now);
}

}  // namespace docval::validator
