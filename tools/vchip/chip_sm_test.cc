// The chip side of secure messaging against published traces: the chip must accept the terminal's
// protected commands and produce, byte for byte, the recorded protected responses.
#include "tools/vchip/chip_sm.h"

#include <gtest/gtest.h>

#include "tools/vchip/test_terminal.h"
#include "tools/vchip/vchip_test_util.h"

namespace docval::vchip {
namespace {

using emrtd::ToHex;
using testing::H;
using testing::LoadVector;

TEST(ChipSmTest, AesTraceFromGmrtd) {
  auto v = LoadVector("gmrtd-sm-aes256-read-trace.json");
  ChipSecureChannel sm(Cipher::kAes256, H(v["sm_before"]["ks_enc"]), H(v["sm_before"]["ks_mac"]),
                       H(v["sm_before"]["ssc"]));
  Bytes ef_com = H(v["ef_com_plain"]);
  // Plain answers the chip gives: SELECT -> 9000, READ BINARY 4 -> first 4 bytes, READ 0x16 -> rest.
  const Bytes answers[3] = {{}, Bytes(ef_com.begin(), ef_com.begin() + 4), Bytes(ef_com.begin() + 4, ef_com.end())};
  const char* plain_cmds[3] = {"00A4020C02011E", "00B0000004", "00B0000416"};
  for (int i = 0; i < 3; ++i) {
    const auto& x = v["apdus"][i];
    auto cmd = ParseChipCommand(H(x["cmd"]));
    ASSERT_TRUE(cmd.ok());
    auto plain = sm.Unwrap(*cmd);
    ASSERT_TRUE(plain.ok()) << i << " " << plain.status();
    EXPECT_EQ(ToHex(EncodeChipCommand(*plain)), plain_cmds[i]);
    EXPECT_EQ(ToHex(sm.Wrap(answers[i], 0x9000, false)), x["rsp"].get<std::string>()) << i;
  }
  EXPECT_EQ(ToHex(sm.ssc()), v["ssc_after"].get<std::string>());
}

TEST(ChipSmTest, RejectsWrongMacAndMissingObjects) {
  auto v = LoadVector("icao9303-p11-appD-bac-sm.json");
  const auto& d4 = v["D4_secure_messaging"];
  Bytes cmd_bytes = H(d4["exchanges"][0]["cmd_ProtectedCmd"]);
  {
    ChipSecureChannel sm(Cipher::kTdes, H(d4["ks_enc"]), H(d4["ks_mac"]), H(d4["ssc_initial"]));
    Bytes bad = cmd_bytes;
    bad[bad.size() - 2] ^= 0x01;  // last MAC byte
    auto r = sm.Unwrap(*ParseChipCommand(bad));
    EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
  }
  {
    ChipSecureChannel sm(Cipher::kTdes, H(d4["ks_enc"]), H(d4["ks_mac"]), H(d4["ssc_initial"]));
    auto r = sm.Unwrap(*ParseChipCommand(H("0CA4020C0B8709016375432908C044F600")));  // no DO'8E'
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  }
  {
    ChipSecureChannel sm(Cipher::kTdes, H(d4["ks_enc"]), H(d4["ks_mac"]), H(d4["ssc_initial"]));
    auto r = sm.Unwrap(*ParseChipCommand(cmd_bytes));
    ASSERT_TRUE(r.ok());
    // The same command again: the SSC moved on, so the MAC no longer fits (replay protection).
    auto again = sm.Unwrap(*ParseChipCommand(cmd_bytes));
    EXPECT_FALSE(again.ok());
  }
}

TEST(ChipSmTest, OddInsUsesDo85) {
  ChipSecureChannel sm(Cipher::kAes128, Bytes(16, 1), Bytes(16, 2), Bytes(16, 0));
  testing::TerminalSm term(Cipher::kAes128, Bytes(16, 1), Bytes(16, 2), Bytes(16, 0));
  Bytes wrapped = term.Wrap(0x00, 0xB1, 0x01, 0x1E, H("540100"), 256);
  auto plain = sm.Unwrap(*ParseChipCommand(wrapped));
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(ToHex(plain->data), "540100");
  Bytes rsp = sm.Wrap(H("5302AABB"), 0x9000, true);
  EXPECT_EQ(rsp[0], 0x85);
  auto opened = term.Unwrap(rsp);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(ToHex(*opened), "5302AABB9000");
}

}  // namespace
}  // namespace docval::vchip
