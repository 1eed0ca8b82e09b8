// Every standard virtual passport, personalized, loaded back from its JSON and read by the test
// terminal like a phone would: access control with the key the phone sends, all files, the SOD checked
// with `openssl cms -verify` (with CRLs) and its hashes against the files read, Chip Authentication with
// the DG14 key, Active Authentication against DG15, PACE-CAM against the key, and each fault showing.
#include "tools/testpki/passport_factory.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <botan/data_src.h>
#include <botan/dh.h>
#include <botan/ecdsa.h>
#include <botan/hash.h>
#include <botan/numthry.h>
#include <botan/pubkey.h>
#include <botan/rsa.h>
#include <botan/x509_key.h>
#include <gtest/gtest.h>

#include "base/testing/temp_dir.h"
#include "tools/testpki/testpki_main.h"
#include "tools/vchip/chip_params.h"
#include "tools/vchip/chip_tlv.h"
#include "tools/vchip/test_terminal.h"
#include "tools/vchip/virtual_chip.h"
#include "validator/emrtd/crypto/hash.h"

namespace docval::testpki {
namespace {

using vchip::ChipGroup;
using vchip::ChipProfile;
using vchip::VirtualChip;
namespace tt = vchip::testing;

std::string TempPath(const std::string& name) { return docval::ProcessTempDir() + "/passports_" + name; }

void WriteFile(const std::string& path, ByteSpan data) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data.data()), data.size());
}

Bytes ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return Bytes(s.begin(), s.end());
}

// `openssl cms -verify` of a DER CMS; returns the exit status and the eContent in `content`.
int CmsVerify(const Bytes& cms, const std::string& ca, const std::string& crls, Bytes* content) {
  std::string in = TempPath("cms.der"), out = TempPath("cms.out");
  WriteFile(in, cms);
  std::remove(out.c_str());
  // `openssl cms` has no -CRLfile: CRLs go into the CA file (OpenSSL loads both from it).
  std::string ca_file = ca;
  if (!crls.empty()) {
    ca_file = TempPath("ca_and_crls.pem");
    Bytes both = ReadWhole(ca);
    Bytes c = ReadWhole(crls);
    both.insert(both.end(), c.begin(), c.end());
    WriteFile(ca_file, both);
  }
  std::string cmd = "openssl cms -verify -inform DER -binary -purpose any -in '" + in + "' -CAfile '" + ca_file +
                    "' -out '" + out + "'" + (crls.empty() ? "" : " -crl_check");
  int rc = std::system((cmd + " >/dev/null 2>&1").c_str());
  if (content != nullptr) *content = ReadWhole(out);
  return rc;
}

Bytes Strip(const Bytes& tlv) {
  auto o = vchip::ParseTlv(tlv);
  EXPECT_TRUE(o.ok());
  return o.ok() ? Bytes(o->value.begin(), o->value.end()) : Bytes{};
}

// The SPKI of the first ChipAuthenticationPublicKeyInfo in DG14.
std::optional<Bytes> Dg14CaKey(const Bytes& dg14) {
  Bytes set_der = Strip(dg14);
  auto set = vchip::ParseTlv(set_der);
  if (!set.ok()) return std::nullopt;
  Bytes set_value(set->value.begin(), set->value.end());
  auto infos = vchip::ParseTlvList(set_value);
  if (!infos.ok()) return std::nullopt;
  for (const auto& info : *infos) {
    auto parts = vchip::ParseTlvList(info.value);
    if (!parts.ok() || parts->size() < 2) continue;
    Bytes oid((*parts)[0].value.begin(), (*parts)[0].value.end());
    if (oid == vchip::EncodeOid(vchip::PkOid(vchip::KeyAgreement::kEcdh)) ||
        oid == vchip::EncodeOid(vchip::PkOid(vchip::KeyAgreement::kDh))) {
      return Bytes((*parts)[1].encoded.begin(), (*parts)[1].encoded.end());
    }
  }
  return std::nullopt;
}

std::unique_ptr<Botan::Public_Key> LoadSpki(const Bytes& spki) {
  Botan::DataSource_Memory src(spki.data(), spki.size());
  return std::unique_ptr<Botan::Public_Key>(Botan::X509::load_key(src));
}

