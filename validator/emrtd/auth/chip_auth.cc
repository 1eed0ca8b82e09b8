#include "validator/emrtd/auth/chip_auth.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "validator/emrtd/access/pace.h"
#include "validator/emrtd/chip_error.h"
#include "validator/emrtd/crypto/asn1_util.h"
#include "validator/emrtd/crypto/kdf.h"
#include "validator/emrtd/lds/domain_group.h"
#include "validator/emrtd/limits.h"
#include "validator/emrtd/tlv.h"

namespace docval::emrtd {
namespace {

std::string SwText(uint16_t sw) { return ToHex(Bytes{static_cast<uint8_t>(sw >> 8), static_cast<uint8_t>(sw)}); }

using Status = ChipAuthOutcome::Status;

// The key of `info` as ChipAuthParameters with the given protocol, or an error.
absl::StatusOr<ChipAuthParameters> ParametersOf(const ChipAuthenticationPublicKeyInfo& info,
                                                const std::string& protocol, CaProtocol ca,
                                                std::optional<int64_t> key_id, const DhGroupOptions& dh) {
  ASSIGN_OR_RETURN(KeyAgreementGroup group, DomainGroupOf(info.public_key.algorithm, {.dh = dh}));
  if (group.is_ec() != (ca.agreement == KeyAgreement::kEcdh)) {
    return absl::InvalidArgumentError("Chip Authentication key type does not match the protocol");
  }
  ASSIGN_OR_RETURN(Bytes pk, group.ValidatePublic(info.public_key.public_value));
  return ChipAuthParameters{protocol, ca, key_id, std::move(group), std::move(pk)};
}

// Sends `cmd` as one short APDU when its (protected) data fits one on this link; else as one extended
// APDU when the link allows extended length and the protected command fits its limit; else as a chain
// of short APDUs (CLA bit 0x10 on all but the last; ISO/IEC 7816-4 §5.3.3) whose parts are sized from
// the link's LinkLimits::CommandBytes() less the secure-messaging overhead (access/pace.h
// TransmitShortChained). DH-2048 keys (256-byte public values) need one or the other.
Task<absl::StatusOr<ResponseApdu>> TransmitLong(ChipChannel& channel, CommandApdu cmd) {
  if (cmd.data.size() > MaxShortCommandData(channel, cmd.ne > 0)) {
    const LinkLimits& limits = channel.link().limits();
    // Extended: CLA INS P1 P2, Lc (3), data, Le (2; a protected command always has one).
    const SecureMessaging* sm = channel.sm();
    size_t data = cmd.data.size();
    if (sm != nullptr) data += sm->CommandOverhead(cmd.data.size(), true) - (cmd.ne > 0 ? 0 : 4);
    const size_t encoded = 4 + 3 + data + (sm != nullptr || cmd.ne > 0 ? 2 : 0);
    if (limits.extended_length && encoded <= limits.CommandBytes()) {
      cmd.extended = true;
      co_return co_await channel.Transmit(cmd);
    }
  }
  co_return co_await TransmitShortChained(channel, std::move(cmd));
}

}  // namespace

absl::StatusOr<ChipAuthParameters> SelectChipAuthentication(const SecurityInfos& dg14, const ChipAuthOptions& options) {
  if (dg14.chip_authentication_public_keys.empty()) {
    return MakeChipError(ChipErrorKind::kChipAuthKeyUnusable, "DG14 has no ChipAuthenticationPublicKeyInfo");
  }
  size_t resolved = 0;
  auto resolve = [&](const ChipAuthenticationPublicKeyInfo& key, const std::string& protocol, CaProtocol ca,
                     std::optional<int64_t> key_id) -> absl::StatusOr<ChipAuthParameters> {
    if (++resolved > options.max_keys) {
      return LimitExceeded("max_chip_auth_keys",
                           absl::StrCat("more than ", options.max_keys, " Chip Authentication keys to try"));
    }
    absl::StatusOr<ChipAuthParameters> p = ParametersOf(key, protocol, ca, key_id, options.dh);
    if (p.ok() || ChipErrorOf(p.status()).has_value()) return p;
    // The verdict on the chip's key (lds/domain_group.h): parameters not supported (kNotFound: an
    // unknown parameter id or named curve; kUnimplemented: an unknown algorithm) or that do not decode
    // or validate (kInvalidArgument).
    if (absl::IsNotFound(p.status()) || absl::IsUnimplemented(p.status())) {
      return MakeChipError(ChipErrorKind::kChipAuthKeyUnusable, p.status().message());
    }
    if (absl::IsInvalidArgument(p.status())) {
      return MakeChipError(ChipErrorKind::kChipAuthKeyMalformed, p.status().message());
    }
    return p;  // our own failure, as it is
  };
  absl::Status last =
      MakeChipError(ChipErrorKind::kChipAuthKeyUnusable, "DG14 has no usable Chip Authentication protocol");
  for (const ChipAuthenticationInfo& info : dg14.chip_authentication) {
    std::optional<CaProtocol> ca = CaProtocolFromOid(info.protocol);
    if (!ca) continue;
    for (const ChipAuthenticationPublicKeyInfo& key : dg14.chip_authentication_public_keys) {
      if (info.key_id && key.key_id && *info.key_id != *key.key_id) continue;
      if (info.key_id && !key.key_id && dg14.chip_authentication_public_keys.size() > 1) continue;
      const bool ec_key = key.protocol == oid::kPkEcdh;
      if (ec_key != (ca->agreement == KeyAgreement::kEcdh)) continue;
      absl::StatusOr<ChipAuthParameters> p = resolve(key, info.protocol, *ca, info.key_id ? info.key_id : key.key_id);
      if (p.ok() || IsLimitExceeded(p.status())) return p;
      last = p.status();
    }
  }
  if (!dg14.chip_authentication.empty()) return last;
  // No ChipAuthenticationInfo: 3DES with the key's agreement (ICAO 9303-11 §6.2).
  const ChipAuthenticationPublicKeyInfo& key = dg14.chip_authentication_public_keys.front();
  const bool ec_key = key.protocol == oid::kPkEcdh;
  const std::string protocol = ec_key ? oid::kCaEcdh3Des : oid::kCaDh3Des;
  return resolve(key, protocol, *CaProtocolFromOid(protocol), key.key_id);
}

SessionKeys ChipAuthSessionKeys(KeyAlgorithm cipher, ByteSpan secret) {
  SessionKeys keys;
  keys.cipher = FamilyOf(cipher) == CipherFamily::k3Des ? SmCipher::k3Des : SmCipher::kAes;
  keys.ks_enc = Kdf(cipher, secret, kKdfCounterEnc);
  keys.ks_mac = Kdf(cipher, secret, kKdfCounterMac);
  keys.ssc = SecureBytes(keys.cipher == SmCipher::k3Des ? 8 : 16, 0);
  return keys;
}

Task<absl::StatusOr<ChipAuthOutcome>> PerformChipAuthentication(ChipChannel& channel, SecurityInfos dg14,
                                                                RandomSource& rng, ChipAuthOptions options) {
  ChipAuthOutcome out;
  absl::StatusOr<ChipAuthParameters> params = SelectChipAuthentication(dg14, options);
  if (IsLimitExceeded(params.status())) co_return params.status();
  if (!params.ok()) {
    out.status =
        IsChipError(params.status(), ChipErrorKind::kChipAuthKeyUnusable) ? Status::kUnavailable : Status::kFailed;
    out.detail = std::string(params.status().message());
    co_return out;
  }
  out.protocol = params->protocol;
  // DH: the chip's key is known before ours is drawn, so ours is drawn until neither its public value
  // nor K begins with a zero byte: chips that drop K's leading zeros agree (docs/pace.md, "DH encodings").
  CO_ASSIGN_OR_RETURN(KeyAgreementKeyPair eph, params->group.GenerateUnambiguousKeyPair(rng, "ca.ephemeral_key",
                                                                                       params->chip_public_key));
  Bytes key_ref;
  if (params->key_id) {
    Bytes id;
    for (int64_t v = *params->key_id; v > 0 || id.empty(); v >>= 8)
      id.insert(id.begin(), static_cast<uint8_t>(v & 0xFF));
    key_ref = EncodeTlv(0x84, id);
  }
  auto refused = [&out](absl::string_view what, uint16_t sw) {
    out.status = Status::kFailed;
    out.detail = absl::StrCat(what, " refused (SW ", SwText(sw), ")");
    return out;
  };
  if (params->ca.cipher == KeyAlgorithm::k3Des) {
    CommandApdu kat{.cla = 0x00, .ins = 0x22, .p1 = 0x41, .p2 = 0xA6,
                    .data = Concat({EncodeTlv(0x91, eph.public_key), key_ref})};
    CO_ASSIGN_OR_RETURN(ResponseApdu r, co_await TransmitLong(channel, kat));
    if (!r.ok()) co_return refused("MSE:Set KAT", r.sw);
  } else {
    absl::StatusOr<Bytes> oid_contents = asn1::EncodeOidContents(params->protocol);
    if (!oid_contents.ok()) co_return oid_contents.status();
    CommandApdu at{.cla = 0x00, .ins = 0x22, .p1 = 0x41, .p2 = 0xA4,
                   .data = Concat({EncodeTlv(0x80, *oid_contents), key_ref})};
    CO_ASSIGN_OR_RETURN(ResponseApdu r, co_await channel.Transmit(at));
    if (!r.ok()) co_return refused("MSE:Set AT", r.sw);
    CommandApdu ga{.cla = 0x00, .ins = 0x86, .p1 = 0x00, .p2 = 0x00,
                   .data = EncodeTlv(0x7C, EncodeTlv(0x80, eph.public_key)), .ne = kMaxShortNe};
    CO_ASSIGN_OR_RETURN(ResponseApdu g, co_await TransmitLong(channel, ga));
    if (!g.ok()) co_return refused("GENERAL AUTHENTICATE", g.sw);
  }
  absl::StatusOr<SecureBytes> secret = params->group.SharedSecret(eph.private_key, params->chip_public_key);
  if (!secret.ok()) {
    out.status = Status::kFailed;
    out.detail = absl::StrCat("key agreement: ", secret.status().message());
    co_return out;
  }
  channel.StartSecureMessaging(ChipAuthSessionKeys(params->ca.cipher, *secret));
  out.status = Status::kKeysSwitched;
  co_return out;
}

CheckResult ChipAuthenticationResult(const ChipAuthOutcome& outcome, bool keys_proven, bool dg14_bound) {
  switch (outcome.status) {
    case Status::kKeysSwitched: return keys_proven && dg14_bound ? CheckResult::kSuccess : CheckResult::kFailed;
    case Status::kFailed: return CheckResult::kFailed;
    case Status::kUnavailable: return CheckResult::kUnavailable;
  }
  return CheckResult::kFailed;
}

}  // namespace docval::emrtd
