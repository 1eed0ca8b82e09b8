#include "bench/crypto_floor.h"

#include <botan/block_cipher.h>
#include <botan/cipher_mode.h>
#include <botan/ec_group.h>
#include <botan/ecdsa.h>
#include <botan/hash.h>
#include <botan/mac.h>
#include <botan/point_gfp.h>
#include <botan/pubkey.h>
#include <botan/rsa.h>
#include <botan/system_rng.h>
#include <botan/pkix_types.h>
#include <botan/x509_key.h>
#include <botan/x509cert.h>

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/check.h"
#include "bench/floor_util.h"
#include "validator/emrtd/crypto/cms.h"

namespace docval::bench {
namespace {


// A signed object of the document PKI, ready for verification.
struct SignedObject {
  std::string name;
  Vec content;
  Vec message_digest;
  Vec signed_attributes;
  Vec signature;
  std::string emsa;
  Botan::Signature_Format format = Botan::IEEE_1363;
  std::shared_ptr<Botan::X509_Certificate> ds;
  std::shared_ptr<Botan::Public_Key> ds_key;
  std::shared_ptr<Botan::Public_Key> csca_key;
  std::vector<uint8_t> csca_spki;
};

absl::StatusOr<SignedObject> LoadSignedObject(const std::string& name, const emrtd::Bytes& file, const World& w) {
  absl::StatusOr<emrtd::cms::SignedData> sd = emrtd::cms::ParseSignedData(file);
  if (!sd.ok()) return sd.status();
  if (sd->signers.size() != 1 || sd->certificates.size() != 1 || !sd->content.has_value()) {
    return absl::UnimplementedError(absl::StrCat(name, ": expected one signer, one certificate, a content"));
  }
  const emrtd::cms::SignerInfo& si = sd->signers[0];
  if (!si.signed_attributes.has_value() || !si.message_digest.has_value()) {
    return absl::UnimplementedError(absl::StrCat(name, ": no signed attributes"));
  }
  SignedObject o;
  o.name = name;
  o.content.assign(sd->content->begin(), sd->content->end());
  o.message_digest.assign(si.message_digest->begin(), si.message_digest->end());
  o.signed_attributes.assign(si.signed_attributes->begin(), si.signed_attributes->end());
  o.signature.assign(si.signature.begin(), si.signature.end());
  const std::string& alg = si.signature_algorithm.oid;
  if (alg == "1.2.840.10045.4.3.2") {
    o.emsa = "EMSA1(SHA-256)";
    o.format = Botan::DER_SEQUENCE;
  } else if (alg == "1.2.840.10045.4.3.3") {
    o.emsa = "EMSA1(SHA-384)";
    o.format = Botan::DER_SEQUENCE;
  } else if (alg == "1.2.840.113549.1.1.11") {
    o.emsa = "EMSA3(SHA-256)";
  } else {
    return absl::UnimplementedError(absl::StrCat(name, ": signature algorithm ", alg));
  }
  if (si.digest_algorithm.oid != "2.16.840.1.101.3.4.2.1") {
    return absl::UnimplementedError(absl::StrCat(name, ": digest algorithm ", si.digest_algorithm.oid));
  }
  o.ds = std::make_shared<Botan::X509_Certificate>(sd->certificates[0].der());
  o.ds_key = o.ds->load_subject_public_key();
  for (const testpki::Credential* csca : {&w.pki.csca_rsa, &w.pki.csca_ecdsa}) {
    if (csca->cert->subject_dn() != o.ds->issuer_dn()) continue;
    o.csca_key = csca->cert->load_subject_public_key();
    o.csca_spki = csca->cert->subject_public_key_info();
  }
  if (o.csca_key == nullptr) return absl::NotFoundError(absl::StrCat(name, ": no CSCA for the DS"));
  return o;
}

enum class Access { kBac, kPaceGm, kPaceCam };
enum class Aa { kNone, kRsa1024, kEcdsaBrainpool256 };

struct Spec {
  Access access = Access::kBac;
  const char* pace_curve = nullptr;  // Botan name
  const char* pace_oid = nullptr;    // for the tokens
  const char* ca_curve = nullptr;    // nullptr: no Chip Authentication
  Aa aa = Aa::kNone;
};

class FloorImpl : public CryptoFloor {
 public:
  FloorImpl(Spec spec, std::vector<SignedObject> signed_objects, std::vector<Vec> data_groups,
            std::vector<std::pair<size_t, size_t>> exchanges, const vchip::ChipProfile& profile)
      : spec_(spec), signed_objects_(std::move(signed_objects)), data_groups_(std::move(data_groups)),
        exchanges_(std::move(exchanges)), sha1_(Botan::HashFunction::create_or_throw("SHA-1")),
        sha256_(Botan::HashFunction::create_or_throw("SHA-256")) {
    const vchip::ClientAccessKey& k = profile.client_access_key;
    if (spec_.access == Access::kPaceCam || !k.can.empty()) {
      password_.assign(k.can.begin(), k.can.end());
    }
    mrz_information_ = absl::StrCat(k.document_number, "?", k.date_of_birth, "?", k.date_of_expiry, "?");
    if (spec_.pace_curve != nullptr) {
      pace_group_.emplace(spec_.pace_curve);
      if (spec_.access == Access::kPaceCam) {
        cam_static_ = pace_group_->random_scalar(Rng());
        cam_static_inverse_ = pace_group_->inverse_mod_order(cam_static_);
        cam_static_public_ = (pace_group_->get_base_point() * cam_static_).encode(Botan::PointGFp::UNCOMPRESSED);
      }
    }
    if (spec_.ca_curve != nullptr) {
      ca_group_.emplace(spec_.ca_curve);
      ca_static_ = ca_group_->random_scalar(Rng());
      ca_static_public_ = (ca_group_->get_base_point() * ca_static_).encode(Botan::PointGFp::UNCOMPRESSED);
    }
    if (spec_.aa == Aa::kRsa1024) aa_key_ = std::make_unique<Botan::RSA_PrivateKey>(Rng(), 1024);
    if (spec_.aa == Aa::kEcdsaBrainpool256) {
      aa_key_ = std::make_unique<Botan::ECDSA_PrivateKey>(Rng(), Botan::EC_Group("brainpool256r1"));
    }
    if (aa_key_ != nullptr) aa_spki_ = Botan::X509::BER_encode(*aa_key_);
  }

