// The virtual chip's authentication handlers (VirtualChip::State, chip_state.h): MSE, PACE (GM / IM /
// CAM), Chip Authentication and Active Authentication.
#include <string>
#include <utility>
#include <vector>

#include <botan/mem_ops.h>
#include <botan/numthry.h>

#include "absl/status/statusor.h"
#include "base/check.h"
#include "tools/vchip/chip_apdu.h"
#include "tools/vchip/chip_crypto.h"
#include "tools/vchip/chip_params.h"
#include "tools/vchip/chip_state.h"
#include "tools/vchip/chip_tlv.h"
#include "validator/emrtd/crypto/hash.h"

namespace docval::vchip {
namespace {

// A DH public value as the unsigned integer of 9303-11 §9.4.1: big-endian, no leading zero bytes.
Bytes MinimalDhValue(ByteSpan value) {
  size_t zeros = 0;
  while (zeros + 1 < value.size() && value[zeros] == 0) ++zeros;
  return Bytes(value.begin() + static_cast<ptrdiff_t>(zeros), value.end());
}

// The public key data object over which PACE authentication tokens are computed (9303-11 §4.4.3.4):
// an ECDH point uncompressed with the field length, a DH value minimal (§9.4.1), whatever length the
// terminal sent it with.
Bytes PublicKeyDataObject(const std::string& oid, const ChipGroup& group, ByteSpan encoded_key) {
  Bytes oid_tlv = Tlv(0x06, EncodeOid(oid));
  const bool ec = group.agreement() == KeyAgreement::kEcdh;
  Bytes key_tlv =
      Tlv(ec ? 0x86 : 0x84, ec ? Bytes(encoded_key.begin(), encoded_key.end()) : MinimalDhValue(encoded_key));
  return TlvOf(0x7F49, {oid_tlv, key_tlv});
}

Bytes AuthToken(Cipher c, ByteSpan ks_mac, ByteSpan data) {
  return Mac8(c, ks_mac, IsAes(c) ? Bytes(data.begin(), data.end()) : Pad(data, 8));
}

}  // namespace

// --- MSE ---------------------------------------------------------------------------------------

Answer VirtualChip::State::Mse(const ChipCommand& c) {
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
    if (!id.has_value() && profile.quirks.pace_requires_parameter_id) return Status(kSwWrongData);
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
      default: return Status(kSwRefDataNotFound);
    }
    const uint16_t fault = profile.faults.pace_mse_sw;
    if (fault != 0 && (fault & 0xFFF0) != 0x63C0) return Status(fault);  // refused
    session.pace = chosen;
    session.step = PaceStep::kSetAt;
    pace_session = std::move(session);
    last_mse = LastMse::kPace;
    return Status(fault != 0 ? fault : uint16_t{kSwOk});  // 63Cx: a warning, PACE goes on
  }
  if (p1p2 == 0x41A4 || p1p2 == 0x41A6) {  // Chip Authentication
    if (access == ChipAccess::kNone) return Status(kSwSecurityNotSatisfied);
    if (profile.faults.ca_refusal_sw != 0) return Status(profile.faults.ca_refusal_sw);
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

Answer VirtualChip::State::ChipAuthenticate(const LoadedCaKey& k, ByteSpan pk_ifd_encoded) {
  absl::StatusOr<ChipGroup::Element> pk_ifd = k.key.group.Decode(pk_ifd_encoded);
  if (!pk_ifd.ok()) return Status(kSwWrongData);
  Bytes secret = k.key.group.SecretOf(k.key.group.Mul(*pk_ifd, k.key.x));
  Cipher cipher = k.protocol.cipher;
  pending_sm.emplace(cipher, DeriveKey(secret, 1, cipher), DeriveKey(secret, 2, cipher), Bytes(BlockBytes(cipher), 0));
  pending_access = access;
  pending_chip_authenticated = true;
  ca_selected = nullptr;
  return Status(kSwOk);
}

// --- GENERAL AUTHENTICATE ----------------------------------------------------------------------

Answer VirtualChip::State::GeneralAuthenticate(const ChipCommand& c) {
  absl::StatusOr<TlvObject> outer = ParseTlv(c.data);
  if (!outer.ok() || outer->tag != 0x7C || outer->encoded.size() != c.data.size()) return Status(kSwWrongData);
  absl::StatusOr<std::vector<TlvObject>> inner = ParseTlvList(outer->value);
  if (!inner.ok()) return Status(kSwWrongData);
  if (last_mse == LastMse::kCa && ca_selected != nullptr) {
    if (profile.faults.ca_refusal_sw != 0) return Status(profile.faults.ca_refusal_sw);
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

Answer VirtualChip::State::PaceStepAnswer(const std::vector<TlvObject>& dos) {
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
      // DH: the shared secret has the length of p (PKCS #3, SecretOf); the public value goes out as the
      // unsigned integer of §9.4.1, like the token inputs.
      const bool ec = ps.mapped.agreement() == KeyAgreement::kEcdh;
      const Bytes& answer = profile.faults.pace_echo_terminal_key ? ps.pk_ifd : ps.pk_ic;
      return Ok(Tlv(0x7C, Tlv(0x84, ec ? answer : MinimalDhValue(answer))));
    }
    case PaceStep::kAgreed: {
      std::optional<TlvObject> t = FindTlv(dos, 0x85);
      if (!t.has_value() || dos.size() != 1 || t->value.size() != 8) return Status(kSwWrongData);
      Bytes expected = AuthToken(cipher, ps.ks_mac, PublicKeyDataObject(lp.setting.protocol, ps.mapped, ps.pk_ic));
      if (!Botan::constant_time_compare(expected.data(), t->value.data(), 8)) return Status(kSwAuthFailed);
      Bytes t_ic = AuthToken(cipher, ps.ks_mac, PublicKeyDataObject(lp.setting.protocol, ps.mapped, ps.pk_ifd));
      if (profile.faults.pace_corrupt_chip_token) t_ic[0] ^= 0x01;
      Bytes body = Tlv(0x86, t_ic);
      bool cam = lp.protocol.mapping == Mapping::kChipAuthentication;
      if (cam && !profile.faults.pace_omit_cam_data) {
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
    case PaceStep::kIdle: break;
  }
  return Status(kSwConditionsNotSatisfied);
}

const LoadedCaKey* VirtualChip::State::CamKey(const LoadedPace& lp) const {
  for (const LoadedCaKey& k : ca_keys) {
    if (k.key.group.agreement() == KeyAgreement::kEcdh && k.key.group.p() == lp.group.p() &&
        k.key.group.order() == lp.group.order()) {
      return &k;
    }
  }
  return nullptr;
}

// --- Active Authentication ---------------------------------------------------------------------

Answer VirtualChip::State::InternalAuthenticate(const ChipCommand& c) {
  if (aa_key == nullptr) return Status(kSwInsNotSupported);
  if (access == ChipAccess::kNone) return Status(kSwSecurityNotSatisfied);
  if (c.data.empty()) return Status(kSwWrongLength);
  absl::StatusOr<Bytes> sig = SignActiveAuthentication(*aa_key, *profile.active_auth, c.data, *rng);
  if (!sig.ok()) return Status(kSwWrongData);
  return Ok(*sig);
}

}  // namespace docval::vchip
