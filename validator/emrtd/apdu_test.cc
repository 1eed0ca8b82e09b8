#include "validator/emrtd/apdu.h"

#include <utility>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace docval::emrtd {
namespace {

TEST(CommandApduTest, SelectWithoutLe) {
  CommandApdu c{.cla = 0x00, .ins = 0xA4, .p1 = 0x04, .p2 = 0x0C, .data = HexOrDie("A0000002471001")};
  EXPECT_EQ(ToHex(c.Encode()), "00A4040C07A0000002471001");
  EXPECT_EQ(c.EncodedSize(), c.Encode().size());
}

TEST(CommandApduTest, ShortLeOf256IsZero) {
  CommandApdu c{.ins = 0xB0, .p1 = 0x81, .ne = 256};
  EXPECT_EQ(ToHex(c.Encode()), "00B0810000");
}

TEST(CommandApduTest, ExtendedCase2) {
  CommandApdu c{.ins = 0xB0, .p1 = 0x82, .ne = 1000};
  EXPECT_TRUE(c.IsExtended());
  EXPECT_EQ(ToHex(c.Encode()), "00B08200" "0003E8");
  CommandApdu max{.ins = 0xB0, .ne = 65536};
  EXPECT_EQ(ToHex(max.Encode()), "00B00000000000");
}

TEST(CommandApduTest, ExtendedCase4) {
  CommandApdu c{.cla = 0x0C, .ins = 0xB0, .data = Bytes(300, 0xAA), .ne = 65536};
  Bytes e = c.Encode();
  EXPECT_EQ(e.size(), 4 + 3 + 300 + 2);
  EXPECT_EQ(e[4], 0x00);
  EXPECT_EQ(e[5], 0x01);
  EXPECT_EQ(e[6], 0x2C);
  EXPECT_EQ(e[e.size() - 2], 0x00);
  EXPECT_EQ(e[e.size() - 1], 0x00);
  EXPECT_EQ(c.EncodedSize(), e.size());
}

TEST(CommandApduTest, ParsesEveryCase) {
  for (const CommandApdu& c : {
           CommandApdu{.ins = 0x84},
           CommandApdu{.ins = 0x84, .ne = 8},
           CommandApdu{.ins = 0x84, .ne = 256},
           CommandApdu{.ins = 0x82, .data = Bytes(40, 1)},
           CommandApdu{.ins = 0x82, .data = Bytes(40, 1), .ne = 40},
           CommandApdu{.ins = 0xB0, .ne = 4000, .extended = true},
           CommandApdu{.ins = 0xB0, .ne = 65536, .extended = true},
           CommandApdu{.ins = 0x88, .data = Bytes(400, 2), .extended = true},
           CommandApdu{.ins = 0x88, .data = Bytes(400, 2), .ne = 512, .extended = true},
       }) {
    absl::StatusOr<CommandApdu> p = CommandApdu::Parse(c.Encode());
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_EQ(*p, c) << ToHex(c.Encode());
  }
}

TEST(CommandApduTest, RejectsInconsistentLengths) {
  EXPECT_FALSE(CommandApdu::Parse(HexOrDie("00B0")).ok());
  EXPECT_FALSE(CommandApdu::Parse(HexOrDie("00A4040C05A000")).ok());
  EXPECT_FALSE(CommandApdu::Parse(HexOrDie("00A4040C0000")).ok());
  EXPECT_FALSE(CommandApdu::Parse(HexOrDie("00A4040C000003AA")).ok());
}

TEST(ResponseApduTest, SplitsStatusWord) {
  absl::StatusOr<ResponseApdu> r = ResponseApdu::Parse(HexOrDie("01026282"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->data, (Bytes{1, 2}));
  EXPECT_EQ(r->sw, sw::kEndOfFileWarning);
  EXPECT_EQ(r->sw1(), 0x62);
  EXPECT_EQ(ToHex(r->Encode()), "01026282");
  EXPECT_FALSE(ResponseApdu::Parse(HexOrDie("90")).ok());
}

TEST(ResponseApduTest, ParseOwnedKeepsTheBuffer) {
  Bytes raw(70000, 0x5A);
  raw.push_back(0x90);
  raw.push_back(0x00);
  const uint8_t* buffer = raw.data();
  absl::StatusOr<ResponseApdu> r = ResponseApdu::ParseOwned(std::move(raw));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->data.size(), 70000u);
  EXPECT_EQ(r->data.data(), buffer);  // not copied
  EXPECT_TRUE(r->ok());
  EXPECT_EQ(*ResponseApdu::ParseOwned(HexOrDie("01026282")), *ResponseApdu::Parse(HexOrDie("01026282")));
  EXPECT_FALSE(ResponseApdu::ParseOwned(HexOrDie("90")).ok());
}

}  // namespace
}  // namespace docval::emrtd
