#include "validator/service/v2_files.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "validator/emrtd/auth/active_auth.h"
#include "validator/emrtd/auth/passive_auth.h"
#include "validator/emrtd/auth/verify_files.h"
#include "validator/emrtd/crypto/signature.h"
#include "validator/emrtd/lds/dg15.h"
#include "validator/emrtd/lds/ef_com.h"
#include "validator/emrtd/lds/lds_result.h"
#include "validator/emrtd/lds/security_infos.h"
#include "validator/emrtd/lds/sod.h"

namespace docval::validator {
namespace {

using emrtd::CheckResult;
using Refusal = V2Outcome::Refusal;

V2Outcome Refuse(Refusal refusal, std::string detail) {
  V2Outcome o;
  o.refusal = refusal;
  o.detail = std::move(detail);
  return o;
}

std::optional<V2Outcome> CheckSizes(const V2Files& files, const emrtd::SessionLimits& limits) {
  V2FileSizes sizes{.sod = files.sod.size()};
  if (files.com) sizes.com = files.com->size();
  for (const auto& [dg, bytes] : files.data_groups) sizes.data_groups[dg] = bytes.size();
  return CheckV2FileSizes(sizes, limits);
}

}  // namespace

std::optional<V2Outcome> CheckV2FileSizes(const V2FileSizes& sizes, const emrtd::SessionLimits& limits) {
  size_t total = sizes.sod;
  if (sizes.sod > limits.MaxFileBytes("EF.SOD")) return Refuse(Refusal::kReaderError, "EF.SOD over its size cap");
  if (sizes.com) {
    total += *sizes.com;
    if (*sizes.com > limits.MaxFileBytes("EF.COM")) return Refuse(Refusal::kReaderError, "EF.COM over its size cap");
  }
  for (const auto& [dg, size] : sizes.data_groups) {
    total += size;
    const std::string name = absl::StrCat("DG", dg);
    if (size > limits.MaxFileBytes(name))
      return Refuse(Refusal::kReaderError, absl::StrCat(name, " over its size cap"));
  }
  if (total > limits.max_total_bytes) return Refuse(Refusal::kReaderError, "the files over the session's byte budget");
  return std::nullopt;
}

V2Outcome VerifyV2Files(const V2Files& files, const V2Proofs& proofs, const emrtd::TrustStore* trust_store,
                        int64_t now, const emrtd::SessionLimits& limits, bool include_files_binary,
                        emrtd::VerificationKeyCache* signer_keys) {
  if (std::optional<V2Outcome> over = CheckSizes(files, limits)) return *std::move(over);
  absl::StatusOr<emrtd::Sod> sod = emrtd::ParseSod(files.sod);
  if (!sod.ok()) return Refuse(Refusal::kFileReadError, absl::StrCat("EF.SOD: ", sod.status().message()));
  if (!sod->Lists(1)) return Refuse(Refusal::kFileReadError, "EF.SOD does not list DG1");
  // The phone chose the Document Signer certificate, as a chip does: its key is budgeted before use.
  if (absl::Status budget = emrtd::CheckSignerKeyBudget(sod->signed_data, trust_store, limits); !budget.ok()) {
    return Refuse(Refusal::kReaderError, absl::StrCat("EF.SOD: ", budget.message()));
  }
  if (!files.data_groups.contains(1)) return Refuse(Refusal::kFileReadError, "DG1 missing");

  V2Outcome out;
  emrtd::EmrtdResult& result = out.result;
  std::optional<emrtd::EfCom> com;
  if (files.com) {
    absl::StatusOr<emrtd::EfCom> parsed = emrtd::ParseEfCom(*files.com);
    if (parsed.ok()) {
      com = *std::move(parsed);
    } else {
      result.errors.push_back(absl::StrCat("EF.COM: ", parsed.status().message()));
    }
  }
  for (const auto& [dg, bytes] : files.data_groups) {
    if (!sod->Lists(dg)) return Refuse(Refusal::kProtocolError, absl::StrCat("DG", dg, " is not listed in EF.SOD"));
    if (com && std::find(com->data_groups.begin(), com->data_groups.end(), dg) == com->data_groups.end()) {
      return Refuse(Refusal::kProtocolError, absl::StrCat("DG", dg, " is not listed in EF.COM"));
    }
  }
  if (proofs.aa_signature && !files.data_groups.contains(15)) {
    return Refuse(Refusal::kProtocolError, "an AA signature without DG15");
  }

  // The document's data and Passive Authentication, exactly as `docval verify` does.
  for (const auto& [dg, bytes] : files.data_groups) {
    absl::Status s = emrtd::ApplyDataGroup(dg, bytes, result);
    if (!s.ok()) result.errors.push_back(std::string(s.message()));
  }
  const emrtd::PassiveAuthResult pa =
      emrtd::VerifyPassiveAuthentication(*sod, files.data_groups, trust_store, now, signer_keys);
  emrtd::ApplyPassiveAuthentication(pa, result);

  // Active Authentication against our challenge.
  result.active_authentication_result = CheckResult::kUnavailable;
  if (sod->Lists(15)) {
    auto dg15 = files.data_groups.find(15);
    if (dg15 == files.data_groups.end()) {
      result.active_authentication_result = CheckResult::kFailed;
      result.errors.push_back("active authentication: DG15 is listed in EF.SOD but was not sent");
    } else if (absl::StatusOr<emrtd::Bytes> spki = emrtd::ParseDg15(dg15->second); !spki.ok()) {
      result.errors.push_back(absl::StrCat("DG15: ", spki.status().message()));
    } else if (absl::Status budget =
                   emrtd::CheckChipKeyBudget(*spki, limits.max_rsa_bits, limits.max_rsa_exponent_bits);
               !budget.ok()) {
      return Refuse(Refusal::kReaderError, absl::StrCat("DG15: ", budget.message()));
    } else if (!proofs.aa_signature) {
      result.active_authentication_result = CheckResult::kFailed;
      result.errors.push_back("active authentication: no signature for the DG15 key");
    } else {
      std::string aa_algorithm;
      if (auto dg14 = files.data_groups.find(14); dg14 != files.data_groups.end()) {
        absl::StatusOr<emrtd::SecurityInfos> infos = emrtd::ParseDg14(dg14->second, limits.max_security_infos);
        if (emrtd::IsLimitExceeded(infos.status())) {
          return Refuse(Refusal::kReaderError, absl::StrCat("DG14: ", infos.status().message()));
        }
        if (infos.ok() && !infos->active_authentication.empty()) {
          aa_algorithm = infos->active_authentication[0].signature_algorithm;
        }
      }
      emrtd::ActiveAuthOutcome aa =
          emrtd::VerifyActiveAuthentication(*spki, proofs.aa_challenge, *proofs.aa_signature, aa_algorithm);
      result.active_authentication_result = emrtd::ActiveAuthenticationResult(aa, pa.Binds(15));
      if (aa.status == emrtd::ActiveAuthOutcome::Status::kFailed) {
        result.errors.push_back(absl::StrCat("active authentication: ", aa.detail));
      }
    }
  }
  // The server's own run proved the chip holds DG14's key; SUCCESS also needs Passive Authentication
  // to bind DG14 (as in v1, ChipAuthenticationResult): a key a clone chose proves nothing.
  result.chip_authentication_result = proofs.chip_authentication;
  if (proofs.chip_authentication == CheckResult::kSuccess && !pa.Binds(14)) {
    result.chip_authentication_result = CheckResult::kFailed;
    result.errors.push_back("chip authentication: DG14 is not bound by Passive Authentication");
  }
  if (include_files_binary) {
    result.files_binary.emplace_back("sod", files.sod);
    for (const auto& [dg, bytes] : files.data_groups) result.files_binary.emplace_back(absl::StrCat("dg", dg), bytes);
  }
  return out;
}

}  // namespace docval::validator