  std::string Describe() const override {
    std::vector<std::string> parts;
    switch (spec_.access) {
      case Access::kBac: parts.push_back("BAC"); break;
      case Access::kPaceGm: parts.push_back(absl::StrCat("PACE-GM ", spec_.pace_curve)); break;
      case Access::kPaceCam: parts.push_back(absl::StrCat("PACE-CAM ", spec_.pace_curve)); break;
    }
    if (spec_.ca_curve != nullptr) parts.push_back(absl::StrCat("CA ", spec_.ca_curve));
    if (spec_.aa == Aa::kRsa1024) parts.push_back("AA RSA-1024");
    if (spec_.aa == Aa::kEcdsaBrainpool256) parts.push_back("AA ECDSA brainpool256r1");
    for (const SignedObject& o : signed_objects_) {
      parts.push_back(absl::StrCat(o.name, " ", o.ds_key->algo_name(), "-", o.ds_key->key_length(), " + DS by ",
                                   o.csca_key->algo_name(), "-", o.csca_key->key_length()));
    }
    size_t bytes = 0;
    for (const Vec& dg : data_groups_) bytes += dg.size();
    parts.push_back(absl::StrCat(data_groups_.size(), " DGs hashed (", bytes, " bytes)"));
    parts.push_back(absl::StrCat(exchanges_.size(), " protected exchanges"));
    return absl::StrJoin(parts, ", ");
  }

