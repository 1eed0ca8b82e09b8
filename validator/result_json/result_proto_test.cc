// The conversion between the core's EmrtdResult and docval.v1.EmrtdResult loses nothing.
//
// Why these tests can fail when a field is dropped anywhere:
// - Full() sets every member of every result struct to a value other than its default; the
//   structured bindings of Members() name each member, so a member added to a struct breaks this
//   test's build until it is named there, and EveryMemberIsSet fails until Full() sets it;
// - the round trip compares with the structs' defaulted operator==, which compares every member;
// - every field of the message made from Full() is set, so a proto field ToProto() forgets fails too.
#include "validator/result_json/result_proto.h"

#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace docval {
namespace {

using ::testing::IsEmpty;

emrtd::EmrtdResult Full() {
  emrtd::EmrtdResult r;
  r.sod_info = emrtd::SodInfo{"SHA-256", {{1, {0x01, 0x02}}, {2, {0x03}}, {14, {0x0E}}}};
  r.mrz_info = emrtd::MrzInfo{"TD1",          "ID",     "UTO",           "ERIKSSON",      {"ANNA", "MARIA"},
                              "UTO",          "D231458907", "740812",    emrtd::Gender::kFemale, "120415",
                              "ZE184226B<<<<<", std::string("1<<<")};
  r.face_photo = emrtd::Bytes{0xFF, 0xD8, 0xFF, 0xE0};
  r.signature_photos = std::vector<emrtd::Bytes>{{0xFF, 0xD8}, {0x00, 0x00, 0x00, 0x0C}};
  r.additional_personal_details = emrtd::AdditionalPersonalDetails{"ERIKSSON<<ANNA<MARIA",
                                                                   std::vector<std::string>{"ANNA<<SVENSSON"},
                                                                   "123456789",
                                                                   "19740812",
                                                                   "ZENITH",
                                                                   std::vector<std::string>{"1 MAIN ST", "ZENITH"},
                                                                   "+1 555 0100",
                                                                   "ENGINEER",
                                                                   "DR",
                                                                   "SUMMARY",
                                                                   emrtd::Bytes{0x25, 0x50, 0x44, 0x46},
                                                                   std::vector<std::string>{"X1234", "Y5678"},
                                                                   "CUSTODY"};
  r.additional_document_details = emrtd::AdditionalDocumentDetails{
      "CITY OF ZENITH", "20120415", "ANNA; BJORN", "NONE", "EXIT OK", emrtd::Bytes{0x01}, emrtd::Bytes{0x02},
      "20120415103000", "SN-0042"};
  r.passive_authentication = true;
  r.passive_authentication_details = {true, true, {1, 2, 14}, {1, 14}, std::string("DG2: hash mismatch"), true,
                                    {"the CRL of C=UT has expired"}};
  r.chip_authentication_result = emrtd::CheckResult::kSuccess;
  r.active_authentication_result = emrtd::CheckResult::kFailed;
  r.errors = {"DG11: truncated"};
  r.files_binary = {{"sod", {0x77}}, {"dg1", {0x61}}, {"dg14", {0x6E}}};
  return r;
}

// The members of each result struct, in declaration order. The number of names must match the
// struct's members, or this does not compile.
auto Members(const emrtd::SodInfo& v) {
  const auto& [a, b] = v;
  return std::tie(a, b);
}
auto Members(const emrtd::MrzInfo& v) {
  const auto& [a, b, c, d, e, f, g, h, i, j, k, l] = v;
  return std::tie(a, b, c, d, e, f, g, h, i, j, k, l);
}
auto Members(const emrtd::AdditionalPersonalDetails& v) {
  const auto& [a, b, c, d, e, f, g, h, i, j, k, l, m] = v;
  return std::tie(a, b, c, d, e, f, g, h, i, j, k, l, m);
}
auto Members(const emrtd::AdditionalDocumentDetails& v) {
  const auto& [a, b, c, d, e, f, g, h, i] = v;
  return std::tie(a, b, c, d, e, f, g, h, i);
}
auto Members(const emrtd::PassiveAuthenticationDetails& v) {
  const auto& [a, b, c, d, e, f, g] = v;
  return std::tie(a, b, c, d, e, f, g);
}
auto Members(const emrtd::EmrtdResult& v) {
  const auto& [a, b, c, d, e, f, g, h, i, j, k, l] = v;
  return std::tie(a, b, c, d, e, f, g, h, i, j, k, l);
}

// The positions (0-based) of the members of `v` that equal those of a default-constructed T.
template <typename T>
std::vector<size_t> DefaultMembers(const T& v) {
  const T def;
  auto a = Members(v);
  auto b = Members(def);
  std::vector<size_t> out;
  [&]<size_t... I>(std::index_sequence<I...>) {
    ((std::get<I>(a) == std::get<I>(b) ? out.push_back(I) : void()), ...);
  }(std::make_index_sequence<std::tuple_size_v<decltype(a)>>());
  return out;
}

TEST(ResultProtoTest, FullSetsEveryMember) {
  const emrtd::EmrtdResult r = Full();
  EXPECT_THAT(DefaultMembers(r), IsEmpty());
  EXPECT_THAT(DefaultMembers(*r.sod_info), IsEmpty());
  EXPECT_THAT(DefaultMembers(*r.mrz_info), IsEmpty());
  EXPECT_THAT(DefaultMembers(*r.additional_personal_details), IsEmpty());
  EXPECT_THAT(DefaultMembers(*r.additional_document_details), IsEmpty());
  EXPECT_THAT(DefaultMembers(r.passive_authentication_details), IsEmpty());
}

// Every field of `m` is set: present, non-default, or a non-empty list (recursively).
void ExpectEveryFieldSet(const google::protobuf::Message& m, const std::string& path) {
  const google::protobuf::Descriptor* d = m.GetDescriptor();
  const google::protobuf::Reflection* r = m.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* f = d->field(i);
    const std::string where = absl::StrCat(path, ".", f->name());
    const bool message = f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE;
    if (f->is_repeated()) {
      EXPECT_GT(r->FieldSize(m, f), 0) << where;
      for (int j = 0; message && j < r->FieldSize(m, f); ++j) {
        ExpectEveryFieldSet(r->GetRepeatedMessage(m, f, j), absl::StrCat(where, "[", j, "]"));
      }
    } else {
      EXPECT_TRUE(r->HasField(m, f)) << where;
      if (message && r->HasField(m, f)) ExpectEveryFieldSet(r->GetMessage(m, f), where);
    }
  }
}

