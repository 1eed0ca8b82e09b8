#include "validator/emrtd/lds/lds_text.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "validator/emrtd/lds/lds_test_util.h"

namespace docval::emrtd {
namespace {

TEST(LdsText, SanitizeUtf8) {
  EXPECT_EQ(SanitizeUtf8(testing::Text("M\xC3\xBCller")), "M\xC3\xBCller");
  EXPECT_EQ(SanitizeUtf8(HexOrDie("41FF42")), "A\xEF\xBF\xBD" "B");
  EXPECT_EQ(SanitizeUtf8(HexOrDie("C0AF")), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
  EXPECT_EQ(SanitizeUtf8(HexOrDie("EDA080")), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(SanitizeUtf8(HexOrDie("E282")), "\xEF\xBF\xBD\xEF\xBF\xBD");  // truncated
  EXPECT_EQ(SanitizeUtf8(HexOrDie("00")), "\xEF\xBF\xBD");
  EXPECT_EQ(SanitizeUtf8(HexOrDie("F09F9880")), "\xF0\x9F\x98\x80");
}

TEST(LdsText, SplitAndDates) {
  EXPECT_THAT(SplitFiller("A<B<<C<"), ::testing::ElementsAre("A", "B", "C"));
  EXPECT_TRUE(SplitFiller("<<<").empty());
  EXPECT_EQ(DigitsOrBcd(testing::Text("19740812")), "19740812");
  EXPECT_EQ(DigitsOrBcd(HexOrDie("19740812")), "19740812");
  EXPECT_EQ(DigitsOrBcd(HexOrDie("1A")), "\x1A");  // neither digits nor BCD: kept as text
  EXPECT_EQ(DigitsOrBcd(HexOrDie("FF")), "\xEF\xBF\xBD");
}

}  // namespace
}  // namespace docval::emrtd
