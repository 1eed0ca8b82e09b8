// The "aa" and "ca" replay steps.
#include <fstream>
#include <functional>
#include <optional>
#include <string>

#include "base/testing/paths.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tools/replay/replay.h"
#include "tools/vchip/chip_keys.h"
#include "tools/vchip/chip_profile.h"
#include "validator/emrtd/auth/chip_auth.h"
#include "validator/emrtd/crypto/asn1_util.h"
#include "validator/emrtd/files/file_reader.h"
#include "validator/emrtd/testing/virtual_passport.h"
#include "validator/emrtd/tlv.h"

namespace docval::replay {
namespace {

using emrtd::Bytes;
using emrtd::HexOrDie;
using emrtd::ToHex;

nlohmann::json AaVector() {
  std::ifstream in(docval::VectorsPath("active-authentication-vectors.json"));
  EXPECT_TRUE(in.good());
  return nlohmann::json::parse(in)["cases"]["gmrtd_real_rsa1792_sm_3des"];
}

// gmrtd's real passport: INTERNAL AUTHENTICATE under 3DES SM, as a replay trace.
nlohmann::json AaTrace() {
  nlohmann::json v = AaVector();
  nlohmann::json sm = v["sm_before"];
  sm["cipher"] = "3DES";
  return nlohmann::json{{"step", "aa"},
                        {"dg15", v["dg15"]},
                        {"sm", sm},
                        {"randomness", {{"aa.challenge", v["challenge_rnd_ifd"]}}},
                        {"exchanges", {{{"command", v["apdus"][0]["cmd"]}, {"response", v["apdus"][0]["rsp"]}}}}};
}

TEST(ReplayAa, GmrtdRsa1792) {
  nlohmann::json out = Replay(AaTrace());
  ASSERT_EQ(out["outcome"], "ok") << out.dump(1);
  EXPECT_EQ(out["step"], "aa");
  EXPECT_EQ(out["exchanges_replayed"], 1);
  EXPECT_EQ(out["result"]["active_authentication"], "VERIFIED");
  EXPECT_EQ(out["result"]["signature"], AaVector()["signature"]);
  EXPECT_EQ(out["sm"]["ssc"], AaVector()["sm_after_expected"]["ssc"]);
}

TEST(ReplayAa, OtherChallengeDiverges) {
  nlohmann::json trace = AaTrace();
  trace["randomness"]["aa.challenge"] = "0000000000000000";
  nlohmann::json out = Replay(trace);
  EXPECT_EQ(out["outcome"], "diverged") << out.dump(1);
  EXPECT_EQ(out["divergence"]["index"], 0);
}

TEST(ReplayAa, ChangedSignatureFails) {
  nlohmann::json trace = AaTrace();
  // Any changed byte of the protected response breaks its MAC: the step fails, it does not verify.
  std::string rsp = trace["exchanges"][0]["response"];
  rsp[40] = rsp[40] == '0' ? '1' : '0';
  trace["exchanges"][0]["response"] = rsp;
  nlohmann::json out = Replay(trace);
  EXPECT_EQ(out["outcome"], "failed") << out.dump(1);
}

emrtd::SessionKeys OldKeys() {
  return emrtd::SessionKeys{.cipher = emrtd::SmCipher::k3Des,
                            .ks_enc = emrtd::ToSecure(HexOrDie("979EC13B1CBFE9DCD01AB0FED307EAE5")),
                            .ks_mac = emrtd::ToSecure(HexOrDie("F1CB1F1FB5ADF208806B89DC579DC1F8")),
                            .ssc = emrtd::ToSecure(HexOrDie("887022120C06C226"))};
}

// Records a CA v1 run (ECDH brainpoolP256r1, AES-128, key id 1) against the virtual passport
// (tools/vchip) in the BAC session of OldKeys(), followed by a read of EF.COM under the new keys, as a
// replay trace.
struct RecordedCa {
  nlohmann::json trace;
  emrtd::SessionKeys chip_new_keys;
};

RecordedCa RecordCa() {
  emrtd::KeyAgreementGroup group = *emrtd::KeyAgreementGroup::FromParameterId(13);
  Bytes sk(32, 0x00);
  sk[5] = 0x42;
  sk.back() = 0x99;
  Bytes chip_pk = group.KeyPairFromPrivate(sk)->public_key;
  Bytes alg = emrtd::asn1::EncodeAlgorithmIdentifier("0.4.0.127.0.7.1.2", HexOrDie("02010D"));
  Bytes spki = emrtd::EncodeTlv(0x30, emrtd::Concat({alg, emrtd::EncodeTlv(0x03, emrtd::Concat({Bytes{0}, chip_pk}))}));
  Bytes pk_info = emrtd::EncodeTlv(
      0x30, emrtd::Concat({emrtd::asn1::EncodeOidTlv("0.4.0.127.0.7.2.2.1.2"), spki, HexOrDie("020101")}));
  Bytes ca_info = emrtd::EncodeTlv(
      0x30, emrtd::Concat({emrtd::asn1::EncodeOidTlv("0.4.0.127.0.7.2.2.3.2.2"), HexOrDie("020101 020101")}));
  Bytes dg14 = emrtd::EncodeTlv(0x6E, emrtd::EncodeTlv(0x31, emrtd::Concat({pk_info, ca_info})));

  Bytes eph(32, 0x00);
  eph[3] = 0x17;
  eph.back() = 0x23;
  vchip::ChipProfile profile;
  absl::StatusOr<Bytes> pkcs8 = vchip::KeyAgreementKeyPkcs8(13, sk);
  EXPECT_TRUE(pkcs8.ok()) << pkcs8.status();
  profile.chip_auth.push_back({"0.4.0.127.0.7.2.2.3.2.2", 1, pkcs8.value_or(Bytes{})});
  profile.files.push_back(
      vchip::ChipFile{.name = "EF.COM", .fid = 0x011E, .sfi = 0x1E, .content = HexOrDie("60055F0102303100")});
  emrtd::testing::VirtualPassport chip(profile);
  chip.OpenSession(OldKeys());
  RecordedCa rec;
  emrtd::CardLink link;
  emrtd::ChipChannel channel(link);
  channel.StartSecureMessaging(OldKeys());
  emrtd::ScriptedRandom rng;
  rng.Add("ca.ephemeral_key", eph);
  auto run = [&]() -> emrtd::Task<bool> {
    absl::StatusOr<emrtd::ChipAuthOutcome> o =
        co_await emrtd::PerformChipAuthentication(channel, *emrtd::ParseDg14(dg14), rng);
    if (!o.ok()) co_return false;
    emrtd::FileReader reader(channel);
    absl::StatusOr<Bytes> com = co_await reader.Read(emrtd::kEfCom);
    co_return com.ok();
  };
  emrtd::Task<bool> task = run();
  EXPECT_TRUE(emrtd::RunDialog(task, link, std::ref(chip)));
  std::optional<emrtd::SessionKeys> chip_keys = chip.keys();
  EXPECT_TRUE(chip_keys.has_value());
  if (chip_keys.has_value()) rec.chip_new_keys = *chip_keys;
  nlohmann::json exchanges = nlohmann::json::array();
  for (const auto& e : chip.exchanges()) {
    exchanges.push_back({{"command", ToHex(e.command)}, {"response", ToHex(e.response)}});
  }
  rec.trace = {{"step", "ca"},
               {"dg14", ToHex(dg14)},
               {"sm", SessionKeysToJson(OldKeys())},
               {"randomness", {{"ca.ephemeral_key", ToHex(eph)}}},
               {"exchanges", exchanges}};
  return rec;
}

TEST(ReplayCa, RecordedRunReplaysAndProvesTheNewKeys) {
  RecordedCa rec = RecordCa();
  ASSERT_GE(rec.trace["exchanges"].size(), 3u);
  nlohmann::json out = Replay(rec.trace);
  ASSERT_EQ(out["outcome"], "ok") << out.dump(1);
  EXPECT_EQ(out["result"]["chip_authentication"], "KEYS_SWITCHED");
  EXPECT_EQ(out["result"]["protocol"], "0.4.0.127.0.7.2.2.3.2.2");
  EXPECT_EQ(out["result"]["proven"], true);
  EXPECT_EQ(out["sm"]["cipher"], "AES");
  EXPECT_EQ(out["sm"]["ks_enc"], ToHex(emrtd::FromSecure(rec.chip_new_keys.ks_enc)));
  EXPECT_EQ(out["sm"]["ks_mac"], ToHex(emrtd::FromSecure(rec.chip_new_keys.ks_mac)));
}

TEST(ReplayCa, OtherEphemeralKeyDiverges) {
  RecordedCa rec = RecordCa();
  std::string eph = rec.trace["randomness"]["ca.ephemeral_key"];
  eph[eph.size() - 1] = eph.back() == '3' ? '4' : '3';
  rec.trace["randomness"]["ca.ephemeral_key"] = eph;
  nlohmann::json out = Replay(rec.trace);
  EXPECT_EQ(out["outcome"], "diverged") << out.dump(1);
  EXPECT_EQ(out["divergence"]["index"], 1);  // the GENERAL AUTHENTICATE carrying the ephemeral key
}

// A CA trace whose recording proves the new keys as other readers do, with SELECT EF.COM by file
// identifier (testdata/traces/vchip-ca-select-proof.json, "reader": {"select_by_fid": true}).
TEST(ReplayCa, TheProofFollowsTheTracesReaderSettings) {
  std::ifstream in(docval::SourcePath("testdata/traces/vchip-ca-select-proof.json"));
  ASSERT_TRUE(in.good());
  nlohmann::json trace = nlohmann::json::parse(in);
  ASSERT_EQ(trace["reader"]["select_by_fid"], true);
  // The proof's first command: a protected SELECT by file identifier.
  size_t select = 0;
  const nlohmann::json& ex = trace["exchanges"];
  while (select < ex.size() && ex[select]["command"].get<std::string>().rfind("0CA4020C", 0) != 0) ++select;
  ASSERT_LT(select, ex.size());
  nlohmann::json out = Replay(trace);
  ASSERT_EQ(out["outcome"], "ok") << out.dump(1);
  EXPECT_EQ(out["result"]["chip_authentication"], "KEYS_SWITCHED");
  EXPECT_EQ(out["result"]["proven"], true);
  EXPECT_EQ(out["exchanges_replayed"], ex.size());
  // Without the settings the proof reads by short EF identifier and parts ways at that SELECT.
  trace.erase("reader");
  out = Replay(trace);
  EXPECT_EQ(out["outcome"], "diverged") << out.dump(1);
  EXPECT_EQ(out["divergence"]["index"], select);
}

}  // namespace
}  // namespace docval::replay
