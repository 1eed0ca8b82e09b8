// POST /v4/validate against the real binary on loopback (docs/protocol.md §6): the virtual passport's
// files pass Passive Authentication against the test PKI (in `serve` and with separate roles, where
// the work runs on the validator process); the public specimen sets of testdata/vectors/lds-samples
// verify their signature and hashes but not their chain (their CSCAs are not trusted); a changed data
// group fails; each malformed request gets its status and the field named.

#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "base/testing/paths.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/harness.h"

namespace docval::e2e {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kBoundary[] = "v4-e2e-boundary";

std::string Post(const std::string& body, const std::string& content_type = "",
                 const std::string& method = "POST") {
  return absl::StrCat(method, " /v4/validate HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: ",
                      content_type.empty() ? absl::StrCat("multipart/form-data; boundary=", kBoundary) : content_type,
                      "\r\nContent-Length: ", body.size(), "\r\n\r\n", body);
}

std::string Form(const std::map<std::string, std::string>& fields) {
  std::string body;
  for (const auto& [name, content] : fields) {
    absl::StrAppend(&body, "--", kBoundary, "\r\nContent-Disposition: form-data; name=\"", name, "\"",
                    name == "client_id" ? "" : absl::StrCat("; filename=\"", name, ".bin\""), "\r\n\r\n", content,
                    "\r\n");
  }
  return absl::StrCat(body, "--", kBoundary, "--\r\n");
}

std::string ReadSample(const std::string& rel) {
  std::ifstream in(SourcePath("testdata/vectors/lds-samples/" + rel), std::ios::binary);
  EXPECT_TRUE(in.good()) << rel;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The virtual passport's EF.SOD and data groups as form fields.
std::map<std::string, std::string> PassportFields(const std::string& profile) {
  absl::StatusOr<Passport> p = MakePassport(profile);
  EXPECT_TRUE(p.ok()) << p.status();
  std::map<std::string, std::string> fields = {{"client_id", kClientId}};
  if (!p.ok()) return fields;
  for (const vchip::ChipFile& f : p->profile.files) {
    if (f.name == "EF.SOD") fields["sod"] = std::string(f.content.begin(), f.content.end());
    if (f.name.rfind("DG", 0) == 0) {
      fields["dg" + f.name.substr(2)] = std::string(f.content.begin(), f.content.end());
    }
  }
  return fields;
}

nlohmann::json Passport200(int port, const std::map<std::string, std::string>& fields) {
  absl::StatusOr<HttpAnswer> a = HttpExchange(port, Post(Form(fields)));
  EXPECT_TRUE(a.ok()) << a.status();
  if (!a.ok()) return {};
  EXPECT_EQ(a->status, 200) << a->body;
  EXPECT_THAT(a->headers, HasSubstr("application/json"));
  nlohmann::json j = nlohmann::json::parse(a->body, nullptr, false);
  EXPECT_TRUE(j.contains("emrtd_passport")) << a->body;
  return j.value("emrtd_passport", nlohmann::json::object());
}

void ExpectVirtualPassportPasses(int port) {
  std::map<std::string, std::string> fields = PassportFields("bac-passport");
  ASSERT_TRUE(fields.count("sod") && fields.count("dg1"));
  nlohmann::json r = Passport200(port, fields);
  EXPECT_EQ(r["passive_authentication"], true) << r["passive_authentication_details"].dump();
  EXPECT_TRUE(r["passive_authentication_details"]["error"].is_null());
  EXPECT_EQ(r["chip_authentication_result"], "UNAVAILABLE");
  EXPECT_EQ(r["active_authentication_result"], "UNAVAILABLE");
  EXPECT_TRUE(r["mrz_info"].is_object());
  EXPECT_EQ(r["errors"], nlohmann::json::array());

  // One changed byte in DG1: the hash no longer matches, the verdict is false.
  fields["dg1"][fields["dg1"].size() - 1] ^= 0x01;
  r = Passport200(port, fields);
  EXPECT_EQ(r["passive_authentication"], false);
  EXPECT_EQ(r["passive_authentication_details"]["all_hashes_valid"], false);
  EXPECT_THAT(r["passive_authentication_details"]["error"].get<std::string>(), HasSubstr("DG1"));
}

TEST(V4ValidateE2eTest, FilesOfPassportsAndSpecimensAndEveryRefusal) {
  absl::StatusOr<std::unique_ptr<Deployment>> d = Deployment::Start();
  ASSERT_TRUE(d.ok()) << d.status();
  const int port = (*d)->gateway_port();

  ExpectVirtualPassportPasses(port);

  // The BSI 2008 specimen: signature and hashes good, its CSCA is not in the test trust store.
  nlohmann::json r = Passport200(port, {{"client_id", kClientId},
                                        {"sod", ReadSample("jmrtd-bsi2008/EF_SOD.bin")},
                                        {"dg1", ReadSample("jmrtd-bsi2008/Datagroup1.bin")},
                                        {"dg2", ReadSample("jmrtd-bsi2008/Datagroup2.bin")},
                                        {"dg3", ReadSample("jmrtd-bsi2008/Datagroup3.bin")},
                                        {"dg14", ReadSample("jmrtd-bsi2008/Datagroup14.bin")}});
  EXPECT_EQ(r["passive_authentication"], false);
  EXPECT_EQ(r["passive_authentication_details"]["sod_signature_valid"], true);
  EXPECT_EQ(r["passive_authentication_details"]["document_certificate_valid"], false);
  EXPECT_EQ(r["passive_authentication_details"]["all_hashes_valid"], true);
  EXPECT_THAT(r["passive_authentication_details"]["data_groups_with_valid_hash"], ElementsAre(1, 2, 3, 14));
  EXPECT_EQ(r["sod_info"]["hash_algorithm"], "SHA-1");
  EXPECT_TRUE(r["mrz_info"].is_object());

  // The Dutch 2006 specimen (SHA-256).
  r = Passport200(port, {{"client_id", kClientId},
                         {"sod", ReadSample("jmrtd-loes2006/ef011D.bin")},
                         {"dg1", ReadSample("jmrtd-loes2006/ef0101.bin")},
                         {"dg2", ReadSample("jmrtd-loes2006/ef0102.bin")},
                         {"dg15", ReadSample("jmrtd-loes2006/ef010F.bin")}});
  EXPECT_EQ(r["passive_authentication"], false);
  EXPECT_EQ(r["passive_authentication_details"]["sod_signature_valid"], true);
  EXPECT_THAT(r["passive_authentication_details"]["data_groups_with_valid_hash"], ElementsAre(1, 2, 15));
  EXPECT_EQ(r["sod_info"]["hash_algorithm"], "SHA-256");
  EXPECT_TRUE(r["face_photo"].is_string());

  // Each refusal: status, error code, field.
  const std::string sod = ReadSample("jmrtd-loes2006/ef011D.bin");
  struct Refusal {
    std::string name;
    std::string request;
    int status;
    std::string error;
    nlohmann::json field;
  } refusals[] = {
      {"json", Post("{}", "application/json"), 415, "unsupported_media_type", nullptr},
      {"no sod", Post(Form({{"client_id", kClientId}})), 400, "missing_field", "sod"},
      {"unknown client", Post(Form({{"client_id", "nobody"}, {"sod", sod}})), 401, "unknown_client", "client_id"},
      {"unknown field", Post(Form({{"client_id", kClientId}, {"sod", sod}, {"dg17", "x"}})), 400, "unknown_field",
       "dg17"},
      {"dg1 over its cap", Post(Form({{"client_id", kClientId}, {"sod", sod}, {"dg1", std::string(1025, 'x')}})), 413,
       "too_large", "dg1"},
      {"no close delimiter", Post(Form({{"client_id", kClientId}}).substr(0, 60)), 400, "malformed_request", nullptr},
      {"GET", Post("", "", "GET"), 405, "method_not_allowed", nullptr},
  };
  for (const Refusal& c : refusals) {
    absl::StatusOr<HttpAnswer> a = HttpExchange(port, c.request);
    ASSERT_TRUE(a.ok()) << c.name << ": " << a.status();
    EXPECT_EQ(a->status, c.status) << c.name << ": " << a->body;
    nlohmann::json j = nlohmann::json::parse(a->body, nullptr, false);
    EXPECT_EQ(j.value("error", ""), c.error) << c.name << ": " << a->body;
    EXPECT_EQ(j["field"], c.field) << c.name << ": " << a->body;
  }
  // A body over the route's cap is refused from its Content-Length, before it is read.
  absl::StatusOr<HttpAnswer> a = HttpExchange(port, absl::StrCat("POST /v4/validate HTTP/1.1\r\nHost: x\r\nContent-Type: "
                                                     "multipart/form-data; boundary=b\r\nContent-Length: 2000000\r\n\r\n"));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->status, 413);

  // Requests are counted by route and status; nothing of the files reaches the logs.
  absl::StatusOr<std::pair<int, std::string>> metrics = HttpGet((*d)->metrics_port(), "/metrics");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_THAT(metrics->second, HasSubstr("docval_http_requests_total{code=\"200\",route=\"v4_validate\"} 4"));
  EXPECT_THAT(metrics->second, HasSubstr("docval_http_requests_total{code=\"401\",route=\"v4_validate\"} 1"));
  EXPECT_TRUE((*d)->Stop());
  EXPECT_THAT((*d)->AllOutput(), ::testing::Not(HasSubstr("nobody")));
}

TEST(V4ValidateE2eTest, SeparateRolesVerifyOnTheValidator) {
  absl::StatusOr<std::unique_ptr<Deployment>> d = Deployment::Start({.separate_roles = true});
  ASSERT_TRUE(d.ok()) << d.status();
  ExpectVirtualPassportPasses((*d)->gateway_port());
  EXPECT_TRUE((*d)->Stop());
}

}  // namespace
}  // namespace docval::e2e
