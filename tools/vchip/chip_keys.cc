#include "tools/vchip/chip_keys.h"

#include <botan/data_src.h>
#include <botan/dh.h>
#include <botan/ecc_key.h>
#include <botan/ecdh.h>
#include <botan/hash.h>
#include <botan/pkcs8.h>
#include <botan/pubkey.h>
#include <botan/rsa.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace docval::vchip {
namespace {

// ISO/IEC 10118-3 hash identifiers for the 9796-2 explicit trailer.
std::optional<uint8_t> HashId(const std::string& hash) {
  if (hash == "SHA-1") return 0x33;
  if (hash == "SHA-256") return 0x34;
  if (hash == "SHA-512") return 0x35;
  if (hash == "SHA-384") return 0x36;
  if (hash == "SHA-224") return 0x38;
  return std::nullopt;
}

std::string BotanHash(const std::string& hash) { return hash == "SHA-1" ? "SHA-160" : hash; }

}  // namespace

absl::StatusOr<std::unique_ptr<Botan::Private_Key>> LoadPrivateKey(ByteSpan pkcs8) {
  try {
    Botan::DataSource_Memory src(pkcs8.data(), pkcs8.size());
    std::unique_ptr<Botan::Private_Key> key = Botan::PKCS8::load_key(src);
    if (!key) return absl::InvalidArgumentError("PKCS#8: no key");
    return key;
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("PKCS#8: ", e.what()));
  }
}

absl::StatusOr<KeyAgreementKey> LoadKeyAgreementKey(ByteSpan pkcs8) {
  absl::StatusOr<std::unique_ptr<Botan::Private_Key>> key = LoadPrivateKey(pkcs8);
  if (!key.ok()) return key.status();
  if (auto* ec = dynamic_cast<Botan::EC_PrivateKey*>(key->get())) {
    return KeyAgreementKey{ChipGroup::Ec(ec->domain()), ec->private_value()};
  }
  if (auto* dh = dynamic_cast<Botan::DH_PrivateKey*>(key->get())) {
    if (dh->group_q().is_zero()) return absl::InvalidArgumentError("DH key without q");
    return KeyAgreementKey{ChipGroup::Dh(dh->group_p(), dh->group_q(), dh->group_g()), dh->get_x()};
  }
  return absl::InvalidArgumentError(absl::StrCat("not a key agreement key: ", (*key)->algo_name()));
}

absl::StatusOr<Bytes> KeyAgreementKeyPkcs8(int parameter_id, ByteSpan private_value) {
  absl::StatusOr<ChipGroup> group = ChipGroup::Standard(parameter_id);
  if (!group.ok()) return absl::InvalidArgumentError(group.status().message());
  const Botan::BigInt x(private_value.data(), private_value.size());
  if (x < 1 || x >= group->order()) return absl::InvalidArgumentError("private value out of range");
  std::unique_ptr<ChipRandom> rng = NewSeededRandom(0);  // Botan's constructors want one; x is given
  try {
    Botan::secure_vector<uint8_t> der;
    if (group->agreement() == KeyAgreement::kEcdh) {
      Botan::ECDH_PrivateKey key(rng->rng(), group->ec(), x);
      der = Botan::PKCS8::BER_encode(key);
    } else {
      Botan::DH_PrivateKey key(rng->rng(), Botan::DL_Group(group->p(), group->q(), group->g()), x);
      der = Botan::PKCS8::BER_encode(key);
    }
    return Bytes(der.begin(), der.end());
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("PKCS#8: ", e.what()));
  }
}

absl::StatusOr<Bytes> SignActiveAuthentication(const Botan::Private_Key& key, const ActiveAuthKey& options,
                                               ByteSpan challenge, ChipRandom& rng) {
  if (challenge.empty()) return absl::InvalidArgumentError("AA: empty challenge");
  try {
    if (const auto* rsa = dynamic_cast<const Botan::RSA_PrivateKey*>(&key)) {
      std::optional<uint8_t> id = HashId(options.hash);
      if (!id.has_value()) return absl::InvalidArgumentError(absl::StrCat("AA: unsupported hash ", options.hash));
      std::unique_ptr<Botan::HashFunction> h = Botan::HashFunction::create_or_throw(BotanHash(options.hash));
      const size_t k_bits = rsa->get_n().bits();
      const size_t rep_len = (k_bits - 1 + 7) / 8;  // the representative has k-1 bits
      const size_t trailer = options.hash == "SHA-1" ? 1 : 2;
      if (rep_len < 1 + h->output_length() + trailer + 1) return absl::InvalidArgumentError("AA: modulus too small");
      const size_t m1_len = rep_len - 1 - h->output_length() - trailer;
      Bytes m1 = rng.Draw("aa.m1", m1_len);
      h->update(m1.data(), m1.size());
      h->update(challenge.data(), challenge.size());
      Botan::secure_vector<uint8_t> digest = h->final();
      Bytes rep;
      rep.push_back(0x6A);
      rep.insert(rep.end(), m1.begin(), m1.end());
      rep.insert(rep.end(), digest.begin(), digest.end());
      if (trailer == 1) {
        rep.push_back(0xBC);
      } else {
        rep.push_back(*id);
        rep.push_back(0xCC);
      }
      Botan::PK_Signer signer(key, rng.rng(), "Raw");
      std::vector<uint8_t> sig = signer.sign_message(rep, rng.rng());
      // Raw RSA output is the integer; give it the modulus length.
      Bytes out(rsa->get_n().bytes() - std::min(sig.size(), rsa->get_n().bytes()), 0);
      out.insert(out.end(), sig.begin(), sig.end());
      return out;
    }
    if (dynamic_cast<const Botan::EC_PrivateKey*>(&key) != nullptr) {
      Botan::PK_Signer signer(key, rng.rng(), "EMSA1(" + BotanHash(options.hash) + ")",
                              options.ecdsa_format == EcdsaFormat::kDer ? Botan::DER_SEQUENCE : Botan::IEEE_1363);
      std::vector<uint8_t> sig = signer.sign_message(challenge.data(), challenge.size(), rng.rng());
      return Bytes(sig.begin(), sig.end());
    }
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("AA: ", e.what()));
  }
  return absl::InvalidArgumentError(absl::StrCat("AA: unsupported key ", key.algo_name()));
}

}  // namespace docval::vchip
