#include "gateway/protocol/v4.h"

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace docval::gateway::v4 {
namespace {

constexpr char kType[] = "multipart/form-data; boundary=b0";
const std::vector<std::string> kClients = {"demo", "other"};

std::string Field(const std::string& name, const std::string& content) {
  return "--b0\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" + name +
         ".bin\"\r\nContent-Type: application/octet-stream\r\n\r\n" + content + "\r\n";
}
std::string Text(const std::string& name, const std::string& content) {
  return "--b0\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + content + "\r\n";
}
constexpr char kClose[] = "--b0--\r\n";

TEST(ParseValidateRequestTest, AcceptsClientSodAndDataGroups) {
  ParsedRequest p = ParseValidateRequest(
      kType, Text("client_id", "other") + Field("sod", "S") + Field("dg1", "one") + Field("dg16", "sixteen") + kClose,
      kClients);
  ASSERT_TRUE(p.request.has_value()) << p.error.message;
  EXPECT_EQ(p.request->client_id, "other");
  EXPECT_EQ(p.request->sod, "S");
  ASSERT_EQ(p.request->data_groups.size(), 2u);
  EXPECT_EQ(p.request->data_groups.at(1), "one");
  EXPECT_EQ(p.request->data_groups.at(16), "sixteen");
}

struct Case {
  std::string name;
  std::string content_type;
  std::string body;
  int status;
  std::string error;
  std::optional<std::string> field;
};

TEST(ParseValidateRequestTest, EachBadRequestHasItsStatusAndField) {
  const std::string ok = Text("client_id", "demo") + Field("sod", "S");
  emrtd::SessionLimits limits;
  const Case cases[] = {
      {"json", "application/json", "{}", 415, "unsupported_media_type", std::nullopt},
      {"no content type", "", ok + kClose, 415, "unsupported_media_type", std::nullopt},
      {"no boundary", "multipart/form-data", ok + kClose, 400, "malformed_request", std::nullopt},
      {"no close delimiter", kType, ok, 400, "malformed_request", "sod"},
      {"twice", kType, ok + Field("sod", "T") + kClose, 400, "malformed_request", "sod"},
      {"unknown field", kType, ok + Field("dg17", "x") + kClose, 400, "unknown_field", "dg17"},
      {"dg0", kType, ok + Field("dg0", "x") + kClose, 400, "unknown_field", "dg0"},
      {"dg01", kType, ok + Field("dg01", "x") + kClose, 400, "unknown_field", "dg01"},
      {"DG1 upper case", kType, ok + Field("DG1", "x") + kClose, 400, "unknown_field", "DG1"},
      {"no client", kType, Field("sod", "S") + kClose, 400, "missing_field", "client_id"},
      {"empty client", kType, Text("client_id", "") + Field("sod", "S") + kClose, 400, "missing_field", "client_id"},
      {"unknown client", kType, Text("client_id", "demo2") + Field("sod", "S") + kClose, 401, "unknown_client",
       "client_id"},
      {"prefix of a client", kType, Text("client_id", "dem") + Field("sod", "S") + kClose, 401, "unknown_client",
       "client_id"},
      {"no sod", kType, Text("client_id", "demo") + Field("dg1", "x") + kClose, 400, "missing_field", "sod"},
      {"empty sod", kType, Text("client_id", "demo") + Field("sod", "") + kClose, 400, "missing_field", "sod"},
      {"empty dg", kType, ok + Field("dg2", "") + kClose, 400, "empty_field", "dg2"},
      {"sod over its cap", kType, Text("client_id", "demo") + Field("sod", std::string(limits.max_sod_bytes + 1, 's')) +
                                      kClose,
       413, "too_large", "sod"},
      {"dg1 over its cap", kType, ok + Field("dg1", std::string(limits.max_dg1_bytes + 1, 'm')) + kClose, 413,
       "too_large", "dg1"},
      {"client_id over its cap", kType, Text("client_id", std::string(kMaxClientIdBytes + 1, 'c')) + kClose, 413,
       "too_large", "client_id"},
  };
  for (const Case& c : cases) {
    ParsedRequest p = ParseValidateRequest(c.content_type, c.body, kClients);
    ASSERT_FALSE(p.request.has_value()) << c.name;
    EXPECT_EQ(p.error.http_status, c.status) << c.name << ": " << p.error.message;
    EXPECT_EQ(p.error.error, c.error) << c.name << ": " << p.error.message;
    EXPECT_EQ(p.error.field, c.field) << c.name << ": " << p.error.message;
  }
}

TEST(ParseValidateRequestTest, PerFileCapsComeFromSessionLimits) {
  emrtd::SessionLimits limits;
  limits.max_dg1_bytes = 4;
  const std::string head = Text("client_id", "demo") + Field("sod", "S");
  EXPECT_TRUE(ParseValidateRequest(kType, head + Field("dg1", "1234") + kClose, kClients, limits).request.has_value());
  ParsedRequest p = ParseValidateRequest(kType, head + Field("dg1", "12345") + kClose, kClients, limits);
  EXPECT_EQ(p.error.http_status, 413);
  EXPECT_EQ(p.error.field, "dg1");
}

TEST(ParseValidateRequestTest, AllFilesTogetherAreCappedByTheSessionTotal) {
  emrtd::SessionLimits limits;
  limits.max_total_bytes = 10;
  const std::string head = Text("client_id", "demo") + Field("sod", "SSSSS");
  EXPECT_TRUE(ParseValidateRequest(kType, head + Field("dg1", "12345") + kClose, kClients, limits).request.has_value());
  ParsedRequest p = ParseValidateRequest(kType, head + Field("dg1", "123456") + kClose, kClients, limits);
  EXPECT_EQ(p.error.http_status, 413);
  EXPECT_EQ(p.error.error, "too_large");
  EXPECT_GT(MaxBodyBytes(limits), 10u);
}

TEST(ParseValidateRequestTest, NoConfiguredClientRefusesEveryone) {
  ParsedRequest p = ParseValidateRequest(kType, Text("client_id", "demo") + Field("sod", "S") + kClose, {});
  EXPECT_EQ(p.error.http_status, 401);
}

TEST(ErrorJsonTest, NamesTheFieldOrNull) {
  nlohmann::json j = nlohmann::json::parse(ErrorJson({400, "missing_field", "sod", "sod is required"}));
  EXPECT_EQ(j["error"], "missing_field");
  EXPECT_EQ(j["field"], "sod");
  EXPECT_EQ(j["message"], "sod is required");
  j = nlohmann::json::parse(ErrorJson({415, "unsupported_media_type", std::nullopt, "x"}));
  EXPECT_TRUE(j["field"].is_null());
  // A field name the client chose, not valid UTF-8, still gives valid JSON.
  EXPECT_TRUE(nlohmann::json::accept(ErrorJson({400, "unknown_field", std::string("\xff\xfe"), "x"})));
}

}  // namespace
}  // namespace docval::gateway::v4
