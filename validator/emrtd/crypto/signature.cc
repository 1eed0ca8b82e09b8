#include "validator/emrtd/crypto/signature.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <botan/bigint.h>
#include <botan/ecdsa.h>
#include <botan/hash.h>
#include <botan/mgf1.h>
#include <botan/monty.h>
#include <botan/numthry.h>
#include <botan/pubkey.h>
#include <botan/x509_key.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "validator/emrtd/crypto/ecc.h"
#include "validator/emrtd/limits.h"

namespace docval::emrtd {
namespace {

using asn1::AlgorithmIdentifier;

constexpr char kRsaEncryption[] = "1.2.840.113549.1.1.1";
constexpr char kRsaPss[] = "1.2.840.113549.1.1.10";
constexpr char kMgf1[] = "1.2.840.113549.1.1.8";
constexpr char kEcPublicKey[] = "1.2.840.10045.2.1";

absl::Status Bad(absl::string_view why) { return absl::InvalidArgumentError(std::string(why)); }

// An RSA public key as its two numbers, and the Montgomery parameters of n once a VerificationKey
// has prepared them. Not a Botan::RSA_PublicKey: its constructor precomputes those parameters (a
// constant-time division, about 0.45 ms for 2048 bits, 0.15 ms for 1024, fifteen times the
// verification with parameters at hand) for every key, also one only described or budget-checked
// (bench/README.md, crypto floor findings 1 and 3).
struct RsaKey {
  Botan::BigInt n, e;
  std::shared_ptr<const Botan::Montgomery_Params> monty;  // null until prepared
};

// An EC key on its group (ecc.h): named curves, explicit parameters equal to one (mapped to it), and
// other explicit parameters alike. Never a Botan EC_Group built from explicit parameters: Botan 2
// registers each distinct set in a process-wide list for ever (see ecc.cc), and the chip chooses them.
struct EcKey {
  EcGroup group;
  EcPoint point;
};

// A decoded SubjectPublicKeyInfo: RSA as its numbers, EC keys on an EcGroup; `other` only for a
// named curve outside the PACE table (Botan's own named curves: a fixed set).
struct PublicKey {
  std::optional<RsaKey> rsa;
  std::optional<EcKey> ec;
  std::unique_ptr<Botan::Public_Key> other;
  std::string algo_name() const { return rsa ? "RSA" : ec ? "ECDSA" : other->algo_name(); }
};

// The EC public key of an id-ecPublicKey SPKI: uncompressed or compressed point on `group`.
absl::StatusOr<EcPoint> EcPointOf(const EcGroup& group, ByteSpan encoded) {
  const size_t fs = group.field_size();
  if (encoded.size() == 1 + fs && (encoded[0] == 0x02 || encoded[0] == 0x03)) {
    const EcDomainParameters d = group.parameters();
    try {
      const Botan::BigInt p(d.p.data(), d.p.size()), a(d.a.data(), d.a.size()), b(d.b.data(), d.b.size());
      const Botan::BigInt x(encoded.data() + 1, fs);
      if (x >= p) return Bad("EC public key: x not below p");
      const Botan::BigInt rhs = (Botan::power_mod(x, 3, p) + a * x + b) % p;
      Botan::BigInt y = Botan::ressol(rhs, p);
      if (y < 0) return Bad("EC public key: compressed point not on the curve");
      if (y.get_bit(0) != (encoded[0] & 1)) y = p - y;
      Botan::secure_vector<uint8_t> xb = Botan::BigInt::encode_1363(x, fs), yb = Botan::BigInt::encode_1363(y, fs);
      return group.PointFromCoordinates(Bytes(xb.begin(), xb.end()), Bytes(yb.begin(), yb.end()));
    } catch (const std::exception& e) {
      return Bad(absl::StrCat("EC public key: ", e.what()));
    }
  }
  return group.DecodePoint(encoded);
}

// RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }, read by hand: passports in
// the field encode the modulus without the sign byte (a "negative" DER INTEGER) and Botan refuses it.
// Both integers are taken as unsigned magnitudes.
absl::StatusOr<RsaKey> LoadRsaKey(ByteSpan key_bits) {
  absl::StatusOr<Tlv> seq = ParseSingleTlv(key_bits, asn1::kSequence);
  if (!seq.ok()) return Bad("RSA public key: not a SEQUENCE");
  absl::StatusOr<std::vector<Tlv>> f = asn1::Children(*seq, "RSA public key");
  if (!f.ok()) return f.status();
  if (f->size() != 2 || (*f)[0].tag != asn1::kInteger || (*f)[1].tag != asn1::kInteger) {
    return Bad("RSA public key: expected modulus and exponent");
  }
  Botan::BigInt n((*f)[0].value.data(), (*f)[0].value.size());
  Botan::BigInt e((*f)[1].value.data(), (*f)[1].value.size());
  if (n.bits() < 512 || n.bits() > 16384 || n.is_even() || e < 3 || e.is_even() || e >= n) {
    return Bad("RSA public key: parameters out of range");
  }
  return RsaKey{std::move(n), std::move(e)};
}

absl::StatusOr<PublicKey> LoadKey(ByteSpan spki) {
  absl::StatusOr<Tlv> top = ParseSingleTlv(spki, asn1::kSequence);
  if (!top.ok()) return Bad("public key: not a DER SubjectPublicKeyInfo");
  absl::StatusOr<std::vector<Tlv>> parts = asn1::Children(*top, "SubjectPublicKeyInfo");
  if (!parts.ok()) return parts.status();
  if (parts->size() != 2) return Bad("SubjectPublicKeyInfo: expected algorithm and key");
  absl::StatusOr<AlgorithmIdentifier> alg = asn1::AlgorithmIdentifierOf((*parts)[0], "SubjectPublicKeyInfo algorithm");
  if (!alg.ok()) return alg.status();
  if (alg->oid == kRsaEncryption || alg->oid == kRsaPss) {
    absl::StatusOr<Bytes> bits = asn1::BitStringBytesOf((*parts)[1], "SubjectPublicKeyInfo key");
    if (!bits.ok()) return bits.status();
    absl::StatusOr<RsaKey> rsa = LoadRsaKey(*bits);
    if (!rsa.ok()) return rsa.status();
    return PublicKey{*std::move(rsa), std::nullopt, nullptr};
  }
  if (alg->oid == kEcPublicKey) {
    if (!alg->parameters) return Bad("EC public key without domain parameters");
    absl::StatusOr<EcGroup> group = EcGroup::FromDer(*alg->parameters);
    // A named curve outside the PACE table falls through to Botan's named curves; anything else that
    // does not decode is refused here.
    if (!group.ok() && !absl::IsNotFound(group.status())) {
      return Bad(absl::StrCat("EC public key: ", group.status().message()));
    }
    if (group.ok()) {
      absl::StatusOr<Bytes> bits = asn1::BitStringBytesOf((*parts)[1], "SubjectPublicKeyInfo key");
      if (!bits.ok()) return bits.status();
      absl::StatusOr<EcPoint> point = EcPointOf(*group, *bits);
      if (!point.ok()) return Bad(absl::StrCat("EC public key: ", point.status().message()));
      return PublicKey{std::nullopt, EcKey{*std::move(group), *std::move(point)}, nullptr};
    }
    if (!alg->parameters || alg->parameters->empty() || (*alg->parameters)[0] != asn1::kOid) {
      return Bad("EC public key: unsupported parameters");
    }
  }
  try {
    std::unique_ptr<Botan::Public_Key> key(Botan::X509::load_key(std::vector<uint8_t>(spki.begin(), spki.end())));
    if (!key) return Bad("public key: cannot be decoded");
    return PublicKey{std::nullopt, std::nullopt, std::move(key)};
  } catch (const std::exception& e) {
    return Bad(absl::StrCat("public key: ", e.what()));
  }
}

// The RSA public operation with the key already loaded: s^e mod n by square-and-multiply in
// Montgomery form, variable-time in e (public). The parameters of n are the key's when prepared,
// otherwise made here (the one division that Botan's power_mod would make as well).
absl::StatusOr<Bytes> RsaOp(const RsaKey& rsa, ByteSpan signature) {
  const size_t k = rsa.n.bytes();
  if (signature.size() > k) return Bad("RSA signature longer than the modulus");
  Botan::BigInt s(signature.data(), signature.size());
  if (s >= rsa.n) return Bad("RSA signature value not below the modulus");
  std::shared_ptr<const Botan::Montgomery_Params> monty = rsa.monty;
  if (!monty) monty = std::make_shared<const Botan::Montgomery_Params>(rsa.n);
  Botan::secure_vector<Botan::word> ws;
  const Botan::Montgomery_Int base(monty, s);
  Botan::Montgomery_Int x = base;
  for (size_t i = rsa.e.bits() - 1; i-- > 0;) {  // e >= 3 (LoadRsaKey)
    x.square_this(ws);
    if (rsa.e.get_bit(i)) x.mul_by(base, ws);
  }
  Botan::secure_vector<uint8_t> em = Botan::BigInt::encode_1363(x.value(), k);
  return Bytes(em.begin(), em.end());
}

absl::StatusOr<const RsaKey*> AsRsa(const PublicKey& key) {
  if (!key.rsa) return Bad(absl::StrCat("expected an RSA key, found ", key.algo_name()));
  return &*key.rsa;
}

// DigestInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING }, with or without NULL parameters.
Bytes DigestInfo(HashAlgorithm hash, ByteSpan digest, bool with_null) {
  static constexpr uint8_t kNull[] = {0x05, 0x00};
  Bytes alg = asn1::EncodeAlgorithmIdentifier(HashOid(hash), with_null ? std::optional<ByteSpan>(kNull)
                                                                        : std::optional<ByteSpan>());
  Bytes body = alg;
  AppendTlv(asn1::kOctetString, digest, body);
  return EncodeTlv(asn1::kSequence, body);
}

absl::StatusOr<bool> Pkcs1v15(const RsaKey& rsa, HashAlgorithm hash, ByteSpan message, ByteSpan signature) {
  const size_t k = rsa.n.bytes();
  if (signature.size() != k) return false;  // RFC 8017 §8.2.2 step 1
  absl::StatusOr<Bytes> em = RsaOp(rsa, signature);
  if (!em.ok()) return false;  // a value >= n is simply not a signature under this key
  Bytes digest = Hash(hash, message);
  for (bool with_null : {true, false}) {
    Bytes t = DigestInfo(hash, digest, with_null);
    if (k < t.size() + 11) return Bad("RSA modulus too small for the digest");
    Bytes expected;
    expected.reserve(k);
    expected.push_back(0x00);
    expected.push_back(0x01);
    expected.insert(expected.end(), k - t.size() - 3, 0xFF);
    expected.push_back(0x00);
    expected.insert(expected.end(), t.begin(), t.end());
    if (expected == *em) return true;
  }
  return false;
}

absl::StatusOr<bool> Pss(const RsaKey& rsa, HashAlgorithm hash, HashAlgorithm mgf1_hash, size_t salt_length,
                         ByteSpan message, ByteSpan signature) {
  const size_t mod_bits = rsa.n.bits();
  const size_t k = rsa.n.bytes();
  if (signature.size() != k) return false;
  absl::StatusOr<Bytes> full = RsaOp(rsa, signature);
  if (!full.ok()) return false;
  const size_t em_bits = mod_bits - 1;
  const size_t em_len = (em_bits + 7) / 8;
  // When |n| - 1 is a multiple of 8, the k-byte representative has one extra leading zero byte.
  if (em_len < k && (*full)[0] != 0) return false;
  ByteSpan em = ByteSpan(*full).subspan(k - em_len);
  const size_t h_len = HashSize(hash);
  if (em_len < h_len + salt_length + 2) return false;
  if (em.back() != 0xBC) return false;
  const size_t db_len = em_len - h_len - 1;
  Bytes db(em.begin(), em.begin() + static_cast<ptrdiff_t>(db_len));
  ByteSpan h = em.subspan(db_len, h_len);
  const size_t zero_bits = 8 * em_len - em_bits;
  const uint8_t top_mask = static_cast<uint8_t>(0xFF >> zero_bits);
  if ((db[0] & ~top_mask) != 0) return false;
  try {
    std::unique_ptr<Botan::HashFunction> mgf = Botan::HashFunction::create_or_throw(BotanHashName(mgf1_hash));
    Botan::mgf1_mask(*mgf, h.data(), h.size(), db.data(), db.size());
  } catch (const std::exception& e) {
    return Bad(absl::StrCat("MGF1: ", e.what()));
  }
  db[0] &= top_mask;
  const size_t ps_len = em_len - h_len - salt_length - 2;
  for (size_t i = 0; i < ps_len; ++i) {
    if (db[i] != 0) return false;
  }
  if (db[ps_len] != 0x01) return false;
  ByteSpan salt = ByteSpan(db).subspan(ps_len + 1);
  Bytes m_hash = Hash(hash, message);
  static constexpr uint8_t kZeros[8] = {};
  Bytes h2 = Hash(hash, {ByteSpan(kZeros), m_hash, salt});
  return Bytes(h.begin(), h.end()) == h2;
}

// DER SEQUENCE { r INTEGER, s INTEGER } → r‖s, each left-padded to `n` bytes. Leading zero bytes
// beyond the sign byte are tolerated (seen in the field); negative or oversized values are not.
absl::StatusOr<Bytes> DerToPlain(ByteSpan der, size_t n) {
  absl::StatusOr<Tlv> seq = ParseSingleTlv(der, asn1::kSequence);
  if (!seq.ok()) return Bad("ECDSA signature: not a DER SEQUENCE");
  absl::StatusOr<std::vector<Tlv>> c = asn1::Children(*seq, "ECDSA signature");
  if (!c.ok()) return c.status();
  if (c->size() != 2) return Bad("ECDSA signature: expected r and s");
  Bytes out;
  for (const Tlv& t : *c) {
    absl::StatusOr<Bytes> v = asn1::UnsignedIntegerOf(t, "ECDSA signature");
    if (!v.ok()) return v.status();
    if (v->size() > n) return Bad("ECDSA signature: integer larger than the group order");
    out.insert(out.end(), n - v->size(), 0x00);
    out.insert(out.end(), v->begin(), v->end());
  }
  return out;
}

absl::StatusOr<bool> Ecdsa(const PublicKey& public_key, HashAlgorithm hash, ByteSpan message, ByteSpan signature,
                           EcdsaSignatureFormat format) {
  const auto* ec = dynamic_cast<const Botan::ECDSA_PublicKey*>(public_key.other.get());
  if (ec == nullptr && !public_key.ec) return Bad(absl::StrCat("expected an EC key, found ", public_key.algo_name()));
  const size_t n = public_key.ec ? public_key.ec->group.order_size() : ec->domain().get_order_bytes();
  Bytes plain;
  if (format == EcdsaSignatureFormat::kDer) {
    absl::StatusOr<Bytes> p = DerToPlain(signature, n);
    if (!p.ok()) return false;  // not a signature under this key
    plain = *std::move(p);
  } else {
    if (signature.size() != 2 * n) return false;
    plain.assign(signature.begin(), signature.end());
  }
  if (public_key.ec) return public_key.ec->group.VerifyEcdsa(public_key.ec->point, Hash(hash, message), plain);
  const Botan::Public_Key& key = *ec;
  try {
    Botan::PK_Verifier v(key, absl::StrCat("EMSA1(", BotanHashName(hash), ")"), Botan::IEEE_1363);
    return v.verify_message(message.data(), message.size(), plain.data(), plain.size());
  } catch (const std::exception& e) {
    return Bad(absl::StrCat("ECDSA: ", e.what()));
  }
}

struct PssParams {
  HashAlgorithm hash = HashAlgorithm::kSha1;
  HashAlgorithm mgf1_hash = HashAlgorithm::kSha1;
  size_t salt_length = 20;
};

absl::StatusOr<HashAlgorithm> HashOfAlgorithmIdentifier(const Tlv& t, absl::string_view what) {
  absl::StatusOr<AlgorithmIdentifier> a = asn1::AlgorithmIdentifierOf(t, what);
  if (!a.ok()) return a.status();
  std::optional<HashAlgorithm> h = HashFromOid(a->oid);
  if (!h) return Bad(absl::StrCat(what, ": unsupported hash ", a->oid));
  return *h;
}

// RSASSA-PSS-params (RFC 4055 §3.1), DER, every field optional with its default.
absl::StatusOr<PssParams> ParsePssParams(const AlgorithmIdentifier& alg) {
  PssParams p;
  if (alg.parameters_absent_or_null()) return p;
  absl::StatusOr<Tlv> seq = ParseSingleTlv(*alg.parameters, asn1::kSequence);
  if (!seq.ok()) return Bad("RSASSA-PSS-params: not a SEQUENCE");
  absl::StatusOr<std::vector<Tlv>> fields = asn1::Children(*seq, "RSASSA-PSS-params");
  if (!fields.ok()) return fields.status();
  for (const Tlv& f : *fields) {
    // Each field is [n] EXPLICIT: parse the single element inside.
    size_t used = 0;
    absl::StatusOr<Tlv> el = ParseTlv(f.value, &used);
    if (!el.ok() || used != f.value.size()) return Bad("RSASSA-PSS-params: malformed field");
    switch (f.tag) {
      case asn1::ContextConstructed(0): {
        absl::StatusOr<HashAlgorithm> h = HashOfAlgorithmIdentifier(*el, "RSASSA-PSS hashAlgorithm");
        if (!h.ok()) return h.status();
        p.hash = *h;
        break;
      }
      case asn1::ContextConstructed(1): {
        absl::StatusOr<AlgorithmIdentifier> mgf = asn1::AlgorithmIdentifierOf(*el, "RSASSA-PSS maskGenAlgorithm");
        if (!mgf.ok()) return mgf.status();
        if (mgf->oid != kMgf1) return Bad(absl::StrCat("RSASSA-PSS: unsupported mask generation ", mgf->oid));
        if (!mgf->parameters) return Bad("RSASSA-PSS: MGF1 without a hash");
        absl::StatusOr<Tlv> mh = ParseSingleTlv(*mgf->parameters, asn1::kSequence);
        if (!mh.ok()) return Bad("RSASSA-PSS: bad MGF1 hash");
        absl::StatusOr<HashAlgorithm> h = HashOfAlgorithmIdentifier(*mh, "RSASSA-PSS MGF1 hash");
        if (!h.ok()) return h.status();
        p.mgf1_hash = *h;
        break;
      }
      case asn1::ContextConstructed(2): {
        absl::StatusOr<int64_t> s = asn1::SmallIntegerOf(*el, "RSASSA-PSS saltLength");
        if (!s.ok()) return s.status();
        if (*s > 1024) return Bad("RSASSA-PSS: salt length too large");
        p.salt_length = static_cast<size_t>(*s);
        break;
      }
      case asn1::ContextConstructed(3): {
        absl::StatusOr<int64_t> t = asn1::SmallIntegerOf(*el, "RSASSA-PSS trailerField");
        if (!t.ok()) return t.status();
        if (*t != 1) return Bad("RSASSA-PSS: unsupported trailer field");
        break;
      }
      default:
        return Bad("RSASSA-PSS-params: unknown field");
    }
  }
  return p;
}

struct NamedScheme {
  const char* oid;
  enum Kind { kPkcs1, kEcdsaDer, kEcdsaPlain } kind;
  HashAlgorithm hash;
};

constexpr NamedScheme kSchemes[] = {
    {"1.2.840.113549.1.1.5", NamedScheme::kPkcs1, HashAlgorithm::kSha1},
    {"1.2.840.113549.1.1.14", NamedScheme::kPkcs1, HashAlgorithm::kSha224},
    {"1.2.840.113549.1.1.11", NamedScheme::kPkcs1, HashAlgorithm::kSha256},
    {"1.2.840.113549.1.1.12", NamedScheme::kPkcs1, HashAlgorithm::kSha384},
    {"1.2.840.113549.1.1.13", NamedScheme::kPkcs1, HashAlgorithm::kSha512},
    {"1.2.840.10045.4.1", NamedScheme::kEcdsaDer, HashAlgorithm::kSha1},
    {"1.2.840.10045.4.3.1", NamedScheme::kEcdsaDer, HashAlgorithm::kSha224},
    {"1.2.840.10045.4.3.2", NamedScheme::kEcdsaDer, HashAlgorithm::kSha256},
    {"1.2.840.10045.4.3.3", NamedScheme::kEcdsaDer, HashAlgorithm::kSha384},
    {"1.2.840.10045.4.3.4", NamedScheme::kEcdsaDer, HashAlgorithm::kSha512},
    // BSI TR-03111 ecdsa-plain-signatures.
    {"0.4.0.127.0.7.1.1.4.1.1", NamedScheme::kEcdsaPlain, HashAlgorithm::kSha1},
    {"0.4.0.127.0.7.1.1.4.1.2", NamedScheme::kEcdsaPlain, HashAlgorithm::kSha224},
    {"0.4.0.127.0.7.1.1.4.1.3", NamedScheme::kEcdsaPlain, HashAlgorithm::kSha256},
    {"0.4.0.127.0.7.1.1.4.1.4", NamedScheme::kEcdsaPlain, HashAlgorithm::kSha384},
    {"0.4.0.127.0.7.1.1.4.1.5", NamedScheme::kEcdsaPlain, HashAlgorithm::kSha512},
};

}  // namespace

absl::StatusOr<PublicKeyInfo> DescribePublicKey(ByteSpan spki) {
  absl::StatusOr<PublicKey> key = LoadKey(spki);
  if (!key.ok()) return key.status();
  PublicKeyInfo info;
  if (key->rsa) {
    info.algorithm_oid = kRsaEncryption;  // as Botan names an RSA key, PSS or not
    info.type = PublicKeyInfo::Type::kRsa;
    info.bits = key->rsa->n.bits();
    info.size_bytes = key->rsa->n.bytes();
    return info;
  }
  if (key->ec) {
    info.algorithm_oid = kEcPublicKey;
    info.type = PublicKeyInfo::Type::kEc;
    info.bits = key->ec->group.order_bits();
    info.size_bytes = key->ec->group.order_size();
    return info;
  }
  try {
    info.algorithm_oid = key->other->get_oid().to_string();
  } catch (const std::exception&) {
  }
  if (const auto* ec = dynamic_cast<const Botan::EC_PublicKey*>(key->other.get())) {
    info.type = PublicKeyInfo::Type::kEc;
    info.bits = ec->domain().get_order_bits();
    info.size_bytes = ec->domain().get_order_bytes();
  } else {
    return Bad(absl::StrCat("unsupported public key type ", key->algo_name()));
  }
  return info;
}

absl::Status CheckChipKeyBudget(ByteSpan spki, size_t max_rsa_bits, size_t max_rsa_exponent_bits) {
  absl::StatusOr<PublicKey> key = LoadKey(spki);
  if (!key.ok() || !key->rsa) return absl::OkStatus();
  if (key->rsa->n.bits() > max_rsa_bits) {
    return LimitExceeded("max_rsa_bits",
                         absl::StrCat("an RSA key of ", key->rsa->n.bits(), " bits (limit ", max_rsa_bits, ")"));
  }
  if (key->rsa->e.bits() > max_rsa_exponent_bits) {
    return LimitExceeded("max_rsa_exponent_bits", absl::StrCat("an RSA public exponent of ", key->rsa->e.bits(),
                                                               " bits (limit ", max_rsa_exponent_bits, ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> VerifyRsaPkcs1v15(ByteSpan spki, HashAlgorithm hash, ByteSpan message, ByteSpan signature) {
  absl::StatusOr<PublicKey> key = LoadKey(spki);
  if (!key.ok()) return key.status();
  absl::StatusOr<const RsaKey*> rsa = AsRsa(*key);
  if (!rsa.ok()) return rsa.status();
  return Pkcs1v15(**rsa, hash, message, signature);
}

absl::StatusOr<bool> VerifyRsaPss(ByteSpan spki, HashAlgorithm hash, HashAlgorithm mgf1_hash, size_t salt_length,
                                  ByteSpan message, ByteSpan signature) {
  absl::StatusOr<PublicKey> key = LoadKey(spki);
  if (!key.ok()) return key.status();
  absl::StatusOr<const RsaKey*> rsa = AsRsa(*key);
  if (!rsa.ok()) return rsa.status();
  return Pss(**rsa, hash, mgf1_hash, salt_length, message, signature);
}

absl::StatusOr<bool> VerifyEcdsa(ByteSpan spki, HashAlgorithm hash, ByteSpan message, ByteSpan signature,
                                 EcdsaSignatureFormat format) {
  absl::StatusOr<PublicKey> key = LoadKey(spki);
  if (!key.ok()) return key.status();
  return Ecdsa(*key, hash, message, signature, format);
}

absl::StatusOr<Bytes> RsaPublicOperation(ByteSpan spki, ByteSpan signature) {
  absl::StatusOr<PublicKey> key = LoadKey(spki);
  if (!key.ok()) return key.status();
  absl::StatusOr<const RsaKey*> rsa = AsRsa(*key);
  if (!rsa.ok()) return rsa.status();
  return RsaOp(**rsa, signature);
}

struct VerificationKey::Impl {
  Bytes spki;
  PublicKey key;
  size_t memory_bytes = 0;
};

VerificationKey::VerificationKey(std::unique_ptr<const Impl> impl) : impl_(std::move(impl)) {}
VerificationKey::~VerificationKey() = default;
const Bytes& VerificationKey::spki() const { return impl_->spki; }
size_t VerificationKey::memory_bytes() const { return impl_->memory_bytes; }

absl::StatusOr<std::shared_ptr<const VerificationKey>> VerificationKey::Load(ByteSpan spki) {
  absl::StatusOr<PublicKey> key = LoadKey(spki);
  if (!key.ok()) return key.status();
  auto impl = std::make_unique<Impl>();
  impl->spki.assign(spki.begin(), spki.end());
  // The object, the SPKI, and an allowance for the decoded key; RSA: n and e, and the parameters'
  // four numbers of the modulus' size (p, R mod p, R^2 mod p, R^3 mod p).
  impl->memory_bytes = sizeof(VerificationKey) + sizeof(Impl) + spki.size() + 256;
  if (key->rsa) {
    try {
      key->rsa->monty = std::make_shared<const Botan::Montgomery_Params>(key->rsa->n);
    } catch (const std::exception& e) {
      return Bad(absl::StrCat("RSA public key: ", e.what()));
    }
    impl->memory_bytes += 6 * (key->rsa->n.bytes() + 16);
  }
  impl->key = *std::move(key);
  return std::make_shared<const VerificationKey>(std::move(impl));
}

namespace {

absl::StatusOr<bool> VerifyWithKey(const PublicKey& public_key, const AlgorithmIdentifier& algorithm,
                                   std::optional<HashAlgorithm> digest_algorithm, ByteSpan message,
                                   ByteSpan signature) {
  const PublicKey* key = &public_key;
  const std::string& oid = algorithm.oid;
  if (oid == kRsaEncryption) {
    if (!digest_algorithm) return Bad("rsaEncryption signature without a digest algorithm");
    absl::StatusOr<const RsaKey*> rsa = AsRsa(*key);
    if (!rsa.ok()) return rsa.status();
    return Pkcs1v15(**rsa, *digest_algorithm, message, signature);
  }
  if (oid == kRsaPss) {
    absl::StatusOr<PssParams> p = ParsePssParams(algorithm);
    if (!p.ok()) return p.status();
    absl::StatusOr<const RsaKey*> rsa = AsRsa(*key);
    if (!rsa.ok()) return rsa.status();
    return Pss(**rsa, p->hash, p->mgf1_hash, p->salt_length, message, signature);
  }
  if (oid == kEcPublicKey) {
    if (!digest_algorithm) return Bad("id-ecPublicKey signature without a digest algorithm");
    return Ecdsa(*key, *digest_algorithm, message, signature, EcdsaSignatureFormat::kDer);
  }
  for (const NamedScheme& s : kSchemes) {
    if (oid != s.oid) continue;
    switch (s.kind) {
      case NamedScheme::kPkcs1: {
        absl::StatusOr<const RsaKey*> rsa = AsRsa(*key);
        if (!rsa.ok()) return rsa.status();
        return Pkcs1v15(**rsa, s.hash, message, signature);
      }
      case NamedScheme::kEcdsaDer:
        return Ecdsa(*key, s.hash, message, signature, EcdsaSignatureFormat::kDer);
      case NamedScheme::kEcdsaPlain:
        return Ecdsa(*key, s.hash, message, signature, EcdsaSignatureFormat::kPlain);
    }
  }
  return Bad(absl::StrCat("unsupported signature algorithm ", oid));
}

}  // namespace

absl::StatusOr<bool> VerifySignature(const VerificationKey& key, const AlgorithmIdentifier& algorithm,
                                     std::optional<HashAlgorithm> digest_algorithm, ByteSpan message,
                                     ByteSpan signature) {
  return VerifyWithKey(key.impl_->key, algorithm, digest_algorithm, message, signature);
}

absl::StatusOr<bool> VerifySignature(ByteSpan spki, const AlgorithmIdentifier& algorithm,
                                     std::optional<HashAlgorithm> digest_algorithm, ByteSpan message,
                                     ByteSpan signature) {
  absl::StatusOr<PublicKey> key = LoadKey(spki);
  if (!key.ok()) return key.status();
  return VerifyWithKey(*key, algorithm, digest_algorithm, message, signature);
}

}  // namespace docval::emrtd