  void Run(FloorTimes& t) override {
    SVec ks_enc, ks_mac;
    if (spec_.access == Access::kBac) {
      Bac(t, ks_enc, ks_mac);
    } else {
      Pace(t, ks_enc, ks_mac);
    }
    if (spec_.ca_curve != nullptr) ChipAuthentication(t, ks_enc, ks_mac);
    const bool aes = spec_.access != Access::kBac;
    SmSide terminal(aes, ks_enc, ks_mac), chip(aes, ks_enc, ks_mac);
    for (const auto& [command, response] : exchanges_) ProtectedExchange(terminal, chip, command, response, t);
    if (spec_.aa != Aa::kNone) ActiveAuthentication(t);
    for (const SignedObject& o : signed_objects_) {
      Timed(t.key_load_ns, [&] {
        std::unique_ptr<Botan::Public_Key> ds(Botan::X509::load_key(o.ds->subject_public_key_info()));
        std::unique_ptr<Botan::Public_Key> csca(Botan::X509::load_key(o.csca_spki));
        DOCVAL_CHECK(ds != nullptr && csca != nullptr);
      });
      Timed(t.terminal_ns[Index(FloorPart::kPa)], [&] {
        sha256_->update(o.content);
        DOCVAL_CHECK(sha256_->final_stdvec() == o.message_digest);
        Botan::PK_Verifier verifier(*o.ds_key, o.emsa, o.format);
        DOCVAL_CHECK(verifier.verify_message(o.signed_attributes, o.signature));
        DOCVAL_CHECK(o.ds->check_signature(*o.csca_key));
      });
    }
    Timed(t.terminal_ns[Index(FloorPart::kHash)], [&] {
      for (const Vec& dg : data_groups_) {
        sha256_->update(dg);
        DOCVAL_CHECK(sha256_->final().size() == 32);
      }
    });
  }

 private:
  void Bac(FloorTimes& t, SVec& ks_enc, SVec& ks_mac) {
    const size_t a = Index(FloorPart::kAccess);
    SVec k_enc, k_mac, chip_k_enc, chip_k_mac;
    Vec rnd_ic(8), rnd_ifd(8), k_ifd(16), k_ic(16), e_ifd, m_ifd, e_ic, m_ic;
    Timed(t.chip_ns[a], [&] {
      sha1_->update(mrz_information_);
      SVec seed = sha1_->final();
      chip_k_enc = Kdf(*sha1_, seed.data(), 16, 1);
      chip_k_mac = Kdf(*sha1_, seed.data(), 16, 2);
      Rng().randomize(rnd_ic.data(), rnd_ic.size());
    });
    Timed(t.terminal_ns[a], [&] {
      sha1_->update(mrz_information_);
      SVec seed = sha1_->final();
      k_enc = Kdf(*sha1_, seed.data(), 16, 1);
      k_mac = Kdf(*sha1_, seed.data(), 16, 2);
      Rng().randomize(rnd_ifd.data(), 8);
      Rng().randomize(k_ifd.data(), 16);
      e_ifd = CbcOnce("TripleDES", Botan::ENCRYPTION, k_enc, Vec(8, 0), Cat({rnd_ifd, rnd_ic, k_ifd}));
      m_ifd = Mac8("X9.19-MAC", k_mac, Pad(e_ifd, 8));
    });
    Timed(t.chip_ns[a], [&] {
      DOCVAL_CHECK(Mac8("X9.19-MAC", chip_k_mac, Pad(e_ifd, 8)) == m_ifd);
      Vec s = CbcOnce("TripleDES", Botan::DECRYPTION, chip_k_enc, Vec(8, 0), e_ifd);
      DOCVAL_CHECK(Vec(s.begin() + 8, s.begin() + 16) == rnd_ic);
      Rng().randomize(k_ic.data(), 16);
      e_ic = CbcOnce("TripleDES", Botan::ENCRYPTION, chip_k_enc, Vec(8, 0), Cat({rnd_ic, rnd_ifd, k_ic}));
      m_ic = Mac8("X9.19-MAC", chip_k_mac, Pad(e_ic, 8));
      Vec seed(16);
      for (size_t i = 0; i < 16; ++i) seed[i] = s[16 + i] ^ k_ic[i];
      Kdf(*sha1_, seed.data(), 16, 1);
      Kdf(*sha1_, seed.data(), 16, 2);
    });
    Timed(t.terminal_ns[a], [&] {
      DOCVAL_CHECK(Mac8("X9.19-MAC", k_mac, Pad(e_ic, 8)) == m_ic);
      Vec r = CbcOnce("TripleDES", Botan::DECRYPTION, k_enc, Vec(8, 0), e_ic);
      DOCVAL_CHECK(Vec(r.begin() + 8, r.begin() + 16) == rnd_ifd);
      Vec seed(16);
      for (size_t i = 0; i < 16; ++i) seed[i] = k_ifd[i] ^ r[16 + i];
      ks_enc = Kdf(*sha1_, seed.data(), 16, 1);
      ks_mac = Kdf(*sha1_, seed.data(), 16, 2);
    });
  }

