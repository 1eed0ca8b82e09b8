#include "tools/testpki/passport_factory.h"

#include <map>

#include <botan/dh.h>
#include <botan/ecdh.h>
#include <botan/ecdsa.h>
#include <botan/pkcs8.h>
#include <botan/rsa.h>
#include <botan/x509_key.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "tools/testpki/sample_faces.h"
#include "tools/vchip/chip_keys.h"
#include "tools/vchip/chip_params.h"
#include "tools/vchip/chip_rng.h"

namespace docval::testpki {
namespace {

using vchip::AccessRule;
using vchip::ChipFile;
using vchip::ChipGroup;

uint64_t SeedOf(const std::string& name) {
  Bytes h = emrtd::Hash(HashAlgorithm::kSha256, emrtd::AsSpan(name));
  uint64_t s = 0;
  for (int i = 0; i < 8; ++i) s = (s << 8) | h[i];
  return s;
}

Bytes Der(const Botan::secure_vector<uint8_t>& v) { return Bytes(v.begin(), v.end()); }
Bytes Der(const std::vector<uint8_t>& v) { return Bytes(v.begin(), v.end()); }

struct CaKeyMaterial {
  Bytes chip_pkcs8;  // what the chip holds
  Bytes spki;        // what DG14 / CardSecurity announce
};

// A key agreement key on standardized domain parameters `param`; `clone` gives the chip a second key.
absl::StatusOr<CaKeyMaterial> MakeCaKey(int param, bool clone, Botan::RandomNumberGenerator& rng) {
  absl::StatusOr<ChipGroup> g = ChipGroup::Standard(param);
  if (!g.ok()) return g.status();
  CaKeyMaterial out;
  if (g->agreement() == vchip::KeyAgreement::kEcdh) {
    Botan::EC_Group group = g->ec();
    Botan::ECDH_PrivateKey genuine(rng, group);
    Botan::ECDSA_PublicKey pub(group, genuine.public_point());  // id-ecPublicKey
    pub.set_parameter_encoding(Botan::EC_DOMPAR_ENC_EXPLICIT);
    out.spki = Der(Botan::X509::BER_encode(pub));
    if (clone) {
      Botan::ECDH_PrivateKey other(rng, group);
      out.chip_pkcs8 = Der(Botan::PKCS8::BER_encode(other));
    } else {
      out.chip_pkcs8 = Der(Botan::PKCS8::BER_encode(genuine));
    }
    return out;
  }
  Botan::DL_Group group(g->p(), g->q(), g->g());
  Botan::DH_PrivateKey genuine(rng, group, Botan::BigInt::random_integer(rng, 2, g->q()));
  Botan::DH_PublicKey pub(group, genuine.get_y());
  out.spki = Der(Botan::X509::BER_encode(pub));
  if (clone) {
    Botan::DH_PrivateKey other(rng, group, Botan::BigInt::random_integer(rng, 2, g->q()));
    out.chip_pkcs8 = Der(Botan::PKCS8::BER_encode(other));
  } else {
    out.chip_pkcs8 = Der(Botan::PKCS8::BER_encode(genuine));
  }
  return out;
}

std::unique_ptr<Botan::Private_Key> MakeAaKey(AaKey kind, Botan::RandomNumberGenerator& rng) {
  switch (kind) {
    case AaKey::kRsa1024: return std::make_unique<Botan::RSA_PrivateKey>(rng, 1024);
    case AaKey::kRsa2048: return std::make_unique<Botan::RSA_PrivateKey>(rng, 2048);
    case AaKey::kEcdsaBrainpool256:
      return std::make_unique<Botan::ECDSA_PrivateKey>(rng, Botan::EC_Group("brainpool256r1"));
    case AaKey::kNone: break;
  }
  return nullptr;
}

std::optional<std::string> EcdsaPlainOid(const std::string& hash) {
  if (hash == "SHA-1") return std::string(vchip::kOidEcdsaPlainSha1);
  if (hash == "SHA-224") return std::string(vchip::kOidEcdsaPlainSha224);
  if (hash == "SHA-256") return std::string(vchip::kOidEcdsaPlainSha256);
  if (hash == "SHA-384") return std::string(vchip::kOidEcdsaPlainSha384);
  if (hash == "SHA-512") return std::string(vchip::kOidEcdsaPlainSha512);
  return std::nullopt;
}

const Credential& SignerOf(const TestPki& pki, DocumentSigner s) {
  switch (s) {
    case DocumentSigner::kRsa: return pki.ds_rsa;
    case DocumentSigner::kRsaPss: return pki.ds_rsa;
    case DocumentSigner::kEcdsa: return pki.ds_ecdsa;
    case DocumentSigner::kBrainpool: return pki.ds_brainpool;
    case DocumentSigner::kExpired: return pki.ds_expired;
    case DocumentSigner::kUntrusted: return pki.ds_untrusted;
    case DocumentSigner::kRevoked: return pki.ds_revoked;
  }
  return pki.ds_rsa;
}

ChipFile File(const char* name, uint16_t fid, uint8_t sfi, bool mf, AccessRule rule, Bytes content) {
  ChipFile f;
  f.name = name;
  f.fid = fid;
  f.sfi = sfi;
  f.in_mf = mf;
  f.read = rule;
  f.content = std::move(content);
  return f;
}

}  // namespace

absl::StatusOr<vchip::ChipProfile> Personalize(const PassportSpec& spec, const TestPki& pki) {
  std::unique_ptr<vchip::ChipRandom> random =
      vchip::NewSeededRandom(spec.key_seed != 0 ? spec.key_seed : SeedOf(spec.name));
  Botan::RandomNumberGenerator& rng = random->rng();
  vchip::ChipProfile p;
  p.name = spec.name;
  p.description = spec.description;
  p.secrets.document_number = spec.mrz.document_number;
  p.secrets.date_of_birth = spec.mrz.date_of_birth;
  p.secrets.date_of_expiry = spec.mrz.date_of_expiry;
  p.secrets.can = spec.can;
  p.bac = spec.bac;
  p.cvca_reference = spec.cvca_reference;
  p.quirks = spec.quirks;
  p.faults = spec.faults;
  p.expect = spec.expect;

  std::map<int, Bytes> dgs;
  absl::StatusOr<Bytes> dg1 = vchip::BuildDg1(spec.mrz);
  if (!dg1.ok()) return dg1.status();
  dgs[1] = *dg1;
  vchip::FaceImage face;
  if (spec.face_format == vchip::ImageFormat::kJpeg) {
    face.image.assign(kSampleFaceJpeg, kSampleFaceJpeg + kSampleFaceJpegSize);
  } else {
    face.image.assign(kSampleFaceJpeg2000, kSampleFaceJpeg2000 + kSampleFaceJpeg2000Size);
  }
  face.format = spec.face_format;
  face.width = kSampleFaceWidth;
  face.height = kSampleFaceHeight;
  face.sex = spec.mrz.sex.empty() ? 'U' : spec.mrz.sex[0];
  dgs[2] = vchip::BuildDg2(face, spec.face_encoding);
  if (spec.dg7) dgs[7] = vchip::BuildDg7({Bytes(kSampleFaceJpeg, kSampleFaceJpeg + kSampleFaceJpegSize)});
  if (spec.dg11) {
    vchip::Dg11Fields f;
    f.full_name = absl::StrCat(spec.mrz.primary_identifier, "<<", spec.mrz.secondary_identifier);
    f.personal_number = "UT-4711-0815";
    f.full_date_of_birth = absl::StrCat("19", spec.mrz.date_of_birth);
    f.place_of_birth = "ZENITH";
    f.permanent_address = "1 TEST STREET<ZENITH<UTOPIA";
    f.telephone = "+00 1234 5678";
    f.profession = "ENGINEER";
    f.other_names = {"ERIKA<TESTER"};
    dgs[11] = vchip::BuildDg11(f);
  }
  if (spec.dg12) {
    vchip::Dg12Fields f;
    f.issuing_authority = "CITY OF ZENITH";
    f.date_of_issue = "20240115";
    f.endorsements_and_observations = "NONE";
    f.date_and_time_of_personalization = "20240115103000";
    f.personalization_system_serial_number = "VCHIP-0001";
    dgs[12] = vchip::BuildDg12(f);
  }

  // Chip Authentication keys (DG14; CardSecurity for CAM).
  std::vector<Bytes> dg14_infos;
  std::vector<Bytes> ca_infos_for_card_security;
  for (const PassportSpec::Ca& ca : spec.chip_auth) {
    std::optional<vchip::CaProtocol> proto = vchip::ParseCaOid(ca.protocol);
    if (!proto.has_value()) return absl::InvalidArgumentError(absl::StrCat("CA protocol ", ca.protocol));
    absl::StatusOr<CaKeyMaterial> key = MakeCaKey(ca.parameter_id, spec.clone_ca, rng);
    if (!key.ok()) return key.status();
    Bytes info = vchip::ChipAuthenticationInfo(ca.protocol, ca.key_id);
    Bytes pk_info = vchip::ChipAuthenticationPublicKeyInfo(vchip::PkOid(proto->agreement), key->spki, ca.key_id);
    dg14_infos.push_back(info);
    dg14_infos.push_back(pk_info);
    ca_infos_for_card_security.push_back(info);
    ca_infos_for_card_security.push_back(pk_info);
    p.chip_auth.push_back({ca.protocol, ca.key_id, key->chip_pkcs8});
  }

  // Active Authentication key (DG15; DG14 names the ECDSA hash).
  if (spec.active_auth != AaKey::kNone) {
    std::unique_ptr<Botan::Private_Key> genuine = MakeAaKey(spec.active_auth, rng);
    dgs[15] = vchip::BuildDg15(Der(Botan::X509::BER_encode(*genuine)));
    std::unique_ptr<Botan::Private_Key> chip_key = spec.clone_aa ? MakeAaKey(spec.active_auth, rng) : nullptr;
    p.active_auth = vchip::ActiveAuthKey{Der(Botan::PKCS8::BER_encode(chip_key ? *chip_key : *genuine)),
                                         spec.aa_hash, spec.aa_format};
    if (spec.active_auth == AaKey::kEcdsaBrainpool256) {
      std::optional<std::string> oid = EcdsaPlainOid(spec.aa_hash);
      if (!oid.has_value()) return absl::InvalidArgumentError("AA hash");
      dg14_infos.push_back(vchip::ActiveAuthenticationInfo(*oid));
    }
  }
  if (!dg14_infos.empty()) dgs[14] = vchip::BuildDg14(dg14_infos);

  // PACE: EF.CardAccess (and EF.CardSecurity for CAM).
  std::vector<Bytes> pace_infos;
  bool cam = false;
  for (const PassportSpec::Pace& pace : spec.pace) {
    p.pace.push_back({pace.protocol, pace.parameter_id});
    pace_infos.push_back(vchip::PaceInfo(pace.protocol, pace.parameter_id));
    std::optional<vchip::PaceProtocol> proto = vchip::ParsePaceOid(pace.protocol);
    if (proto.has_value() && proto->mapping == vchip::Mapping::kChipAuthentication) cam = true;
  }

  std::vector<int> present;
  for (const auto& [n, content] : dgs) present.push_back(n);

  const Credential& ds = SignerOf(pki, spec.signer);
  CmsSigner signer = pki.Signer(ds, spec.signer == DocumentSigner::kRsaPss, spec.sod_hash);
  absl::StatusOr<Bytes> sod =
      BuildSod(dgs, signer, rng, spec.sod_econtent_type.empty() ? kOidLdsSecurityObject : spec.sod_econtent_type);
  if (!sod.ok()) return sod.status();

  // Files. MF: EF.ATR/INFO, EF.CardAccess, EF.CardSecurity; application: EF.COM, EF.SOD, DGs.
  const bool ext = spec.quirks.extended_length;
  p.files.push_back(File("EF.ATR/INFO", 0x2F01, 0x01, true, AccessRule::kAlways,
                         vchip::BuildAtrInfo(ext ? 65535 : 255, ext ? 65536 : 256)));
  if (!pace_infos.empty()) {
    p.files.push_back(File("EF.CardAccess", 0x011C, 0x1C, true, AccessRule::kAlways,
                           vchip::BuildCardAccess(pace_infos)));
  }
  if (cam) {
    std::vector<Bytes> infos = pace_infos;
    infos.insert(infos.end(), ca_infos_for_card_security.begin(), ca_infos_for_card_security.end());
    absl::StatusOr<Bytes> cs = BuildCardSecurity(vchip::SecurityInfos(infos), signer, rng);
    if (!cs.ok()) return cs.status();
    p.files.push_back(File("EF.CardSecurity", 0x011D, 0x1D, true, AccessRule::kAfterPace, *cs));
  }
  p.files.push_back(File("EF.COM", 0x011E, 0x1E, false, AccessRule::kAfterAccessControl, vchip::BuildCom(present)));
  p.files.push_back(File("EF.SOD", 0x011D, 0x1D, false, AccessRule::kAfterAccessControl, *sod));
  for (const auto& [n, content] : dgs) {
    std::string name = absl::StrCat("DG", n);
    Bytes c = content;
    if (spec.tamper_dg == n) c[c.size() - 3] ^= 0x01;  // after signing
    p.files.push_back(File(name.c_str(), static_cast<uint16_t>(0x0100 + n), static_cast<uint8_t>(n), false,
                           AccessRule::kAfterAccessControl, c));
  }
  if (spec.tamper_dg != 0 && dgs.count(spec.tamper_dg) == 0) {
    return absl::InvalidArgumentError(absl::StrCat("cannot tamper with absent DG", spec.tamper_dg));
  }

  // What the phone sends.
  if (spec.use_can) {
    p.client_access_key.can = spec.can;
    if (spec.wrong_access_key) p.client_access_key.can = spec.can == "000000" ? "111111" : "000000";
  } else {
    p.client_access_key.document_number = spec.mrz.document_number;
    p.client_access_key.date_of_birth = spec.mrz.date_of_birth;
    p.client_access_key.date_of_expiry = spec.mrz.date_of_expiry;
    if (spec.wrong_access_key) {
      std::string& dob = p.client_access_key.date_of_birth;
      dob[5] = dob[5] == '1' ? '2' : '1';
    }
  }
  return p;
}

std::vector<PassportSpec> StandardPassportSpecs() {
  using vchip::DocumentFormat;
  auto mrz = [](DocumentFormat f, const char* code, const char* doc, const char* sex) {
    vchip::MrzFields m;
    m.format = f;
    m.document_code = code;
    m.issuing_state = "UTO";
    m.nationality = "UTO";
    m.primary_identifier = "MUSTERFRAU";
    m.secondary_identifier = "ERIKA ANNA";
    m.document_number = doc;
    m.date_of_birth = "840812";
    m.sex = sex;
    m.date_of_expiry = "330101";
    if (f == DocumentFormat::kTd3) m.optional_data1 = "ZE184226B";
    return m;
  };
  auto ok = [](const char* ca, const char* aa) {
    vchip::Expectation e;
    e.close_code = 1000;
    e.passive_authentication = true;
    e.chip_authentication = ca;
    e.active_authentication = aa;
    return e;
  };
  std::vector<PassportSpec> out;

  // 1. BAC-only passport: TD3, RSA DS, JPEG in ISO 19794-5, AA with RSA-1024 (ISO 9796-2, SHA-1).
  PassportSpec bac;
  bac.name = "bac-passport";
  bac.description = "TD3 passport, BAC only, RSA Document Signer, JPEG face (ISO 19794-5), RSA Active Authentication";
  bac.mrz = mrz(DocumentFormat::kTd3, "P", "C01X00T47", "F");
  bac.active_auth = AaKey::kRsa1024;
  bac.signer = DocumentSigner::kRsa;
  bac.expect = ok("UNAVAILABLE", "SUCCESS");
  out.push_back(bac);

  // 2. PACE-GM ECDH passport with CA and AA, and every optional data group.
  PassportSpec gm;
  gm.name = "pace-gm-ecdh-ca-aa";
  gm.description =
      "TD3 passport, PACE-GM ECDH brainpoolP256r1 AES-128 (MRZ) and BAC, CA ECDH AES-128 with key id, "
      "AA ECDSA (plain), ECDSA DS, JPEG 2000 face (ISO 39794-5), DG7, DG11, DG12";
  gm.mrz = mrz(DocumentFormat::kTd3, "P", "C02X00T58", "M");
  gm.pace = {{"0.4.0.127.0.7.2.2.4.2.2", 13}};
  gm.chip_auth = {{"0.4.0.127.0.7.2.2.3.2.2", 13, 1}};
  gm.active_auth = AaKey::kEcdsaBrainpool256;
  gm.aa_hash = "SHA-256";
  gm.face_format = vchip::ImageFormat::kJpeg2000;
  gm.face_encoding = vchip::FaceEncoding::kIso39794_5;
  gm.dg7 = gm.dg11 = gm.dg12 = true;
  gm.signer = DocumentSigner::kEcdsa;
  gm.expect = ok("SUCCESS", "SUCCESS");
  out.push_back(gm);

  // 3. PACE-IM DH ID card read with the CAN (no BAC), CA DH 3DES without key id.
  PassportSpec im;
  im.name = "pace-im-dh-can-idcard";
  im.description = "TD1 ID card, PACE-IM DH 1024/160 AES-128 with the CAN only (no BAC), CA DH 3DES without key id, "
                   "RSA-PSS DS";
  im.mrz = mrz(DocumentFormat::kTd1, "ID", "L01X00T41", "F");
  im.can = "123456";
  im.use_can = true;
  im.bac = false;
  im.pace = {{"0.4.0.127.0.7.2.2.4.3.2", 0}};
  im.chip_auth = {{"0.4.0.127.0.7.2.2.3.1.1", 2, std::nullopt}};
  im.signer = DocumentSigner::kRsaPss;
  im.expect = ok("SUCCESS", "UNAVAILABLE");
  out.push_back(im);

  // 4. PACE-CAM card: chip authenticated during PACE (EF.CardSecurity), CA key also in DG14.
  PassportSpec cam;
  cam.name = "pace-cam-idcard";
  cam.description = "TD1 ID card, PACE-CAM ECDH secp256r1 AES-128 with the CAN, EF.CardSecurity, brainpool DS";
  cam.mrz = mrz(DocumentFormat::kTd1, "ID", "L02X00T52", "M");
  cam.can = "654321";
  cam.use_can = true;
  cam.bac = false;
  cam.pace = {{"0.4.0.127.0.7.2.2.4.6.2", 12}, {"0.4.0.127.0.7.2.2.4.2.2", 12}};
  cam.chip_auth = {{"0.4.0.127.0.7.2.2.3.2.2", 12, std::nullopt}};
  cam.signer = DocumentSigner::kBrainpool;
  cam.expect = ok("SUCCESS", "UNAVAILABLE");
  out.push_back(cam);

  // 5. Cipher and format coverage: TD2, PACE-GM DH 2048/256 with 3DES, CA ECDH AES-256, RSA-2048 AA
  //    with SHA-256 (explicit trailer), SHA-1 SOD.
  PassportSpec dh;
  dh.name = "pace-gm-dh-3des-td2";
  dh.description = "TD2 document, PACE-GM DH 2048/256 3DES (MRZ) and BAC, CA ECDH secp384r1 AES-256, "
                   "AA RSA-2048 ISO 9796-2 with SHA-256, SOD hashed with SHA-1";
  dh.mrz = mrz(DocumentFormat::kTd2, "I", "D03X00T63", "<");
  dh.pace = {{"0.4.0.127.0.7.2.2.4.1.1", 2}};
  dh.chip_auth = {{"0.4.0.127.0.7.2.2.3.2.4", 15, 7}};
  dh.active_auth = AaKey::kRsa2048;
  dh.aa_hash = "SHA-256";
  dh.sod_hash = HashAlgorithm::kSha1;
  dh.signer = DocumentSigner::kRsa;
  dh.expect = ok("SUCCESS", "SUCCESS");
  out.push_back(dh);

  // Faults.
  PassportSpec cloned = gm;
  cloned.name = "fault-cloned-chip";
  cloned.description = "As pace-gm-ecdh-ca-aa, but the chip's CA and AA keys are not those of DG14 / DG15";
  cloned.clone_ca = cloned.clone_aa = true;
  cloned.expect = ok("FAILED", "FAILED");
  out.push_back(cloned);

  PassportSpec tampered = bac;
  tampered.name = "fault-tampered-dg2";
  tampered.description = "As bac-passport, but DG2 was changed after the SOD was signed";
  tampered.tamper_dg = 2;
  tampered.expect = ok("UNAVAILABLE", "SUCCESS");
  tampered.expect.passive_authentication = false;
  out.push_back(tampered);

  struct SignerFault {
    const char* name;
    DocumentSigner signer;
    const char* what;
  } signer_faults[] = {
      {"fault-untrusted-ds", DocumentSigner::kUntrusted, "a DS issued by a CSCA that no trust store holds"},
      {"fault-expired-ds", DocumentSigner::kExpired, "a DS certificate that expired in 2018"},
      {"fault-revoked-ds", DocumentSigner::kRevoked, "a DS revoked in the CSCA's CRL"},
  };
  for (const SignerFault& f : signer_faults) {
    PassportSpec s = bac;
    s.name = f.name;
    s.description = absl::StrCat("As bac-passport, but the SOD is signed by ", f.what);
    s.signer = f.signer;
    // The chip answers AA with its DG15 key, but no valid SOD binds that key: a clone with its own key
    // pair would do the same, so AA must not count as SUCCESS (issue: CA/AA count only when PA binds).
    s.expect = ok("UNAVAILABLE", "FAILED");
    s.expect.passive_authentication = false;
    out.push_back(s);
  }

  PassportSpec wrong_mrz = gm;
  wrong_mrz.name = "fault-wrong-mrz";
  wrong_mrz.description = "As pace-gm-ecdh-ca-aa, but the phone sends a wrong date of birth";
  wrong_mrz.wrong_access_key = true;
  wrong_mrz.expect = vchip::Expectation{4403, "ACCESS_CONTROL_FAILED", std::nullopt, "", "", ""};
  out.push_back(wrong_mrz);

  PassportSpec wrong_can = im;
  wrong_can.name = "fault-wrong-can";
  wrong_can.description = "As pace-im-dh-can-idcard, but the phone sends a wrong CAN";
  wrong_can.wrong_access_key = true;
  wrong_can.expect = vchip::Expectation{4403, "ACCESS_CONTROL_FAILED", std::nullopt, "", "", ""};
  out.push_back(wrong_can);

  PassportSpec removed = bac;
  removed.name = "fault-card-removed";
  removed.description = "As bac-passport, but the chip stops answering after 8 commands (the card left the field); "
                        "the relay then stays silent";
  removed.faults.stop_after_commands = 8;
  removed.expect = vchip::Expectation{1001, "TIMEOUT_WHILE_WAITING_FOR_RESPONSE", std::nullopt, "", "",
                                      "the server's response timeout ends the session; nothing is posted"};
  out.push_back(removed);

  PassportSpec slow = bac;
  slow.name = "fault-slow-chip";
  slow.description = "As bac-passport, but every answer takes 150 ms";
  slow.faults.delay_ms = 150;
  out.push_back(slow);

  // Field leniency: genuine documents of some issuing states that bend ICAO 9303 (docs/authentication.md).
  PassportSpec id_data = bac;
  id_data.name = "field-sod-id-data";
  id_data.description = "As bac-passport, but EF.SOD declares eContentType id-data (1.2.840.113549.1.7.1) around "
                        "its LDSSecurityObject, as some issuing states do";
  id_data.sod_econtent_type = kOidData;
  out.push_back(id_data);

  PassportSpec face_2011 = bac;
  face_2011.name = "field-face-19794-5-2011";
  face_2011.description = "As bac-passport, but DG2's face record is ISO/IEC 19794-5:2011 (version 030)";
  face_2011.face_encoding = vchip::FaceEncoding::kIso19794_5_2011;
  out.push_back(face_2011);

  PassportSpec aa_short = bac;
  aa_short.name = "field-aa-rsa2048-short-apdus";
  aa_short.description = "As bac-passport, on a chip without extended length whose Active Authentication key is "
                         "RSA-2048: the protected answer (about 290 bytes) comes in parts (61xx, GET RESPONSE)";
  aa_short.active_auth = AaKey::kRsa2048;
  aa_short.quirks.extended_length = false;
  out.push_back(aa_short);

  PassportSpec quirky = gm;
  quirky.name = "quirk-short-apdus";
  quirky.description =
      "As pace-gm-ecdh-ca-aa, on a chip without extended length, short EF identifiers or odd-INS READ BINARY, "
      "that answers at most 192 bytes per READ BINARY and 9000 (not 6282) at the end of a file";
  quirky.quirks.extended_length = false;
  quirky.quirks.short_file_ids = false;
  quirky.quirks.odd_ins_read_binary = false;
  quirky.quirks.max_le = 192;
  quirky.quirks.eof_warning = false;
  out.push_back(quirky);
  return out;
}

}  // namespace docval::testpki
