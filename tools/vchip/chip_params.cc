#include "tools/vchip/chip_params.h"

#include <vector>

#include <botan/numthry.h>
#include <botan/reducer.h>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/check.h"

namespace docval::vchip {
namespace {

constexpr absl::string_view kPacePrefix = "0.4.0.127.0.7.2.2.4";
constexpr absl::string_view kCaPrefix = "0.4.0.127.0.7.2.2.3";
constexpr absl::string_view kPkPrefix = "0.4.0.127.0.7.2.2.1";

int CipherArc(Cipher c) {
  switch (c) {
    case Cipher::kTdes: return 1;
    case Cipher::kAes128: return 2;
    case Cipher::kAes192: return 3;
    case Cipher::kAes256: return 4;
  }
  return 0;
}

std::optional<Cipher> CipherFromArc(int arc) {
  switch (arc) {
    case 1: return Cipher::kTdes;
    case 2: return Cipher::kAes128;
    case 3: return Cipher::kAes192;
    case 4: return Cipher::kAes256;
  }
  return std::nullopt;
}

// The two arcs after `prefix`, or nullopt.
std::optional<std::pair<int, int>> TwoArcsAfter(absl::string_view dotted, absl::string_view prefix) {
  if (!absl::StartsWith(dotted, prefix) || dotted.size() <= prefix.size() || dotted[prefix.size()] != '.') {
    return std::nullopt;
  }
  std::vector<absl::string_view> rest = absl::StrSplit(dotted.substr(prefix.size() + 1), '.');
  if (rest.size() != 2) return std::nullopt;
  int a = 0, b = 0;
  if (!absl::SimpleAtoi(rest[0], &a) || !absl::SimpleAtoi(rest[1], &b)) return std::nullopt;
  return std::make_pair(a, b);
}

Botan::BigInt Hex(const char* h) { return Botan::BigInt(std::string("0x") + h); }

// RFC 5114 §2.1-2.3 (p, g, q).
struct DhConst {
  const char* p;
  const char* g;
  const char* q;
};
const DhConst kRfc5114[3] = {
    {"B10B8F96A080E01DDE92DE5EAE5D54EC52C99FBCFB06A3C69A6A9DCA52D23B616073E28675A23D189838EF1E2EE652C013ECB4"
     "AEA906112324975C3CD49B83BFACCBDD7D90C4BD7098488E9C219A73724EFFD6FAE5644738FAA31A4FF55BCCC0A151AF5F0DC8"
     "B4BD45BF37DF365C1A65E68CFDA76D4DA708DF1FB2BC2E4A4371",
     "A4D1CBD5C3FD34126765A442EFB99905F8104DD258AC507FD6406CFF14266D31266FEA1E5C41564B777E690F5504F213160217"
     "B4B01B886A5E91547F9E2749F4D7FBD7D3B9A92EE1909D0D2263F80A76A6A24C087A091F531DBF0A0169B6A28AD662A4D18E73"
     "AFA32D779D5918D08BC8858F4DCEF97C2A24855E6EEB22B3B2E5",
     "F518AA8781A8DF278ABA4E7D64B7CB9D49462353"},
    {"AD107E1E9123A9D0D660FAA79559C51FA20D64E5683B9FD1B54B1597B61D0A75E6FA141DF95A56DBAF9A3C407BA1DF15EB3D68"
     "8A309C180E1DE6B85A1274A0A66D3F8152AD6AC2129037C9EDEFDA4DF8D91E8FEF55B7394B7AD5B7D0B6C12207C9F98D11ED34"
     "DBF6C6BA0B2C8BBC27BE6A00E0A0B9C49708B3BF8A317091883681286130BC8985DB1602E714415D9330278273C7DE31EFDC73"
     "10F7121FD5A07415987D9ADC0A486DCDF93ACC44328387315D75E198C641A480CD86A1B9E587E8BE60E69CC928B2B9C52172E4"
     "13042E9B23F10B0E16E79763C9B53DCF4BA80A29E3FB73C16B8E75B97EF363E2FFA31F71CF9DE5384E71B81C0AC4DFFE0C10E6"
     "4F",
     "AC4032EF4F2D9AE39DF30B5C8FFDAC506CDEBE7B89998CAF74866A08CFE4FFE3A6824A4E10B9A6F0DD921F01A70C4AFAAB739D"
     "7700C29F52C57DB17C620A8652BE5E9001A8D66AD7C17669101999024AF4D027275AC1348BB8A762D0521BC98AE247150422EA"
     "1ED409939D54DA7460CDB5F6C6B250717CBEF180EB34118E98D119529A45D6F834566E3025E316A330EFBB77A86F0C1AB15B05"
     "1AE3D428C8F8ACB70A8137150B8EEB10E183EDD19963DDD9E263E4770589EF6AA21E7F5F2FF381B539CCE3409D13CD566AFBB4"
     "8D6C019181E1BCFE94B30269EDFE72FE9B6AA4BD7B5A0F1C71CFFF4C19C418E1F6EC017981BC087F2A7065B384B890D3191F2B"
     "FA",
     "801C0D34C58D93FE997177101F80535A4738CEBCBF389A99B36371EB"},
    {"87A8E61DB4B6663CFFBBD19C651959998CEEF608660DD0F25D2CEED4435E3B00E00DF8F1D61957D4FAF7DF4561B2AA3016C3D9"
     "1134096FAA3BF4296D830E9A7C209E0C6497517ABD5A8A9D306BCF67ED91F9E6725B4758C022E0B1EF4275BF7B6C5BFC11D45F"
     "9088B941F54EB1E59BB8BC39A0BF12307F5C4FDB70C581B23F76B63ACAE1CAA6B7902D52526735488A0EF13C6D9A51BFA4AB3A"
     "D8347796524D8EF6A167B5A41825D967E144E5140564251CCACB83E6B486F6B3CA3F7971506026C0B857F689962856DED4010A"
     "BD0BE621C3A3960A54E710C375F26375D7014103A4B54330C198AF126116D2276E11715F693877FAD7EF09CADB094AE91E1A15"
     "97",
     "3FB32C9B73134D0B2E77506660EDBD484CA7B18F21EF205407F4793A1A0BA12510DBC15077BE463FFF4FED4AAC0BB555BE3A6C"
     "1B0C6B47B1BC3773BF7E8C6F62901228F8C28CBB18A55AE31341000A650196F931C77A57F2DDF463E5E9EC144B777DE62AAAB8"
     "A8628AC376D282D6ED3864E67982428EBC831D14348F6F2F9193B5045AF2767164E1DFC967C1FB3F2E55A4BD1BFFE83B9C80D0"
     "52B985D182EA0ADB2A3B7313D3FE14C8484B1E052588B9B7D2BBD2DF016199ECD06E1557CD0915B3353BBB64E0EC377FD02837"
     "0DF92B52C7891428CDC67EB6184B523D1DB246C32F63078490F00EF8D647D148D47954515E2327CFEF98C582664B4C0F6CC416"
     "59",
     "8CF83642A709A097B447997640129DA299B1A47D1EB3750BA308B0FE64F5FBD3"},
};

const char* const kCurveNames[11] = {"secp192r1",      "brainpool192r1", "secp224r1",      "brainpool224r1",
                                     "secp256r1",      "brainpool256r1", "brainpool320r1", "secp384r1",
                                     "brainpool384r1", "brainpool512r1", "secp521r1"};

}  // namespace

std::string PaceOid(const PaceProtocol& p) {
  int arc = 0;
  switch (p.mapping) {
    case Mapping::kGeneric: arc = p.agreement == KeyAgreement::kDh ? 1 : 2; break;
    case Mapping::kIntegrated: arc = p.agreement == KeyAgreement::kDh ? 3 : 4; break;
    case Mapping::kChipAuthentication:
      DOCVAL_CHECK(p.agreement == KeyAgreement::kEcdh && IsAes(p.cipher));
      arc = 6;
      break;
  }
  return absl::StrCat(kPacePrefix, ".", arc, ".", CipherArc(p.cipher));
}

std::optional<PaceProtocol> ParsePaceOid(absl::string_view dotted) {
  auto arcs = TwoArcsAfter(dotted, kPacePrefix);
  if (!arcs.has_value()) return std::nullopt;
  std::optional<Cipher> c = CipherFromArc(arcs->second);
  if (!c.has_value()) return std::nullopt;
  PaceProtocol p;
  p.cipher = *c;
  switch (arcs->first) {
    case 1: p = {Mapping::kGeneric, KeyAgreement::kDh, *c}; break;
    case 2: p = {Mapping::kGeneric, KeyAgreement::kEcdh, *c}; break;
    case 3: p = {Mapping::kIntegrated, KeyAgreement::kDh, *c}; break;
    case 4: p = {Mapping::kIntegrated, KeyAgreement::kEcdh, *c}; break;
    case 6:
      if (!IsAes(*c)) return std::nullopt;
      p = {Mapping::kChipAuthentication, KeyAgreement::kEcdh, *c};
      break;
    default: return std::nullopt;
  }
  return p;
}

std::string CaOid(const CaProtocol& p) {
  return absl::StrCat(kCaPrefix, ".", p.agreement == KeyAgreement::kDh ? 1 : 2, ".", CipherArc(p.cipher));
}

std::optional<CaProtocol> ParseCaOid(absl::string_view dotted) {
  auto arcs = TwoArcsAfter(dotted, kCaPrefix);
  if (!arcs.has_value() || (arcs->first != 1 && arcs->first != 2)) return std::nullopt;
  std::optional<Cipher> c = CipherFromArc(arcs->second);
  if (!c.has_value()) return std::nullopt;
  return CaProtocol{arcs->first == 1 ? KeyAgreement::kDh : KeyAgreement::kEcdh, *c};
}

std::string PkOid(KeyAgreement ka) { return absl::StrCat(kPkPrefix, ".", ka == KeyAgreement::kDh ? 1 : 2); }

Bytes EncodeOid(absl::string_view dotted) {
  std::vector<absl::string_view> parts = absl::StrSplit(dotted, '.');
  DOCVAL_CHECK(parts.size() >= 2);
  std::vector<uint64_t> arcs;
  for (absl::string_view p : parts) {
    uint64_t v = 0;
    DOCVAL_CHECK(absl::SimpleAtoi(p, &v));
    arcs.push_back(v);
  }
  DOCVAL_CHECK(arcs[0] <= 2);
  Bytes out;
  auto put = [&out](uint64_t v) {
    Bytes b;
    b.push_back(static_cast<uint8_t>(v & 0x7F));
    for (v >>= 7; v > 0; v >>= 7) b.insert(b.begin(), static_cast<uint8_t>(0x80 | (v & 0x7F)));
    out.insert(out.end(), b.begin(), b.end());
  };
  put(arcs[0] * 40 + arcs[1]);
  for (size_t i = 2; i < arcs.size(); ++i) put(arcs[i]);
  return out;
}

ChipGroup ChipGroup::Ec(const Botan::EC_Group& group) {
  ChipGroup g;
  g.ec_ = group;
  g.p_ = group.get_p();
  g.q_ = group.get_order();
  return g;
}

ChipGroup ChipGroup::Dh(const Botan::BigInt& p, const Botan::BigInt& q, const Botan::BigInt& g) {
  ChipGroup out;
  out.p_ = p;
  out.q_ = q;
  out.g_ = g;
  return out;
}

absl::StatusOr<ChipGroup> ChipGroup::Standard(int id) {
  if (id >= 0 && id <= 2) return Dh(Hex(kRfc5114[id].p), Hex(kRfc5114[id].q), Hex(kRfc5114[id].g));
  if (id >= 8 && id <= 18) return Ec(Botan::EC_Group(kCurveNames[id - 8]));
  return absl::NotFoundError(absl::StrCat("no standardized domain parameters with id ", id));
}

const Botan::BigInt& ChipGroup::order() const { return q_; }

ChipGroup::Element ChipGroup::Generator() const {
  Element e;
  if (ec_.has_value()) {
    e.point = generator_.has_value() ? *generator_ : ec_->get_base_point();
  } else {
    e.value = g_;
  }
  return e;
}

ChipGroup::Element ChipGroup::Pow(const Botan::BigInt& k) const { return Mul(Generator(), k); }

ChipGroup::Element ChipGroup::Mul(const Element& e, const Botan::BigInt& k) const {
  Element out;
  if (ec_.has_value()) {
    out.point = e.point * k;
  } else {
    out.value = Botan::power_mod(e.value, k, p_);
  }
  return out;
}

ChipGroup::Element ChipGroup::Combine(const Element& a, const Element& b) const {
  Element out;
  if (ec_.has_value()) {
    out.point = a.point + b.point;
  } else {
    out.value = (a.value * b.value) % p_;
  }
  return out;
}

ChipGroup ChipGroup::WithGenerator(const Element& generator) const {
  if (ec_.has_value()) {
    Botan::PointGFp gen = generator.point;
    gen.force_affine();
    ChipGroup mapped = *this;
    mapped.generator_ = std::move(gen);
    return mapped;
  }
  return Dh(p_, q_, generator.value);
}

Bytes ChipGroup::Encode(const Element& e) const {
  if (ec_.has_value()) {
    std::vector<uint8_t> v = e.point.encode(Botan::PointGFp::UNCOMPRESSED);
    return Bytes(v.begin(), v.end());
  }
  Botan::secure_vector<uint8_t> v = Botan::BigInt::encode_1363(e.value, p_.bytes());
  return Bytes(v.begin(), v.end());
}

absl::StatusOr<ChipGroup::Element> ChipGroup::Decode(ByteSpan encoded) const {
  Element e;
  if (ec_.has_value()) {
    if (encoded.size() != 1 + 2 * FieldBytes() || encoded[0] != 0x04) {
      return absl::InvalidArgumentError("EC public key is not an uncompressed point of the curve's size");
    }
    try {
      e.point = ec_->OS2ECP(encoded.data(), encoded.size());
    } catch (const std::exception& ex) {
      return absl::InvalidArgumentError(absl::StrCat("EC public key rejected: ", ex.what()));
    }
    if (e.point.is_zero() || !e.point.on_the_curve()) {
      return absl::InvalidArgumentError("EC public key is not a point of the curve");
    }
    return e;
  }
  if (encoded.empty() || encoded.size() > p_.bytes()) return absl::InvalidArgumentError("DH public key too long");
  e.value = Botan::BigInt(encoded.data(), encoded.size());
  if (e.value <= 1 || e.value >= p_ - 1) return absl::InvalidArgumentError("DH public key out of range");
  if (Botan::power_mod(e.value, q_, p_) != 1) {
    return absl::InvalidArgumentError("DH public key is not in the prime-order subgroup");
  }
  return e;
}

Bytes ChipGroup::SecretOf(const Element& e) const {
  if (ec_.has_value()) {
    Botan::PointGFp pt = e.point;
    pt.force_affine();
    Botan::secure_vector<uint8_t> x = Botan::BigInt::encode_1363(pt.get_affine_x(), FieldBytes());
    return Bytes(x.begin(), x.end());
  }
  return Encode(e);
}

bool ChipGroup::Equal(const Element& a, const Element& b) const {
  if (ec_.has_value()) return a.point == b.point;
  return a.value == b.value;
}

size_t ChipGroup::FieldBytes() const { return p_.bytes(); }

Botan::BigInt PseudoRandomRp(Cipher cipher, ByteSpan s, ByteSpan t, const Botan::BigInt& p) {
  // Constants of ICAO 9303-11 §4.4.3.3.2 (by key length): 128-bit keys use the 128-bit pair.
  static const char* kC0_128 = "A668892A7C41E3CA739F40B057D85904";
  static const char* kC1_128 = "A4E136AC725F738B01C1F60217C188AD";
  static const char* kC0_256 = "D463D65234124EF7897054986DCA0A174E28DF758CBAA03F240616414D5A1676";
  static const char* kC1_256 = "54BD7255F0AAF831BEC3423FCF39D69B6CBF066677D0FAAE5AADD99DF8E53517";
  const size_t k = KeyBytes(cipher);
  Bytes c0 = emrtd::HexOrDie(k == 16 ? kC0_128 : kC0_256);
  Bytes c1 = emrtd::HexOrDie(k == 16 ? kC1_128 : kC1_256);
  Bytes iv(BlockBytes(cipher), 0);
  Bytes key = CbcEncrypt(cipher, t, iv, s);
  key.resize(k);
  Bytes x;
  const size_t l_bits = c1.size() * 8;
  const size_t need = p.bits() + 64;
  for (size_t n = 0; n * l_bits < need; ++n) {
    Bytes next = CbcEncrypt(cipher, key, iv, c0);
    Bytes xi = CbcEncrypt(cipher, key, iv, c1);
    x.insert(x.end(), xi.begin(), xi.end());
    next.resize(k);
    key = next;
  }
  return Botan::BigInt(x.data(), x.size()) % p;
}

absl::StatusOr<ChipGroup::Element> IntegratedMap(const ChipGroup& group, const Botan::BigInt& rp) {
  ChipGroup::Element out;
  if (group.agreement() == KeyAgreement::kDh) {
    const Botan::BigInt& p = group.p();
    out.value = Botan::power_mod(rp, (p - 1) / group.q(), p);
    if (out.value <= 1) return absl::FailedPreconditionError("IM: mapped generator is 1");
    return out;
  }
  const Botan::EC_Group& ec = group.ec();
  const Botan::BigInt& p = ec.get_p();
  if (p % 4 != 3) return absl::FailedPreconditionError("IM point encoding needs p = 3 mod 4");
  Botan::Modular_Reducer mod(p);
  const Botan::BigInt& a = ec.get_a();
  const Botan::BigInt& b = ec.get_b();
  Botan::BigInt t = mod.reduce(rp);
  Botan::BigInt alpha = mod.reduce(p - mod.square(t));                 // -t^2
  Botan::BigInt alpha2 = mod.square(alpha);
  Botan::BigInt aa = mod.reduce(alpha + alpha2);                       // alpha + alpha^2
  Botan::BigInt denom = mod.multiply(a, aa);
  if (denom.is_zero()) return absl::FailedPreconditionError("IM: degenerate input");
  Botan::BigInt x2 = mod.multiply(mod.reduce(p - b), mod.multiply(mod.reduce(aa + 1), Botan::inverse_mod(denom, p)));
  Botan::BigInt x3 = mod.multiply(alpha, x2);
  Botan::BigInt h2 = mod.reduce(mod.cube(x2) + mod.multiply(a, x2) + b);
  Botan::BigInt u = mod.multiply(mod.cube(t), h2);
  Botan::BigInt A = Botan::power_mod(h2, p - 1 - (p + 1) / 4, p);
  Botan::BigInt x, y;
  if (mod.multiply(mod.square(A), h2) == 1) {
    x = x2;
    y = mod.multiply(A, h2);
  } else {
    x = x3;
    y = mod.multiply(A, u);
  }
  out.point = ec.point(x, y);
  if (!out.point.on_the_curve()) return absl::InternalError("IM: mapped point not on the curve");
  if (ec.get_cofactor() != 1) out.point = out.point * ec.get_cofactor();
  return out;
}

}  // namespace docval::vchip
