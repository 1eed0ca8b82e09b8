#include "tools/vchip/chip_apdu.h"

#include <gtest/gtest.h>

namespace docval::vchip {
namespace {

using emrtd::HexOrDie;
using emrtd::ToHex;

TEST(ChipApduTest, ParsesAllShortCases) {
  auto c1 = ParseChipCommand(HexOrDie("00A4000C"));
  ASSERT_TRUE(c1.ok());
  EXPECT_TRUE(c1->data.empty());
  EXPECT_FALSE(c1->has_le);

  auto c2 = ParseChipCommand(HexOrDie("0084000008"));
  ASSERT_TRUE(c2.ok());
  EXPECT_TRUE(c2->has_le);
  EXPECT_EQ(c2->ne, 8u);

  auto c2max = ParseChipCommand(HexOrDie("00B0000000"));
  ASSERT_TRUE(c2max.ok());
  EXPECT_EQ(c2max->ne, 256u);

  auto c3 = ParseChipCommand(HexOrDie("00A4020C02011E"));
  ASSERT_TRUE(c3.ok());
  EXPECT_EQ(ToHex(c3->data), "011E");
  EXPECT_FALSE(c3->has_le);

  auto c4 = ParseChipCommand(HexOrDie("008600000C7C0A8508C2B0BD78D94BA86600"));
  ASSERT_TRUE(c4.ok());
  EXPECT_EQ(c4->data.size(), 12u);
  EXPECT_EQ(c4->ne, 256u);
  EXPECT_FALSE(c4->extended);
}

TEST(ChipApduTest, ParsesExtendedCases) {
  auto c2 = ParseChipCommand(HexOrDie("00B00000000000"));
  ASSERT_TRUE(c2.ok());
  EXPECT_TRUE(c2->extended);
  EXPECT_EQ(c2->ne, 65536u);

  auto c4 = ParseChipCommand(HexOrDie("0088000000000401020304 0100"));
  ASSERT_TRUE(c4.ok()) << c4.status();
  EXPECT_EQ(ToHex(c4->data), "01020304");
  EXPECT_EQ(c4->ne, 256u);
  EXPECT_TRUE(c4->extended);
}

TEST(ChipApduTest, RejectsInconsistentLengths) {
  EXPECT_FALSE(ParseChipCommand(HexOrDie("00A402")).ok());
  EXPECT_FALSE(ParseChipCommand(HexOrDie("00A4020C03011E")).ok());
  EXPECT_FALSE(ParseChipCommand(HexOrDie("00A4020C0000")).ok());       // truncated extended
  EXPECT_FALSE(ParseChipCommand(HexOrDie("00A4020C000000AA")).ok());   // extended Lc 0
  EXPECT_FALSE(ParseChipCommand(HexOrDie("00A4020C000002AA")).ok());   // data short
}

TEST(ChipApduTest, EncodeRoundTrips) {
  for (const char* hex : {"00A4000C", "0084000008", "00A4020C02011E", "008600000C7C0A8508C2B0BD78D94BA86600",
                          "00B00000000000", "00880000000004010203040100"}) {
    auto c = ParseChipCommand(HexOrDie(hex));
    ASSERT_TRUE(c.ok()) << hex;
    EXPECT_EQ(ToHex(EncodeChipCommand(*c)), ToHex(HexOrDie(hex)));
  }
}

TEST(ChipApduTest, ResponseAppendsStatus) {
  EXPECT_EQ(ToHex(ResponseApdu(HexOrDie("0102"), 0x6282)), "01026282");
  EXPECT_EQ(ToHex(ResponseApdu({}, 0x9000)), "9000");
}

}  // namespace
}  // namespace docval::vchip