// The chip group and encoded public key of an SPKI.
std::pair<ChipGroup, Bytes> GroupAndKey(const Botan::Public_Key& key) {
  if (const auto* ec = dynamic_cast<const Botan::EC_PublicKey*>(&key)) {
    ChipGroup g = ChipGroup::Ec(ec->domain());
    ChipGroup::Element e;
    e.point = ec->public_point();
    return {g, g.Encode(e)};
  }
  const auto& dh = dynamic_cast<const Botan::DH_PublicKey&>(key);
  ChipGroup g = ChipGroup::Dh(dh.group_p(), dh.group_q(), dh.group_g());
  ChipGroup::Element e;
  e.value = dh.get_y();
  return {g, g.Encode(e)};
}

bool AaVerifies(const Botan::Public_Key& key, const std::string& hash, ByteSpan challenge, const Bytes& sig) {
  std::string h = hash == "SHA-1" ? "SHA-160" : hash;
  if (const auto* rsa = dynamic_cast<const Botan::RSA_PublicKey*>(&key)) {
    const size_t k = rsa->get_n().bytes();
    if (sig.size() != k) return false;
    auto j = Botan::BigInt::encode_1363(
        Botan::power_mod(Botan::BigInt(sig.data(), sig.size()), rsa->get_e(), rsa->get_n()), k);
    auto hf = Botan::HashFunction::create_or_throw(h);
    size_t trailer = hash == "SHA-1" ? 1 : 2;
    if (j[0] != 0x6A || j[k - 1] != (trailer == 1 ? 0xBC : 0xCC)) return false;
    size_t hl = hf->output_length();
    hf->update(j.data() + 1, k - 1 - trailer - hl);
    hf->update(challenge.data(), challenge.size());
    auto d = hf->final();
    return std::equal(d.begin(), d.end(), j.begin() + (k - trailer - hl));
  }
  Botan::PK_Verifier v(key, "EMSA1(" + h + ")", Botan::IEEE_1363);
  return v.verify_message(challenge.data(), challenge.size(), sig.data(), sig.size());
}

class PassportsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto p = GenerateTestPki(1);
    ASSERT_TRUE(p.ok()) << p.status();
    pki_ = new TestPki(std::move(*p));
    ca_file_ = TempPath("cscas.pem");
    std::string cas = CertPem(*pki_->csca_rsa.cert) + CertPem(*pki_->csca_ecdsa.cert);
    WriteFile(ca_file_, emrtd::AsSpan(cas));
    crl_file_ = TempPath("crls.pem");
    std::string crls = CrlPem(*pki_->crl_rsa) + CrlPem(*pki_->crl_ecdsa);
    WriteFile(crl_file_, emrtd::AsSpan(crls));
  }
  static void TearDownTestSuite() { delete pki_; }
  static TestPki* pki_;
  static std::string ca_file_, crl_file_;
};

TestPki* PassportsTest::pki_ = nullptr;
std::string PassportsTest::ca_file_;
std::string PassportsTest::crl_file_;

TEST_F(PassportsTest, HasTheProfilesTheIssueAsksFor) {
  std::set<std::string> names;
  for (const PassportSpec& s : StandardPassportSpecs()) names.insert(s.name);
  for (const char* n : {"bac-passport", "pace-gm-ecdh-ca-aa", "pace-im-dh-can-idcard", "pace-cam-idcard",
                        "fault-cloned-chip", "fault-tampered-dg2", "fault-untrusted-ds", "fault-expired-ds",
                        "fault-revoked-ds", "fault-wrong-mrz", "fault-wrong-can", "fault-card-removed",
                        "fault-slow-chip", "quirk-short-apdus"}) {
    EXPECT_TRUE(names.count(n)) << n;
  }
}

