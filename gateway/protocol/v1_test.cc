#include "gateway/protocol/v1.h"

#include <nlohmann/json.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace docval::gateway::ws1 {
namespace {

constexpr char kValid[] = R"({"client_id":"demo","validation_id":"v-1","platform":"Android",
  "nfc_adapter_supports_extended_length":true,"max_command_bytes":65544,"max_response_bytes":70000,
  "access_key":{"document_number":"l898902c3","date_of_birth":"740812","date_of_expiry":"120415"},
  "some_future_field":{"x":1}})";

TEST(StartMessageTest, AcceptsValidMessageAndNormalises) {
  StartMessageResult r = ParseStartMessage(kValid);
  ASSERT_TRUE(r.message.has_value()) << r.detail;
  EXPECT_EQ(r.message->client_id, "demo");
  EXPECT_EQ(r.message->validation_id, "v-1");
  EXPECT_EQ(r.message->platform, "android");
  EXPECT_TRUE(r.message->nfc_adapter_supports_extended_length);
  EXPECT_EQ(r.message->max_command_bytes, 65544);
  EXPECT_EQ(r.message->max_response_bytes, kMaxResponseLimit);  // capped
  EXPECT_EQ(r.message->access_key.document_number, "L898902C3");
  EXPECT_FALSE(r.message->access_key.has_can());
  EXPECT_FALSE(r.message->enable_diagnostics);
}

TEST(StartMessageTest, AcceptsCanAndBoth) {
  StartMessageResult r = ParseStartMessage(
      R"({"client_id":"a","validation_id":"b","platform":"IOS","nfc_adapter_supports_extended_length":false,
          "access_key":{"can":"123456"},"enable_diagnostics":true})");
  ASSERT_TRUE(r.message.has_value()) << r.detail;
  EXPECT_EQ(r.message->access_key.can, "123456");
  EXPECT_EQ(r.message->platform, "ios");
  EXPECT_TRUE(r.message->enable_diagnostics);
  r = ParseStartMessage(
      R"({"client_id":"a","validation_id":"b","platform":"ios","nfc_adapter_supports_extended_length":false,
          "access_key":{"can":"123456","document_number":"X1","date_of_birth":"000229","date_of_expiry":"301231"}})");
  ASSERT_TRUE(r.message.has_value()) << r.detail;
  EXPECT_TRUE(r.message->access_key.has_can());
  EXPECT_TRUE(r.message->access_key.has_mrz());
}

struct BadCase {
  const char* text;
  CloseReason reason;
};