  // 7F49 { 06 <OID>, 86 <point> }.
  Vec TokenInput(const Vec& point) const {
    Vec oid;  // the DER value of the dotted OID 0.4.0.127.0.7.2.2.4.x.2
    std::vector<uint32_t> arcs;
    std::string s = spec_.pace_oid;
    for (size_t pos = 0; pos <= s.size();) {
      size_t end = s.find('.', pos);
      if (end == std::string::npos) end = s.size();
      arcs.push_back(static_cast<uint32_t>(std::stoul(s.substr(pos, end - pos))));
      pos = end + 1;
    }
    oid.push_back(static_cast<uint8_t>(arcs[0] * 40 + arcs[1]));
    for (size_t i = 2; i < arcs.size(); ++i) oid.push_back(static_cast<uint8_t>(arcs[i]));  // all < 128 here
    return Tlv(0x7F49, Cat({Tlv(0x06, oid), Tlv(0x86, point)}));
  }

  void Pace(FloorTimes& t, SVec& ks_enc, SVec& ks_mac) {
    const size_t a = Index(FloorPart::kAccess);
    const Botan::EC_Group& g = *pace_group_;
    const size_t field = g.get_p_bytes();
    std::vector<Botan::BigInt> ws;
    auto password = [&] {  // f(pi): SHA-1 of the MRZ information, or the CAN
      if (!password_.empty()) return SVec(password_.begin(), password_.end());
      sha1_->update(mrz_information_);
      return sha1_->final();
    };
    // Nonce.
    Vec s_chip(16), z, s_terminal;
    Timed(t.chip_ns[a], [&] {
      const SVec pw = password();
      Rng().randomize(s_chip.data(), 16);
      z = CbcOnce("AES-128", Botan::ENCRYPTION, Kdf(*sha1_, pw.data(), pw.size(), 3), Vec(16, 0), s_chip);
    });
    Timed(t.terminal_ns[a], [&] {
      const SVec pw = password();
      s_terminal = CbcOnce("AES-128", Botan::DECRYPTION, Kdf(*sha1_, pw.data(), pw.size(), 3), Vec(16, 0), z);
    });
    // Mapping (GM): each side's key pair, H, G~ = [s]G + H.
    Botan::BigInt map_t, map_c;
    Vec map_pub_t, map_pub_c;
    Botan::PointGFp g_t, g_c;
    Timed(t.terminal_ns[a], [&] {
      map_t = g.random_scalar(Rng());
      map_pub_t = g.blinded_base_point_multiply(map_t, Rng(), ws).encode(Botan::PointGFp::UNCOMPRESSED);
    });
    Timed(t.chip_ns[a], [&] {
      map_c = g.random_scalar(Rng());
      map_pub_c = g.blinded_base_point_multiply(map_c, Rng(), ws).encode(Botan::PointGFp::UNCOMPRESSED);
    });
    auto map = [&](const Vec& s, const Botan::BigInt& k, const Vec& peer) {
      Botan::PointGFp q = g.OS2ECP(peer);
      DOCVAL_CHECK(q.on_the_curve());
      Botan::PointGFp h = g.blinded_var_point_multiply(q, k, Rng(), ws);
      return g.blinded_base_point_multiply(Botan::BigInt(s.data(), s.size()), Rng(), ws) + h;
    };
    Timed(t.terminal_ns[a], [&] { g_t = map(s_terminal, map_t, map_pub_c); });
    Timed(t.chip_ns[a], [&] { g_c = map(s_chip, map_c, map_pub_t); });
    // Key agreement on the mapped generator.
    Botan::BigInt eph_t, eph_c;
    Vec eph_pub_t, eph_pub_c;
    Timed(t.terminal_ns[a], [&] {
      eph_t = g.random_scalar(Rng());
      eph_pub_t = g.blinded_var_point_multiply(g_t, eph_t, Rng(), ws).encode(Botan::PointGFp::UNCOMPRESSED);
    });
    Timed(t.chip_ns[a], [&] {
      eph_c = g.random_scalar(Rng());
      eph_pub_c = g.blinded_var_point_multiply(g_c, eph_c, Rng(), ws).encode(Botan::PointGFp::UNCOMPRESSED);
    });
    auto agree = [&](const Botan::BigInt& k, const Vec& peer) {
      Botan::PointGFp q = g.OS2ECP(peer);
      DOCVAL_CHECK(q.on_the_curve());
      return Botan::BigInt::encode_1363(g.blinded_var_point_multiply(q, k, Rng(), ws).get_affine_x(), field);
    };
    SVec k_t, k_c, chip_enc, chip_mac;
    Vec token_t, token_c;
    Timed(t.terminal_ns[a], [&] {
      k_t = agree(eph_t, eph_pub_c);
      ks_enc = Kdf(*sha1_, k_t.data(), k_t.size(), 1);
      ks_mac = Kdf(*sha1_, k_t.data(), k_t.size(), 2);
      token_t = Mac8("CMAC(AES-128)", ks_mac, TokenInput(eph_pub_c));
    });
    Timed(t.chip_ns[a], [&] {
      k_c = agree(eph_c, eph_pub_t);
      chip_enc = Kdf(*sha1_, k_c.data(), k_c.size(), 1);
      chip_mac = Kdf(*sha1_, k_c.data(), k_c.size(), 2);
      DOCVAL_CHECK(Mac8("CMAC(AES-128)", chip_mac, TokenInput(eph_pub_c)) == token_t);
      token_c = Mac8("CMAC(AES-128)", chip_mac, TokenInput(eph_pub_t));
    });
    Timed(t.terminal_ns[a], [&] { DOCVAL_CHECK(Mac8("CMAC(AES-128)", ks_mac, TokenInput(eph_pub_t)) == token_c); });
    DOCVAL_CHECK(k_t == k_c);
    if (spec_.access != Access::kPaceCam) return;

    // CAM: A_IC = E(KS_enc, CA_IC) with IV = E(KS_enc, 1^128); the terminal checks [CA_IC]PK_IC = PK_map,IC.
    const size_t cam = Index(FloorPart::kCam);
    auto cam_iv = [](const SVec& key) {
      std::unique_ptr<Botan::BlockCipher> aes = Botan::BlockCipher::create_or_throw("AES-128");
      aes->set_key(key);
      Vec iv(16, 0xFF);
      aes->encrypt(iv.data());
      return iv;
    };
    Vec a_ic;
    Timed(t.chip_ns[cam], [&] {
      const Botan::BigInt ca = g.multiply_mod_order(map_c, cam_static_inverse_);
      const SVec ca_bytes = Botan::BigInt::encode_1363(ca, g.get_order_bytes());
      a_ic = CbcOnce("AES-128", Botan::ENCRYPTION, chip_enc, cam_iv(chip_enc),
                     Pad(Vec(ca_bytes.begin(), ca_bytes.end()), 16));
    });
    Timed(t.terminal_ns[cam], [&] {
      const Vec padded = CbcOnce("AES-128", Botan::DECRYPTION, ks_enc, cam_iv(ks_enc), a_ic);
      const Botan::BigInt ca(padded.data(), g.get_order_bytes());
      Botan::PointGFp pk = g.OS2ECP(cam_static_public_);
      DOCVAL_CHECK(pk.on_the_curve());
      DOCVAL_CHECK(g.blinded_var_point_multiply(pk, ca, Rng(), ws) == g.OS2ECP(map_pub_c));
    });
  }

