// BAC and 3DES secure messaging of the virtual chip, driven by hand-built APDUs and checked against
// the ICAO 9303-11 Appendix D worked example: with RND.IC and K.IC of the example injected, the chip
// must answer exactly the example's responses.
#include <gtest/gtest.h>

#include "tools/vchip/virtual_chip.h"
#include "tools/vchip/vchip_test_util.h"

namespace docval::vchip {
namespace {

using emrtd::ToHex;
using testing::H;
using testing::LoadVector;

ChipProfile AppendixDProfile(const nlohmann::json& v) {
  ChipProfile p;
  p.name = "appendix-d";
  p.secrets.document_number = "L898902C";
  p.secrets.date_of_birth = "690806";
  p.secrets.date_of_expiry = "940623";
  ChipFile com;
  com.name = "EF.COM";
  com.fid = 0x011E;
  com.sfi = 0x1E;
  com.content = H(v["D4_secure_messaging"]["ef_com_plain"]);
  p.files.push_back(com);
  return p;
}

std::string Send(VirtualChip& chip, const Bytes& cmd) {
  auto r = chip.Process(cmd);
  return r.has_value() ? ToHex(*r) : "<silent>";
}

TEST(VirtualChipBacTest, MrzKeyInformationMatchesAppendixD) {
  EXPECT_EQ(MrzKeyInformation("L898902C", "690806", "940623"), "L898902C<369080619406236");
  EXPECT_EQ(MrzCheckDigit("L898902C<"), '3');
}

TEST(VirtualChipBacTest, AnswersAppendixDByteForByte) {
  auto v = LoadVector("icao9303-p11-appD-bac-sm.json");
  const auto& d3 = v["D3_mutual_authentication"];
  auto rng = std::make_unique<ScriptedRandom>();
  rng->Add("bac.rnd_icc", H(d3["rnd_ic"]));
  rng->Add("bac.k_icc", H(d3["k_ic"]));
  ScriptedRandom* script = rng.get();
  auto chip = VirtualChip::Create(AppendixDProfile(v), std::move(rng));
  ASSERT_TRUE(chip.ok()) << chip.status();
  VirtualChip& c = **chip;

  EXPECT_EQ(Send(c, H("00A4040C07A0000002471001")), "9000");
  // Before BAC, EF.COM is selectable but not readable.
  EXPECT_EQ(Send(c, H("00A4020C02011E")), "9000");
  EXPECT_EQ(Send(c, H("00B0000004")), "6982");

  for (const auto& x : d3["apdus"]) {
    EXPECT_EQ(Send(c, H(x["cmd"])), x["rsp"].get<std::string>()) << x["what"];
  }
  EXPECT_EQ(script->Remaining(), 0u);
  EXPECT_EQ(c.access(), ChipAccess::kBac);
  EXPECT_TRUE(c.secure_messaging());

  for (const auto& x : v["D4_secure_messaging"]["exchanges"]) {
    EXPECT_EQ(Send(c, H(x["cmd_ProtectedCmd"])), x["rsp_Protected"].get<std::string>()) << x["command"];
  }
}

TEST(VirtualChipBacTest, WrongMrzIsRefused) {
  auto v = LoadVector("icao9303-p11-appD-bac-sm.json");
  ChipProfile p = AppendixDProfile(v);
  p.secrets.date_of_birth = "690807";  // the chip was issued with another MRZ
  auto rng = std::make_unique<ScriptedRandom>();
  rng->Add("bac.rnd_icc", H(v["D3_mutual_authentication"]["rnd_ic"]));
  auto chip = VirtualChip::Create(p, std::move(rng));
  ASSERT_TRUE(chip.ok());
  EXPECT_EQ(Send(**chip, H("0084000008")), "4608F919887022129000");
  EXPECT_EQ(Send(**chip, H(v["D3_mutual_authentication"]["apdus"][1]["cmd"])), "6300");
  EXPECT_EQ((*chip)->access(), ChipAccess::kNone);
  // The challenge is spent: retrying the same EXTERNAL AUTHENTICATE needs a new GET CHALLENGE.
  EXPECT_EQ(Send(**chip, H(v["D3_mutual_authentication"]["apdus"][1]["cmd"])), "6985");
}

TEST(VirtualChipBacTest, BacOnlyAfterChallengeAndNotOnPaceOnlyCards) {
  auto v = LoadVector("icao9303-p11-appD-bac-sm.json");
  ChipProfile p = AppendixDProfile(v);
  {
    auto chip = VirtualChip::Create(p, NewSeededRandom(1));
    ASSERT_TRUE(chip.ok());
    EXPECT_EQ(Send(**chip, H(v["D3_mutual_authentication"]["apdus"][1]["cmd"])), "6985");
    EXPECT_EQ(Send(**chip, H("0084000004")), "6700");
  }
  p.bac = false;
  auto chip = VirtualChip::Create(p, NewSeededRandom(1));
  ASSERT_TRUE(chip.ok());
  EXPECT_EQ(Send(**chip, H("0084000008")).size(), 20u);
  EXPECT_EQ(Send(**chip, H(v["D3_mutual_authentication"]["apdus"][1]["cmd"])), "6D00");
}

}  // namespace
}  // namespace docval::vchip