TEST(StartMessageTest, RejectsWithTheDocumentedReason) {
  const std::string base_head = R"({"client_id":"a","validation_id":"b","platform":"android",)";
  const BadCase cases[] = {
      {"not json", CloseReason::kInvalidStartMessage},
      {"[1,2]", CloseReason::kInvalidStartMessage},
      {"\"text\"", CloseReason::kInvalidStartMessage},
      {R"({"validation_id":"b","platform":"android","nfc_adapter_supports_extended_length":true,"access_key":{"can":"123456"}})",
       CloseReason::kInvalidStartMessage},  // client_id missing
      {R"({"client_id":5,"validation_id":"b","platform":"android","nfc_adapter_supports_extended_length":true,"access_key":{"can":"123456"}})",
       CloseReason::kInvalidStartMessage},  // wrong type
      {R"({"client_id":"a","validation_id":"b","platform":"android","access_key":{"can":"123456"}})",
       CloseReason::kInvalidStartMessage},  // extended-length flag missing
      {R"({"client_id":"a","validation_id":"b","platform":"android","nfc_adapter_supports_extended_length":"yes","access_key":{"can":"123456"}})",
       CloseReason::kInvalidStartMessage},
      {R"({"client_id":"a","validation_id":"b","platform":"android","nfc_adapter_supports_extended_length":true,"access_key":{}})",
       CloseReason::kInvalidStartMessage},
      {R"({"client_id":"a","validation_id":"b","platform":"android","nfc_adapter_supports_extended_length":true,"access_key":{"document_number":"X"}})",
       CloseReason::kInvalidStartMessage},  // partial MRZ
      {R"({"client_id":"a","validation_id":"b","platform":"android","nfc_adapter_supports_extended_length":true,"access_key":{"can":123456}})",
       CloseReason::kInvalidStartMessage},
      {R"({"client_id":"a","validation_id":"b","platform":"android","nfc_adapter_supports_extended_length":true,"max_response_bytes":"big","access_key":{"can":"123456"}})",
       CloseReason::kInvalidStartMessage},
      {R"({"client_id":"a","validation_id":"b","platform":"android","nfc_adapter_supports_extended_length":true,"max_response_bytes":10,"access_key":{"can":"123456"}})",
       CloseReason::kInvalidStartMessage},
      {R"({"client_id":"a","validation_id":"b","platform":"android","nfc_adapter_supports_extended_length":true,"access_key":{"can":"12345"}})",
       CloseReason::kInvalidAccessKeyValues},
      {R"({"client_id":"a","validation_id":"b","platform":"android","nfc_adapter_supports_extended_length":true,"access_key":{"can":"12345a"}})",
       CloseReason::kInvalidAccessKeyValues},
      {R"({"client_id":"a","validation_id":"b","platform":"android","nfc_adapter_supports_extended_length":true,"access_key":{"document_number":"L89-8902","date_of_birth":"740812","date_of_expiry":"120415"}})",
       CloseReason::kInvalidAccessKeyValues},
      {R"({"client_id":"a","validation_id":"b","platform":"android","nfc_adapter_supports_extended_length":true,"access_key":{"document_number":"L898902C3","date_of_birth":"741312","date_of_expiry":"120415"}})",
       CloseReason::kInvalidAccessKeyValues},
      {R"({"client_id":"a","validation_id":"b","platform":"android","nfc_adapter_supports_extended_length":true,"access_key":{"document_number":"L898902C3","date_of_birth":"740812","date_of_expiry":"120431"}})",
       CloseReason::kInvalidAccessKeyValues},
      {R"({"client_id":"a","validation_id":"b","platform":"android","nfc_adapter_supports_extended_length":true,"access_key":{"document_number":"12345678901234567890123","date_of_birth":"740812","date_of_expiry":"120415"}})",
       CloseReason::kInvalidAccessKeyValues},
  };
  for (const BadCase& c : cases) {
    StartMessageResult r = ParseStartMessage(c.text);
    EXPECT_FALSE(r.message.has_value()) << c.text;
    EXPECT_EQ(r.reason, c.reason) << c.text << " -> " << r.detail;
    EXPECT_FALSE(r.detail.empty());
  }
}

TEST(StartMessageTest, DetailNeverCarriesTheSecret) {
  StartMessageResult r = ParseStartMessage(
      R"({"client_id":"a","validation_id":"b","platform":"x","nfc_adapter_supports_extended_length":true,"access_key":{"can":"98765z"}})");
  EXPECT_EQ(r.reason, CloseReason::kInvalidAccessKeyValues);
  EXPECT_EQ(r.detail.find("98765z"), std::string::npos);
}

TEST(MrzDateTest, RealDatesOnly) {
  EXPECT_TRUE(IsValidMrzDate("000229"));
  EXPECT_FALSE(IsValidMrzDate("010229"));
  EXPECT_FALSE(IsValidMrzDate("991131"));
  EXPECT_TRUE(IsValidMrzDate("991130"));
  EXPECT_FALSE(IsValidMrzDate("9911301"));
  EXPECT_FALSE(IsValidMrzDate("99113a"));
  EXPECT_FALSE(IsValidMrzDate("990000"));
}

TEST(HandshakeQueryTest, ToleratesTrailingAmpersandAndOthers) {
  EXPECT_TRUE(ParseHandshakeQuery("/ws1/validate?return_result=true").return_result);
  EXPECT_TRUE(ParseHandshakeQuery("/ws1/validate?return_result=true&").return_result);
  EXPECT_TRUE(ParseHandshakeQuery("/ws1/validate?&&x=&return_result=TRUE&y").return_result);
  EXPECT_FALSE(ParseHandshakeQuery("/ws1/validate?return_result=false").return_result);
  EXPECT_FALSE(ParseHandshakeQuery("/ws1/validate").return_result);
  EXPECT_FALSE(ParseHandshakeQuery("/ws1/validate?").return_result);
}

TEST(FramesTest, CloseNoticeAndStatus) {
  EXPECT_EQ(CloseNoticeFrame(CloseReason::kSuccess), R"({"close_code":1000,"close_reason":""})");
  EXPECT_EQ(CloseNoticeFrame(CloseReason::kInvalidClientId),
            R"({"close_code":4401,"close_reason":"INVALID_CLIENT_ID"})");
  EXPECT_EQ(StatusFrame("READ_SOD"), R"({"status":"READ_SOD"})");
}

}  // namespace
}  // namespace docval::gateway::ws1