  void ChipAuthentication(FloorTimes& t, SVec& ks_enc, SVec& ks_mac) {
    const size_t ca = Index(FloorPart::kCa);
    const Botan::EC_Group& g = *ca_group_;
    std::vector<Botan::BigInt> ws;
    Vec eph_pub;
    SVec k_t, k_c;
    Timed(t.terminal_ns[ca], [&] {
      const Botan::BigInt eph = g.random_scalar(Rng());
      eph_pub = g.blinded_base_point_multiply(eph, Rng(), ws).encode(Botan::PointGFp::UNCOMPRESSED);
      Botan::PointGFp q = g.OS2ECP(ca_static_public_);
      DOCVAL_CHECK(q.on_the_curve());
      k_t = Botan::BigInt::encode_1363(g.blinded_var_point_multiply(q, eph, Rng(), ws).get_affine_x(),
                                       g.get_p_bytes());
      ks_enc = Kdf(*sha1_, k_t.data(), k_t.size(), 1);
      ks_mac = Kdf(*sha1_, k_t.data(), k_t.size(), 2);
    });
    Timed(t.chip_ns[ca], [&] {
      Botan::PointGFp q = g.OS2ECP(eph_pub);
      DOCVAL_CHECK(q.on_the_curve());
      k_c = Botan::BigInt::encode_1363(g.blinded_var_point_multiply(q, ca_static_, Rng(), ws).get_affine_x(),
                                       g.get_p_bytes());
      Kdf(*sha1_, k_c.data(), k_c.size(), 1);
      Kdf(*sha1_, k_c.data(), k_c.size(), 2);
    });
    DOCVAL_CHECK(k_t == k_c);
  }

