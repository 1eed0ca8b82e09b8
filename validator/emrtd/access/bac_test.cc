#include "validator/emrtd/access/bac.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "validator/emrtd/chip_error.h"
#include "validator/emrtd/testing/scripted_chip.h"
#include "validator/emrtd/testing/vectors.h"

namespace docval::emrtd {
namespace {

using testing::HexField;
using testing::LoadVector;
using testing::ScriptedChip;
using testing::ScriptedExchange;

std::string S(const nlohmann::json& j) { return j.get<std::string>(); }
SecureBytes Sec(absl::string_view s) { return SecureBytes(s.begin(), s.end()); }

struct Fixture {
  nlohmann::json v = LoadVector("icao9303-p11-appD-bac-sm.json");
  const nlohmann::json& d2 = v["D2_key_seed"];
  const nlohmann::json& d3 = v["D3_mutual_authentication"];

  AccessKey Key() const {
    AccessKey k;
    k.document_number = Sec(S(d2["document_number"]));
    k.date_of_birth = Sec(S(d2["date_of_birth"]));
    k.date_of_expiry = Sec(S(d2["date_of_expiry"]));
    return k;
  }
  ScriptedRandom Rng() const {
    ScriptedRandom r;
    r.Add("bac.rnd_ifd", HexField(d3["rnd_ifd"]));
    r.Add("bac.k_ifd", HexField(d3["k_ifd"]));
    return r;
  }
  std::vector<ScriptedExchange> Script() const {
    std::vector<ScriptedExchange> s;
    for (const nlohmann::json& a : d3["apdus"]) s.push_back({HexField(a["cmd"]), HexField(a["rsp"])});
    return s;
  }
};

absl::StatusOr<SessionKeys> RunBac(const AccessKey& key, RandomSource& rng, ScriptedChip& chip, CardLink& link) {
  ChipChannel ch(link);
  Task<absl::StatusOr<SessionKeys>> t = PerformBac(ch, key, rng);
  return RunDialog(t, link, std::ref(chip));
}

// App. D.3 byte for byte: both commands, and the session keys and SSC.
TEST(BacTest, AppendixD3) {
  Fixture f;
  ScriptedChip chip(f.Script());
  ScriptedRandom rng = f.Rng();
  CardLink link;
  absl::StatusOr<SessionKeys> keys = RunBac(f.Key(), rng, chip, link);
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(chip.used(), 2u);
  EXPECT_EQ(link.round_trips(), 2u);
  EXPECT_EQ(keys->cipher, SmCipher::k3Des);
  EXPECT_EQ(ToHex(FromSecure(keys->ks_enc)), S(f.d3["ks_enc"]));
  EXPECT_EQ(ToHex(FromSecure(keys->ks_mac)), S(f.d3["ks_mac"]));
  EXPECT_EQ(ToHex(FromSecure(keys->ssc)), S(f.d3["ssc"]));
  // Both random values were used.
  EXPECT_EQ(rng.Remaining()["bac.rnd_ifd"], 0u);
  EXPECT_EQ(rng.Remaining()["bac.k_ifd"], 0u);
}

// The EXTERNAL AUTHENTICATE data of App. D.3 is E.IFD || M.IFD.
TEST(BacTest, ExternalAuthenticateCarriesCryptogramAndMac) {
  Fixture f;
  EXPECT_EQ(S(f.d3["apdus"][1]["cmd"]), "00820000" "28" + S(f.d3["external_authenticate_cmd_data"]) + "28");
  EXPECT_EQ(S(f.d3["external_authenticate_cmd_data"]), S(f.d3["E_ifd"]) + S(f.d3["M_ifd"]));
}

TEST(BacTest, WrongMrzRefusedByTheChipIsAccessDenied) {
  for (const char* sw : {"6300", "6982"}) {
    SCOPED_TRACE(sw);
    Fixture f;
    AccessKey wrong = f.Key();
    wrong.date_of_birth = Sec("690807");
    // The chip answers GET CHALLENGE as recorded; our command differs (other keys), and it refuses.
    std::vector<ScriptedExchange> script = f.Script();
    ScriptedRandom rng = f.Rng();
    CardLink link;
    ChipChannel ch(link);
    size_t calls = 0;
    Task<absl::StatusOr<SessionKeys>> t = PerformBac(ch, wrong, rng);
    absl::StatusOr<SessionKeys> keys = RunDialog(t, link, [&](ByteSpan cmd) -> absl::StatusOr<Bytes> {
      ++calls;
      if (calls == 1) return script[0].response;
      EXPECT_NE(ToHex(cmd), ToHex(script[1].command));
      return HexOrDie(sw);
    });
    EXPECT_EQ(keys.status().code(), absl::StatusCode::kPermissionDenied) << keys.status();
    EXPECT_TRUE(IsChipError(keys.status(), ChipErrorKind::kBacKeyRefused)) << keys.status();
  }
}

TEST(BacTest, BadChipMacIsAccessDenied) {
  Fixture f;
  std::vector<ScriptedExchange> script = f.Script();
  script[1].response[39] ^= 0x01;  // last MAC byte
  ScriptedChip chip(script);
  ScriptedRandom rng = f.Rng();
  CardLink link;
  absl::StatusOr<SessionKeys> keys = RunBac(f.Key(), rng, chip, link);
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kPermissionDenied) << keys.status();
  EXPECT_TRUE(IsChipError(keys.status(), ChipErrorKind::kBacKeyRefused)) << keys.status();
  EXPECT_NE(keys.status().message().find("MAC"), std::string::npos);
}

// A chip that answers with a valid MAC over a cryptogram that does not hold our nonces: the
// recorded answer replayed against another RND.IFD.
TEST(BacTest, ReplayedChipAnswerIsAccessDenied) {
  Fixture f;
  ScriptedRandom rng;
  Bytes other_rnd = HexField(f.d3["rnd_ifd"]);
  other_rnd[0] ^= 0xFF;
  rng.Add("bac.rnd_ifd", other_rnd);
  rng.Add("bac.k_ifd", HexField(f.d3["k_ifd"]));
  std::vector<ScriptedExchange> script = f.Script();
  CardLink link;
  ChipChannel ch(link);
  int calls = 0;
  Task<absl::StatusOr<SessionKeys>> t = PerformBac(ch, f.Key(), rng);
  absl::StatusOr<SessionKeys> keys = RunDialog(t, link, [&](ByteSpan) -> absl::StatusOr<Bytes> {
    return script[calls++].response;
  });
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kPermissionDenied) << keys.status();
  EXPECT_TRUE(IsChipError(keys.status(), ChipErrorKind::kBacKeyRefused)) << keys.status();
  EXPECT_NE(keys.status().message().find("nonces"), std::string::npos);
}

