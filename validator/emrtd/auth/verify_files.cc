#include "validator/emrtd/auth/verify_files.h"

#include "absl/strings/str_cat.h"
#include "validator/emrtd/lds/lds_result.h"

namespace docval::emrtd {

void ApplyPassiveAuthentication(const PassiveAuthResult& pa, EmrtdResult& result) {
  result.sod_info = pa.sod_info;
  result.passive_authentication = pa.passive_authentication;
  result.passive_authentication_details = pa.details;
}

namespace {

PassiveAuthResult CheckedPassiveAuthentication(const DocumentFiles& files, const TrustStore* trust_store, int64_t now,
                                               const FileVerificationOptions& options) {
  absl::StatusOr<Sod> sod = ParseSod(files.sod);
  // The bytes overload reports the parse error as a verdict.
  if (!sod.ok()) return VerifyPassiveAuthentication(files.sod, files.data_groups, trust_store, now);
  if (absl::Status budget = CheckSignerKeyBudget(sod->signed_data, trust_store, options.limits); !budget.ok()) {
    PassiveAuthResult r;
    r.sod_info = SodInfoOf(*sod);
    for (const auto& [dg, bytes] : files.data_groups) r.details.data_groups_checked.push_back(dg);
    r.details.error = absl::StrCat("EF.SOD: ", budget.message());
    return r;
  }
  return VerifyPassiveAuthentication(*sod, files.data_groups, trust_store, now, options.signer_keys);
}

}  // namespace

EmrtdResult VerifyDocumentFiles(const DocumentFiles& files, const TrustStore* trust_store, int64_t now,
                                const FileVerificationOptions& options) {
  EmrtdResult result;
  for (const auto& [dg, bytes] : files.data_groups) {
    absl::Status s = ApplyDataGroup(dg, bytes, result);
    if (!s.ok()) result.errors.push_back(std::string(s.message()));
  }
  ApplyPassiveAuthentication(CheckedPassiveAuthentication(files, trust_store, now, options), result);
  result.chip_authentication_result = CheckResult::kUnavailable;
  result.active_authentication_result = CheckResult::kUnavailable;
  if (options.include_files_binary) {
    result.files_binary.emplace_back("sod", files.sod);
    for (const auto& [dg, bytes] : files.data_groups) result.files_binary.emplace_back(absl::StrCat("dg", dg), bytes);
  }
  return result;
}

}  // namespace docval::emrtd
