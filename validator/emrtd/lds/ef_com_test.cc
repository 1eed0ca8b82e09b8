#include "validator/emrtd/lds/ef_com.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "validator/emrtd/testing/vectors.h"

namespace docval::emrtd {
namespace {

using ::testing::ElementsAre;

TEST(EfCom, Bsi2008Specimen) {
  absl::StatusOr<EfCom> com = ParseEfCom(testing::ReadVector("lds-samples/jmrtd-bsi2008/EF_COM.bin"));
  ASSERT_TRUE(com.ok()) << com.status();
  EXPECT_EQ(com->lds_version, "0107");
  EXPECT_EQ(com->unicode_version, "040000");
  EXPECT_THAT(com->data_groups, ElementsAre(1, 2, 3, 14));
}

TEST(EfCom, Loes2006Specimen) {
  absl::StatusOr<EfCom> com = ParseEfCom(testing::ReadVector("lds-samples/jmrtd-loes2006/ef011E.bin"));
  ASSERT_TRUE(com.ok()) << com.status();
  EXPECT_THAT(com->data_groups, ElementsAre(1, 2, 15));
}

TEST(EfCom, TagsAndErrors) {
  for (int dg = 1; dg <= 16; ++dg) EXPECT_EQ(DataGroupOfTag(TagOfDataGroup(dg)), dg);
  EXPECT_EQ(TagOfDataGroup(2), 0x75);
  EXPECT_EQ(TagOfDataGroup(14), 0x6E);
  EXPECT_FALSE(DataGroupOfTag(0x77).has_value());
  EXPECT_FALSE(ParseEfCom(HexOrDie("6000")).ok());          // no tag list
  EXPECT_FALSE(ParseEfCom(HexOrDie("61035C0161")).ok());    // wrong outer tag
  EXPECT_FALSE(ParseEfCom(HexOrDie("60055C036175")).ok());  // truncated
}

}  // namespace
}  // namespace docval::emrtd
