#include "tools/testpki/hostile_profiles.h"

#include <memory>
#include <utility>

#include <botan/ec_group.h>
#include <botan/ecdsa.h>
#include <botan/point_gfp.h>

#include "absl/strings/str_cat.h"
#include "tools/testpki/passport_factory.h"
#include "tools/vchip/chip_keys.h"
#include "validator/emrtd/tlv.h"

namespace docval::testpki {
namespace {

using emrtd::Bytes;
using emrtd::Concat;
using emrtd::EncodeTlv;
using emrtd::HexOrDie;

Bytes Der(const std::vector<uint8_t>& v) { return Bytes(v.begin(), v.end()); }

// DER INTEGER of an unsigned big-endian value.
Bytes Integer(Bytes v) {
  if (v.empty() || (v[0] & 0x80)) v.insert(v.begin(), 0x00);
  return EncodeTlv(0x02, v);
}
Bytes Integer(const Botan::BigInt& n) { return Integer(Der(Botan::BigInt::encode(n))); }
Bytes Oid(const char* hex) { return EncodeTlv(0x06, HexOrDie(hex)); }

// An odd number of `bits` bits (not necessarily prime: the reader must stop before it would know).
Bytes OddNumber(size_t bits, uint8_t fill) {
  Bytes n((bits + 7) / 8, fill);
  n[0] = static_cast<uint8_t>(0x80 >> ((8 - bits % 8) % 8)) | (fill & 0x0F);
  n.back() |= 0x01;
  return n;
}

constexpr char kEcdhGmPaceInfo[] = "3012060A04007F0007020204020202010202010D";  // brainpoolP256r1

vchip::Expectation ReaderError(const std::string& limit) {
  vchip::Expectation e;
  e.close_code = 1011;
  e.close_reason = "EMRTD_PASSPORT_READER_ERROR";
  e.note = absl::StrCat("limit: ", limit);
  return e;
}

absl::StatusOr<vchip::ChipProfile> Base(const TestPki& pki) {
  for (const PassportSpec& spec : StandardPassportSpecs()) {
    if (spec.name == "pace-gm-ecdh-ca-aa") return Personalize(spec, pki);
  }
  return absl::NotFoundError("no pace-gm-ecdh-ca-aa profile");
}

absl::Status Replace(vchip::ChipProfile& p, const char* file, Bytes content) {
  vchip::ChipFile* f = p.FindFile(file);
  if (f == nullptr) return absl::NotFoundError(absl::StrCat("no ", file));
  f->content = std::move(content);
  return absl::OkStatus();
}

// EF.CardAccess: three DH-GM PACEInfos naming one PACEDomainParameterInfo with an 8192-bit p.
Bytes ExpensiveCardAccess() {
  const Bytes info = EncodeTlv(0x30, Concat({Oid("04007F00070202040102"), HexOrDie("020102"), HexOrDie("020120")}));
  const Bytes params = EncodeTlv(0x30, Concat({Integer(OddNumber(8192, 0xA7)), HexOrDie("020102"),
                                               Integer(OddNumber(256, 0x5B))}));
  const Bytes alg = EncodeTlv(0x30, Concat({Oid("2A8648CE3E0201"), params}));
  const Bytes domain = EncodeTlv(0x30, Concat({Oid("04007F000702020401"), alg, HexOrDie("020120")}));
  return EncodeTlv(0x31, Concat({info, info, info, domain}));
}

Bytes RepeatedSet(const Bytes& entry, int n) {
  Bytes body;
  for (int i = 0; i < n; ++i) body.insert(body.end(), entry.begin(), entry.end());
  return EncodeTlv(0x31, body);
}

// DG14 with 16 ChipAuthenticationInfos without key id and 16 copies of the chip's key with its point
// moved off the curve: 256 pairs to resolve for a reader that tries them all.
absl::StatusOr<Bytes> KeyLoopDg14(const Bytes& dg14) {
  absl::StatusOr<emrtd::Tlv> outer = emrtd::ParseSingleTlv(dg14, 0x6E);
  if (!outer.ok()) return outer.status();
  absl::StatusOr<emrtd::Tlv> set = emrtd::ParseSingleTlv(outer->value, 0x31);
  if (!set.ok()) return set.status();
  emrtd::TlvReader entries(set->value);
  const Bytes pk_ecdh = HexOrDie("04007F000702020102");
  while (!entries.AtEnd()) {
    absl::StatusOr<emrtd::Tlv> e = entries.Next();
    if (!e.ok()) return e.status();
    emrtd::TlvReader fields(e->value);
    absl::StatusOr<emrtd::Tlv> oid = fields.Next();
    if (!oid.ok() || Bytes(oid->value.begin(), oid->value.end()) != pk_ecdh) continue;
    absl::StatusOr<emrtd::Tlv> spki = fields.Next();
    if (!spki.ok()) return spki.status();
    emrtd::TlvReader spki_fields(spki->value);
    absl::StatusOr<emrtd::Tlv> alg = spki_fields.Next();
    absl::StatusOr<emrtd::Tlv> bits = spki_fields.Next();
    if (!alg.ok() || !bits.ok()) return absl::InvalidArgumentError("DG14: malformed key");
    Bytes point(bits->value.begin(), bits->value.end());
    point.back() ^= 0x01;  // off the curve
    const Bytes bad_key =
        EncodeTlv(0x30, Concat({oid->raw, EncodeTlv(0x30, Concat({alg->raw, EncodeTlv(0x03, point)}))}));
    const Bytes ca_info = EncodeTlv(0x30, Concat({Oid("04007F00070202030202"), HexOrDie("020101")}));
    Bytes body;
    for (int i = 0; i < 16; ++i) body = Concat({body, ca_info, bad_key});
    return EncodeTlv(0x6E, EncodeTlv(0x31, body));
  }
  return absl::NotFoundError("DG14 has no ECDH key");
}

// `der` with the TLV at `path` (child indices, from the outermost TLV's children down) replaced by
// `replacement`, every enclosing length re-encoded.
absl::StatusOr<Bytes> ReplaceAt(ByteSpan der, const std::vector<size_t>& path, size_t depth, const Bytes& replacement) {
  if (depth == path.size()) return replacement;
  absl::StatusOr<emrtd::Tlv> t = emrtd::ParseTlv(der);
  if (!t.ok()) return t.status();
  emrtd::TlvReader r(t->value);
  Bytes value;
  for (size_t i = 0; !r.AtEnd(); ++i) {
    absl::StatusOr<emrtd::Tlv> child = r.Next();
    if (!child.ok()) return child.status();
    if (i != path[depth]) {
      value.insert(value.end(), child->raw.begin(), child->raw.end());
      continue;
    }
    absl::StatusOr<Bytes> replaced = ReplaceAt(child->raw, path, depth + 1, replacement);
    if (!replaced.ok()) return replaced.status();
    value.insert(value.end(), replaced->begin(), replaced->end());
  }
  return EncodeTlv(t->tag, value);
}

Bytes RsaSpki(const Bytes& n, const Bytes& e) {
  const Bytes key = EncodeTlv(0x30, Concat({Integer(n), Integer(e)}));
  const Bytes alg = EncodeTlv(0x30, Concat({Oid("2A864886F70D010101"), HexOrDie("0500")}));
  return EncodeTlv(0x30, Concat({alg, EncodeTlv(0x03, Concat({Bytes{0x00}, key}))}));
}

// EF.SOD with its Document Signer certificate's key replaced by an 8192-bit RSA key (the issuer and
// serial number stay, so the reader finds the certificate; its signature no longer matters).
absl::StatusOr<Bytes> BigSignerKeySod(const Bytes& sod) {
  // 77 { ContentInfo { OID, [0] { SignedData { version, digestAlgorithms, encapContentInfo,
  // [0] certificates { Certificate { tbsCertificate { [0] version, serial, signature, issuer,
  // validity, subject, subjectPublicKeyInfo ...
  return ReplaceAt(sod, {0, 1, 0, 3, 0, 0, 6}, 0, RsaSpki(OddNumber(8192, 0xC5), HexOrDie("010001")));
}

Bytes RsaDg15(const Bytes& n, const Bytes& e) {
  const Bytes key = EncodeTlv(0x30, Concat({Integer(n), Integer(e)}));
  const Bytes alg = EncodeTlv(0x30, Concat({Oid("2A864886F70D010101"), HexOrDie("0500")}));
  return EncodeTlv(0x6F, EncodeTlv(0x30, Concat({alg, EncodeTlv(0x03, Concat({Bytes{0x00}, key}))})));
}

// DG15 with the chip's AA point on brainpoolP256r1 written with explicit parameters whose generator
// is [k]G: a parameter set of its own (a distinct "curve" to anything that registers curves), a valid
// group, and a key the chip's signatures (made with G) do not verify under.
absl::StatusOr<Bytes> ExplicitCurveDg15(const vchip::ChipProfile& p, uint32_t k) {
  if (!p.active_auth) return absl::NotFoundError("no AA key");
  absl::StatusOr<std::unique_ptr<Botan::Private_Key>> key = vchip::LoadPrivateKey(p.active_auth->private_key_pkcs8);
  if (!key.ok()) return key.status();
  const auto* ec = dynamic_cast<const Botan::ECDSA_PrivateKey*>(key->get());
  if (ec == nullptr) return absl::InvalidArgumentError("the AA key is not ECDSA");
  const Botan::EC_Group& g = ec->domain();
  const size_t fs = g.get_p_bytes();
  auto fixed = [fs](const Botan::BigInt& v) { return Der(Botan::unlock(Botan::BigInt::encode_1363(v, fs))); };
  const Botan::PointGFp gk = g.get_base_point() * Botan::BigInt(k);
  const Bytes generator = Concat({Bytes{0x04}, fixed(gk.get_affine_x()), fixed(gk.get_affine_y())});
  const Botan::PointGFp& q = ec->public_point();
  const Bytes point = Concat({Bytes{0x00, 0x04}, fixed(q.get_affine_x()), fixed(q.get_affine_y())});
  const Bytes params = EncodeTlv(
      0x30, Concat({HexOrDie("020101"), EncodeTlv(0x30, Concat({Oid("2A8648CE3D0101"), Integer(g.get_p())})),
                    EncodeTlv(0x30, Concat({EncodeTlv(0x04, fixed(g.get_a())), EncodeTlv(0x04, fixed(g.get_b()))})),
                    EncodeTlv(0x04, generator), Integer(g.get_order()), Integer(g.get_cofactor())}));
  const Bytes alg = EncodeTlv(0x30, Concat({Oid("2A8648CE3D0201"), params}));
  return EncodeTlv(0x6F, EncodeTlv(0x30, Concat({alg, EncodeTlv(0x03, point)})));
}

}  // namespace

absl::StatusOr<std::vector<HostileProfile>> HostilePassportProfiles(const TestPki& pki, int curves) {
  absl::StatusOr<vchip::ChipProfile> base = Base(pki);
  if (!base.ok()) return base.status();
  std::vector<HostileProfile> out;
  auto add = [&](const char* name, const char* description, const std::string& limit,
                 auto&& mutate) -> absl::Status {
    vchip::ChipProfile p = *base;
    p.name = name;
    p.description = description;
    p.expect = ReaderError(limit);
    absl::Status s = mutate(p);
    if (!s.ok()) return s;
    out.push_back(HostileProfile{std::move(p), limit});
    return absl::OkStatus();
  };
  absl::Status s = add("hostile-cardaccess-dh8192",
                       "EF.CardAccess: three DH PACEInfos naming one proprietary 8192-bit group", "max_dh_bits",
                       [](vchip::ChipProfile& p) { return Replace(p, "EF.CardAccess", ExpensiveCardAccess()); });
  if (s.ok()) {
    s = add(
        "hostile-cardaccess-many-infos", "EF.CardAccess: 200 PACEInfos", "max_security_infos",
        [](vchip::ChipProfile& p) { return Replace(p, "EF.CardAccess", RepeatedSet(HexOrDie(kEcdhGmPaceInfo), 200)); });
  }
  if (s.ok()) {
    s = add("hostile-dg14-many-infos", "DG14: 300 ChipAuthenticationInfos", "max_security_infos",
            [](vchip::ChipProfile& p) {
              const Bytes ca_info = EncodeTlv(0x30, Concat({Oid("04007F00070202030202"), HexOrDie("020101")}));
              return Replace(p, "DG14", EncodeTlv(0x6E, RepeatedSet(ca_info, 300)));
            });
  }
  if (s.ok()) {
    s = add("hostile-dg14-key-loop", "DG14: 16 ChipAuthenticationInfos x 16 unusable keys", "max_chip_auth_keys",
            [](vchip::ChipProfile& p) -> absl::Status {
              absl::StatusOr<Bytes> dg14 = KeyLoopDg14(p.FindFile("DG14")->content);
              if (!dg14.ok()) return dg14.status();
              return Replace(p, "DG14", *dg14);
            });
  }
  if (s.ok()) {
    s = add("hostile-dg2-oversized", "DG2 of 320 KB (a face is 15-100 KB)", "max_file_bytes",
            [](vchip::ChipProfile& p) { return Replace(p, "DG2", EncodeTlv(0x75, Bytes(320 * 1024, 0x5A))); });
  }
  if (s.ok()) {
    s = add("hostile-sod-signer-rsa-8192", "EF.SOD: a Document Signer certificate with an 8192-bit RSA key",
            "max_rsa_bits", [](vchip::ChipProfile& p) -> absl::Status {
              absl::StatusOr<Bytes> sod = BigSignerKeySod(p.FindFile("EF.SOD")->content);
              if (!sod.ok()) return sod.status();
              return Replace(p, "EF.SOD", *sod);
            });
  }
  if (s.ok()) {
    s = add("hostile-aa-rsa-8192", "DG15: an 8192-bit RSA key", "max_rsa_bits", [](vchip::ChipProfile& p) {
      return Replace(p, "DG15", RsaDg15(OddNumber(8192, 0xC5), HexOrDie("010001")));
    });
  }
  if (s.ok()) {
    s = add("hostile-aa-rsa-exponent", "DG15: a 2048-bit RSA key with a 2047-bit public exponent",
            "max_rsa_exponent_bits", [](vchip::ChipProfile& p) {
              return Replace(p, "DG15", RsaDg15(OddNumber(2048, 0xC5), OddNumber(2047, 0x93)));
            });
  }
  for (int i = 0; s.ok() && i < curves; ++i) {
    const std::string name = absl::StrCat("hostile-aa-explicit-curve-", i + 1);
    s = add(name.c_str(), "DG15: the AA key on explicit parameters with a generator of its own", "",
            [i](vchip::ChipProfile& p) -> absl::Status {
              absl::StatusOr<Bytes> dg15 = ExplicitCurveDg15(p, static_cast<uint32_t>(2 + i));
              if (!dg15.ok()) return dg15.status();
              p.expect = vchip::Expectation{.close_code = 1000,
                                            .passive_authentication = false,
                                            .active_authentication = "FAILED",
                                            .note = "completes: the explicit group lives and dies with the session"};
              return Replace(p, "DG15", *dg15);
            });
  }
  if (!s.ok()) return s;
  return out;
}

}  // namespace docval::testpki
