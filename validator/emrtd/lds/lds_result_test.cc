#include "validator/emrtd/lds/lds_result.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "validator/emrtd/lds/dg2.h"
#include "validator/emrtd/testing/vectors.h"

namespace docval::emrtd {
namespace {

TEST(LdsResult, FillsTheFieldsOfEachDataGroup) {
  EmrtdResult r;
  ASSERT_TRUE(ApplyDataGroup(1, testing::ReadVector("lds-samples/jmrtd-bsi2008/Datagroup1.bin"), r).ok());
  ASSERT_TRUE(r.mrz_info.has_value());
  EXPECT_EQ(r.mrz_info->primary_identifier, "MUSTERMANN");
  Bytes dg2 = testing::ReadVector("lds-samples/jmrtd-bsi2008/Datagroup2.bin");
  ASSERT_TRUE(ApplyDataGroup(2, dg2, r).ok());
  ASSERT_TRUE(r.face_photo.has_value());
  EXPECT_EQ(*r.face_photo, ParseDg2(dg2)->images[0].data);
  ASSERT_TRUE(ApplyDataGroup(7, HexOrDie("67085F4305FFD8FFD9AA"), r).ok());
  ASSERT_TRUE(r.signature_photos.has_value());
  EXPECT_EQ(r.signature_photos->size(), 1u);
  ASSERT_TRUE(ApplyDataGroup(11, HexOrDie("6B055F0E02413C"), r).ok());
  EXPECT_EQ(r.additional_personal_details->full_name_of_holder, "A<");
  ASSERT_TRUE(ApplyDataGroup(12, HexOrDie("6C055F19024142"), r).ok());
  EXPECT_EQ(r.additional_document_details->issuing_authority, "AB");
  // DG3, DG14, DG15 carry nothing into the result.
  EXPECT_TRUE(ApplyDataGroup(15, HexOrDie("00"), r).ok());
  EXPECT_TRUE(r.errors.empty());
}

TEST(LdsResult, ErrorsNameTheDataGroupAndLeaveTheFieldNull) {
  EmrtdResult r;
  absl::Status s = ApplyDataGroup(11, HexOrDie("6B05"), r);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), ::testing::StartsWith("DG11: "));
  EXPECT_FALSE(r.additional_personal_details.has_value());
  s = ApplyDataGroup(1, HexOrDie("6100"), r);
  EXPECT_THAT(std::string(s.message()), ::testing::StartsWith("DG1: "));
  s = ApplyDataGroup(2, HexOrDie("7500"), r);
  EXPECT_THAT(std::string(s.message()), ::testing::StartsWith("DG2: "));
  EXPECT_FALSE(r.face_photo.has_value());
}

}  // namespace
}  // namespace docval::emrtd