TEST_F(PassportsTest, EveryProfileReadsAsSpecified) {
  for (const PassportSpec& spec : StandardPassportSpecs()) {
    SCOPED_TRACE(spec.name);
    auto personalized = Personalize(spec, *pki_);
    ASSERT_TRUE(personalized.ok()) << personalized.status();
    auto loaded = vchip::ChipProfileFromJson(vchip::ChipProfileToJson(*personalized));
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    const ChipProfile& profile = *loaded;
    auto made = VirtualChip::Create(profile, vchip::NewSeededRandom(3));
    ASSERT_TRUE(made.ok()) << made.status();
    VirtualChip& chip = **made;

    // Access control with what the phone sends.
    const vchip::ClientAccessKey& key = profile.client_access_key;
    std::optional<tt::TerminalSm> sm;
    bool pace = false;
    uint16_t failed = 0;
    if (!profile.pace.empty()) {
      Bytes pw = !key.can.empty() ? Bytes(key.can.begin(), key.can.end())
                                  : emrtd::Hash(HashAlgorithm::kSha1,
                                                emrtd::AsSpan(vchip::MrzKeyInformation(
                                                    key.document_number, key.date_of_birth, key.date_of_expiry)));
      auto out = tt::TerminalPace(chip, profile.pace[0].protocol, profile.pace[0].parameter_id,
                                  key.can.empty() ? 1 : 2, pw, 5);
      ASSERT_TRUE(out.ok()) << out.status();
      if (out->sm.has_value()) {
        sm = out->sm;
        pace = true;
        if (!out->encrypted_chip_auth_data.empty()) {
          const vchip::ChipFile* dg14 = profile.FindFile("DG14");
          ASSERT_NE(dg14, nullptr);
          auto pub = LoadSpki(*Dg14CaKey(dg14->content));
          auto [g, enc] = GroupAndKey(*pub);
          EXPECT_TRUE(tt::CheckCam(*out, g, enc));
          EXPECT_TRUE(chip.chip_authenticated());
        }
        ASSERT_EQ(tt::SwOf(*tt::SecureExchange(chip, *sm, 0xA4, 0x04, 0x0C, emrtd::HexOrDie("A0000002471001"), 0)),
                  0x9000);
      }
      failed = out->failed_sw;
    } else {
      ASSERT_EQ(tt::SwOf(*tt::Exchange(chip, emrtd::HexOrDie("00A4040C07A0000002471001"))), 0x9000);
      auto bac = tt::TerminalBac(chip, vchip::MrzKeyInformation(key.document_number, key.date_of_birth,
                                                                 key.date_of_expiry));
      if (bac.ok()) sm = *bac;
    }
    if (spec.expect.close_code == 4403) {
      EXPECT_FALSE(sm.has_value());
      if (pace) {
        EXPECT_EQ(failed, 0x6300);
      }
      continue;
    }
    ASSERT_TRUE(sm.has_value()) << std::hex << failed;

    // EF.COM, EF.SOD and every data group, as stored.
    std::map<int, Bytes> read;
    Bytes sod;
    bool silent = false;
    for (const vchip::ChipFile& f : profile.files) {
      if (f.in_mf) continue;
      auto content = tt::ReadFile(chip, *sm, f.fid);
      if (!content.ok() && content.status().code() == absl::StatusCode::kUnavailable) {
        silent = true;
        break;
      }
      ASSERT_TRUE(content.ok()) << f.name << ": " << content.status();
      EXPECT_EQ(*content, f.content) << f.name;
      if (f.name == "EF.SOD") sod = *content;
      if (f.name.rfind("DG", 0) == 0) read[std::stoi(f.name.substr(2))] = *content;
    }
    if (spec.faults.stop_after_commands >= 0) {
      EXPECT_TRUE(silent) << "the chip should have left the field";
      continue;
    }
    ASSERT_FALSE(silent);

    // The SOD: signature and chain (with CRLs), then the hashes of what was read.
    Bytes lds;
    int rc = CmsVerify(Strip(sod), ca_file_, crl_file_, &lds);
    bool pa_chain = rc == 0;
    if (spec.signer == DocumentSigner::kRevoked) {
      EXPECT_EQ(CmsVerify(Strip(sod), ca_file_, "", nullptr), 0);  // only the CRL makes it fail
    }
    if (!pa_chain) CmsVerify(Strip(sod), ca_file_, "", &lds);  // content even if the chain fails
    bool hashes = !lds.empty() && lds == BuildLdsSecurityObject(spec.sod_hash, read);
    ASSERT_TRUE(spec.expect.passive_authentication.has_value());
    EXPECT_EQ(pa_chain && hashes, *spec.expect.passive_authentication) << "rc " << rc << " lds " << lds.size()
        << "chain " << pa_chain << " hashes " << hashes;
    if (spec.tamper_dg != 0) {
      EXPECT_FALSE(hashes);
    }

    // EF.CardSecurity after PACE-CAM: readable now, and a valid CMS.
    if (const vchip::ChipFile* cs = profile.FindFile("EF.CardSecurity")) {
      EXPECT_EQ(CmsVerify(cs->content, ca_file_, crl_file_, nullptr), 0);
    }

    // Active Authentication against DG15.
    if (const vchip::ChipFile* dg15 = profile.FindFile("DG15")) {
      Bytes challenge = emrtd::HexOrDie("0F1E2D3C4B5A6978");
      auto rsp = tt::SecureExchange(chip, *sm, 0x88, 0, 0, challenge, 256);
      ASSERT_TRUE(rsp.ok()) << rsp.status();
      // An RSA-2048 signature under SM exceeds a short response: the rest comes with GET RESPONSE.
      while (rsp.ok() && (tt::SwOf(*rsp) >> 8) == 0x61) {
        Bytes joined(rsp->begin(), rsp->end() - 2);
        auto more =
            tt::SecureExchange(chip, *sm, 0xC0, 0, 0, {}, (tt::SwOf(*rsp) & 0xFF) == 0 ? 256 : tt::SwOf(*rsp) & 0xFF);
        ASSERT_TRUE(more.ok()) << more.status();
        joined.insert(joined.end(), more->begin(), more->end());
        rsp = joined;
      }
      ASSERT_EQ(tt::SwOf(*rsp), 0x9000);
      auto pub = LoadSpki(Strip(dg15->content));
      ASSERT_NE(pub, nullptr);
      bool ok = AaVerifies(*pub, spec.aa_hash, challenge, Bytes(rsp->begin(), rsp->end() - 2));
      // AA counts only when a valid SOD (signature and chain) binds DG15's key.
      bool bound = pa_chain && spec.tamper_dg != 15;
      EXPECT_EQ(ok && bound ? "SUCCESS" : "FAILED", spec.expect.active_authentication);
    } else {
      EXPECT_EQ(spec.expect.active_authentication, "UNAVAILABLE");
    }

    // Chip Authentication against DG14 (after PACE-CAM the chip is already authenticated).
    if (!spec.chip_auth.empty() && !chip.chip_authenticated()) {
      const vchip::ChipFile* dg14 = profile.FindFile("DG14");
      ASSERT_NE(dg14, nullptr);
      auto spki = Dg14CaKey(dg14->content);
      ASSERT_TRUE(spki.has_value());
      auto pub = LoadSpki(*spki);
      ASSERT_NE(pub, nullptr);
      auto [g, enc] = GroupAndKey(*pub);
      auto ca = tt::TerminalChipAuthentication(chip, *sm, spec.chip_auth[0].protocol, spec.chip_auth[0].key_id, g,
                                               enc, 8);
      ASSERT_TRUE(ca.ok()) << ca.status();
      bool works = tt::SecureExchange(chip, *ca, 0xB0, 0x81, 0x00, {}, 4).ok();
      bool bound = pa_chain && spec.tamper_dg != 14;  // likewise for DG14's key
      EXPECT_EQ(works && bound ? "SUCCESS" : "FAILED", spec.expect.chip_authentication);
    } else if (spec.chip_auth.empty()) {
      EXPECT_EQ(spec.expect.chip_authentication, "UNAVAILABLE");
    }
  }
}

