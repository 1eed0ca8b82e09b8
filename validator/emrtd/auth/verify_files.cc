#include "validator/emrtd/auth/verify_files.h"

#include "absl/strings/str_cat.h"
#include "validator/emrtd/lds/lds_result.h"

namespace docval::emrtd {

void ApplyPassiveAuthentication(const PassiveAuthResult& pa, EmrtdResult& result) {
  result.sod_info = pa.sod_info;
  result.passive_authentication = pa.passive_authentication;
  result.passive_authentication_details = pa.details;
}

EmrtdResult VerifyDocumentFiles(const DocumentFiles& files, const TrustStore* trust_store, int64_t now,
                                bool include_files_binary) {
  EmrtdResult result;
  for (const auto& [dg, bytes] : files.data_groups) {
    absl::Status s = ApplyDataGroup(dg, bytes, result);
    if (!s.ok()) result.errors.push_back(std::string(s.message()));
  }
  ApplyPassiveAuthentication(VerifyPassiveAuthentication(files.sod, files.data_groups, trust_store, now), result);
  result.chip_authentication_result = CheckResult::kUnavailable;
  result.active_authentication_result = CheckResult::kUnavailable;
  if (include_files_binary) {
    result.files_binary.emplace_back("sod", files.sod);
    for (const auto& [dg, bytes] : files.data_groups) result.files_binary.emplace_back(absl::StrCat("dg", dg), bytes);
  }
  return result;
}

}  // namespace docval::emrtd
