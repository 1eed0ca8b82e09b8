#include "validator/result_json/result_json.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace docval {
namespace {

std::vector<std::string> Keys(const nlohmann::ordered_json& j) {
  std::vector<std::string> k;
  for (auto it = j.begin(); it != j.end(); ++it) k.push_back(it.key());
  return k;
}

TEST(ResultJsonTest, EmptyResultHasEveryRequiredKeyInOrder) {
  nlohmann::ordered_json j = ResultToJson(emrtd::EmrtdResult());
  EXPECT_THAT(Keys(j), testing::ElementsAre("sod_info", "mrz_info", "face_photo", "signature_photos",
                                            "additional_personal_details", "additional_document_details",
                                            "passive_authentication", "passive_authentication_details",
                                            "chip_authentication_result", "active_authentication_result", "errors"));
  EXPECT_TRUE(j["mrz_info"].is_null());
  EXPECT_TRUE(j["errors"].is_array());
  EXPECT_EQ(j["chip_authentication_result"], "UNAVAILABLE");
  EXPECT_TRUE(j["passive_authentication_details"].contains("error"));
  EXPECT_TRUE(j["passive_authentication_details"]["error"].is_null());
}

TEST(ResultJsonTest, CamelCaseKeysForV2) {
  emrtd::EmrtdResult r;
  r.sod_info = emrtd::SodInfo{"SHA-256", {{1, {0xAB}}, {14, {0x01, 0x02}}}};
  nlohmann::ordered_json j = ResultToJson(r, JsonCase::kCamel);
  EXPECT_EQ(j["sodInfo"]["hashAlgorithm"], "SHA-256");
  EXPECT_EQ(j["sodInfo"]["hashForDataGroup"]["14"], "AQI=");
  EXPECT_TRUE(j.contains("passiveAuthenticationDetails"));
  EXPECT_TRUE(j["passiveAuthenticationDetails"].contains("allHashesValid"));
}

TEST(ResultJsonTest, MrzAndEnums) {
  emrtd::EmrtdResult r;
  emrtd::MrzInfo m;
  m.document_type = "TD3";
  m.gender = emrtd::Gender::kFemale;
  m.secondary_identifier = {"ANNA", "MARIA"};
  r.mrz_info = m;
  r.active_authentication_result = emrtd::CheckResult::kSuccess;
  r.files_binary = {{"sod", {1, 2, 3}}};
  nlohmann::ordered_json j = ResultToJson(r);
  EXPECT_EQ(j["mrz_info"]["gender"], "FEMALE");
  EXPECT_TRUE(j["mrz_info"]["optional_data2"].is_null());
  EXPECT_EQ(j["mrz_info"]["secondary_identifier"][1], "MARIA");
  EXPECT_EQ(j["active_authentication_result"], "SUCCESS");
  EXPECT_EQ(j["files_binary"]["sod"], "AQID");
  EXPECT_EQ(Keys(j).back(), "files_binary");
}

TEST(ResultJsonTest, Base64MatchesRfc4648Vectors) {
  auto b = [](const char* s) { return Base64Encode(emrtd::ByteSpan(reinterpret_cast<const uint8_t*>(s), strlen(s))); };
  EXPECT_EQ(b(""), "");
  EXPECT_EQ(b("f"), "Zg==");
  EXPECT_EQ(b("fo"), "Zm8=");
  EXPECT_EQ(b("foo"), "Zm9v");
  EXPECT_EQ(b("foob"), "Zm9vYg==");
  EXPECT_EQ(b("fooba"), "Zm9vYmE=");
  EXPECT_EQ(b("foobar"), "Zm9vYmFy");
}

TEST(ResultJsonTest, BodiesWrapTheResult) {
  nlohmann::json body = nlohmann::json::parse(ResultServerBody(emrtd::EmrtdResult(), "v-42"));
  EXPECT_EQ(body["client_validation_id"], "v-42");
  EXPECT_TRUE(body["emrtd_passport"].is_object());
  nlohmann::json frame = nlohmann::json::parse(ResultFrameV1(emrtd::EmrtdResult()));
  EXPECT_EQ(frame.size(), 1u);
  EXPECT_TRUE(frame["emrtd_passport"]["errors"].is_array());
}

}  // namespace
}  // namespace docval