  void ActiveAuthentication(FloorTimes& t) {
    const size_t aa = Index(FloorPart::kAa);
    Vec challenge(8), signature, representative;
    Timed(t.terminal_ns[aa], [&] { Rng().randomize(challenge.data(), challenge.size()); });
    if (spec_.aa == Aa::kEcdsaBrainpool256) {
      Timed(t.chip_ns[aa], [&] {
        Botan::PK_Signer signer(*aa_key_, Rng(), "EMSA1(SHA-256)");
        signature = signer.sign_message(challenge, Rng());
      });
      Timed(t.terminal_ns[aa], [&] {
        std::unique_ptr<Botan::Public_Key> key(Botan::X509::load_key(aa_spki_));
        Botan::PK_Verifier verifier(*key, "EMSA1(SHA-256)");
        DOCVAL_CHECK(verifier.verify_message(challenge, signature));
      });
      return;
    }
    // ISO/IEC 9796-2 scheme 1, SHA-1, trailer BC: 6A || M1 || SHA-1(M1 || M2) || BC, M2 the challenge.
    const size_t k = 128;
    Timed(t.chip_ns[aa], [&] {
      Vec m1(k - 2 - 20, 0x4D);
      sha1_->update(m1);
      sha1_->update(challenge);
      SVec h = sha1_->final();
      representative = Cat({Vec{0x6A}, m1, Vec(h.begin(), h.end()), Vec{0xBC}});
      Botan::PK_Signer signer(*aa_key_, Rng(), "Raw");
      signature = signer.sign_message(representative, Rng());
    });
    Timed(t.terminal_ns[aa], [&] {
      std::unique_ptr<Botan::Public_Key> key(Botan::X509::load_key(aa_spki_));
      Botan::PK_Verifier verifier(*key, "Raw");
      DOCVAL_CHECK(verifier.verify_message(representative, signature));
      sha1_->update(representative.data() + 1, k - 22);
      sha1_->update(challenge);
      SVec h = sha1_->final();
      DOCVAL_CHECK(std::equal(h.begin(), h.end(), representative.end() - 21));
    });
  }

