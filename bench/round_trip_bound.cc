#include "bench/round_trip_bound.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "validator/emrtd/files/atr_info.h"
#include "validator/emrtd/lds/domain_group.h"
#include "validator/emrtd/lds/security_infos.h"

namespace docval::bench {
namespace {

using emrtd::Step;

size_t CeilDiv(size_t a, size_t b) { return (a + b - 1) / b; }

// BER length field size for a value of n bytes.
size_t LengthFieldSize(size_t n) { return n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 4; }

// TLV size of a value of n bytes with a one-byte tag.
size_t Tlv(size_t n) { return 1 + LengthFieldSize(n) + n; }

// The last two arcs of a BSI/ICAO protocol OID: 0.4.0.127.0.7.2.2.<family>.<kind>.<cipher>.
struct ProtocolArcs {
  int kind = 0;    // PACE: 1 GM-DH, 2 GM-ECDH, 3 IM-DH, 4 IM-ECDH, 6 CAM-ECDH; CA: 1 DH, 2 ECDH
  int cipher = 0;  // 1 3DES, 2 AES-128, 3 AES-192, 4 AES-256
};
std::optional<ProtocolArcs> Arcs(const std::string& oid, int family) {
  std::vector<std::string> parts = absl::StrSplit(oid, '.');
  const std::vector<std::string> prefix = {"0", "4", "0", "127", "0", "7", "2", "2"};
  if (parts.size() != 11 || !std::equal(prefix.begin(), prefix.end(), parts.begin())) return std::nullopt;
  int f = 0;
  ProtocolArcs a;
  if (!absl::SimpleAtoi(parts[8], &f) || f != family || !absl::SimpleAtoi(parts[9], &a.kind) ||
      !absl::SimpleAtoi(parts[10], &a.cipher)) {
    return std::nullopt;
  }
  return a;
}

size_t BlockOf(int cipher) { return cipher == 1 ? 8 : 16; }
const char* CipherName(int cipher) {
  switch (cipher) {
    case 1: return "3DES";
    case 2: return "AES-128";
    case 3: return "AES-192";
    case 4: return "AES-256";
  }
  return "?";
}

// Public key sizes of the standardized domain parameters (ICAO 9303-11 §9.5.1): DH the modulus
// length, ECDH an uncompressed point.
std::optional<size_t> StandardizedPublicKeySize(int id) {
  switch (id) {
    case 0: return 128;
    case 1: case 2: return 256;
    case 8: case 9: return 1 + 2 * 24;
    case 10: case 11: return 1 + 2 * 28;
    case 12: case 13: return 1 + 2 * 32;
    case 14: return 1 + 2 * 40;
    case 15: case 16: return 1 + 2 * 48;
    case 17: return 1 + 2 * 64;
    case 18: return 1 + 2 * 66;
  }
  return std::nullopt;
}

}  // namespace

size_t MaxPlainResponseBlock(size_t response_bytes, bool extended, size_t block) {
  if (response_bytes < 2) return 0;
  const size_t room = std::min(response_bytes - 2, extended ? emrtd::kMaxExtendedNe : emrtd::kMaxShortNe);
  if (block == 0) return room;
  // DO'87' { 01 || ciphertext } (padding method 2: 1..block bytes), DO'99' (4), DO'8E' (10).
  size_t best = 0;
  for (size_t ct = block; Tlv(1 + ct) + 4 + 10 <= room; ct += block) best = ct - 1;
  return best;
}

size_t MaxPlainCommandData(size_t command_bytes, bool extended, size_t block, bool with_le) {
  // CLA INS P1 P2, Lc (1 or 3 bytes), data, Le (1, or 2 after an extended Lc). A protected command
  // always has Le (its answer carries at least DO'99' and DO'8E').
  const bool outer_le = with_le || block != 0;
  const size_t fixed = 4 + (extended ? 3 : 1) + (outer_le ? (extended ? 2 : 1) : 0);
  if (command_bytes <= fixed) return 0;
  const size_t room = std::min(command_bytes - fixed, extended ? emrtd::kMaxExtendedNc : emrtd::kMaxShortNc);
  if (block == 0) return room;
  // DO'87' { 01 || ciphertext }, DO'97' (Le: 3 or 4 bytes) when an answer is expected, DO'8E' (10).
  const size_t le = with_le ? (extended ? 4 : 3) : 0;
  size_t best = 0;
  for (size_t ct = block; Tlv(1 + ct) + le + 10 <= room; ct += block) best = ct - 1;
  return best;
}

absl::StatusOr<RoundTripBound> ComputeRoundTripBound(const vchip::ChipProfile& profile,
                                                     const emrtd::LinkLimits& client_limits) {
  RoundTripBound bound;
  auto add = [&](Step step, size_t n) {
    bound.per_step[step] += n;
    bound.total += n;
  };
  auto size_of = [&](const char* name) -> std::optional<size_t> {
    const vchip::ChipFile* f = profile.FindFile(name);
    if (f == nullptr) return std::nullopt;
    return f->content.size();
  };

  // The link: the client's limits narrowed by what the chip declares in EF.ATR/INFO.
  emrtd::LinkLimits link = client_limits;
  std::optional<size_t> atr_size = size_of("EF.ATR/INFO");
  if (atr_size) {
    absl::StatusOr<emrtd::AtrInfo> info = emrtd::ParseAtrInfo(profile.FindFile("EF.ATR/INFO")->content);
    if (!info.ok()) return info.status();
    if (info->max_command_bytes && info->max_response_bytes) {
      const bool chip_extended = *info->max_command_bytes > 4 + 1 + emrtd::kMaxShortNc + 1 ||
                                 *info->max_response_bytes > emrtd::kMaxShortNe + 2;
      link.extended_length = client_limits.extended_length && chip_extended;
      link.max_command_bytes = client_limits.max_command_bytes == 0
                                   ? *info->max_command_bytes
                                   : std::min(client_limits.max_command_bytes, *info->max_command_bytes);
      link.max_response_bytes = client_limits.max_response_bytes == 0
                                    ? *info->max_response_bytes
                                    : std::min(client_limits.max_response_bytes, *info->max_response_bytes);
    } else {
      link.extended_length = false;  // the file says nothing about extended length
    }
  }  // no EF.ATR/INFO: the client's limits (the most a reader can assume)
  const bool ext = link.extended_length;
  const size_t response_bytes = link.ResponseBytes();
  const size_t command_bytes = link.CommandBytes();
  auto file_reads = [&](size_t size, size_t block) {
    return CeilDiv(size, MaxPlainResponseBlock(response_bytes, ext, block));
  };

  // READ_ATR_INFO: EF.ATR/INFO and EF.CardAccess in plain (an absent file: one exchange says so).
  add(Step::kReadAtrInfo, atr_size ? file_reads(*atr_size, 0) : 1);
  std::optional<size_t> card_access = size_of("EF.CardAccess");
  add(Step::kReadAtrInfo, card_access ? file_reads(*card_access, 0) : 1);

  // ACCESS_CONTROL.
  const bool use_pace = !profile.pace.empty() && (!profile.client_access_key.can.empty() ||
                                                  !profile.client_access_key.document_number.empty());
  size_t sm_block = 8;  // BAC: 3DES
  bool cam = false;
  if (use_pace) {
    // The protocol the reader should pick: PACE-CAM when offered (it authenticates the chip too).
    const vchip::PaceSetting* chosen = &profile.pace[0];
    for (const auto& p : profile.pace) {
      std::optional<ProtocolArcs> a = Arcs(p.protocol, 4);
      if (a && a->kind == 6) chosen = &p;
    }
    std::optional<ProtocolArcs> a = Arcs(chosen->protocol, 4);
    if (!a) return absl::InvalidArgumentError(absl::StrCat("PACE protocol ", chosen->protocol));
    std::optional<size_t> pk = StandardizedPublicKeySize(chosen->parameter_id);
    if (!pk) return absl::InvalidArgumentError(absl::StrCat("PACE parameter id ", chosen->parameter_id));
    cam = a->kind == 6;
    const bool im = a->kind == 3 || a->kind == 4;
    const bool dh = a->kind == 1 || a->kind == 3;
    sm_block = BlockOf(a->cipher);
    bound.protocol = absl::StrCat("PACE-", cam ? "CAM" : im ? "IM" : "GM", " ", dh ? "DH" : "ECDH", " ",
                                  CipherName(a->cipher));
    // MSE:Set AT; GA 1 (encrypted nonce); GA 2 (mapping: a public key for GM/CAM, a nonce of one
    // block for IM); GA 3 (ephemeral public key); GA 4 (token). Commands in plain, with Le.
    const size_t max_data = MaxPlainCommandData(command_bytes, ext, 0, true);
    const size_t mapping = im ? Tlv(Tlv(BlockOf(a->cipher))) : Tlv(Tlv(*pk));
    add(Step::kAccessControl, 1 + 1 + CeilDiv(mapping, max_data) + CeilDiv(Tlv(Tlv(*pk)), max_data) + 1);
    // PACE-CAM: EF.CardSecurity (MF, after PACE, under SM).
    if (cam) {
      std::optional<size_t> cs = size_of("EF.CardSecurity");
      if (!cs) return absl::InvalidArgumentError("PACE-CAM without EF.CardSecurity");
      add(Step::kAccessControl, file_reads(*cs, sm_block));
    }
    add(Step::kAccessControl, 1);  // SELECT eMRTD application
  } else {
    bound.protocol = "BAC 3DES";
    add(Step::kAccessControl, 3);  // SELECT eMRTD application, GET CHALLENGE, EXTERNAL AUTHENTICATE
  }

  // READ_SOD.
  std::optional<size_t> sod = size_of("EF.SOD");
  if (!sod) return absl::InvalidArgumentError("no EF.SOD");
  add(Step::kReadSod, file_reads(*sod, sm_block));

  // READ_DG14 and CHIP_AUTHENTICATION (not after PACE-CAM).
  if (std::optional<size_t> dg14 = size_of("DG14")) {
    add(Step::kReadDg14, file_reads(*dg14, sm_block));
    absl::StatusOr<emrtd::SecurityInfos> infos = emrtd::ParseDg14(profile.FindFile("DG14")->content);
    if (!infos.ok()) return infos.status();
    if (!cam && !infos->chip_authentication_public_keys.empty()) {
      const emrtd::ChipAuthenticationPublicKeyInfo& key = infos->chip_authentication_public_keys[0];
      std::string protocol;
      if (!infos->chip_authentication.empty()) protocol = infos->chip_authentication[0].protocol;
      std::optional<ProtocolArcs> a = Arcs(protocol, 3);
      if (!a) {  // no ChipAuthenticationInfo: ICAO's default is 3DES
        a = ProtocolArcs{key.protocol.size() > 0 && key.protocol.back() == '1' ? 1 : 2, 1};
      }
      // A DH public value travels left-padded to |p|; a point as it is.
      absl::StatusOr<emrtd::KeyAgreementGroup> group = emrtd::DomainGroupOf(key.public_key.algorithm, {});
      const size_t pk = group.ok() && !group->is_ec() ? group->dh().modulus_size() : key.public_key.public_value.size();
      const size_t key_id = key.key_id ? Tlv(1) : 0;
      if (a->cipher == 1) {
        // MSE:Set KAT { 91 ephemeral key, 84 key id }, no answer data.
        add(Step::kChipAuthentication,
            CeilDiv(Tlv(pk) + key_id, MaxPlainCommandData(command_bytes, ext, sm_block, false)));
      } else {
        // MSE:Set AT { 80 OID, 84 key id }, then GENERAL AUTHENTICATE { 7C { 80 ephemeral key } }.
        add(Step::kChipAuthentication,
            1 + CeilDiv(Tlv(Tlv(pk)), MaxPlainCommandData(command_bytes, ext, sm_block, true)));
      }
      sm_block = BlockOf(a->cipher);
      absl::StrAppend(&bound.protocol, ", CA ", a->kind == 1 ? "DH " : "ECDH ", CipherName(a->cipher));
    }
  }

  // READ_DG15 and ACTIVE_AUTHENTICATION.
  if (std::optional<size_t> dg15 = size_of("DG15")) {
    add(Step::kReadDg15, file_reads(*dg15, sm_block));
    add(Step::kActiveAuthentication, 1);
    absl::StrAppend(&bound.protocol, ", AA");
  }

  // The data groups.
  const std::pair<const char*, Step> groups[] = {{"DG1", Step::kReadDg1},
                                                 {"DG2", Step::kReadDg2},
                                                 {"DG7", Step::kReadDg7},
                                                 {"DG11", Step::kReadDg11},
                                                 {"DG12", Step::kReadDg12}};
  for (const auto& [name, step] : groups) {
    if (std::optional<size_t> n = size_of(name)) add(step, file_reads(*n, sm_block));
  }
  return bound;
}

}  // namespace docval::bench
