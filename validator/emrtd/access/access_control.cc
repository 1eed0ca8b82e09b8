#include "validator/emrtd/access/access_control.h"

#include <algorithm>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "validator/emrtd/access/bac.h"
#include "validator/emrtd/access/mrz_key.h"
#include "validator/emrtd/chip_error.h"

namespace docval::emrtd {
namespace {

absl::Status Failed(absl::string_view msg) {
  return MakeChipError(ChipErrorKind::kAccessControlFailed, absl::StrCat("access control: ", msg));
}

// Smaller is better.
std::tuple<int, int, int, int> Rank(const PaceProtocol& p) {
  const int agreement = p.agreement == KeyAgreement::kEcdh ? 0 : 1;
  const int cipher = FamilyOf(p.cipher) == CipherFamily::kAes ? 0 : 1;
  int mapping = 2;
  if (p.mapping == PaceMapping::kChipAuthentication) mapping = 0;
  if (p.mapping == PaceMapping::kGeneric) mapping = 1;
  return {agreement, cipher, mapping, -static_cast<int>(KeyLength(p.cipher))};
}

// BAC's refusals (bac.h: what the chip answered); anything else passes through.
bool IsBacRefusal(const absl::Status& s) {
  return IsChipError(
      s, {ChipErrorKind::kBacKeyRefused, ChipErrorKind::kBacNotSupported, ChipErrorKind::kBacMalformedChipData});
}

Task<absl::StatusOr<SessionKeys>> RunBac(ChipChannel& channel, const AccessKey& key, RandomSource& rng) {
  // An MRZ BAC cannot use is the caller's, not the chip's: judged here, before anything is sent.
  if (absl::StatusOr<SecureBytes> mrz = MrzInformation(key); !mrz.ok()) {
    co_return Failed(absl::StrCat("BAC failed: ", mrz.status().message()));
  }
  AccessKey copy = key;
  absl::StatusOr<SessionKeys> keys = co_await PerformBac(channel, std::move(copy), rng);
  if (!keys.ok()) {
    if (IsBacRefusal(keys.status())) co_return Failed(absl::StrCat("BAC failed: ", keys.status().message()));
    co_return keys.status();
  }
  channel.StartSecureMessaging(*keys);
  co_return keys;
}

}  // namespace

const char* AccessProtocolName(AccessProtocol protocol) {
  return protocol == AccessProtocol::kPace ? "PACE" : "BAC";
}

bool IsAccessControlFailure(const absl::Status& status) {
  return IsChipError(status, ChipErrorKind::kAccessControlFailed);
}

std::vector<const PaceInfo*> RankedPaceInfos(const SecurityInfos& card_access) {
  std::vector<std::pair<PaceProtocol, const PaceInfo*>> known;
  for (const PaceInfo& info : card_access.pace) {
    std::optional<PaceProtocol> protocol = PaceProtocolFromOid(info.protocol);
    if (protocol.has_value()) known.emplace_back(*protocol, &info);
  }
  std::stable_sort(known.begin(), known.end(),
                   [](const auto& a, const auto& b) { return Rank(a.first) < Rank(b.first); });
  std::vector<const PaceInfo*> out;
  for (const auto& [protocol, info] : known) out.push_back(info);
  return out;
}

std::vector<PaceParameters> PaceCandidates(const SecurityInfos& card_access, const DhGroupOptions& dh) {
  std::vector<PaceParameters> out;
  for (const PaceInfo* info : RankedPaceInfos(card_access)) {
    absl::StatusOr<PaceParameters> p = ResolvePaceInfo(*info, card_access.pace_domain_parameters, dh);
    if (p.ok()) out.push_back(*std::move(p));
  }
  return out;
}

Task<absl::StatusOr<AccessControlOutcome>> PerformAccessControl(ChipChannel& channel,
                                                                std::optional<Bytes> card_access, AccessKey key,
                                                                AccessControlConfig config, RandomSource& rng) {
  if (channel.secure()) co_return absl::FailedPreconditionError("access control: the channel is already secure");

  // EF.CardAccess, its PACEInfos ranked; each is resolved when it is about to be tried (next()).
  SecurityInfos infos;
  std::vector<const PaceInfo*> ranked;
  if (card_access.has_value()) {
    absl::StatusOr<SecurityInfos> parsed = ParseSecurityInfos(*card_access, config.limits.max_security_infos);
    if (IsLimitExceeded(parsed.status())) co_return parsed.status();
    if (parsed.ok()) {
      infos = *std::move(parsed);
      ranked = RankedPaceInfos(infos);
    }
  }
  SessionGroupCache group_cache(config.group_cache);
  size_t own_validations_left = config.limits.max_group_validations;
  const DhGroupOptions dh{.max_p_bits = config.limits.max_dh_bits,
                          .cache = &group_cache,
                          .validations_left = config.group_validations_left != nullptr ? config.group_validations_left
                                                                                       : &own_validations_left};
  size_t next_info = 0;
  size_t resolutions = 0;
  // The next supported candidate (nullopt: none left), or LimitExceeded.
  auto next = [&]() -> absl::StatusOr<std::optional<PaceParameters>> {
    while (next_info < ranked.size()) {
      if (++resolutions > config.limits.max_pace_resolutions) {
        return LimitExceeded("max_pace_resolutions", absl::StrCat("EF.CardAccess needs more than ",
                                                                  config.limits.max_pace_resolutions,
                                                                  " PACEInfos resolved"));
      }
      absl::StatusOr<PaceParameters> p = ResolvePaceInfo(*ranked[next_info++], infos.pace_domain_parameters, dh);
      if (IsLimitExceeded(p.status())) return p.status();
      if (p.ok()) return std::optional<PaceParameters>(*std::move(p));
    }
    return std::optional<PaceParameters>();
  };
  absl::StatusOr<std::optional<PaceParameters>> candidate = next();
  if (!candidate.ok()) co_return candidate.status();

  if (candidate->has_value()) {
    std::vector<PacePassword> passwords;
    if (key.has_can()) {
      PacePassword can;
      can.type = PacePasswordType::kCan;
      can.key = key.can;
      passwords.push_back(std::move(can));
    }
    if (key.has_mrz()) {
      absl::StatusOr<SecureBytes> hash = MrzPasswordHash(key);
      if (hash.ok()) {
        PacePassword mrz;
        mrz.type = PacePasswordType::kMrz;
        mrz.key = *std::move(hash);
        passwords.push_back(std::move(mrz));
      } else if (passwords.empty()) {
        co_return Failed(absl::StrCat("no usable password: ", hash.status().message()));
      }
    }
    if (passwords.empty()) co_return Failed("PACE needs a CAN or the MRZ");

    absl::Status last;
    int attempts = 0;
    bool stop = false;
    while (candidate->has_value() && !stop) {
      const PaceParameters& params = **candidate;
      for (size_t p = 0; p < passwords.size() && !stop; ++p) {
        if (++attempts > kMaxPaceAttempts) {
          stop = true;
          break;
        }
        absl::StatusOr<PaceResult> result = co_await RunPace(channel, params, passwords[p], rng);
        if (result.ok()) {
          AccessControlOutcome outcome;
          outcome.protocol = AccessProtocol::kPace;
          outcome.keys = result->keys;
          outcome.pace_parameters = params;
          outcome.pace = *std::move(result);
          co_return outcome;
        }
        const PaceFailure failure = PaceFailureOf(result.status());
        if (failure == PaceFailure::kTransport || failure == PaceFailure::kInternal) co_return result.status();
        last = result.status();
        if (failure != PaceFailure::kNotSupported) stop = true;
      }
      if (stop) break;
      candidate = next();
      if (!candidate.ok()) co_return candidate.status();
    }

    if (config.allow_bac_fallback && key.has_mrz()) {
      absl::StatusOr<SessionKeys> keys = co_await RunBac(channel, key, rng);
      if (!keys.ok()) co_return keys.status();
      AccessControlOutcome outcome;
      outcome.protocol = AccessProtocol::kBac;
      outcome.keys = *std::move(keys);
      outcome.fell_back_to_bac = true;
      outcome.pace_failure = last;
      co_return outcome;
    }
    co_return Failed(absl::StrCat("PACE failed: ", last.message()));
  }

  // The chip has no (supported) PACE.
  if (!key.has_mrz()) co_return Failed("the chip has no PACE, and BAC needs the MRZ");
  absl::StatusOr<SessionKeys> keys = co_await RunBac(channel, key, rng);
  if (!keys.ok()) co_return keys.status();
  AccessControlOutcome outcome;
  outcome.protocol = AccessProtocol::kBac;
  outcome.keys = *std::move(keys);
  co_return outcome;
}

}  // namespace docval::emrtd
