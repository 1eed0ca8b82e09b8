#include "validator/emrtd/crypto/dh.h"

#include <array>
#include <exception>
#include <string>
#include <utility>

#include <botan/numthry.h>
#include <botan/reducer.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "base/status_macros.h"
#include "validator/emrtd/crypto/asn1_util.h"
#include "validator/emrtd/crypto/bigint_codec.h"
#include "validator/emrtd/crypto/primality.h"
#include "validator/emrtd/limits.h"
#include "validator/emrtd/tlv.h"

namespace docval::emrtd {

using crypto_internal::BlindingRng;
using crypto_internal::IsProbablePrime;
using crypto_internal::FixedBytes;
using crypto_internal::FixedSecureBytes;
using crypto_internal::ToBigInt;

namespace {

struct StandardGroup {
  int id;
  const char* p;
  const char* g;
  const char* q;
};

// The RFC 5114 groups (public constants of the RFC; identical to OpenSSL's DH_get_1024_160 etc.).
constexpr std::array<StandardGroup, 3> kStandardGroups = {{
    // RFC 5114 §2.1: 1024-bit MODP group with 160-bit prime order subgroup.
    {0,
    "B10B8F96A080E01DDE92DE5EAE5D54EC52C99FBCFB06A3C69A6A9DCA52D23B61"
    "6073E28675A23D189838EF1E2EE652C013ECB4AEA906112324975C3CD49B83BF"
    "ACCBDD7D90C4BD7098488E9C219A73724EFFD6FAE5644738FAA31A4FF55BCCC0"
    "A151AF5F0DC8B4BD45BF37DF365C1A65E68CFDA76D4DA708DF1FB2BC2E4A4371",
    "A4D1CBD5C3FD34126765A442EFB99905F8104DD258AC507FD6406CFF14266D31"
    "266FEA1E5C41564B777E690F5504F213160217B4B01B886A5E91547F9E2749F4"
    "D7FBD7D3B9A92EE1909D0D2263F80A76A6A24C087A091F531DBF0A0169B6A28A"
    "D662A4D18E73AFA32D779D5918D08BC8858F4DCEF97C2A24855E6EEB22B3B2E5",
    "F518AA8781A8DF278ABA4E7D64B7CB9D49462353"},
    // RFC 5114 §2.2: 2048-bit MODP group with 224-bit prime order subgroup.
    {1,
    "AD107E1E9123A9D0D660FAA79559C51FA20D64E5683B9FD1B54B1597B61D0A75"
    "E6FA141DF95A56DBAF9A3C407BA1DF15EB3D688A309C180E1DE6B85A1274A0A6"
    "6D3F8152AD6AC2129037C9EDEFDA4DF8D91E8FEF55B7394B7AD5B7D0B6C12207"
    "C9F98D11ED34DBF6C6BA0B2C8BBC27BE6A00E0A0B9C49708B3BF8A3170918836"
    "81286130BC8985DB1602E714415D9330278273C7DE31EFDC7310F7121FD5A074"
    "15987D9ADC0A486DCDF93ACC44328387315D75E198C641A480CD86A1B9E587E8"
    "BE60E69CC928B2B9C52172E413042E9B23F10B0E16E79763C9B53DCF4BA80A29"
    "E3FB73C16B8E75B97EF363E2FFA31F71CF9DE5384E71B81C0AC4DFFE0C10E64F",
    "AC4032EF4F2D9AE39DF30B5C8FFDAC506CDEBE7B89998CAF74866A08CFE4FFE3"
    "A6824A4E10B9A6F0DD921F01A70C4AFAAB739D7700C29F52C57DB17C620A8652"
    "BE5E9001A8D66AD7C17669101999024AF4D027275AC1348BB8A762D0521BC98A"
    "E247150422EA1ED409939D54DA7460CDB5F6C6B250717CBEF180EB34118E98D1"
    "19529A45D6F834566E3025E316A330EFBB77A86F0C1AB15B051AE3D428C8F8AC"
    "B70A8137150B8EEB10E183EDD19963DDD9E263E4770589EF6AA21E7F5F2FF381"
    "B539CCE3409D13CD566AFBB48D6C019181E1BCFE94B30269EDFE72FE9B6AA4BD"
    "7B5A0F1C71CFFF4C19C418E1F6EC017981BC087F2A7065B384B890D3191F2BFA",
    "801C0D34C58D93FE997177101F80535A4738CEBCBF389A99B36371EB"},
    // RFC 5114 §2.3: 2048-bit MODP group with 256-bit prime order subgroup.
    {2,
    "87A8E61DB4B6663CFFBBD19C651959998CEEF608660DD0F25D2CEED4435E3B00"
    "E00DF8F1D61957D4FAF7DF4561B2AA3016C3D91134096FAA3BF4296D830E9A7C"
    "209E0C6497517ABD5A8A9D306BCF67ED91F9E6725B4758C022E0B1EF4275BF7B"
    "6C5BFC11D45F9088B941F54EB1E59BB8BC39A0BF12307F5C4FDB70C581B23F76"
    "B63ACAE1CAA6B7902D52526735488A0EF13C6D9A51BFA4AB3AD8347796524D8E"
    "F6A167B5A41825D967E144E5140564251CCACB83E6B486F6B3CA3F7971506026"
    "C0B857F689962856DED4010ABD0BE621C3A3960A54E710C375F26375D7014103"
    "A4B54330C198AF126116D2276E11715F693877FAD7EF09CADB094AE91E1A1597",
    "3FB32C9B73134D0B2E77506660EDBD484CA7B18F21EF205407F4793A1A0BA125"
    "10DBC15077BE463FFF4FED4AAC0BB555BE3A6C1B0C6B47B1BC3773BF7E8C6F62"
    "901228F8C28CBB18A55AE31341000A650196F931C77A57F2DDF463E5E9EC144B"
    "777DE62AAAB8A8628AC376D282D6ED3864E67982428EBC831D14348F6F2F9193"
    "B5045AF2767164E1DFC967C1FB3F2E55A4BD1BFFE83B9C80D052B985D182EA0A"
    "DB2A3B7313D3FE14C8484B1E052588B9B7D2BBD2DF016199ECD06E1557CD0915"
    "B3353BBB64E0EC377FD028370DF92B52C7891428CDC67EB6184B523D1DB246C3"
    "2F63078490F00EF8D647D148D47954515E2327CFEF98C582664B4C0F6CC41659",
    "8CF83642A709A097B447997640129DA299B1A47D1EB3750BA308B0FE64F5FBD3"},
}};

absl::Status Invalid(absl::string_view msg) { return absl::InvalidArgumentError(absl::StrCat("dh: ", msg)); }

}  // namespace

struct DhGroup::Impl {
  Impl(const Botan::BigInt& p_in, const Botan::BigInt& g_in, const Botan::BigInt& q_in)
      : p(p_in), g(g_in), q(q_in), reducer(p_in), modulus_size(p_in.bytes()), order_size(q_in.bytes()) {}
  Botan::BigInt p, g, q;  // q == 0: unknown
  Botan::Modular_Reducer reducer;
  std::optional<int> id;
  size_t modulus_size;
  size_t order_size;
};

absl::StatusOr<DhGroup> DhGroup::FromParameterId(int id) {
  if (!IsStandardParameterId(id)) {
    return absl::NotFoundError(absl::StrCat("dh: no standardized DH group with parameter id ", id));
  }
  static const auto* impls = [] {
    auto* out = new std::array<std::shared_ptr<const Impl>, 3>;
    for (size_t i = 0; i < kStandardGroups.size(); ++i) {
      auto impl = std::make_shared<Impl>(ToBigInt(HexOrDie(kStandardGroups[i].p)),
                                         ToBigInt(HexOrDie(kStandardGroups[i].g)),
                                         ToBigInt(HexOrDie(kStandardGroups[i].q)));
      impl->id = kStandardGroups[i].id;
      (*out)[i] = std::move(impl);
    }
    return out;
  }();
  return DhGroup((*impls)[static_cast<size_t>(id)]);
}

absl::StatusOr<DhGroup> DhGroup::FromValues(ByteSpan p_bytes, ByteSpan g_bytes, ByteSpan q_bytes,
                                            const DhGroupOptions& options) {
  const Botan::BigInt p = ToBigInt(p_bytes), g = ToBigInt(g_bytes), q = ToBigInt(q_bytes);
  for (int id = 0; id <= 2; ++id) {
    DhGroup std_group = *FromParameterId(id);
    if (std_group.impl_->p == p && std_group.impl_->g == g && (q.is_zero() || std_group.impl_->q == q)) {
      return std_group;
    }
  }
  if (p.is_even() || p.bits() < 512 || p.bits() > 8192) return Invalid("p must be an odd number of 512..8192 bits");
  if (p.bits() > options.max_p_bits) {
    return LimitExceeded("max_dh_bits", absl::StrCat("an explicit DH group of ", p.bits(), " bits (limit ",
                                                     options.max_p_bits, ")"));
  }
  if (g <= 1 || g >= p - 1) return Invalid("generator not in (1, p-1)");
  if (!q.is_zero() && (q.bits() < 160 || q >= p)) return Invalid("implausible q");
  // The cheap checks run every time; the primality tests once per cache.
  Bytes key;
  std::optional<bool> known;
  if (options.cache != nullptr) {
    key = GroupCacheKey("dh", {p_bytes, g_bytes, q_bytes});
    known = options.cache->Lookup(key);
    if (known.has_value() && !*known) return Invalid("explicit parameters found invalid before");
  }
  try {
    if (!q.is_zero()) {
      if (!((p - 1) % q).is_zero()) return Invalid("q does not divide p-1");
      if (Botan::power_mod(g, q, p) != 1) return Invalid("g^q != 1 (mod p)");
    }
    if (!known.has_value()) {
      if (options.validations_left != nullptr) {
        if (*options.validations_left == 0) {
          return LimitExceeded("max_group_validations",
                               "one more explicit DH group to validate than the session allows");
        }
        --*options.validations_left;
      }
      const bool prime = IsProbablePrime(p, BlindingRng()) && (q.is_zero() || IsProbablePrime(q, BlindingRng()));
      if (options.cache != nullptr) options.cache->Store(key, prime);
      if (!prime) return Invalid("p or q is not prime");
    }
    return DhGroup(std::make_shared<Impl>(p, g, q));
  } catch (const std::exception& e) {
    return crypto_internal::FromBotanException("dh: explicit parameters", e);
  }
}

namespace {

// The next element of `r` as an unsigned parameter (asn1::ParameterIntegerOf: a set top bit is not
// a sign, since some chips leave out the leading 00); errors are "dh: <what>: ...".
absl::StatusOr<Bytes> UnsignedInteger(TlvReader& r, absl::string_view what) {
  const std::string field = absl::StrCat("dh: ", what);
  ASSIGN_OR_RETURN(Tlv t, asn1::NextElement(r, asn1::kInteger, field));
  return asn1::ParameterIntegerOf(t, field);
}

}  // namespace

absl::StatusOr<DhGroup> DhGroup::FromX942Der(ByteSpan der, const DhGroupOptions& options) {
  ASSIGN_OR_RETURN(Tlv seq, ParseSingleTlv(der, asn1::kSequence));
  TlvReader r(seq.value);
  ASSIGN_OR_RETURN(Bytes p, UnsignedInteger(r, "p"));
  ASSIGN_OR_RETURN(Bytes g, UnsignedInteger(r, "g"));
  ASSIGN_OR_RETURN(Bytes q, UnsignedInteger(r, "q"));
  // j and validationParms are optional and not needed; they must still be well-formed TLVs.
  while (!r.AtEnd()) RETURN_IF_ERROR(r.Next().status());
  if (ToBigInt(q).is_zero()) return Invalid("q is zero");
  return FromValues(p, g, q, options);
}

absl::StatusOr<DhGroup> DhGroup::FromPkcs3Der(ByteSpan der, const DhGroupOptions& options) {
  ASSIGN_OR_RETURN(Tlv seq, ParseSingleTlv(der, asn1::kSequence));
  TlvReader r(seq.value);
  ASSIGN_OR_RETURN(Bytes p, UnsignedInteger(r, "prime"));
  ASSIGN_OR_RETURN(Bytes g, UnsignedInteger(r, "base"));
  if (!r.AtEnd()) RETURN_IF_ERROR(UnsignedInteger(r, "privateValueLength").status());
  if (!r.AtEnd()) return Invalid("trailing data in DHParameter");
  return FromValues(p, g, {}, options);
}

std::optional<int> DhGroup::parameter_id() const { return impl_->id; }
bool DhGroup::has_q() const { return !impl_->q.is_zero(); }
size_t DhGroup::modulus_size() const { return impl_->modulus_size; }
size_t DhGroup::order_size() const { return impl_->order_size; }
Bytes DhGroup::p() const { return FixedBytes(impl_->p, impl_->modulus_size); }
Bytes DhGroup::g() const { return FixedBytes(impl_->g, impl_->modulus_size); }
Bytes DhGroup::q() const { return has_q() ? FixedBytes(impl_->q, impl_->order_size) : Bytes(); }

bool DhGroup::operator==(const DhGroup& other) const {
  return impl_->p == other.impl_->p && impl_->g == other.impl_->g && impl_->q == other.impl_->q;
}

absl::StatusOr<Bytes> DhGroup::ValidatePublic(ByteSpan y_bytes) const {
  while (!y_bytes.empty() && y_bytes[0] == 0) y_bytes.remove_prefix(1);  // e.g. a Java BigInteger sign byte
  if (y_bytes.size() > impl_->modulus_size) return Invalid("public value longer than p");
  const Botan::BigInt y = ToBigInt(y_bytes);
  if (y <= 1 || y >= impl_->p - 1) return Invalid("public value not in (1, p-1)");
  try {
    if (has_q() && Botan::power_mod(y, impl_->q, impl_->p) != 1) return Invalid("public value outside the subgroup");
  } catch (const std::exception& e) {
    return crypto_internal::FromBotanException("dh: public value", e);
  }
  return FixedBytes(y, impl_->modulus_size);
}

absl::StatusOr<DhKeyPair> DhGroup::KeyPairFromPrivate(ByteSpan private_key) const {
  const Botan::BigInt x = ToBigInt(private_key);
  const Botan::BigInt& bound = has_q() ? impl_->q : impl_->p - 1;
  if (x.is_zero() || x >= bound) return Invalid("private exponent out of range");
  try {
    Botan::BigInt y = Botan::power_mod(impl_->g, x, impl_->p);
    const size_t length = has_q() ? impl_->order_size : impl_->modulus_size;
    return DhKeyPair{FixedSecureBytes(x, length), FixedBytes(y, impl_->modulus_size)};
  } catch (const std::exception& e) {
    return crypto_internal::FromBotanException("dh: key pair", e);
  }
}

absl::StatusOr<DhKeyPair> DhGroup::GenerateKeyPair(RandomSource& rng, absl::string_view purpose) const {
  const Bytes bound = has_q() ? q() : FixedBytes(impl_->p - 1, impl_->modulus_size);
  ASSIGN_OR_RETURN(SecureBytes x, rng.Scalar(purpose, bound));
  return KeyPairFromPrivate(x);
}

absl::StatusOr<SecureBytes> DhGroup::SharedSecret(ByteSpan private_key, ByteSpan peer_public) const {
  ASSIGN_OR_RETURN(Bytes peer, ValidatePublic(peer_public));
  const Botan::BigInt x = ToBigInt(private_key);
  if (x.is_zero()) return Invalid("private exponent is zero");
  try {
    Botan::BigInt k = Botan::power_mod(ToBigInt(peer), x, impl_->p);
    if (k <= 1) return Invalid("degenerate shared secret");
    return FixedSecureBytes(k, impl_->modulus_size);
  } catch (const std::exception& e) {
    return crypto_internal::FromBotanException("dh: shared secret", e);
  }
}

absl::StatusOr<DhGroup> DhGroup::WithGenerator(ByteSpan generator) const {
  if (generator.size() > impl_->modulus_size) return Invalid("generator longer than p");
  const Botan::BigInt g = ToBigInt(generator);
  if (g <= 1 || g >= impl_->p - 1) return Invalid("mapped generator not in (1, p-1)");
  if (has_q()) {
    try {
      if (Botan::power_mod(g, impl_->q, impl_->p) != 1) return Invalid("mapped generator outside the subgroup");
    } catch (const std::exception& e) {
      return crypto_internal::FromBotanException("dh: generator", e);
    }
  }
  auto impl = std::make_shared<Impl>(impl_->p, g, impl_->q);
  return DhGroup(std::move(impl));
}

Bytes DhGroup::MultiplyMod(ByteSpan a, ByteSpan b) const {
  const Botan::BigInt r =
      impl_->reducer.multiply(impl_->reducer.reduce(ToBigInt(a)), impl_->reducer.reduce(ToBigInt(b)));
  return FixedBytes(r, impl_->modulus_size);
}

Bytes DhGroup::PowerMod(ByteSpan base, ByteSpan exponent) const {
  return FixedBytes(Botan::power_mod(ToBigInt(base), ToBigInt(exponent), impl_->p), impl_->modulus_size);
}

}  // namespace docval::emrtd
