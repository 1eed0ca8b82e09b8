#include "common/tracing/sampler.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace docval::tracing {
namespace {

constexpr uint64_t kRandomSpace = uint64_t{1} << 56;

}  // namespace

Sampler::Sampler(bool parent_based, Root root, double ratio) : parent_based_(parent_based), root_(root), ratio_(ratio) {
  threshold_ = ratio >= 1.0 ? kRandomSpace : static_cast<uint64_t>(std::ldexp(ratio, 56));
}

absl::StatusOr<Sampler> Sampler::Create(absl::string_view name, absl::string_view arg) {
  std::string n = absl::AsciiStrToLower(absl::StripAsciiWhitespace(name));
  if (n.empty()) n = "parentbased_always_on";
  bool parent_based = false;
  absl::string_view root = n;
  if (absl::string_view(n).substr(0, 12) == "parentbased_") {
    parent_based = true;
    root.remove_prefix(12);
  }
  if (root == "always_on") return Sampler(parent_based, Root::kAlwaysOn, 1.0);
  if (root == "always_off") return Sampler(parent_based, Root::kAlwaysOff, 0.0);
  if (root != "traceidratio") {
    return absl::InvalidArgumentError(
        absl::StrCat("OTEL_TRACES_SAMPLER (tracing.sampler): must be always_on, always_off, traceidratio, "
                     "parentbased_always_on, parentbased_always_off or parentbased_traceidratio, got \"",
                     name, "\""));
  }
  double ratio = 1.0;
  absl::string_view a = absl::StripAsciiWhitespace(arg);
  if (!a.empty() && (!absl::SimpleAtod(a, &ratio) || !(ratio >= 0.0 && ratio <= 1.0))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "OTEL_TRACES_SAMPLER_ARG (tracing.sampler_arg): must be a number from 0 to 1 for ", n, ", got \"", arg, "\""));
  }
  return Sampler(parent_based, Root::kRatio, ratio);
}

bool Sampler::SampleRoot(const TraceId& trace_id) const {
  switch (root_) {
    case Root::kAlwaysOn: return true;
    case Root::kAlwaysOff: return false;
    case Root::kRatio: break;
  }
  uint64_t r = 0;
  for (size_t i = trace_id.size() - 7; i < trace_id.size(); ++i) r = r << 8 | trace_id[i];
  return r < threshold_;
}

bool Sampler::ShouldSample(const SpanContext* parent, const TraceId& trace_id) const {
  if (parent_based_ && parent != nullptr && parent->valid()) return parent->sampled();
  return SampleRoot(trace_id);
}

std::string Sampler::Description() const {
  std::string s = parent_based_ ? "parentbased_" : "";
  switch (root_) {
    case Root::kAlwaysOn: return s + "always_on";
    case Root::kAlwaysOff: return s + "always_off";
    case Root::kRatio: break;
  }
  return absl::StrCat(s, "traceidratio:", ratio_);
}

}  // namespace docval::tracing
