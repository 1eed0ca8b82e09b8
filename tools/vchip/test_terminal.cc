#include "tools/vchip/test_terminal.h"

#include <botan/numthry.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "tools/vchip/chip_apdu.h"
#include "tools/vchip/chip_crypto.h"
#include "tools/vchip/chip_rng.h"
#include "tools/vchip/chip_tlv.h"
#include "validator/emrtd/crypto/hash.h"

namespace docval::vchip::testing {
namespace {

Bytes Cmd(uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2, const Bytes& data, size_t ne) {
  ChipCommand c;
  c.cla = cla;
  c.ins = ins;
  c.p1 = p1;
  c.p2 = p2;
  c.data = data;
  c.has_le = ne > 0;
  c.ne = ne;
  return EncodeChipCommand(c);
}

absl::Status Fail(const std::string& what, const Bytes& rsp) {
  return absl::FailedPreconditionError(absl::StrCat(what, ": ", emrtd::ToHex(rsp)));
}

// The value of `tag` inside a 7C dynamic authentication data object.
std::optional<Bytes> InDynamic(const Bytes& data, uint32_t tag) {
  auto outer = ParseTlv(data);
  if (!outer.ok() || outer->tag != 0x7C) return std::nullopt;
  auto inner = ParseTlvList(outer->value);
  if (!inner.ok()) return std::nullopt;
  auto o = FindTlv(*inner, tag);
  if (!o.has_value()) return std::nullopt;
  return Bytes(o->value.begin(), o->value.end());
}

Bytes Token(Cipher c, const Bytes& ks_mac, const std::string& oid, const ChipGroup& g, const Bytes& key) {
  Bytes pk = TlvOf(0x7F49, {Tlv(0x06, EncodeOid(oid)),
                            Tlv(g.agreement() == KeyAgreement::kEcdh ? 0x86 : 0x84, key)});
  return Mac8(c, ks_mac, IsAes(c) ? pk : Pad(pk, 8));
}

}  // namespace

TerminalSm::TerminalSm(Cipher c, Bytes ks_enc, Bytes ks_mac, Bytes ssc)
    : c_(c), enc_(std::move(ks_enc)), mac_(std::move(ks_mac)), ssc_(std::move(ssc)) {}

void TerminalSm::Step() {
  for (size_t i = ssc_.size(); i > 0; --i) {
    if (++ssc_[i - 1] != 0) break;
  }
}

Bytes TerminalSm::Iv() const { return IsAes(c_) ? EncryptBlock(c_, enc_, ssc_) : Bytes(8, 0); }

Bytes TerminalSm::Wrap(uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2, const Bytes& data, size_t ne) {
  Step();
  const size_t bs = BlockBytes(c_);
  Bytes header = {static_cast<uint8_t>(cla | 0x0C), ins, p1, p2};
  Bytes dos;
  if (!data.empty()) {
    Bytes cg = CbcEncrypt(c_, enc_, Iv(), Pad(data, bs));
    if (ins & 1) {
      dos = Tlv(0x85, cg);
    } else {
      cg.insert(cg.begin(), 0x01);
      dos = Tlv(0x87, cg);
    }
  }
  if (ne > 0) {
    Bytes le = ne > 256 ? Bytes{static_cast<uint8_t>((ne >> 8) & 0xFF), static_cast<uint8_t>(ne & 0xFF)}
                        : Bytes{static_cast<uint8_t>(ne & 0xFF)};
    Bytes do97 = Tlv(0x97, le);
    dos.insert(dos.end(), do97.begin(), do97.end());
  }
  Bytes n = ssc_;
  Bytes ph = Pad(header, bs);
  n.insert(n.end(), ph.begin(), ph.end());
  n.insert(n.end(), dos.begin(), dos.end());
  Bytes mac = Tlv(0x8E, Mac8(c_, mac_, Pad(n, bs)));
  dos.insert(dos.end(), mac.begin(), mac.end());
  return Cmd(header[0], ins, p1, p2, dos, (dos.size() > 255 || ne > 256) ? 65536 : 256);
}

absl::StatusOr<Bytes> TerminalSm::Unwrap(const Bytes& rsp) {
  Step();
  if (rsp.size() < 2) return absl::DataLossError("SM: short response");
  ByteSpan body(rsp.data(), rsp.size() - 2);
  auto list = ParseTlvList(body);
  if (!list.ok() || list->empty() || list->back().tag != 0x8E) {
    return absl::DataLossError(absl::StrCat("SM: unprotected response ", emrtd::ToHex(rsp)));
  }
  Bytes n = ssc_;
  for (size_t i = 0; i + 1 < list->size(); ++i) {
    n.insert(n.end(), (*list)[i].encoded.begin(), (*list)[i].encoded.end());
  }
  if (Bytes(list->back().value.begin(), list->back().value.end()) != Mac8(c_, mac_, Pad(n, BlockBytes(c_)))) {
    return absl::DataLossError("SM: wrong response MAC");
  }
  Bytes data;
  Bytes sw;
  for (const TlvObject& o : *list) {
    if (o.tag == 0x87 || o.tag == 0x85) {
      ByteSpan cg = o.value;
      if (o.tag == 0x87) {
        if (cg.empty() || cg[0] != 0x01) return absl::DataLossError("SM: padding indicator");
        cg.remove_prefix(1);
      }
      auto plain = CbcDecrypt(c_, enc_, Iv(), cg);
      if (!plain.has_value()) return absl::DataLossError("SM: cryptogram");
      auto unp = Unpad(*plain, BlockBytes(c_));
      if (!unp.has_value()) return absl::DataLossError("SM: padding");
      data = *unp;
    } else if (o.tag == 0x99) {
      sw.assign(o.value.begin(), o.value.end());
    }
  }
  if (sw.size() != 2 || sw[0] != rsp[rsp.size() - 2] || sw[1] != rsp[rsp.size() - 1]) {
    return absl::DataLossError("SM: DO'99' missing or different from SW");
  }
  data.insert(data.end(), sw.begin(), sw.end());
  return data;
}

absl::StatusOr<Bytes> Exchange(VirtualChip& chip, const Bytes& apdu) {
  std::optional<Bytes> r = chip.Process(apdu);
  if (!r.has_value()) return absl::UnavailableError("the chip did not answer");
  return *r;
}

absl::StatusOr<Bytes> ShortExchange(VirtualChip& chip, uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2,
                                    const Bytes& data, size_t ne) {
  size_t pos = 0;
  absl::StatusOr<Bytes> r;
  do {
    size_t n = std::min<size_t>(255, data.size() - pos);
    bool last = pos + n == data.size();
    Bytes part(data.begin() + pos, data.begin() + pos + n);
    r = Exchange(chip, Cmd(static_cast<uint8_t>(last ? cla : (cla | 0x10)), ins, p1, p2, part,
                           last ? std::min<size_t>(ne, 256) : 0));
    if (!r.ok()) return r;
    pos += n;
    if (!last && SwOf(*r) != 0x9000) return r;
  } while (pos < data.size());
  Bytes all(r->begin(), r->end() - 2);
  while ((SwOf(*r) >> 8) == 0x61) {
    size_t le = SwOf(*r) & 0xFF;
    r = Exchange(chip, Cmd(0x00, 0xC0, 0x00, 0x00, {}, le == 0 ? 256 : le));
    if (!r.ok()) return r;
    all.insert(all.end(), r->begin(), r->end() - 2);
  }
  all.push_back((*r)[r->size() - 2]);
  all.push_back(r->back());
  return all;
}

absl::StatusOr<Bytes> SecureExchange(VirtualChip& chip, TerminalSm& sm, uint8_t ins, uint8_t p1, uint8_t p2,
                                     const Bytes& data, size_t ne) {
  absl::StatusOr<Bytes> rsp = Exchange(chip, sm.Wrap(0x00, ins, p1, p2, data, ne));
  if (!rsp.ok()) return rsp.status();
  return sm.Unwrap(*rsp);
}

uint16_t SwOf(const Bytes& rsp) {
  if (rsp.size() < 2) return 0;
  return static_cast<uint16_t>((rsp[rsp.size() - 2] << 8) | rsp[rsp.size() - 1]);
}

absl::StatusOr<TerminalSm> TerminalBac(VirtualChip& chip, const std::string& mrz_information) {
  absl::StatusOr<Bytes> ch = Exchange(chip, emrtd::HexOrDie("0084000008"));
  if (!ch.ok()) return ch.status();
  if (ch->size() != 10 || SwOf(*ch) != 0x9000) return Fail("GET CHALLENGE", *ch);
  Bytes rnd_icc(ch->begin(), ch->begin() + 8);
  Bytes rnd_ifd = emrtd::HexOrDie("0102030405060708");
  Bytes k_ifd = emrtd::HexOrDie("A1A2A3A4A5A6A7A8A9AAABACADAEAFB0");
  Bytes seed = emrtd::Hash(emrtd::HashAlgorithm::kSha1, emrtd::AsSpan(mrz_information));
  seed.resize(16);
  Bytes k_enc = DeriveKey(seed, 1, Cipher::kTdes), k_mac = DeriveKey(seed, 2, Cipher::kTdes);
  Bytes e_ifd = CbcEncrypt(Cipher::kTdes, k_enc, Bytes(8, 0), emrtd::Concat({rnd_ifd, rnd_icc, k_ifd}));
  Bytes m_ifd = Mac8(Cipher::kTdes, k_mac, Pad(e_ifd, 8));
  absl::StatusOr<Bytes> r = Exchange(chip, Cmd(0x00, 0x82, 0, 0, emrtd::Concat({e_ifd, m_ifd}), 40));
  if (!r.ok()) return r.status();
  if (r->size() != 42 || SwOf(*r) != 0x9000) return Fail("EXTERNAL AUTHENTICATE", *r);
  ByteSpan e_ic(r->data(), 32), m_ic(r->data() + 32, 8);
  if (Mac8(Cipher::kTdes, k_mac, Pad(e_ic, 8)) != Bytes(m_ic.begin(), m_ic.end())) return Fail("M_IC", *r);
  std::optional<Bytes> rr = CbcDecrypt(Cipher::kTdes, k_enc, Bytes(8, 0), e_ic);
  if (!rr.has_value() || Bytes(rr->begin(), rr->begin() + 8) != rnd_icc ||
      Bytes(rr->begin() + 8, rr->begin() + 16) != rnd_ifd) {
    return Fail("R", *r);
  }
  Bytes s(16);
  for (int i = 0; i < 16; ++i) s[i] = k_ifd[i] ^ (*rr)[16 + i];
  Bytes ssc = emrtd::Concat({ByteSpan(rnd_icc).subspan(4), ByteSpan(rnd_ifd).subspan(4)});
  return TerminalSm(Cipher::kTdes, DeriveKey(s, 1, Cipher::kTdes), DeriveKey(s, 2, Cipher::kTdes), ssc);
}

absl::StatusOr<PaceOutcome> TerminalPace(VirtualChip& chip, const std::string& oid, int parameter_id,
                                         uint8_t key_reference, ByteSpan password, uint64_t seed,
                                         bool short_apdus) {
  auto send = [&](uint8_t cla, const Bytes& data) {
    return short_apdus ? ShortExchange(chip, cla, 0x86, 0, 0, data, 256)
                       : Exchange(chip, Cmd(cla, 0x86, 0, 0, data, 256));
  };
  std::optional<PaceProtocol> proto = ParsePaceOid(oid);
  if (!proto.has_value()) return absl::InvalidArgumentError("PACE OID");
  absl::StatusOr<ChipGroup> group = ChipGroup::Standard(parameter_id);
  if (!group.ok()) return group.status();
  std::unique_ptr<ChipRandom> rng = NewSeededRandom(seed);
  const Cipher c = proto->cipher;
  PaceOutcome out;
  auto fail = [&out](const Bytes& rsp) {
    out.failed_sw = SwOf(rsp);
    return out;
  };

  Bytes set_at = emrtd::Concat({Tlv(0x80, EncodeOid(oid)), Tlv(0x83, Bytes{key_reference}),
                                Tlv(0x84, MinimalUnsigned(static_cast<uint64_t>(parameter_id)))});
  absl::StatusOr<Bytes> r = Exchange(chip, Cmd(0x00, 0x22, 0xC1, 0xA4, set_at, 0));
  if (!r.ok()) return r.status();
  if (SwOf(*r) != 0x9000) return fail(*r);

  r = send(0x10, Tlv(0x7C, {}));
  if (!r.ok()) return r.status();
  if (SwOf(*r) != 0x9000) return fail(*r);
  std::optional<Bytes> z = InDynamic(Bytes(r->begin(), r->end() - 2), 0x80);
  if (!z.has_value()) return Fail("step 1", *r);
  std::optional<Bytes> s = CbcDecrypt(c, DeriveKey(password, 3, c), Bytes(BlockBytes(c), 0), *z);
  if (!s.has_value()) return Fail("nonce", *r);

  const ChipGroup& g = *group;
  ChipGroup mapped;
  Bytes pk_map_ifd;
  if (proto->mapping == Mapping::kIntegrated) {
    Bytes t = rng->Draw("t", KeyBytes(c));
    r = send(0x10, Tlv(0x7C, Tlv(0x81, t)));
    if (!r.ok()) return r.status();
    if (SwOf(*r) != 0x9000) return fail(*r);
    absl::StatusOr<ChipGroup::Element> gen = IntegratedMap(g, PseudoRandomRp(c, *s, t, g.p()));
    if (!gen.ok()) return gen.status();
    mapped = g.WithGenerator(*gen);
  } else {
    Botan::BigInt sk_map = rng->Scalar("map", g.order());
    pk_map_ifd = g.Encode(g.Pow(sk_map));
    r = send(0x10, Tlv(0x7C, Tlv(0x81, pk_map_ifd)));
    if (!r.ok()) return r.status();
    if (SwOf(*r) != 0x9000) return fail(*r);
    std::optional<Bytes> pk_map_ic = InDynamic(Bytes(r->begin(), r->end() - 2), 0x82);
    if (!pk_map_ic.has_value()) return Fail("step 2", *r);
    absl::StatusOr<ChipGroup::Element> chip_map = g.Decode(*pk_map_ic);
    if (!chip_map.ok()) return chip_map.status();
    out.chip_pk_map = *pk_map_ic;
    ChipGroup::Element h = g.Mul(*chip_map, sk_map);
    mapped = g.WithGenerator(g.Combine(g.Pow(Botan::BigInt(s->data(), s->size())), h));
  }

  Botan::BigInt sk = rng->Scalar("eph", mapped.order());
  Bytes pk_ifd = mapped.Encode(mapped.Pow(sk));
  r = send(0x10, Tlv(0x7C, Tlv(0x83, pk_ifd)));
  if (!r.ok()) return r.status();
  if (SwOf(*r) != 0x9000) return fail(*r);
  std::optional<Bytes> pk_ic = InDynamic(Bytes(r->begin(), r->end() - 2), 0x84);
  if (!pk_ic.has_value()) return Fail("step 3", *r);
  absl::StatusOr<ChipGroup::Element> chip_pk = mapped.Decode(*pk_ic);
  if (!chip_pk.ok()) return chip_pk.status();
  Bytes secret = mapped.SecretOf(mapped.Mul(*chip_pk, sk));
  Bytes ks_enc = DeriveKey(secret, 1, c), ks_mac = DeriveKey(secret, 2, c);

  r = send(0x00, Tlv(0x7C, Tlv(0x85, Token(c, ks_mac, oid, mapped, *pk_ic))));
  if (!r.ok()) return r.status();
  if (SwOf(*r) != 0x9000) return fail(*r);
  Bytes body(r->begin(), r->end() - 2);
  std::optional<Bytes> t_ic = InDynamic(body, 0x86);
  if (!t_ic.has_value() || *t_ic != Token(c, ks_mac, oid, mapped, pk_ifd)) return Fail("T_IC", *r);
  if (proto->mapping == Mapping::kChipAuthentication) {
    std::optional<Bytes> a_ic = InDynamic(body, 0x8A);
    if (!a_ic.has_value()) return Fail("A_IC missing", *r);
    out.encrypted_chip_auth_data = *a_ic;
  }
  out.ks_enc = ks_enc;
  out.mapped = mapped;
  out.sm.emplace(c, ks_enc, ks_mac, Bytes(BlockBytes(c), 0));
  return out;
}

bool CheckCam(const PaceOutcome& outcome, const ChipGroup& static_group, ByteSpan static_public_key) {
  if (!outcome.sm.has_value() || outcome.encrypted_chip_auth_data.empty()) return false;
  Cipher c = outcome.sm->cipher();
  Bytes iv = EncryptBlock(c, outcome.ks_enc, Bytes(16, 0xFF));
  std::optional<Bytes> padded = CbcDecrypt(c, outcome.ks_enc, iv, outcome.encrypted_chip_auth_data);
  if (!padded.has_value()) return false;
  std::optional<Bytes> ca_ic = Unpad(*padded, 16);
  if (!ca_ic.has_value()) return false;
  absl::StatusOr<ChipGroup::Element> pk_static = static_group.Decode(static_public_key);
  absl::StatusOr<ChipGroup::Element> pk_map = static_group.Decode(outcome.chip_pk_map);
  if (!pk_static.ok() || !pk_map.ok()) return false;
  ChipGroup::Element expect = static_group.Mul(*pk_static, Botan::BigInt(ca_ic->data(), ca_ic->size()));
  return static_group.Equal(expect, *pk_map);
}

absl::StatusOr<TerminalSm> TerminalChipAuthentication(VirtualChip& chip, TerminalSm& sm, const std::string& ca_oid,
                                                      std::optional<int> key_id, const ChipGroup& group,
                                                      ByteSpan chip_public, uint64_t seed) {
  std::optional<CaProtocol> proto = ParseCaOid(ca_oid);
  if (!proto.has_value()) return absl::InvalidArgumentError("CA OID");
  std::unique_ptr<ChipRandom> rng = NewSeededRandom(seed);
  Botan::BigInt sk = rng->Scalar("ca", group.order());
  Bytes pk = group.Encode(group.Pow(sk));
  absl::StatusOr<ChipGroup::Element> chip_pk = group.Decode(chip_public);
  if (!chip_pk.ok()) return chip_pk.status();
  Bytes secret = group.SecretOf(group.Mul(*chip_pk, sk));
  Bytes key_ref = key_id.has_value() ? Tlv(0x84, MinimalUnsigned(static_cast<uint64_t>(*key_id))) : Bytes{};
  absl::StatusOr<Bytes> r;
  if (proto->cipher == Cipher::kTdes) {
    r = SecureExchange(chip, sm, 0x22, 0x41, 0xA6, emrtd::Concat({Tlv(0x91, pk), key_ref}), 0);
    if (!r.ok()) return r.status();
    if (SwOf(*r) != 0x9000) return Fail("MSE:Set KAT", *r);
  } else {
    r = SecureExchange(chip, sm, 0x22, 0x41, 0xA4, emrtd::Concat({Tlv(0x80, EncodeOid(ca_oid)), key_ref}), 0);
    if (!r.ok()) return r.status();
    if (SwOf(*r) != 0x9000) return Fail("MSE:Set AT", *r);
    r = SecureExchange(chip, sm, 0x86, 0x00, 0x00, Tlv(0x7C, Tlv(0x80, pk)), 256);
    if (!r.ok()) return r.status();
    if (SwOf(*r) != 0x9000) return Fail("GENERAL AUTHENTICATE", *r);
  }
  Cipher c = proto->cipher;
  return TerminalSm(c, DeriveKey(secret, 1, c), DeriveKey(secret, 2, c), Bytes(BlockBytes(c), 0));
}

absl::StatusOr<Bytes> ReadFile(VirtualChip& chip, TerminalSm& sm, uint16_t fid, size_t chunk) {
  absl::StatusOr<Bytes> r =
      SecureExchange(chip, sm, 0xA4, 0x02, 0x0C, Bytes{static_cast<uint8_t>(fid >> 8), static_cast<uint8_t>(fid)}, 0);
  if (!r.ok()) return r.status();
  if (SwOf(*r) != 0x9000) return Fail("SELECT", *r);
  r = SecureExchange(chip, sm, 0xB0, 0, 0, {}, 4);
  if (!r.ok()) return r.status();
  if (SwOf(*r) != 0x9000 || r->size() != 6) return Fail("READ BINARY header", *r);
  auto head = ParseTlv(ByteSpan(r->data(), 4));
  size_t total = 0;
  {
    // Length of the whole file from its first TLV header (possibly truncated value).
    const uint8_t l0 = (*r)[1];
    size_t hdr = 2, len = l0;
    if (l0 > 0x80) {
      hdr = 2 + (l0 & 0x7F);
      len = 0;
      for (size_t i = 0; i < static_cast<size_t>(l0 & 0x7F); ++i) len = (len << 8) | (*r)[2 + i];
    }
    if (((*r)[0] & 0x1F) == 0x1F) return absl::UnimplementedError("two-byte file tags");
    total = hdr + len;
  }
  (void)head;
  Bytes content;
  while (content.size() < total) {
    size_t n = std::min(chunk, total - content.size());
    r = SecureExchange(chip, sm, 0xB0, static_cast<uint8_t>(content.size() >> 8),
                       static_cast<uint8_t>(content.size()), {}, n);
    if (!r.ok()) return r.status();
    if (SwOf(*r) != 0x9000) return Fail("READ BINARY", *r);
    content.insert(content.end(), r->begin(), r->end() - 2);
  }
  return content;
}

}  // namespace docval::vchip::testing