  Spec spec_;
  std::vector<SignedObject> signed_objects_;
  std::vector<Vec> data_groups_;
  std::vector<std::pair<size_t, size_t>> exchanges_;
  std::unique_ptr<Botan::HashFunction> sha1_, sha256_;
  std::string password_;  // the CAN; empty: the MRZ
  std::string mrz_information_;
  std::optional<Botan::EC_Group> pace_group_, ca_group_;
  Botan::BigInt cam_static_, cam_static_inverse_, ca_static_;
  Vec cam_static_public_, ca_static_public_;
  std::unique_ptr<Botan::Private_Key> aa_key_;
  std::vector<uint8_t> aa_spki_;  // what DG15 holds
};

}  // namespace

const char* FloorPartName(FloorPart part) {
  switch (part) {
    case FloorPart::kAccess: return "access";
    case FloorPart::kCa: return "ca";
    case FloorPart::kCam: return "cam";
    case FloorPart::kAa: return "aa";
    case FloorPart::kPa: return "pa";
    case FloorPart::kHash: return "hash";
    case FloorPart::kSm: return "sm";
  }
  return "?";
}

int64_t FloorTimes::terminal_total() const {
  int64_t sum = 0;
  for (int64_t v : terminal_ns) sum += v;
  return sum;
}
int64_t FloorTimes::chip_total() const {
  int64_t sum = 0;
  for (int64_t v : chip_ns) sum += v;
  return sum;
}

absl::StatusOr<std::unique_ptr<CryptoFloor>> CryptoFloor::ForCase(const Case& c, const World& world) {
  Spec spec;
  if (c.name == "bac-passport") {
    spec = Spec{Access::kBac, nullptr, nullptr, nullptr, Aa::kRsa1024};
  } else if (c.name == "pace-gm-ecdh-ca-aa" || c.name == "pace-gm-ecdh-ca-aa-large-dg2") {
    spec = Spec{Access::kPaceGm, "brainpool256r1", "0.4.0.127.0.7.2.2.4.2.2", "brainpool256r1",
                Aa::kEcdsaBrainpool256};
  } else if (c.name == "pace-cam-idcard") {
    spec = Spec{Access::kPaceCam, "secp256r1", "0.4.0.127.0.7.2.2.4.6.2", nullptr, Aa::kNone};
  } else {
    return absl::UnimplementedError(absl::StrCat("no crypto floor for ", c.name));
  }
  std::vector<SignedObject> signed_objects;
  std::vector<Vec> data_groups;
  std::vector<std::pair<size_t, size_t>> exchanges;  // (command data, response data) bytes
  // Before the files: SELECT of the application under SM after PACE; CA's MSE:Set AT and GENERAL
  // AUTHENTICATE (7C 43 80 41 <point>); PACE-CAM reads EF.CardSecurity first.
  if (spec.access != Access::kBac) exchanges.emplace_back(7, 0);
  if (spec.ca_curve != nullptr) {
    exchanges.emplace_back(15, 0);
    exchanges.emplace_back(69, 0);
  }
  for (const char* name : {"EF.CardSecurity", "EF.SOD", "DG1", "DG2", "DG7", "DG11", "DG12", "DG14", "DG15"}) {
    const vchip::ChipFile* f = c.profile.FindFile(name);
    if (f == nullptr) continue;
    if (std::string(name) == "EF.CardSecurity" && spec.access != Access::kPaceCam) continue;
    exchanges.emplace_back(0, f->content.size());
    if (name[0] == 'D') {
      data_groups.emplace_back(f->content.begin(), f->content.end());
    } else {
      absl::StatusOr<SignedObject> o = LoadSignedObject(name, f->content, world);
      if (!o.ok()) return o.status();
      signed_objects.push_back(*std::move(o));
    }
  }
  if (spec.aa == Aa::kRsa1024) exchanges.emplace_back(8, 128);
  if (spec.aa == Aa::kEcdsaBrainpool256) exchanges.emplace_back(8, 64);
  return std::unique_ptr<CryptoFloor>(
      new FloorImpl(spec, std::move(signed_objects), std::move(data_groups), std::move(exchanges), c.profile));
}

}  // namespace docval::bench
