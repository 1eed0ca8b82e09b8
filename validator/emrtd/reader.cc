// The chip dialog of docs/protocol.md §1.4:
//
//   READ_ATR_INFO (EF.ATR/INFO -> link limits; EF.CardAccess) -> ACCESS_CONTROL (PACE or BAC, SELECT
//   the eMRTD application) -> READ_SOD -> READ_DG14 -> CHIP_AUTHENTICATION -> READ_DG15 ->
//   ACTIVE_AUTHENTICATION -> READ_DG1 -> READ_DG2 -> READ_DG7 -> READ_DG11 -> READ_DG12 ->
//   PASSIVE_AUTHENTICATION -> DONE
//
// Each status is emitted as its step starts; a data group is read only when the SOD lists it (no
// probing). SOD or DG1 unreadable: FILE_READ_ERROR; access control refused: ACCESS_CONTROL_FAILED;
// a transport failure or a broken secure channel: EMRTD_PASSPORT_READER_ERROR. An optional data group
// that cannot be read or parsed is recorded in `errors` and the session goes on.
//
// A broken secure channel ends the dialog. Every response under secure messaging must unwrap: its
// DO'8E' is checked before anything is decrypted, and a response without a valid MAC, a malformed
// protected response, or a plain status word where protection was due (ICAO 9303-11 §9.8: errors
// are protected too) spends the SM keys (SecureMessaging) and ends the dialog with
// EMRTD_PASSPORT_READER_ERROR and the failure in the detail. That includes a plain 6A82 to an
// optional data group: we read only files the SOD lists, so a genuine chip has them, and a plain
// answer is not authenticated — whoever relays the APDUs could otherwise suppress a data group
// while the session still succeeds; the chip's SSC after a plain answer is also not defined.
// The one exception is Chip Authentication: its new keys are proven by the next protected read, and
// when that read fails (a clone cannot follow) CA is FAILED, access control runs again and the read
// is repeated once under the new access keys, so the session goes on.
// CA and AA count as SUCCESS only when Passive Authentication binds their key (DG14 / DG15).
#include "validator/emrtd/reader.h"

#include <map>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "validator/emrtd/access/access_control.h"
#include "validator/emrtd/access/chip_channel.h"
#include "validator/emrtd/apdu.h"
#include "validator/emrtd/auth/active_auth.h"
#include "validator/emrtd/auth/chip_auth.h"
#include "validator/emrtd/auth/pace_cam.h"
#include "validator/emrtd/auth/passive_auth.h"
#include "validator/emrtd/auth/verify_files.h"
#include "validator/emrtd/chip_error.h"
#include "validator/emrtd/crypto/signature.h"
#include "validator/emrtd/files/atr_info.h"
#include "validator/emrtd/files/file_reader.h"
#include "validator/emrtd/lds/dg15.h"
#include "validator/emrtd/lds/lds_result.h"
#include "validator/emrtd/lds/security_infos.h"
#include "validator/emrtd/lds/sod.h"

