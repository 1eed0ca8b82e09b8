#include "tools/vchip/chip_tlv.h"

#include <gtest/gtest.h>

#include "validator/emrtd/bytes.h"

namespace docval::vchip {
namespace {

using emrtd::HexOrDie;
using emrtd::ToHex;

TEST(ChipTlvTest, EncodesShortAndLongLengths) {
  EXPECT_EQ(ToHex(EncodeLength(0)), "00");
  EXPECT_EQ(ToHex(EncodeLength(0x7F)), "7F");
  EXPECT_EQ(ToHex(EncodeLength(0x80)), "8180");
  EXPECT_EQ(ToHex(EncodeLength(0xFF)), "81FF");
  EXPECT_EQ(ToHex(EncodeLength(0x100)), "820100");
  EXPECT_EQ(ToHex(EncodeLength(0x12345)), "83012345");
}

TEST(ChipTlvTest, EncodesMultiByteTags) {
  EXPECT_EQ(ToHex(Tlv(0x5F1F, HexOrDie("4142"))), "5F1F024142");
  EXPECT_EQ(ToHex(Tlv(0x7F61, {})), "7F6100");
  Bytes big(200, 0xAB);
  Bytes enc = Tlv(0x87, big);
  EXPECT_EQ(ToHex(ByteSpan(enc).subspan(0, 3)), "8781C8");
  EXPECT_EQ(enc.size(), 203u);
}

TEST(ChipTlvTest, ParsesNestedList) {
  Bytes data = HexOrDie("7C0A8508C2B0BD78D94BA866 9902 9000");
  auto list = ParseTlvList(data);
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].tag, 0x7Cu);
  EXPECT_TRUE((*list)[0].constructed);
  auto inner = ParseTlvList((*list)[0].value);
  ASSERT_TRUE(inner.ok());
  ASSERT_EQ(inner->size(), 1u);
  EXPECT_EQ((*inner)[0].tag, 0x85u);
  EXPECT_EQ(ToHex((*inner)[0].value), "C2B0BD78D94BA866");
  EXPECT_EQ((*list)[1].tag, 0x99u);
  EXPECT_FALSE(FindTlv(*list, 0x8E).has_value());
}

TEST(ChipTlvTest, ParsesThreeByteTagAndLongLength) {
  Bytes v(300, 1);
  Bytes enc = Tlv(0x5F8101, v);
  auto obj = ParseTlv(enc);
  ASSERT_TRUE(obj.ok()) << obj.status();
  EXPECT_EQ(obj->tag, 0x5F8101u);
  EXPECT_EQ(obj->value.size(), 300u);
  EXPECT_EQ(obj->encoded.size(), enc.size());
}

TEST(ChipTlvTest, RejectsMalformedInput) {
  EXPECT_FALSE(ParseTlv(HexOrDie("")).ok());
  EXPECT_FALSE(ParseTlv(HexOrDie("87")).ok());          // no length
  EXPECT_FALSE(ParseTlv(HexOrDie("870301")).ok());      // value truncated
  EXPECT_FALSE(ParseTlv(HexOrDie("8780")).ok());        // indefinite
  EXPECT_FALSE(ParseTlv(HexOrDie("5F")).ok());          // truncated tag
  EXPECT_FALSE(ParseTlv(HexOrDie("5F818181")).ok());    // tag too long
  EXPECT_FALSE(ParseTlv(HexOrDie("8785FFFFFFFFFF")).ok());  // length of length too long
  EXPECT_FALSE(ParseTlvList(HexOrDie("8701AA87")).ok());
}

TEST(ChipTlvTest, MinimalUnsigned) {
  EXPECT_EQ(ToHex(MinimalUnsigned(0)), "00");
  EXPECT_EQ(ToHex(MinimalUnsigned(0x0D)), "0D");
  EXPECT_EQ(ToHex(MinimalUnsigned(0x1234)), "1234");
}

}  // namespace
}  // namespace docval::vchip
