#include "tools/chip_cli/chip_session.h"

#include <gtest/gtest.h>

#include "tools/chip_cli/chip_main.h"
#include "tools/testpki/passport_factory.h"

namespace docval::chip_cli {
namespace {

vchip::ChipProfile MrzProfile() {
  vchip::ChipProfile p;
  p.secrets = {"C01X00T47", "840812", "330101", "123456"};
  p.client_access_key.document_number = "C01X00T47";
  p.client_access_key.date_of_birth = "840812";
  p.client_access_key.date_of_expiry = "330101";
  return p;
}

TEST(ChipSessionTest, StartMessageCarriesTheProfilesKey) {
  SessionOptions o;
  o.client_id = "client-1";
  o.validation_id = "v-1";
  auto s = BuildStartMessage(MrzProfile(), o);
  ASSERT_TRUE(s.ok()) << s.status();
  auto j = nlohmann::json::parse(*s);
  EXPECT_EQ(j["client_id"], "client-1");
  EXPECT_EQ(j["validation_id"], "v-1");
  EXPECT_EQ(j["access_key"]["document_number"], "C01X00T47");
  EXPECT_EQ(j["access_key"]["date_of_birth"], "840812");
  EXPECT_EQ(j["access_key"]["date_of_expiry"], "330101");
  EXPECT_FALSE(j["access_key"].contains("can"));
  EXPECT_EQ(j["nfc_adapter_supports_extended_length"], true);
  EXPECT_EQ(j["platform"], "android");
  EXPECT_FALSE(j.contains("max_command_bytes"));

  o.wrong_key = true;
  o.max_response_bytes = 231;
  o.extended_length = false;
  j = nlohmann::json::parse(*BuildStartMessage(MrzProfile(), o));
  EXPECT_EQ(j["access_key"]["date_of_birth"], "840811");
  EXPECT_EQ(j["max_response_bytes"], 231);
  EXPECT_EQ(j["nfc_adapter_supports_extended_length"], false);
}

TEST(ChipSessionTest, CanKeyAndChoices) {
  vchip::ChipProfile p = MrzProfile();
  p.client_access_key = {};
  p.client_access_key.can = "654321";
  SessionOptions o;
  auto j = nlohmann::json::parse(*BuildStartMessage(p, o));
  EXPECT_EQ(j["access_key"], nlohmann::json({{"can", "654321"}}));
  o.key = KeyChoice::kMrz;  // the chip's own MRZ when the phone was given only the CAN
  j = nlohmann::json::parse(*BuildStartMessage(p, o));
  EXPECT_EQ(j["access_key"]["document_number"], "C01X00T47");
  o.key = KeyChoice::kCan;
  o.wrong_key = true;
  j = nlohmann::json::parse(*BuildStartMessage(p, o));
  EXPECT_EQ(j["access_key"]["can"], "000000");
  p.secrets.can.clear();
  p.client_access_key.can.clear();
  EXPECT_FALSE(BuildStartMessage(p, o).ok());
  // Quirky chips announce no extended length by default.
  p.quirks.extended_length = false;
  o.key = KeyChoice::kMrz;
  o.wrong_key = false;
  j = nlohmann::json::parse(*BuildStartMessage(p, o));
  EXPECT_EQ(j["nfc_adapter_supports_extended_length"], false);
}

SessionReport Closed(int code, const std::string& reason) {
  SessionReport r;
  r.close_code = code;
  r.close_reason = reason;
  return r;
}

TEST(ChipSessionTest, CheckExpectation) {
  vchip::Expectation ok{1000, "", true, "SUCCESS", "UNAVAILABLE", ""};
  SessionReport r = Closed(1000, "");
  r.result = nlohmann::json{{"emrtd_passport",
                             {{"passive_authentication", true},
                              {"chip_authentication_result", "SUCCESS"},
                              {"active_authentication_result", "UNAVAILABLE"}}}};
  EXPECT_TRUE(CheckExpectation(ok, r).empty());
  r.result->at("emrtd_passport")["chip_authentication_result"] = "FAILED";
  EXPECT_EQ(CheckExpectation(ok, r).size(), 1u);
  r.result.reset();
  EXPECT_EQ(CheckExpectation(ok, r).size(), 1u);  // no result frame
  vchip::Expectation denied{4403, "ACCESS_CONTROL_FAILED", std::nullopt, "", "", ""};
  EXPECT_TRUE(CheckExpectation(denied, Closed(4403, "ACCESS_CONTROL_FAILED")).empty());
  EXPECT_EQ(CheckExpectation(denied, Closed(1000, "")).size(), 2u);
  SessionReport broken;
  broken.transport = absl::UnavailableError("refused");
  EXPECT_EQ(CheckExpectation(ok, broken).size(), 1u);
}

TEST(ChipSessionTest, Summary) {
  std::vector<SessionReport> rs;
  for (int i = 1; i <= 20; ++i) {
    SessionReport r = Closed(i == 20 ? 1011 : 1000, "");
    r.elapsed = absl::Milliseconds(10 * i);
    rs.push_back(r);
  }
  SessionReport broken;
  broken.transport = absl::UnavailableError("x");
  rs.push_back(broken);
  LoadSummary s = Summarize(rs, absl::Seconds(2));
  EXPECT_EQ(s.sessions, 21u);
  EXPECT_EQ(s.transport_errors, 1u);
  EXPECT_EQ(s.by_close_code[1000], 19u);
  EXPECT_EQ(s.by_close_code[1011], 1u);
  EXPECT_EQ(s.p50, absl::Milliseconds(110));
  EXPECT_EQ(s.p95, absl::Milliseconds(190));
  EXPECT_EQ(s.max, absl::Milliseconds(200));
  EXPECT_DOUBLE_EQ(s.sessions_per_second, 10.5);
  EXPECT_NE(FormatSummary(s).find("close 1011: 1"), std::string::npos);
}

TEST(ChipSessionTest, UnreachableServerIsATransportError) {
  SessionOptions o;
  o.url = "ws://127.0.0.1:1/ws1/validate";
  o.client_id = "c";
  o.seed = 1;
  SessionReport r = RunSession(MrzProfile(), o);
  EXPECT_FALSE(r.transport.ok());
  EXPECT_EQ(r.close_code, 0);
}

TEST(ChipMainTest, ArgumentErrors) {
  char prog[] = "chip";
  char url[] = "--url=ws://127.0.0.1:1/ws1/validate";
  char id[] = "--client-id=c";
  char missing[] = "--profile=/nonexistent/profile.json";
  char bogus[] = "--bogus";
  char* no_profile[] = {prog, url, id};
  EXPECT_EQ(ChipMain(3, no_profile), 2);
  char* unknown[] = {prog, url, id, bogus};
  EXPECT_EQ(ChipMain(4, unknown), 2);
  char* not_found[] = {prog, url, id, missing};
  EXPECT_EQ(ChipMain(4, not_found), 2);
}

}  // namespace
}  // namespace docval::chip_cli
