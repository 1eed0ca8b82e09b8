#include "common/result_proto.h"

#include "gtest/gtest.h"

namespace docval {
namespace {

bool Same(const emrtd::EmrtdResult& a, const emrtd::EmrtdResult& b) {
  v1::EmrtdResult pa, pb;
  ToProto(a, &pa);
  ToProto(b, &pb);
  return pa.SerializeAsString() == pb.SerializeAsString();
}

TEST(ResultProtoTest, RoundTripsAFullResult) {
  emrtd::EmrtdResult r;
  r.sod_info = emrtd::SodInfo{"SHA-256", {{1, {1, 2}}, {2, {3}}}};
  emrtd::MrzInfo m;
  m.document_type = "TD1";
  m.secondary_identifier = {"ERIKA", "MARIA"};
  m.gender = emrtd::Gender::kFemale;
  m.optional_data2 = "";
  r.mrz_info = m;
  r.face_photo = emrtd::Bytes{0xFF, 0xD8};
  r.signature_photos = std::vector<emrtd::Bytes>{};
  emrtd::AdditionalPersonalDetails d;
  d.other_names = std::vector<std::string>{};
  d.place_of_birth = "BERLIN";
  r.additional_personal_details = d;
  r.passive_authentication_details.error = "x";
  r.passive_authentication_details.data_groups_checked = {1, 2};
  r.chip_authentication_result = emrtd::CheckResult::kFailed;
  r.errors = {"e1"};
  r.files_binary = {{"sod", {9}}};
  emrtd::EmrtdResult back;
  v1::EmrtdResult p;
  ToProto(r, &p);
  back = FromProto(p);
  EXPECT_TRUE(Same(r, back));
  ASSERT_TRUE(back.mrz_info.has_value());
  EXPECT_EQ(back.mrz_info->optional_data2, std::optional<std::string>(""));
  ASSERT_TRUE(back.signature_photos.has_value());  // empty list, not null
  EXPECT_TRUE(back.signature_photos->empty());
  ASSERT_TRUE(back.additional_personal_details->other_names.has_value());
  EXPECT_FALSE(back.additional_personal_details->permanent_address.has_value());
  EXPECT_FALSE(back.additional_document_details.has_value());
  EXPECT_EQ(back.chip_authentication_result, emrtd::CheckResult::kFailed);
  EXPECT_EQ(back.active_authentication_result, emrtd::CheckResult::kUnavailable);
}

TEST(ResultProtoTest, AbsentStaysAbsent) {
  emrtd::EmrtdResult r;
  v1::EmrtdResult p;
  ToProto(r, &p);
  EXPECT_FALSE(p.has_mrz_info());
  EXPECT_FALSE(p.has_face_photo());
  EXPECT_FALSE(p.passive_authentication_details().has_error());
  emrtd::EmrtdResult back = FromProto(p);
  EXPECT_FALSE(back.sod_info.has_value());
  EXPECT_FALSE(back.passive_authentication_details.error.has_value());
}

}  // namespace
}  // namespace docval
