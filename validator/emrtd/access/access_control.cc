#include "validator/emrtd/access/access_control.h"

#include <algorithm>
#include <string>
#include <tuple>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "validator/emrtd/access/bac.h"
#include "validator/emrtd/access/mrz_key.h"

namespace docval::emrtd {
namespace {

constexpr char kFailurePayloadUrl[] = "type.docval.dev/emrtd.AccessControlFailed";

absl::Status Failed(absl::string_view msg) {
  absl::Status s = absl::PermissionDeniedError(absl::StrCat("access control: ", msg));
  s.SetPayload(kFailurePayloadUrl, absl::Cord("1"));
  return s;
}

// Smaller is better.
std::tuple<int, int, int, int> Rank(const PaceParameters& p) {
  const int agreement = p.protocol.agreement == KeyAgreement::kEcdh ? 0 : 1;
  const int cipher = FamilyOf(p.protocol.cipher) == CipherFamily::kAes ? 0 : 1;
  int mapping = 2;
  if (p.protocol.mapping == PaceMapping::kChipAuthentication) mapping = 0;
  if (p.protocol.mapping == PaceMapping::kGeneric) mapping = 1;
  return {agreement, cipher, mapping, -static_cast<int>(KeyLength(p.protocol.cipher))};
}

// BAC's own errors that mean "access control failed" (see bac.h); anything else passes through.
bool IsBacRefusal(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kInvalidArgument:
      return true;
    default:
      return false;
  }
}

Task<absl::StatusOr<SessionKeys>> RunBac(ChipChannel& channel, const AccessKey& key, RandomSource& rng) {
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
  return !status.ok() && status.GetPayload(kFailurePayloadUrl).has_value();
}

std::vector<PaceParameters> PaceCandidates(const SecurityInfos& card_access) {
  std::vector<PaceParameters> out;
  for (const PaceInfo& info : card_access.pace) {
    absl::StatusOr<PaceParameters> p = ResolvePaceInfo(info, card_access.pace_domain_parameters);
    if (p.ok()) out.push_back(*std::move(p));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const PaceParameters& a, const PaceParameters& b) { return Rank(a) < Rank(b); });
  return out;
}

Task<absl::StatusOr<AccessControlOutcome>> PerformAccessControl(ChipChannel& channel,
                                                                std::optional<Bytes> card_access, AccessKey key,
                                                                AccessControlConfig config, RandomSource& rng) {
  if (channel.secure()) co_return absl::FailedPreconditionError("access control: the channel is already secure");

  std::vector<PaceParameters> candidates;
  if (card_access.has_value()) {
    absl::StatusOr<SecurityInfos> infos = ParseSecurityInfos(*card_access);
    if (infos.ok()) candidates = PaceCandidates(*infos);
  }

  if (!candidates.empty()) {
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
    for (size_t c = 0; c < candidates.size() && !stop; ++c) {
      for (size_t p = 0; p < passwords.size() && !stop; ++p) {
        if (++attempts > kMaxPaceAttempts) {
          stop = true;
          break;
        }
        absl::StatusOr<PaceResult> result = co_await RunPace(channel, candidates[c], passwords[p], rng);
        if (result.ok()) {
          AccessControlOutcome outcome;
          outcome.protocol = AccessProtocol::kPace;
          outcome.keys = result->keys;
          outcome.pace_parameters = candidates[c];
          outcome.pace = *std::move(result);
          co_return outcome;
        }
        const PaceFailure failure = PaceFailureOf(result.status());
        if (failure == PaceFailure::kTransport || failure == PaceFailure::kInternal) co_return result.status();
        last = result.status();
        if (failure != PaceFailure::kNotSupported) stop = true;
      }
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