TEST(BacTest, ChipWithoutBacIsNotAccessDenied) {
  Fixture f;
  ScriptedChip chip({{HexField(f.d3["apdus"][0]["cmd"]), HexOrDie("6D00")}});
  ScriptedRandom rng = f.Rng();
  CardLink link;
  absl::StatusOr<SessionKeys> keys = RunBac(f.Key(), rng, chip, link);
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kFailedPrecondition) << keys.status();
  ASSERT_TRUE(ChipErrorOf(keys.status()).has_value()) << keys.status();
  EXPECT_EQ(ChipErrorOf(keys.status())->kind, ChipErrorKind::kBacNotSupported);
  EXPECT_EQ(ChipErrorOf(keys.status())->detail, "6D00");
  EXPECT_EQ(keys.status().message(), "BAC: GET CHALLENGE refused with SW 6D00");
}

TEST(BacTest, MalformedAnswersAreDataLoss) {
  Fixture f;
  {
    ScriptedChip chip({{HexField(f.d3["apdus"][0]["cmd"]), HexOrDie("4608F91988709000")}});
    ScriptedRandom rng = f.Rng();
    CardLink link;
    const absl::Status s = RunBac(f.Key(), rng, chip, link).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
    EXPECT_TRUE(IsChipError(s, ChipErrorKind::kBacMalformedChipData)) << s;
    EXPECT_EQ(s.message(), "BAC: GET CHALLENGE gave 6 bytes");
  }
  {
    std::vector<ScriptedExchange> script = f.Script();
    script[1].response.erase(script[1].response.begin());  // 39 bytes of data
    ScriptedChip chip(script);
    ScriptedRandom rng = f.Rng();
    CardLink link;
    const absl::Status s = RunBac(f.Key(), rng, chip, link).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
    EXPECT_TRUE(IsChipError(s, ChipErrorKind::kBacMalformedChipData)) << s;
  }
}

TEST(BacTest, NoMrzOrNoRandomnessFailsBeforeOrWithoutSendingTheSecret) {
  Fixture f;
  {
    ScriptedChip chip({});
    ScriptedRandom rng = f.Rng();
    CardLink link;
    AccessKey can_only;
    can_only.can = Sec("123456");
    const absl::Status s = RunBac(can_only, rng, chip, link).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_FALSE(ChipErrorOf(s).has_value()) << s;  // the caller's key, not the chip's answer
    EXPECT_EQ(link.round_trips(), 0u);
  }
  {
    ScriptedChip chip({f.Script()[0]});
    ScriptedRandom empty;
    CardLink link;
    EXPECT_FALSE(RunBac(f.Key(), empty, chip, link).ok());
    EXPECT_EQ(link.round_trips(), 1u);
  }
}

TEST(BacTest, RefusesASecureChannel) {
  Fixture f;
  CardLink link;
  ChipChannel ch(link);
  ch.StartSecureMessaging(SessionKeys{.cipher = SmCipher::k3Des, .ks_enc = SecureBytes(16, 1),
                                      .ks_mac = SecureBytes(16, 2), .ssc = SecureBytes(8, 0)});
  ScriptedRandom rng = f.Rng();
  Task<absl::StatusOr<SessionKeys>> t = PerformBac(ch, f.Key(), rng);
  absl::StatusOr<SessionKeys> keys = RunDialog(t, link, [](ByteSpan) -> absl::StatusOr<Bytes> {
    ADD_FAILURE();
    return HexOrDie("9000");
  });
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace docval::emrtd