namespace docval::emrtd {
namespace {

const char* PaceMappingName(PaceMapping m) {  // the `access_control.mapping` note
  switch (m) {
    case PaceMapping::kGeneric: return "GM";
    case PaceMapping::kIntegrated: return "IM";
    case PaceMapping::kChipAuthentication: return "CAM";
  }
  return "?";
}

DialogFailure Fail(FailureReason reason, std::string detail) { return DialogFailure{reason, std::move(detail)}; }

// Secure messaging broke: a response did not unwrap (bad or missing MAC, malformed protected data, a
// plain answer where protection was due) or the chip ended it; the channel's keys are spent
// (SecureMessaging) and nothing more may be sent with them. The status's kind is the one source: every
// failure that spends the keys carries one of these two kinds, and no other failure spends them (a
// later use of spent keys fails without a kind, which Broken() ends the dialog on as well).
bool SmBroken(const absl::Status& s) {
  return IsChipError(s, {ChipErrorKind::kSecureMessagingBroken, ChipErrorKind::kSecureMessagingEndedByChip});
}

// A read error after which the dialog cannot go on (EMRTD_PASSPORT_READER_ERROR wherever it happens):
// anything but what the chip answered about the file (files/file_reader.h IsFileLevelError: absent,
// locked, refused, malformed) — the link, secure messaging, the session's budget, the driver's own
// transport error (a status without a kind, any code), our own bug.
bool Broken(const absl::Status& s) { return !IsFileLevelError(s); }

struct DataGroupStep {
  int dg;
  Step step;
};
constexpr DataGroupStep kDataSteps[] = {{1, Step::kReadDg1},   {2, Step::kReadDg2},   {7, Step::kReadDg7},
                                        {11, Step::kReadDg11}, {12, Step::kReadDg12}};

std::string DgName(int dg) { return absl::StrCat("DG", dg); }

}  // namespace

Task<DialogOutcome> ReadDocument(CardLink& link, const SessionParams& params_ref, const ReaderConfig& config_ref,
                                 RandomSource& rng) {
  // Copied into the coroutine frame: the caller's objects need not outlive the first suspension.
  const SessionParams params = params_ref;
  const ReaderConfig config = config_ref;
  ChipChannel ch(link);
  FileReader files(ch, FileReaderOptions{.limits = config.limits});
  // Explicit DH groups: one verdict per group and session (in front of the process's cache), and at
  // most max_group_validations run from scratch across PACE, PACE-CAM and CA.
  SessionGroupCache session_groups(config.group_cache);
  size_t group_validations_left = config.limits.max_group_validations;
  const DhGroupOptions dh{
      .max_p_bits = config.limits.max_dh_bits, .cache = &session_groups, .validations_left = &group_validations_left};
  const ChipAuthOptions ca_options{.max_keys = config.limits.max_chip_auth_keys, .dh = dh};
  EmrtdResult result;
  auto keep_file = [&](const char* name, const Bytes& content) {
    if (params.include_files_binary) result.files_binary.emplace_back(name, content);
  };

  // ---- EF.ATR/INFO and EF.CardAccess (plain, in the master file) ----
  link.Progress(Step::kReadAtrInfo);
  absl::StatusOr<Bytes> atr = co_await files.ReadMfFile(kEfAtrInfo);
  if (atr.ok()) {
    keep_file("atr_info", *atr);
    link.Note("ef_atr_info.bytes", static_cast<int64_t>(atr->size()));
    if (params.diagnostics) link.Note("ef_atr_info.hex", ToHex(*atr));
    absl::StatusOr<AtrInfo> info = ParseAtrInfo(*atr);
    if (info.ok()) link.set_limits(ApplyAtrInfo(link.limits(), *info));
  } else if (Broken(atr.status())) {
    co_return Fail(FailureReason::kEmrtdPassportReaderError, absl::StrCat("EF.ATR/INFO: ", atr.status().message()));
  }
  std::optional<Bytes> card_access;
  absl::StatusOr<Bytes> ca_file = co_await files.ReadMfFile(kEfCardAccess);
  if (ca_file.ok()) {
    card_access = *ca_file;
    keep_file("card_access", *ca_file);
    link.Note("ef_card_access.bytes", static_cast<int64_t>(ca_file->size()));
    if (params.diagnostics) link.Note("ef_card_access.hex", ToHex(*ca_file));
  } else if (Broken(ca_file.status())) {
    co_return Fail(FailureReason::kEmrtdPassportReaderError,
                   absl::StrCat("EF.CardAccess: ", ca_file.status().message()));
  }

  // ---- Access control and the eMRTD application ----
  link.Progress(Step::kAccessControl);
  const AccessControlConfig ac_config{
      .allow_bac_fallback = config.allow_bac_fallback,
      .limits = config.limits,
      .group_cache = &session_groups,
      .group_validations_left = &group_validations_left};
  // PACE-CAM: the chip proved its static key during PACE; EF.CardSecurity vouches for that key.
  std::optional<CamVerdict> cam;
  // Opens (or re-opens) the secure channel and selects the application; nullopt when done.
  auto open = [&]() -> Task<std::optional<DialogFailure>> {
    ch.StopSecureMessaging();
    if (!card_access) {
      // No PACE: BAC runs inside the eMRTD application (ICAO 9303-11 §4.3).
      absl::Status sel = co_await files.SelectApplication();
      if (!sel.ok()) {
        co_return Fail(FailureReason::kEmrtdPassportReaderError,
                       absl::StrCat("SELECT eMRTD application: ", sel.message()));
      }
    }
    absl::StatusOr<AccessControlOutcome> ac =
        co_await PerformAccessControl(ch, card_access, params.access_key, ac_config, rng);
    if (!ac.ok()) {
      if (IsAccessControlFailure(ac.status())) {
        co_return Fail(FailureReason::kAccessControlFailed, std::string(ac.status().message()));
      }
      co_return Fail(FailureReason::kEmrtdPassportReaderError, absl::StrCat("access control: ", ac.status().message()));
    }
    link.Note("access_control.protocol", AccessProtocolName(ac->protocol));
    if (ac->pace) link.Note("access_control.mapping", PaceMappingName(ac->pace->protocol.mapping));
    if (ac->pace && ac->pace->protocol.mapping == PaceMapping::kChipAuthentication && ac->pace_parameters && !cam) {
      // EF.CardSecurity lives in the master file: read it before selecting the application.
      absl::StatusOr<Bytes> cs = co_await files.ReadMfFile(kEfCardSecurity);
      if (cs.ok()) {
        keep_file("card_security", *cs);
        cam = CheckCam(*ac->pace, ac->pace_parameters->domain, *cs, config.trust_store, params.now_unix_seconds,
                       config.limits, dh, config.signer_key_cache);
        if (!cam->limit.ok()) {
          co_return Fail(FailureReason::kEmrtdPassportReaderError,
                         absl::StrCat("EF.CardSecurity: ", cam->limit.message()));
        }
      } else if (Broken(cs.status())) {
        co_return Fail(FailureReason::kEmrtdPassportReaderError,
                       absl::StrCat("EF.CardSecurity: ", cs.status().message()));
      } else {
        cam = CamVerdict{CheckResult::kFailed, absl::StrCat("EF.CardSecurity: ", cs.status().message())};
      }
      if (cam->result != CheckResult::kSuccess)
        result.errors.push_back(absl::StrCat("chip authentication (PACE-CAM): ", cam->detail));
    }
    if (card_access) {
      absl::Status sel = co_await files.SelectApplication();
      if (!sel.ok()) {
        co_return Fail(FailureReason::kEmrtdPassportReaderError,
                       absl::StrCat("SELECT eMRTD application: ", sel.message()));
      }
    }
    co_return std::nullopt;
  };
  if (std::optional<DialogFailure> f = co_await open(); f) co_return *f;

  // Reads a file of the application. `ca_proof` (non-null) marks the first protected read under Chip
  // Authentication's new keys: if secure messaging breaks there, the chip did not follow the keys
  // (*ca_proof = true), access control runs again and the read is repeated once. Anywhere else a
  // broken channel is returned as it is and ends the dialog (Broken()).
  auto read = [&](ElementaryFile file, bool* ca_proof) -> Task<absl::StatusOr<Bytes>> {
    absl::StatusOr<Bytes> r = co_await files.Read(file);
    if (r.ok()) link.Note("file.bytes", static_cast<int64_t>(r->size()));
    if (r.ok() || ca_proof == nullptr || !SmBroken(r.status())) co_return r;
    *ca_proof = true;
    if (std::optional<DialogFailure> f = co_await open(); f) {
      co_return absl::UnavailableError(absl::StrCat("secure channel lost and not re-opened: ", f->detail));
    }
    co_return co_await files.Read(file);
  };

  // ---- EF.SOD: what exists ----
  link.Progress(Step::kReadSod);
  absl::StatusOr<Bytes> sod_bytes = co_await read(kEfSod, nullptr);
  if (!sod_bytes.ok()) {
    co_return Fail(
        Broken(sod_bytes.status()) ? FailureReason::kEmrtdPassportReaderError : FailureReason::kFileReadError,
        absl::StrCat("EF.SOD: ", sod_bytes.status().message()));
  }
  keep_file("sod", *sod_bytes);
  absl::StatusOr<Sod> sod = ParseSod(*sod_bytes);
  if (!sod.ok()) co_return Fail(FailureReason::kFileReadError, std::string(sod.status().message()));
  if (absl::Status budget = CheckSignerKeyBudget(sod->signed_data, config.trust_store, config.limits); !budget.ok()) {
    co_return Fail(FailureReason::kEmrtdPassportReaderError, absl::StrCat("EF.SOD: ", budget.message()));
  }
  std::map<int, Bytes> read_groups;
  auto read_group = [&](int dg, bool* ca_proof) -> Task<absl::StatusOr<Bytes>> {
    std::optional<ElementaryFile> file = FindElementaryFile(DgName(dg));
    if (!file) co_return absl::InternalError(absl::StrCat("no file for ", DgName(dg)));
    absl::StatusOr<Bytes> r = co_await read(*file, ca_proof);
    if (r.ok()) {
      read_groups[dg] = *r;
      keep_file(absl::StrCat("dg", dg).c_str(), *r);
    }
    co_return r;
  };
  auto optional_error = [&](int dg, const absl::Status& s) {
    result.errors.push_back(absl::StrCat(DgName(dg), ": ", s.message()));
  };

  // ---- DG14 and Chip Authentication ----
  std::optional<ChipAuthOutcome> ca;
  bool ca_pending_proof = false;
  bool ca_proven = false;
  std::string aa_algorithm;
  if (sod->Lists(14)) {
    link.Progress(Step::kReadDg14);
    absl::StatusOr<Bytes> dg14 = co_await read_group(14, nullptr);
    if (!dg14.ok()) {
      if (Broken(dg14.status()))
        co_return Fail(FailureReason::kEmrtdPassportReaderError, absl::StrCat("DG14: ", dg14.status().message()));
      optional_error(14, dg14.status());
    } else {
      absl::StatusOr<SecurityInfos> infos = ParseDg14(*dg14, config.limits.max_security_infos);
      if (IsLimitExceeded(infos.status())) {
        co_return Fail(FailureReason::kEmrtdPassportReaderError, absl::StrCat("DG14: ", infos.status().message()));
      }
      if (!infos.ok()) {
        optional_error(14, infos.status());
      } else {
        if (!infos->active_authentication.empty()) aa_algorithm = infos->active_authentication[0].signature_algorithm;
        // After a PACE-CAM that EF.CardSecurity vouches for, the chip is authenticated already.
        const bool cam_done = cam && cam->result == CheckResult::kSuccess;
        if (!infos->chip_authentication_public_keys.empty() && !cam_done) {
          link.Progress(Step::kChipAuthentication);
          absl::StatusOr<ChipAuthOutcome> o = co_await PerformChipAuthentication(ch, *infos, rng, ca_options);
          if (!o.ok()) {
            co_return Fail(FailureReason::kEmrtdPassportReaderError,
                           absl::StrCat("chip authentication: ", o.status().message()));
          }
          ca = *o;
          if (o->status == ChipAuthOutcome::Status::kFailed)
            result.errors.push_back(absl::StrCat("chip authentication: ", o->detail));
          ca_pending_proof = o->status == ChipAuthOutcome::Status::kKeysSwitched;
        }
      }
    }
  }
  // The first protected read after CA proves the new keys (or shows a clone). `ca_proof` for read():
  // non-null only while that proof is pending.
  auto proof_flag = [&](bool* reopened) { return ca_pending_proof ? reopened : nullptr; };
  auto settle_ca = [&](bool reopened) {
    if (!ca_pending_proof) return;
    ca_pending_proof = false;
    ca_proven = !reopened;
    if (reopened) result.errors.push_back("chip authentication: the chip did not follow the new session keys");
  };

  // ---- DG15 and Active Authentication ----
  std::optional<ActiveAuthOutcome> aa;
  if (sod->Lists(15)) {
    link.Progress(Step::kReadDg15);
    bool reopened = false;
    absl::StatusOr<Bytes> dg15 = co_await read_group(15, proof_flag(&reopened));
    settle_ca(reopened);
    if (!dg15.ok()) {
      if (Broken(dg15.status()))
        co_return Fail(FailureReason::kEmrtdPassportReaderError, absl::StrCat("DG15: ", dg15.status().message()));
      optional_error(15, dg15.status());
    } else {
      absl::StatusOr<Bytes> spki = ParseDg15(*dg15);
      if (!spki.ok()) {
        optional_error(15, spki.status());
      } else {
        if (absl::Status budget =
                CheckChipKeyBudget(*spki, config.limits.max_rsa_bits, config.limits.max_rsa_exponent_bits);
            !budget.ok()) {
          co_return Fail(FailureReason::kEmrtdPassportReaderError, absl::StrCat("DG15: ", budget.message()));
        }
        link.Progress(Step::kActiveAuthentication);
        absl::StatusOr<ActiveAuthOutcome> o = co_await PerformActiveAuthentication(ch, *spki, aa_algorithm, rng);
        if (!o.ok()) {
          // A transport failure or a broken secure channel (a chip's refusal is an outcome, not an error).
          co_return Fail(FailureReason::kEmrtdPassportReaderError,
                         absl::StrCat("active authentication: ", o.status().message()));
        }
        aa = *o;
        if (o->status == ActiveAuthOutcome::Status::kFailed)
          result.errors.push_back(absl::StrCat("active authentication: ", o->detail));
      }
    }
  }

  // ---- The data of the document ----
  for (const DataGroupStep& s : kDataSteps) {
    if (!sod->Lists(s.dg)) {
      if (s.dg == 1) co_return Fail(FailureReason::kFileReadError, "EF.SOD does not list DG1");
      continue;
    }
    link.Progress(s.step);
    bool reopened = false;
    absl::StatusOr<Bytes> bytes = co_await read_group(s.dg, proof_flag(&reopened));
    settle_ca(reopened);
    if (!bytes.ok()) {
      if (Broken(bytes.status())) {
        co_return Fail(FailureReason::kEmrtdPassportReaderError,
                       absl::StrCat(DgName(s.dg), ": ", bytes.status().message()));
      }
      if (s.dg == 1) co_return Fail(FailureReason::kFileReadError, absl::StrCat("DG1: ", bytes.status().message()));
      optional_error(s.dg, bytes.status());
      continue;
    }
    absl::Status applied = ApplyDataGroup(s.dg, *bytes, result);
    if (!applied.ok()) result.errors.push_back(std::string(applied.message()));
  }

  // ---- Passive Authentication and the bound verdicts ----
  link.Progress(Step::kPassiveAuthentication);
  PassiveAuthResult pa = VerifyPassiveAuthentication(*sod, read_groups, config.trust_store, params.now_unix_seconds,
                                                     config.signer_key_cache);
  ApplyPassiveAuthentication(pa, result);
  if (cam && cam->result == CheckResult::kSuccess) {
    result.chip_authentication_result = CheckResult::kSuccess;  // bound by EF.CardSecurity
  } else if (ca) {
    result.chip_authentication_result = ChipAuthenticationResult(*ca, ca_proven, pa.Binds(14));
  } else {
    result.chip_authentication_result = cam ? CheckResult::kFailed : CheckResult::kUnavailable;
  }
  result.active_authentication_result = aa ? ActiveAuthenticationResult(*aa, pa.Binds(15)) : CheckResult::kUnavailable;
  link.Progress(Step::kDone);
  co_return result;
}

}  // namespace docval::emrtd
