#include "tools/vchip/virtual_chip.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <botan/mem_ops.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "tools/vchip/chip_apdu.h"
#include "tools/vchip/chip_crypto.h"
#include "tools/vchip/chip_keys.h"
#include "tools/vchip/chip_params.h"
#include "tools/vchip/chip_sm.h"
#include "tools/vchip/chip_state.h"
#include "tools/vchip/chip_tlv.h"
#include "validator/emrtd/crypto/hash.h"

namespace docval::vchip {
namespace {

// A BER-TLV whose header or value has not fully arrived yet (ISO/IEC 7816-4 command chaining).
bool NeedsMore(ByteSpan d) {
  if (d.empty()) return false;
  size_t pos = 1;
  if ((d[0] & 0x1F) == 0x1F) {
    while (pos < d.size() && (d[pos] & 0x80)) ++pos;
    ++pos;
  }
  if (pos >= d.size()) return true;
  uint8_t l0 = d[pos++];
  size_t len = l0;
  if (l0 == 0x80) return false;
  if (l0 > 0x80) {
    size_t n = l0 & 0x7F;
    if (n > 3) return false;
    if (d.size() - pos < n) return true;
    len = 0;
    for (size_t i = 0; i < n; ++i) len = (len << 8) | d[pos++];
  }
  return d.size() - pos < len;
}

}  // namespace

char MrzCheckDigit(absl::string_view field) {
  static const int kWeights[3] = {7, 3, 1};
  int sum = 0;
  for (size_t i = 0; i < field.size(); ++i) {
    char ch = field[i];
    int v = 0;
    if (ch >= '0' && ch <= '9') {
      v = ch - '0';
    } else if (ch >= 'A' && ch <= 'Z') {
      v = ch - 'A' + 10;
    } else if (ch >= 'a' && ch <= 'z') {
      v = ch - 'a' + 10;
    }
    sum += v * kWeights[i % 3];
  }
  return static_cast<char>('0' + sum % 10);
}

std::string MrzKeyInformation(absl::string_view document_number, absl::string_view date_of_birth,
                              absl::string_view date_of_expiry) {
  std::string doc(document_number);
  while (doc.size() < 9) doc.push_back('<');
  return absl::StrCat(doc, std::string(1, MrzCheckDigit(doc)), date_of_birth,
                      std::string(1, MrzCheckDigit(date_of_birth)), date_of_expiry,
                      std::string(1, MrzCheckDigit(date_of_expiry)));
}

void VirtualChip::State::EndSession() {
  sm.reset();
  pending_sm.reset();
  access = ChipAccess::kNone;
  chip_authenticated = false;
  ca_selected = nullptr;
}

void VirtualChip::State::ResetAll() {
  EndSession();
  in_app = false;
  current_ef = nullptr;
  challenge.reset();
  pace_session = PaceSession{};
  last_mse = LastMse::kNone;
  chain_data.clear();
  chain_ins.reset();
  pending_response.clear();
}

// --- files -----------------------------------------------------------------------------------

const ChipFile* VirtualChip::State::FindByFid(uint16_t fid, bool mf) const {
  for (const ChipFile& f : profile.files) {
    if (f.fid == fid && f.in_mf == mf) return &f;
  }
  return nullptr;
}

const ChipFile* VirtualChip::State::FindBySfi(uint8_t sfi) const {
  for (const ChipFile& f : profile.files) {
    if (f.sfi == sfi && f.in_mf == !in_app) return &f;
  }
  return nullptr;
}

bool VirtualChip::State::MayRead(const ChipFile& f) const {
  switch (f.read) {
    case AccessRule::kAlways: return true;
    case AccessRule::kAfterAccessControl: return access != ChipAccess::kNone;
    case AccessRule::kAfterPace: return access == ChipAccess::kPace;
  }
  return false;
}

Answer VirtualChip::State::Select(const ChipCommand& c) {
  switch (c.p1) {
    case 0x04: {
      if (emrtd::ToHex(c.data) != std::string(kEmrtdAid)) return Status(kSwFileNotFound);
      in_app = true;
      current_ef = nullptr;
      return Status(kSwOk);
    }
    case 0x00:
    case 0x02:
    case 0x08:
    case 0x09: {
      if (c.data.empty() || (c.data.size() == 2 && c.data[0] == 0x3F && c.data[1] == 0x00)) {
        if (c.p1 == 0x02) return Status(kSwWrongData);
        in_app = false;
        current_ef = nullptr;
        return Status(kSwOk);
      }
      if (c.data.size() % 2 != 0) return Status(kSwWrongData);
      ByteSpan path = c.data;
      bool search_mf = !in_app;
      if (c.p1 == 0x08) {
        search_mf = true;  // path from the MF
        if (path.size() > 2 && path[0] == 0x3F && path[1] == 0x00) path.remove_prefix(2);
      }
      if (path.size() != 2) return Status(kSwFileNotFound);  // no DFs below the MF but the application
      uint16_t fid = static_cast<uint16_t>((path[0] << 8) | path[1]);
      const ChipFile* f = FindByFid(fid, search_mf);
      if (f == nullptr && c.p1 == 0x00 && !search_mf) f = FindByFid(fid, true);  // the parent's children
      if (f == nullptr) return Status(kSwFileNotFound);
      current_ef = f;
      return Status(kSwOk);
    }
    default: return Status(kSwWrongP1P2);
  }
}

Answer VirtualChip::State::ReadFrom(const ChipFile& f, size_t offset, const ChipCommand& c, bool odd) {
  if (!MayRead(f)) return Status(kSwSecurityNotSatisfied);
  if (!c.has_le) return Status(kSwWrongLength);
  size_t want = c.ne;
  const ChipQuirks& q = profile.quirks;
  if (q.max_le > 0 && want > q.max_le) {
    if (q.max_le_error) return Status(kSwWrongLength);
    want = q.max_le;
  }
  const size_t size = f.content.size();
  if (offset >= size) return Status(kSwOffsetOutside);
  size_t header = 0;
  if (odd) {
    // DO'53' must fit in Ne with its tag and length.
    header = 2;
    if (want >= 2 + 0x80) header = 3;
    if (want >= 3 + 0x100) header = 4;
    if (want <= header) return Status(kSwWrongLength);
    want -= header;
  }
  size_t n = std::min(want, size - offset);
  Bytes data(f.content.begin() + offset, f.content.begin() + offset + n);
  if (odd) data = Tlv(0x53, data);
  return Answer{std::move(data), (n < want && q.eof_warning) ? uint16_t{kSwEndOfFile} : uint16_t{kSwOk}};
}

Answer VirtualChip::State::ReadBinary(const ChipCommand& c) {
  if (c.p1 & 0x80) {
    if (!profile.quirks.short_file_ids || (c.p1 & 0x60) != 0) return Status(kSwWrongP1P2);
    const ChipFile* f = FindBySfi(c.p1 & 0x1F);
    if (f == nullptr) return Status(kSwFileNotFound);
    current_ef = f;
    return ReadFrom(*f, c.p2, c, false);
  }
  if (current_ef == nullptr) return Status(kSwNoCurrentEf);
  return ReadFrom(*current_ef, (size_t{c.p1} << 8) | c.p2, c, false);
}

Answer VirtualChip::State::ReadBinaryOdd(const ChipCommand& c) {
  if (!profile.quirks.odd_ins_read_binary) return Status(kSwInsNotSupported);
  uint16_t p1p2 = static_cast<uint16_t>((c.p1 << 8) | c.p2);
  const ChipFile* f = current_ef;
  if (p1p2 != 0) {
    if ((p1p2 & 0xFFE0) == 0) {
      if (!profile.quirks.short_file_ids) return Status(kSwWrongP1P2);
      f = FindBySfi(p1p2 & 0x1F);
    } else {
      f = FindByFid(p1p2, !in_app);
    }
    if (f == nullptr) return Status(kSwFileNotFound);
    current_ef = f;
  }
  if (f == nullptr) return Status(kSwNoCurrentEf);
  absl::StatusOr<TlvObject> off = ParseTlv(c.data);
  if (!off.ok() || off->tag != 0x54 || off->value.empty() || off->value.size() > 3 ||
      off->encoded.size() != c.data.size()) {
    return Status(kSwWrongData);
  }
  size_t offset = 0;
  for (uint8_t b : off->value) offset = (offset << 8) | b;
  return ReadFrom(*f, offset, c, true);
}

// --- BAC -------------------------------------------------------------------------------------

Answer VirtualChip::State::GetChallenge(const ChipCommand& c) {
  if (!c.has_le || c.ne != 8 || !c.data.empty()) return Status(kSwWrongLength);
  challenge = rng->Draw("bac.rnd_icc", 8);
  return Ok(*challenge);
}

Answer VirtualChip::State::ExternalAuthenticate(const ChipCommand& c) {
  if (!profile.bac) return Status(kSwInsNotSupported);
  if (!challenge.has_value()) return Status(kSwConditionsNotSatisfied);
  Bytes rnd_icc = *challenge;
  challenge.reset();  // one attempt per challenge
  if (c.data.size() != 40) return Status(kSwWrongLength);
  const ChipSecrets& sec = profile.secrets;
  if (sec.document_number.empty()) return Status(kSwConditionsNotSatisfied);
  std::string mrz = MrzKeyInformation(sec.document_number, sec.date_of_birth, sec.date_of_expiry);
  Bytes seed = emrtd::Hash(emrtd::HashAlgorithm::kSha1, emrtd::AsSpan(mrz));
  seed.resize(16);
  Bytes k_enc = DeriveKey(seed, 1, Cipher::kTdes);
  Bytes k_mac = DeriveKey(seed, 2, Cipher::kTdes);
  ByteSpan e_ifd = ByteSpan(c.data).subspan(0, 32);
  ByteSpan m_ifd = ByteSpan(c.data).subspan(32, 8);
  Bytes mac = Mac8(Cipher::kTdes, k_mac, Pad(e_ifd, 8));
  if (!Botan::constant_time_compare(mac.data(), m_ifd.data(), 8)) return Status(kSwAuthFailed);
  std::optional<Bytes> s = CbcDecrypt(Cipher::kTdes, k_enc, Bytes(8, 0), e_ifd);
  if (!s.has_value() || !std::equal(s->begin() + 8, s->begin() + 16, rnd_icc.begin())) {
    return Status(kSwAuthFailed);
  }
  Bytes rnd_ifd(s->begin(), s->begin() + 8);
  Bytes k_ifd(s->begin() + 16, s->end());
  Bytes k_icc = rng->Draw("bac.k_icc", 16);
  Bytes r = emrtd::Concat({rnd_icc, rnd_ifd, k_icc});
  Bytes e_ic = CbcEncrypt(Cipher::kTdes, k_enc, Bytes(8, 0), r);
  Bytes m_ic = Mac8(Cipher::kTdes, k_mac, Pad(e_ic, 8));
  Bytes session_seed(16);
  for (size_t i = 0; i < 16; ++i) session_seed[i] = k_ifd[i] ^ k_icc[i];
  Bytes ssc = emrtd::Concat({ByteSpan(rnd_icc).subspan(4), ByteSpan(rnd_ifd).subspan(4)});
  pending_sm.emplace(Cipher::kTdes, DeriveKey(session_seed, 1, Cipher::kTdes),
                     DeriveKey(session_seed, 2, Cipher::kTdes), ssc);
  pending_access = ChipAccess::kBac;
  pending_chip_authenticated = false;
  return Ok(emrtd::Concat({e_ic, m_ic}));
}

Answer VirtualChip::State::Dispatch(const ChipCommand& in) {
  ChipCommand c = in;
  if (chain_ins.has_value() && *chain_ins != c.ins) {
    chain_ins.reset();
    chain_data.clear();
  }
  if (chain_ins.has_value()) c.data = emrtd::Concat({chain_data, c.data});
  if ((c.cla & 0x10) != 0 && NeedsMore(c.data) && c.data.size() <= 65535) {
    chain_data = c.data;
    chain_ins = c.ins;
    return Status(kSwOk);
  }
  chain_ins.reset();
  chain_data.clear();
  return DispatchOne(c);
}

Bytes VirtualChip::State::GetResponse(const ChipCommand& c) {
  if (pending_response.empty()) return ResponseApdu({}, kSwConditionsNotSatisfied);
  size_t n = std::min(c.has_le ? c.ne : size_t{256}, pending_response.size());
  Bytes part(pending_response.begin(), pending_response.begin() + n);
  pending_response.erase(pending_response.begin(), pending_response.begin() + n);
  return ResponseApdu(part, MoreData());
}

Answer VirtualChip::State::NextPart() {
  if (pending_response.empty()) return Status(kSwConditionsNotSatisfied);
  Answer a{std::move(pending_response), kSwOk};
  pending_response.clear();
  return a;  // Answer1 cuts it to what fits and keeps the rest
}

size_t VirtualChip::State::MaxPlainInShortProtected(size_t block, bool odd_ins) {
  // DO'87'/'85' (tag, length, [01], the padded cryptogram), DO'99' (4 bytes), DO'8E' (10 bytes).
  for (size_t n = 256; n > 0; --n) {
    const size_t cryptogram = (n / block + 1) * block + (odd_ins ? 0 : 1);
    const size_t length_bytes = cryptogram < 128 ? 1 : cryptogram < 256 ? 2 : 3;
    if (1 + length_bytes + cryptogram + 4 + 10 <= 256) return n;
  }
  return 0;
}

uint16_t VirtualChip::State::MoreData() const {
  if (pending_response.empty()) return kSwOk;
  const size_t left = pending_response.size();
  return static_cast<uint16_t>(0x6100 | (left >= 256 ? 0 : left));  // 61 00: 256 bytes or more
}

Answer VirtualChip::State::DispatchOne(const ChipCommand& c) {
  if (observer) observer(c);
  if ((c.cla & 0x80) != 0) return Status(kSwClaNotSupported);
  switch (c.ins) {
    case 0xA4: return Select(c);
    case 0xB0: return ReadBinary(c);
    case 0xB1: return ReadBinaryOdd(c);
    case 0x84: return GetChallenge(c);
    case 0x82: return ExternalAuthenticate(c);
    case 0x22: return Mse(c);
    case 0x86: return GeneralAuthenticate(c);
    case 0x88: return InternalAuthenticate(c);
    default: return Status(kSwInsNotSupported);
  }
}

void VirtualChip::State::CommitPending() {
  if (pending_sm.has_value()) {
    sm = std::move(pending_sm);
    pending_sm.reset();
    access = pending_access;
    chip_authenticated = pending_chip_authenticated;
  }
}

Bytes VirtualChip::State::Answer1(ByteSpan raw) {
  absl::StatusOr<ChipCommand> cmd = ParseChipCommand(raw);
  if (!cmd.ok()) return ResponseApdu({}, kSwWrongLength);
  if (cmd->extended && !profile.quirks.extended_length) return ResponseApdu({}, kSwWrongLength);
  pending_sm.reset();
  if ((cmd->cla & 0x0C) == 0x0C) {
    if (!sm.has_value()) return ResponseApdu({}, kSwSmIncorrect);
    absl::StatusOr<ChipCommand> plain = sm->Unwrap(*cmd);
    if (!plain.ok()) {
      EndSession();
      return ResponseApdu({},
                          plain.status().code() == absl::StatusCode::kInvalidArgument ? kSwSmMissing : kSwSmIncorrect);
    }
    const bool odd = (plain->ins & 1) != 0;
    Answer a;
    if (plain->ins == 0xC0) {
      a = NextPart();
    } else {
      pending_response.clear();
      a = Dispatch(*plain);
    }
    // An answer longer than Ne, or one asked for with Le '00' whose protection would exceed a short
    // response's 256 bytes, goes in parts, each protected on its own, with 61xx and GET RESPONSE.
    if (!cmd->extended && a.sw == kSwOk && !a.data.empty()) {
      const size_t ne = plain->has_le ? plain->ne : size_t{256};
      const size_t fit = MaxPlainInShortProtected(BlockBytes(sm->cipher()), odd);
      const size_t part = std::min(ne, fit);
      if (a.data.size() > ne || (ne >= 256 && a.data.size() > fit)) {
        pending_response.insert(pending_response.begin(), a.data.begin() + static_cast<ptrdiff_t>(part), a.data.end());
        a.data.resize(part);
        a.sw = MoreData();
      }
    }
    Bytes out = sm->Wrap(a.data, a.sw, odd);
    CommitPending();
    return out;
  }
  if (sm.has_value()) EndSession();  // a plain command ends the secure session
  if (cmd->ins == 0xC0) return GetResponse(*cmd);
  pending_response.clear();
  Answer a = Dispatch(*cmd);
  CommitPending();
  if (!cmd->extended && cmd->has_le && a.data.size() > cmd->ne && a.sw == kSwOk) {
    // A short answer that does not fit: the first Ne bytes and 61xx; GET RESPONSE for the rest.
    pending_response.assign(a.data.begin() + cmd->ne, a.data.end());
    a.data.resize(cmd->ne);
    return ResponseApdu(a.data, MoreData());
  }
  return ResponseApdu(a.data, a.sw);
}

VirtualChip::VirtualChip(ChipProfile profile, std::unique_ptr<ChipRandom> rng) : s_(std::make_unique<State>()) {
  s_->profile = std::move(profile);
  s_->rng = std::move(rng);
}

VirtualChip::~VirtualChip() = default;

absl::StatusOr<std::unique_ptr<VirtualChip>> VirtualChip::Create(ChipProfile profile, std::unique_ptr<ChipRandom> rng) {
  DOCVAL_CHECK(rng != nullptr);
  std::unique_ptr<VirtualChip> chip(new VirtualChip(std::move(profile), std::move(rng)));
  State& s = *chip->s_;
  s.pace.reserve(s.profile.pace.size());
  for (const PaceSetting& ps : s.profile.pace) {
    std::optional<PaceProtocol> proto = ParsePaceOid(ps.protocol);
    if (!proto.has_value()) return absl::InvalidArgumentError(absl::StrCat("unknown PACE protocol ", ps.protocol));
    absl::StatusOr<ChipGroup> group = ChipGroup::Standard(ps.parameter_id);
    if (!group.ok()) return absl::InvalidArgumentError(group.status().message());
    if (group->agreement() != proto->agreement) {
      return absl::InvalidArgumentError(
          absl::StrCat("PACE ", ps.protocol, " does not fit parameter id ", ps.parameter_id));
    }
    if (proto->mapping == Mapping::kIntegrated) {
      if (proto->agreement == KeyAgreement::kEcdh && group->p() % 4 != 3) {
        return absl::InvalidArgumentError("PACE-IM ECDH needs a curve with p = 3 mod 4");
      }
    }
    s.pace.push_back(LoadedPace{ps, *proto, *group});
  }
  for (const ChipAuthKey& k : s.profile.chip_auth) {
    std::optional<CaProtocol> proto = ParseCaOid(k.protocol);
    if (!proto.has_value()) return absl::InvalidArgumentError(absl::StrCat("unknown CA protocol ", k.protocol));
    absl::StatusOr<KeyAgreementKey> key = LoadKeyAgreementKey(k.private_key_pkcs8);
    if (!key.ok()) return key.status();
    if (key->group.agreement() != proto->agreement) {
      return absl::InvalidArgumentError(absl::StrCat("CA key does not fit ", k.protocol));
    }
    s.ca_keys.push_back(LoadedCaKey{k.protocol, *proto, k.key_id, std::move(*key)});
  }
  for (const LoadedPace& lp : s.pace) {
    if (lp.protocol.mapping == Mapping::kChipAuthentication && s.CamKey(lp) == nullptr) {
      return absl::InvalidArgumentError("PACE-CAM needs a chip_auth ECDH key on the PACE curve");
    }
  }
  if (s.profile.active_auth.has_value()) {
    absl::StatusOr<std::unique_ptr<Botan::Private_Key>> key = LoadPrivateKey(s.profile.active_auth->private_key_pkcs8);
    if (!key.ok()) return key.status();
    s.aa_key = std::move(*key);
  }
  return chip;
}

ChipReply VirtualChip::Transceive(ByteSpan command) {
  ChipReply reply;
  reply.delay_ms = s_->profile.faults.delay_ms;
  ++s_->commands;
  const int64_t limit = s_->profile.faults.stop_after_commands;
  if (limit >= 0 && s_->commands > limit) return reply;
  reply.response = s_->Answer1(command);
  return reply;
}

void VirtualChip::Reset() { s_->ResetAll(); }

void VirtualChip::OpenSessionForTest(ChipAccess access, ChipSessionKeys keys) {
  DOCVAL_CHECK(access != ChipAccess::kNone);
  s_->ResetAll();
  s_->in_app = true;
  s_->sm.emplace(keys.cipher, std::move(keys.ks_enc), std::move(keys.ks_mac), std::move(keys.ssc));
  s_->access = access;
}

std::optional<ChipSessionKeys> VirtualChip::session_keys() const {
  if (!s_->sm.has_value()) return std::nullopt;
  const ChipSecureChannel& sm = *s_->sm;
  return ChipSessionKeys{sm.cipher(), sm.ks_enc(), sm.ks_mac(), sm.ssc()};
}

void VirtualChip::set_command_observer(std::function<void(const ChipCommand&)> observer) {
  s_->observer = std::move(observer);
}
ChipAccess VirtualChip::access() const { return s_->access; }
bool VirtualChip::secure_messaging() const { return s_->sm.has_value(); }
bool VirtualChip::chip_authenticated() const { return s_->chip_authenticated; }
int64_t VirtualChip::commands_received() const { return s_->commands; }
const ChipProfile& VirtualChip::profile() const { return s_->profile; }

}  // namespace docval::vchip