TEST_F(PassportsTest, TestPkiMainWritesEverything) {
  std::string dir = TempPath("out");
  std::string out_arg = "--out=" + dir;
  char prog[] = "testpki";
  char* argv[] = {prog, out_arg.data()};
  ASSERT_EQ(TestPkiMain(2, argv), 0);
  for (const char* f : {"csca/csca_rsa.pem", "csca/csca_ecdsa.pem", "crl/csca_rsa.crl", "crl/csca_rsa.crl.pem",
                        "masterlist/masterlist.der", "masterlist/ml_signer.pem", "ds/ds_rsa.pem",
                        "untrusted/rogue_csca.pem", "profiles/bac-passport.json", "profiles/pace-cam-idcard.json",
                        "README.md"}) {
    EXPECT_FALSE(ReadWhole(dir + "/" + f).empty()) << f;
  }
  auto profile = vchip::LoadChipProfile(dir + "/profiles/pace-gm-ecdh-ca-aa.json");
  ASSERT_TRUE(profile.ok()) << profile.status();
  EXPECT_TRUE(VirtualChip::Create(*profile, vchip::NewSeededRandom(1)).ok());
  // The master list verifies with the ECDSA CSCA written next to it.
  Bytes content;
  EXPECT_EQ(CmsVerify(ReadWhole(dir + "/masterlist/masterlist.der"), dir + "/csca/csca_ecdsa.pem", "", &content), 0);
  // Same seed, same bytes.
  std::string dir2 = TempPath("out2");
  std::string out_arg2 = "--out=" + dir2;
  char* argv2[] = {prog, out_arg2.data()};
  ASSERT_EQ(TestPkiMain(2, argv2), 0);
  EXPECT_EQ(ReadWhole(dir + "/profiles/pace-cam-idcard.json"), ReadWhole(dir2 + "/profiles/pace-cam-idcard.json"));
  char bad[] = "--bogus";
  char* argv3[] = {prog, bad};
  EXPECT_EQ(TestPkiMain(2, argv3), 2);
}

}  // namespace
}  // namespace docval::testpki
