#include "validator/emrtd/lds/dg7.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "validator/emrtd/tlv.h"

namespace docval::emrtd {
namespace {

TEST(Dg7, TwoImages) {
  Bytes a = HexOrDie("FFD8FFE0FFD9"), b = HexOrDie("0000000C6A5020200D0A870A");
  Bytes dg7 = EncodeTlv(0x67, Concat({HexOrDie("020102"), EncodeTlv(0x5F43, a), EncodeTlv(0x5F43, b)}));
  absl::StatusOr<std::vector<Bytes>> images = ParseDg7(dg7);
  ASSERT_TRUE(images.ok()) << images.status();
  ASSERT_EQ(images->size(), 2u);
  EXPECT_EQ((*images)[0], a);
  EXPECT_EQ((*images)[1], b);
}

TEST(Dg7, EmptyAndErrors) {
  absl::StatusOr<std::vector<Bytes>> none = ParseDg7(HexOrDie("6703020100"));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_FALSE(ParseDg7(HexOrDie("6B03020100")).ok());
  EXPECT_FALSE(ParseDg7(HexOrDie("67055F4305FF")).ok());
}

}  // namespace
}  // namespace docval::emrtd
