#include "tools/vchip/virtual_chip.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <botan/mem_ops.h>
#include <botan/numthry.h>
#include <botan/pk_keys.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "tools/vchip/chip_apdu.h"
#include "tools/vchip/chip_crypto.h"
#include "tools/vchip/chip_keys.h"
#include "tools/vchip/chip_params.h"
#include "tools/vchip/chip_sm.h"
#include "tools/vchip/chip_tlv.h"
#include "validator/emrtd/crypto/hash.h"

namespace docval::vchip {
namespace {

struct Answer {
  Bytes data;
  uint16_t sw = kSwOk;
};

Answer Status(uint16_t sw) { return Answer{{}, sw}; }
Answer Ok(Bytes data) { return Answer{std::move(data), kSwOk}; }

struct LoadedPace {
  PaceSetting setting;
  PaceProtocol protocol;
  ChipGroup group;
};

struct LoadedCaKey {
  std::string oid;
  CaProtocol protocol;
  std::optional<int> key_id;
  KeyAgreementKey key;
};

enum class PaceStep { kIdle, kSetAt, kNonceSent, kMapped, kAgreed };

struct PaceSession {
  PaceStep step = PaceStep::kIdle;
  const LoadedPace* pace = nullptr;
  Bytes password;  // f(pi): SHA-1 of the MRZ information, or the CAN
  Bytes nonce;
  Bytes pk_map_ifd;
  Botan::BigInt sk_map;
  ChipGroup mapped;
  Bytes pk_ifd;
  Bytes pk_ic;
  Bytes ks_enc, ks_mac;
};

// The public key data object over which PACE authentication tokens are computed (9303-11 §4.4.3.4).
Bytes PublicKeyDataObject(const std::string& oid, const ChipGroup& group, ByteSpan encoded_key) {
  Bytes oid_tlv = Tlv(0x06, EncodeOid(oid));
  Bytes key_tlv = Tlv(group.agreement() == KeyAgreement::kEcdh ? 0x86 : 0x84, encoded_key);
  return TlvOf(0x7F49, {oid_tlv, key_tlv});
}

Bytes AuthToken(Cipher c, ByteSpan ks_mac, ByteSpan data) {
  return Mac8(c, ks_mac, IsAes(c) ? Bytes(data.begin(), data.end()) : Pad(data, 8));
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

struct VirtualChip::State {
  ChipProfile profile;
  std::unique_ptr<ChipRandom> rng;
  std::vector<LoadedPace> pace;
  std::vector<LoadedCaKey> ca_keys;
  std::unique_ptr<Botan::Private_Key> aa_key;

  int64_t commands = 0;
  bool in_app = false;
  const ChipFile* current_ef = nullptr;
  std::optional<Bytes> challenge;
  std::optional<ChipSecureChannel> sm;
  std::optional<ChipSecureChannel> pending_sm;  // installed after the current answer went out
  ChipAccess access = ChipAccess::kNone;
  ChipAccess pending_access = ChipAccess::kNone;
  bool chip_authenticated = false;
  bool pending_chip_authenticated = false;
  PaceSession pace_session;
  const LoadedCaKey* ca_selected = nullptr;
  enum class LastMse { kNone, kPace, kCa } last_mse = LastMse::kNone;
  Bytes chain_data;
  std::optional<uint8_t> chain_ins;
  Bytes pending_response;

  void EndSession() {
    sm.reset();
    pending_sm.reset();
    access = ChipAccess::kNone;
    chip_authenticated = false;
    ca_selected = nullptr;
  }

  void ResetAll() {
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
  const ChipFile* FindByFid(uint16_t fid, bool mf) const {
    for (const ChipFile& f : profile.files) {
      if (f.fid == fid && f.in_mf == mf) return &f;
    }
    return nullptr;
  }
  const ChipFile* FindBySfi(uint8_t sfi) const {
    for (const ChipFile& f : profile.files) {
      if (f.sfi == sfi && f.in_mf == !in_app) return &f;
    }
    return nullptr;
  }
  bool MayRead(const ChipFile& f) const {
    switch (f.read) {
      case AccessRule::kAlways: return true;
      case AccessRule::kAfterAccessControl: return access != ChipAccess::kNone;
      case AccessRule::kAfterPace: return access == ChipAccess::kPace;
    }
    return false;
  }

  Answer Select(const ChipCommand& c) {
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
      default:
        return Status(kSwWrongP1P2);
    }
  }

  Answer ReadFrom(const ChipFile& f, size_t offset, const ChipCommand& c, bool odd) {
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

  Answer ReadBinary(const ChipCommand& c) {
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

  Answer ReadBinaryOdd(const ChipCommand& c) {
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
  Answer GetChallenge(const ChipCommand& c) {
    if (!c.has_le || c.ne != 8 || !c.data.empty()) return Status(kSwWrongLength);
    challenge = rng->Draw("bac.rnd_icc", 8);
    return Ok(*challenge);
  }

  Answer ExternalAuthenticate(const ChipCommand& c) {
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

  // --- MSE ---------------------------------------------------------------------------------------
  Answer Mse(const ChipCommand& c) {
    absl::StatusOr<std::vector<TlvObject>> dos = ParseTlvList(c.data);
    if (!dos.ok()) return Status(kSwWrongData);
    uint16_t p1p2 = static_cast<uint16_t>((c.p1 << 8) | c.p2);
    std::optional<TlvObject> oid_do = FindTlv(*dos, 0x80);
    std::optional<TlvObject> ref_do = FindTlv(*dos, 0x83);
    std::optional<TlvObject> id_do = FindTlv(*dos, 0x84);
    std::optional<int> id;
    if (id_do.has_value()) {
      if (id_do->value.empty() || id_do->value.size() > 4) return Status(kSwWrongData);
      int v = 0;
      for (uint8_t b : id_do->value) v = (v << 8) | b;
      id = v;
    }
    if (p1p2 == 0xC1A4) {  // PACE
      if (!oid_do.has_value() || !ref_do.has_value() || ref_do->value.size() != 1) return Status(kSwWrongData);
      const LoadedPace* chosen = nullptr;
      for (const LoadedPace& p : pace) {
        if (EncodeOid(p.setting.protocol) != Bytes(oid_do->value.begin(), oid_do->value.end())) continue;
        if (id.has_value() && *id != p.setting.parameter_id) continue;
        chosen = &p;
        break;
      }
      if (chosen == nullptr) return Status(kSwWrongData);
      PaceSession session;
      const ChipSecrets& sec = profile.secrets;
      switch (ref_do->value[0]) {
        case 0x01: {
          if (sec.document_number.empty()) return Status(kSwRefDataNotFound);
          std::string mrz = MrzKeyInformation(sec.document_number, sec.date_of_birth, sec.date_of_expiry);
          session.password = emrtd::Hash(emrtd::HashAlgorithm::kSha1, emrtd::AsSpan(mrz));
          break;
        }
        case 0x02:
          if (sec.can.empty()) return Status(kSwRefDataNotFound);
          session.password = Bytes(sec.can.begin(), sec.can.end());
          break;
        default:
          return Status(kSwRefDataNotFound);
      }
      session.pace = chosen;
      session.step = PaceStep::kSetAt;
      pace_session = std::move(session);
      last_mse = LastMse::kPace;
      return Status(kSwOk);
    }
    if (p1p2 == 0x41A4 || p1p2 == 0x41A6) {  // Chip Authentication
      if (access == ChipAccess::kNone) return Status(kSwSecurityNotSatisfied);
      const LoadedCaKey* chosen = nullptr;
      for (const LoadedCaKey& k : ca_keys) {
        if (p1p2 == 0x41A4) {
          if (!oid_do.has_value() || EncodeOid(k.oid) != Bytes(oid_do->value.begin(), oid_do->value.end())) continue;
        } else if (k.protocol.cipher != Cipher::kTdes) {
          continue;
        }
        if (id.has_value() && k.key_id != id) continue;
        chosen = &k;
        break;
      }
      if (chosen == nullptr) return Status(p1p2 == 0x41A4 && !oid_do.has_value() ? kSwWrongData : kSwRefDataNotFound);
      if (p1p2 == 0x41A4) {
        ca_selected = chosen;
        last_mse = LastMse::kCa;
        return Status(kSwOk);
      }
      std::optional<TlvObject> pk = FindTlv(*dos, 0x91);
      if (!pk.has_value()) return Status(kSwWrongData);
      return ChipAuthenticate(*chosen, pk->value);
    }
    return Status(kSwWrongP1P2);
  }

  // --- Chip Authentication -------------------------------------------------------------------------
  Answer ChipAuthenticate(const LoadedCaKey& k, ByteSpan pk_ifd_encoded) {
    absl::StatusOr<ChipGroup::Element> pk_ifd = k.key.group.Decode(pk_ifd_encoded);
    if (!pk_ifd.ok()) return Status(kSwWrongData);
    Bytes secret = k.key.group.SecretOf(k.key.group.Mul(*pk_ifd, k.key.x));
    Cipher cipher = k.protocol.cipher;
    pending_sm.emplace(cipher, DeriveKey(secret, 1, cipher), DeriveKey(secret, 2, cipher),
                       Bytes(BlockBytes(cipher), 0));
    pending_access = access;
    pending_chip_authenticated = true;
    ca_selected = nullptr;
    return Status(kSwOk);
  }

  // --- GENERAL AUTHENTICATE ----------------------------------------------------------------------
  Answer GeneralAuthenticate(const ChipCommand& c) {
    absl::StatusOr<TlvObject> outer = ParseTlv(c.data);
    if (!outer.ok() || outer->tag != 0x7C || outer->encoded.size() != c.data.size()) return Status(kSwWrongData);
    absl::StatusOr<std::vector<TlvObject>> inner = ParseTlvList(outer->value);
    if (!inner.ok()) return Status(kSwWrongData);
    if (last_mse == LastMse::kCa && ca_selected != nullptr) {
      std::optional<TlvObject> pk = FindTlv(*inner, 0x80);
      if (!pk.has_value()) return Status(kSwWrongData);
      Answer a = ChipAuthenticate(*ca_selected, pk->value);
      if (a.sw == kSwOk) a.data = Tlv(0x7C, {});
      return a;
    }
    if (pace_session.step == PaceStep::kIdle) return Status(kSwConditionsNotSatisfied);
    Answer a = PaceStepAnswer(*inner);
    if (a.sw != kSwOk) pace_session = PaceSession{};  // a failed step ends the PACE attempt
    return a;
  }

  Answer PaceStepAnswer(const std::vector<TlvObject>& dos) {
    PaceSession& ps = pace_session;
    const LoadedPace& lp = *ps.pace;
    const Cipher cipher = lp.protocol.cipher;
    switch (ps.step) {
      case PaceStep::kSetAt: {
        if (!dos.empty()) return Status(kSwWrongData);
        // ICAO 9303-11 §4.4.3.3: l is a multiple of the block size; for IM the smallest one with l >= k
        // (3DES and AES-128: 16 bytes, AES-192/256: 32).
        size_t l = BlockBytes(cipher);
        if (lp.protocol.mapping == Mapping::kIntegrated) {
          while (l < KeyBytes(cipher)) l += BlockBytes(cipher);
        }
        ps.nonce = rng->Draw("pace.nonce", l);
        Bytes k_pi = DeriveKey(ps.password, 3, cipher);
        Bytes z = CbcEncrypt(cipher, k_pi, Bytes(BlockBytes(cipher), 0), ps.nonce);
        ps.step = PaceStep::kNonceSent;
        return Ok(Tlv(0x7C, Tlv(0x80, z)));
      }
      case PaceStep::kNonceSent: {
        std::optional<TlvObject> map = FindTlv(dos, 0x81);
        if (!map.has_value() || dos.size() != 1) return Status(kSwWrongData);
        const ChipGroup& g = lp.group;
        if (lp.protocol.mapping == Mapping::kIntegrated) {
          if (map->value.size() != KeyBytes(cipher)) return Status(kSwWrongData);
          Botan::BigInt rp = PseudoRandomRp(cipher, ps.nonce, map->value, g.p());
          absl::StatusOr<ChipGroup::Element> gen = IntegratedMap(g, rp);
          if (!gen.ok()) return Status(kSwWrongData);
          ps.mapped = g.WithGenerator(*gen);
          ps.step = PaceStep::kMapped;
          return Ok(Tlv(0x7C, {}));
        }
        absl::StatusOr<ChipGroup::Element> pk_map_ifd = g.Decode(map->value);
        if (!pk_map_ifd.ok()) return Status(kSwWrongData);
        ps.pk_map_ifd.assign(map->value.begin(), map->value.end());
        ps.sk_map = rng->Scalar("pace.mapping_key", g.order());
        Bytes pk_map_ic = g.Encode(g.Pow(ps.sk_map));
        ChipGroup::Element h = g.Mul(*pk_map_ifd, ps.sk_map);
        ChipGroup::Element gen = g.Combine(g.Pow(Botan::BigInt(ps.nonce.data(), ps.nonce.size())), h);
        if (g.agreement() == KeyAgreement::kEcdh ? gen.point.is_zero() : gen.value <= 1) return Status(kSwWrongData);
        ps.mapped = g.WithGenerator(gen);
        ps.step = PaceStep::kMapped;
        return Ok(Tlv(0x7C, Tlv(0x82, pk_map_ic)));
      }
      case PaceStep::kMapped: {
        std::optional<TlvObject> pk = FindTlv(dos, 0x83);
        if (!pk.has_value() || dos.size() != 1) return Status(kSwWrongData);
        absl::StatusOr<ChipGroup::Element> pk_ifd = ps.mapped.Decode(pk->value);
        if (!pk_ifd.ok()) return Status(kSwWrongData);
        if (Bytes(pk->value.begin(), pk->value.end()) == ps.pk_map_ifd) return Status(kSwWrongData);
        Botan::BigInt sk = rng->Scalar("pace.ephemeral_key", ps.mapped.order());
        ps.pk_ic = ps.mapped.Encode(ps.mapped.Pow(sk));
        ps.pk_ifd.assign(pk->value.begin(), pk->value.end());
        Bytes secret = ps.mapped.SecretOf(ps.mapped.Mul(*pk_ifd, sk));
        ps.ks_enc = DeriveKey(secret, 1, cipher);
        ps.ks_mac = DeriveKey(secret, 2, cipher);
        ps.step = PaceStep::kAgreed;
        return Ok(Tlv(0x7C, Tlv(0x84, ps.pk_ic)));
      }
      case PaceStep::kAgreed: {
        std::optional<TlvObject> t = FindTlv(dos, 0x85);
        if (!t.has_value() || dos.size() != 1 || t->value.size() != 8) return Status(kSwWrongData);
        Bytes expected = AuthToken(cipher, ps.ks_mac, PublicKeyDataObject(lp.setting.protocol, ps.mapped, ps.pk_ic));
        if (!Botan::constant_time_compare(expected.data(), t->value.data(), 8)) return Status(kSwAuthFailed);
        Bytes t_ic = AuthToken(cipher, ps.ks_mac, PublicKeyDataObject(lp.setting.protocol, ps.mapped, ps.pk_ifd));
        Bytes body = Tlv(0x86, t_ic);
        bool cam = lp.protocol.mapping == Mapping::kChipAuthentication;
        if (cam) {
          const LoadedCaKey* key = CamKey(lp);
          DOCVAL_CHECK(key != nullptr);  // checked in Create()
          const Botan::BigInt& n = lp.group.order();
          Botan::BigInt ca_ic = (Botan::inverse_mod(key->key.x, n) * ps.sk_map) % n;
          Botan::secure_vector<uint8_t> ca_bytes = Botan::BigInt::encode_1363(ca_ic, n.bytes());
          Bytes iv = EncryptBlock(cipher, ps.ks_enc, Bytes(16, 0xFF));
          Bytes a_ic = CbcEncrypt(cipher, ps.ks_enc, iv, Pad(Bytes(ca_bytes.begin(), ca_bytes.end()), 16));
          Bytes do8a = Tlv(0x8A, a_ic);
          body.insert(body.end(), do8a.begin(), do8a.end());
        }
        if (!profile.cvca_reference.empty()) {
          Bytes car = Tlv(0x87, emrtd::AsSpan(profile.cvca_reference));
          body.insert(body.end(), car.begin(), car.end());
        }
        pending_sm.emplace(cipher, ps.ks_enc, ps.ks_mac, Bytes(BlockBytes(cipher), 0));
        pending_access = ChipAccess::kPace;
        pending_chip_authenticated = cam;
        pace_session = PaceSession{};
        return Ok(Tlv(0x7C, body));
      }
      case PaceStep::kIdle:
        break;
    }
    return Status(kSwConditionsNotSatisfied);
  }

  const LoadedCaKey* CamKey(const LoadedPace& lp) const {
    for (const LoadedCaKey& k : ca_keys) {
      if (k.key.group.agreement() == KeyAgreement::kEcdh && k.key.group.p() == lp.group.p() &&
          k.key.group.order() == lp.group.order()) {
        return &k;
      }
    }
    return nullptr;
  }

  // --- Active Authentication ---------------------------------------------------------------------
  Answer InternalAuthenticate(const ChipCommand& c) {
    if (aa_key == nullptr) return Status(kSwInsNotSupported);
    if (access == ChipAccess::kNone) return Status(kSwSecurityNotSatisfied);
    if (c.data.empty()) return Status(kSwWrongLength);
    absl::StatusOr<Bytes> sig = SignActiveAuthentication(*aa_key, *profile.active_auth, c.data, *rng);
    if (!sig.ok()) return Status(kSwWrongData);
    return Ok(*sig);
  }

  // A BER-TLV whose header or value has not fully arrived yet (ISO/IEC 7816-4 command chaining).
  static bool NeedsMore(ByteSpan d) {
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

  // Command chaining: a command with CLA b5 set whose data object is not complete is kept and
  // answered 9000; the next commands with the same INS add to it until it is complete. (PACE's own use
  // of CLA 10 — one complete GENERAL AUTHENTICATE per step — passes straight through.)
  Answer Dispatch(const ChipCommand& in) {
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

  // GET RESPONSE: the rest of a plain answer that did not fit the short Le.
  Bytes GetResponse(const ChipCommand& c) {
    if (pending_response.empty()) return ResponseApdu({}, kSwConditionsNotSatisfied);
    size_t n = std::min(c.has_le ? c.ne : size_t{256}, pending_response.size());
    Bytes part(pending_response.begin(), pending_response.begin() + n);
    pending_response.erase(pending_response.begin(), pending_response.begin() + n);
    return ResponseApdu(part, MoreData());
  }

  uint16_t MoreData() const {
    if (pending_response.empty()) return kSwOk;
    const size_t left = pending_response.size();
    return static_cast<uint16_t>(0x6100 | (left >= 256 ? 0 : left));  // 61 00: 256 bytes or more
  }

  Answer DispatchOne(const ChipCommand& c) {
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

  void CommitPending() {
    if (pending_sm.has_value()) {
      sm = std::move(pending_sm);
      pending_sm.reset();
      access = pending_access;
      chip_authenticated = pending_chip_authenticated;
    }
  }

  Bytes Answer1(ByteSpan raw) {
    absl::StatusOr<ChipCommand> cmd = ParseChipCommand(raw);
    if (!cmd.ok()) return ResponseApdu({}, kSwWrongLength);
    if (cmd->extended && !profile.quirks.extended_length) return ResponseApdu({}, kSwWrongLength);
    pending_sm.reset();
    if ((cmd->cla & 0x0C) == 0x0C) {
      if (!sm.has_value()) return ResponseApdu({}, kSwSmIncorrect);
      absl::StatusOr<ChipCommand> plain = sm->Unwrap(*cmd);
      if (!plain.ok()) {
        EndSession();
        return ResponseApdu({}, plain.status().code() == absl::StatusCode::kInvalidArgument ? kSwSmMissing
                                                                                            : kSwSmIncorrect);
      }
      Answer a = Dispatch(*plain);
      Bytes out = sm->Wrap(a.data, a.sw, (plain->ins & 1) != 0);
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
};

VirtualChip::VirtualChip(ChipProfile profile, std::unique_ptr<ChipRandom> rng) : s_(std::make_unique<State>()) {
  s_->profile = std::move(profile);
  s_->rng = std::move(rng);
}

VirtualChip::~VirtualChip() = default;

absl::StatusOr<std::unique_ptr<VirtualChip>> VirtualChip::Create(ChipProfile profile,
                                                                 std::unique_ptr<ChipRandom> rng) {
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
      return absl::InvalidArgumentError(absl::StrCat("PACE ", ps.protocol, " does not fit parameter id ", ps.parameter_id));
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
ChipAccess VirtualChip::access() const { return s_->access; }
bool VirtualChip::secure_messaging() const { return s_->sm.has_value(); }
bool VirtualChip::chip_authenticated() const { return s_->chip_authenticated; }
int64_t VirtualChip::commands_received() const { return s_->commands; }
const ChipProfile& VirtualChip::profile() const { return s_->profile; }

}  // namespace docval::vchip
