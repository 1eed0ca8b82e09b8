#include "validator/emrtd/files/atr_info.h"

#include "gtest/gtest.h"

namespace docval::emrtd {
namespace {

TEST(AtrInfoTest, ExtendedLengthInformation) {
  // DO'47' card capabilities (3rd byte b7: extended Lc/Le), DO'7F66' 02 02 0FFF / 02 02 0FFF.
  absl::StatusOr<AtrInfo> a = ParseAtrInfo(HexOrDie("470300DFC0 7F66080202 0FFF 0202 0FFF 9000"));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->max_command_bytes, 0x0FFFu);
  EXPECT_EQ(a->max_response_bytes, 0x0FFFu);
  EXPECT_EQ(a->extended_length, true);
}

TEST(AtrInfoTest, NestedAndPaddedAndThreeByteIntegers) {
  // Inside a constructed wrapper; INTEGERs of 1 and 3 bytes; 00 padding after.
  absl::StatusOr<AtrInfo> a = ParseAtrInfo(HexOrDie("E00C 7F6609 020200FF 0203010008 0000FFFF"));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->max_command_bytes, 0xFFu);
  EXPECT_EQ(a->max_response_bytes, 0x10008u);
  EXPECT_FALSE(a->extended_length.has_value());
}

TEST(AtrInfoTest, NothingUseful) {
  absl::StatusOr<AtrInfo> a = ParseAtrInfo(HexOrDie("4F07A0000002471001"));
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a->max_command_bytes.has_value());
  EXPECT_FALSE(a->extended_length.has_value());
  EXPECT_TRUE(ParseAtrInfo({}).ok());
}

TEST(AtrInfoTest, MalformedIsAnError) {
  EXPECT_FALSE(ParseAtrInfo(HexOrDie("7F6605020200")).ok());            // runs past the end
  EXPECT_FALSE(ParseAtrInfo(HexOrDie("7F6604020200FF")).ok());          // one INTEGER
  EXPECT_FALSE(ParseAtrInfo(HexOrDie("7F66080402FFFF0202FFFF")).ok());  // not INTEGERs
  EXPECT_FALSE(ParseAtrInfo(HexOrDie("7F660E02050100000000020501000000")).ok());  // 5-byte INTEGER
}

TEST(AtrInfoTest, LimitsAreNarrowedByTheChip) {
  // iOS: claims extended length, no numbers of its own.
  LinkLimits ios{.extended_length = true};
  AtrInfo chip{.max_command_bytes = 0x0FFF, .max_response_bytes = 0x0FFF, .extended_length = true};
  LinkLimits l = ApplyAtrInfo(ios, chip);
  EXPECT_TRUE(l.extended_length);
  EXPECT_EQ(l.max_command_bytes, 0x0FFFu);
  EXPECT_EQ(l.max_response_bytes, 0x0FFFu);

  // The client's own smaller limit wins.
  LinkLimits android{.extended_length = true, .max_command_bytes = 2000, .max_response_bytes = 65538};
  l = ApplyAtrInfo(android, chip);
  EXPECT_EQ(l.max_command_bytes, 2000u);
  EXPECT_EQ(l.max_response_bytes, 0x0FFFu);
}

TEST(AtrInfoTest, NoExtendedLengthWithoutTheChipSayingSo) {
  LinkLimits ios{.extended_length = true};
  LinkLimits l = ApplyAtrInfo(ios, AtrInfo{});
  EXPECT_FALSE(l.extended_length);
  EXPECT_EQ(l.CommandBytes(), 261u);
  EXPECT_EQ(l.ResponseBytes(), 258u);
  // DO'47' says no extended Lc/Le even with big numbers.
  l = ApplyAtrInfo(ios, AtrInfo{.max_command_bytes = 4096, .max_response_bytes = 4096, .extended_length = false});
  EXPECT_FALSE(l.extended_length);
  EXPECT_LE(l.ResponseBytes(), 258u);
  // Short limits from the chip; a client without extended length.
  l = ApplyAtrInfo(LinkLimits{}, AtrInfo{.max_command_bytes = 4096, .max_response_bytes = 4096});
  EXPECT_FALSE(l.extended_length);
  l = ApplyAtrInfo(ios, AtrInfo{.max_command_bytes = 200, .max_response_bytes = 200});
  EXPECT_FALSE(l.extended_length);
  EXPECT_EQ(l.max_response_bytes, 200u);
}

TEST(AtrInfoTest, ImplausibleChipValuesAreIgnored) {
  LinkLimits l = ApplyAtrInfo(LinkLimits{}, AtrInfo{.max_command_bytes = 0, .max_response_bytes = 3});
  EXPECT_EQ(l.ResponseBytes(), 258u);
  EXPECT_EQ(l.CommandBytes(), 261u);
}

}  // namespace
}  // namespace docval::emrtd
