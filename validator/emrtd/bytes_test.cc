#include "validator/emrtd/bytes.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace docval::emrtd {
namespace {

TEST(HexTest, RoundTrips) {
  Bytes b = {0x00, 0x01, 0xAB, 0xFF};
  EXPECT_EQ(ToHex(b), "0001ABFF");
  EXPECT_EQ(*FromHex("0001abff"), b);
}

TEST(HexTest, AcceptsSeparatorsBetweenBytes) {
  EXPECT_EQ(*FromHex("00 01:AB\nFF"), (Bytes{0x00, 0x01, 0xAB, 0xFF}));
}

TEST(HexTest, RejectsOddLengthAndBadDigits) {
  EXPECT_FALSE(FromHex("ABC").ok());
  EXPECT_FALSE(FromHex("AG").ok());
  EXPECT_FALSE(FromHex("A B").ok());
}

TEST(ConcatTest, JoinsInOrder) {
  Bytes a = {1, 2};
  Bytes b = {3};
  EXPECT_EQ(Concat({a, b, a}), (Bytes{1, 2, 3, 1, 2}));
}

}  // namespace
}  // namespace docval::emrtd