TEST(ResultProtoTest, ToProtoSetsEveryFieldOfTheMessage) { ExpectEveryFieldSet(ToProto(Full()), "EmrtdResult"); }

TEST(ResultProtoTest, RoundTripKeepsEveryMember) {
  const emrtd::EmrtdResult r = Full();
  EXPECT_TRUE(FromProto(ToProto(r)) == r);
}

TEST(ResultProtoTest, RoundTripKeepsEmptyApartFromAbsent) {
  emrtd::EmrtdResult r;
  EXPECT_TRUE(FromProto(ToProto(r)) == r);
  // Present but empty is not absent: "" and [] stay, null stays null.
  r.mrz_info = emrtd::MrzInfo{};
  r.mrz_info->optional_data2 = "";
  r.signature_photos = std::vector<emrtd::Bytes>{};
  r.additional_personal_details = emrtd::AdditionalPersonalDetails{};
  r.additional_personal_details->other_names = std::vector<std::string>{};
  r.additional_personal_details->proof_of_citizenship_image = emrtd::Bytes{};
  r.additional_document_details = emrtd::AdditionalDocumentDetails{};
  r.passive_authentication_details.error = "";
  r.face_photo = emrtd::Bytes{};
  const emrtd::EmrtdResult back = FromProto(ToProto(r));
  EXPECT_TRUE(back == r);
  EXPECT_FALSE(back.sod_info.has_value());
  EXPECT_FALSE(back.additional_personal_details->permanent_address.has_value());
  EXPECT_FALSE(back.additional_document_details->image_of_front.has_value());
}

TEST(ResultProtoTest, EveryEnumValueRoundTrips) {
  emrtd::EmrtdResult r = Full();
  for (emrtd::Gender g : {emrtd::Gender::kUnspecified, emrtd::Gender::kMale, emrtd::Gender::kFemale}) {
    r.mrz_info->gender = g;
    EXPECT_TRUE(FromProto(ToProto(r)) == r);
  }
  for (emrtd::CheckResult c :
       {emrtd::CheckResult::kSuccess, emrtd::CheckResult::kFailed, emrtd::CheckResult::kUnavailable}) {
    r.chip_authentication_result = c;
    r.active_authentication_result = c;
    EXPECT_TRUE(FromProto(ToProto(r)) == r);
  }
}

TEST(ResultProtoTest, UnknownEnumNumbersReadAsTheDefault) {
  v1::EmrtdResult p = ToProto(Full());
  p.set_chip_authentication_result(static_cast<v1::CheckResult>(42));  // from a newer validator
  p.mutable_mrz_info()->set_gender(static_cast<v1::Gender>(7));
  const emrtd::EmrtdResult r = FromProto(p);
  EXPECT_EQ(r.chip_authentication_result, emrtd::CheckResult::kUnavailable);
  EXPECT_EQ(r.mrz_info->gender, emrtd::Gender::kUnspecified);
}

}  // namespace
}  // namespace docval
