// POST /v4/validate against the real binary on loopback (docs/protocol.md §6): the virtual passport's
// files pass Passive Authentication against the test PKI (in `serve` and with separate roles, where
// the work runs on the validator process); the public specimen sets of testdata/vectors/lds-samples
// verify their signature and hashes but not their chain (their CSCAs are not trusted); a changed data
// group fails; a Document Signer key over the session's budget is not used; each malformed request
// gets its status and the field named; a request's trace across
// the gateway and validator processes.

#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/testing/paths.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/harness.h"
#include "tests/e2e/trace_collector.h"

namespace docval::e2e {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kBoundary[] = "v4-e2e-boundary";

// `more_headers`: header lines, each ending in CRLF.
std::string Post(const std::string& body, const std::string& content_type = "", const std::string& method = "POST",
                 const std::string& more_headers = "") {
  return absl::StrCat(
      method, " /v4/validate HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n", more_headers,
      "Content-Type: ", content_type.empty() ? absl::StrCat("multipart/form-data; boundary=", kBoundary) : content_type,
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

  // A Document Signer certificate whose 8192-bit key is over the session's budget: not used, the verdict
  // says why (docs/limits.md), the data groups are still read.
  std::map<std::string, std::string> big_signer = PassportFields("hostile-sod-signer-rsa-8192");
  ASSERT_TRUE(big_signer.count("sod"));
  r = Passport200(port, big_signer);
  EXPECT_EQ(r["passive_authentication"], false);
  EXPECT_EQ(r["passive_authentication_details"]["sod_signature_valid"], false);
  EXPECT_THAT(r["passive_authentication_details"]["error"].get<std::string>(), HasSubstr("max_rsa_bits"));
  EXPECT_TRUE(r["mrz_info"].is_object());

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
  absl::StatusOr<HttpAnswer> a =
      HttpExchange(port, absl::StrCat("POST /v4/validate HTTP/1.1\r\nHost: x\r\nContent-Type: "
                                      "multipart/form-data; boundary=b\r\nContent-Length: 2000000\r\n\r\n"));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->status, 413);

  // Requests are counted by route and status; nothing of the files reaches the logs.
  absl::StatusOr<std::pair<int, std::string>> metrics = HttpGet((*d)->metrics_port(), "/metrics");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_THAT(metrics->second, HasSubstr("docval_http_requests_total{code=\"200\",route=\"v4_validate\"} 5"));
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

// A request as one trace over the gateway and validator processes (docs/operations.md, "Traces"): the
// app's traceparent, the gateway's span with the HTTP status and the files' sizes, the validator's
// verification with a span per file and Passive Authentication; no personal data or file content in
// the raw export. A refused request is a span of its own with its status and error.
TEST(V4ValidateE2eTest, ARequestIsOneTraceWithoutPersonalData) {
  absl::StatusOr<TracedDeployment> traced = StartTracedDeployment(/*separate_roles=*/true);
  ASSERT_TRUE(traced.ok()) << traced.status();
  Collector& collector = *traced->collector;
  Deployment& d = *traced->deployment;
  std::map<std::string, std::string> fields = PassportFields("bac-passport");
  ASSERT_TRUE(fields.count("sod") && fields.count("dg1"));
  const std::string body = Form(fields);
  absl::StatusOr<HttpAnswer> a =
      HttpExchange(d.gateway_port(),
                   Post(body, "", "POST", "traceparent: 00-6bf92f3577b34da6a3ce929d0e0e4738-20f067aa0ba902b9-01\r\n"));
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_EQ(a->status, 200) << a->body;
  const nlohmann::json passport = nlohmann::json::parse(a->body)["emrtd_passport"];
  absl::StatusOr<HttpAnswer> refused =
      HttpExchange(d.gateway_port(), Post(Form({{"client_id", "nobody"}, {"sod", fields["sod"]}})));
  ASSERT_TRUE(refused.ok()) << refused.status();
  ASSERT_EQ(refused->status, 401);
  ASSERT_TRUE(collector.AwaitSpans({"docval.session", "docval.verify", "PASSIVE_AUTHENTICATION", "VERIFY_DG1"},
                                   absl::Seconds(20)))
      << d.AllOutput();
  ASSERT_TRUE(collector.AwaitCount("docval.session", 2, absl::Seconds(20))) << d.AllOutput();  // the refusal's too
  std::vector<SpanOf> spans = collector.Spans();
  const std::string app_trace = std::string("\x6b\xf9\x2f\x35\x77\xb3\x4d\xa6\xa3\xce\x92\x9d\x0e\x0e\x47\x38", 16);
  const SpanOf* session = FindSpanIn(spans, app_trace, "docval.session");
  const SpanOf* verify = FindSpanIn(spans, app_trace, "docval.verify");
  ASSERT_TRUE(session && verify);
  EXPECT_EQ(session->scope, "docval.gateway");
  EXPECT_EQ(IdHex(session->span.parent_span_id()), "20f067aa0ba902b9");
  EXPECT_EQ(verify->scope, "docval.validator");
  EXPECT_EQ(verify->span.parent_span_id(), session->span.span_id());
  std::vector<std::string> expected = {"PASSIVE_AUTHENTICATION"};
  for (const auto& [name, content] : fields) {
    if (name != "client_id") expected.push_back("VERIFY_" + absl::AsciiStrToUpper(name));
  }
  EXPECT_THAT(ChildNames(spans, verify->span), ::testing::UnorderedElementsAreArray(expected));

  EXPECT_EQ(StrAttr(session->span, "docval.protocol"), "v4");
  EXPECT_EQ(StrAttr(session->span, "docval.outcome"), "success");
  EXPECT_EQ(IntAttr(session->span, "http.response.status_code"), 200);
  EXPECT_EQ(IntAttr(session->span, "docval.files"), static_cast<int64_t>(fields.size() - 1));
  EXPECT_EQ(IntAttr(session->span, "docval.bytes_from_client"), static_cast<int64_t>(body.size()));
  EXPECT_EQ(IntAttr(session->span, "docval.bytes_to_client"), static_cast<int64_t>(a->body.size()));
  EXPECT_EQ(session->span.status().code(), otlp::Status::STATUS_CODE_OK);
  EXPECT_EQ(StrAttr(verify->span, "docval.outcome"), "result");
  ASSERT_NE(Attr(verify->span, "docval.passive_authentication"), nullptr);
  EXPECT_TRUE(Attr(verify->span, "docval.passive_authentication")->bool_value());
  const SpanOf* dg1 = FindSpanIn(spans, app_trace, "VERIFY_DG1");
  EXPECT_EQ(IntAttr(dg1->span, "docval.file.bytes"), static_cast<int64_t>(fields["dg1"].size()));
  ASSERT_NE(Attr(dg1->span, "docval.file.hash_valid"), nullptr);
  EXPECT_TRUE(Attr(dg1->span, "docval.file.hash_valid")->bool_value());

  // The refused request: a trace of its own at the gateway, nothing asked of the validator.
  const SpanOf* refusal = nullptr;
  for (const SpanOf& s : spans) {
    if (s.span.name() == "docval.session" && s.span.trace_id() != app_trace) refusal = &s;
  }
  ASSERT_NE(refusal, nullptr);
  EXPECT_EQ(IntAttr(refusal->span, "http.response.status_code"), 401);
  EXPECT_EQ(StrAttr(refusal->span, "docval.outcome"), "unknown_client");
  EXPECT_EQ(refusal->span.status().code(), otlp::Status::STATUS_CODE_ERROR);
  EXPECT_TRUE(ChildNames(spans, refusal->span).empty());

  // Privacy: nothing of the holder, the client id or the files in the raw export.
  const std::string raw = collector.Raw();
  for (const char* key : {"document_number", "primary_identifier", "date_of_birth", "date_of_expiry"}) {
    const std::string v = passport["mrz_info"][key].get<std::string>();
    ASSERT_GE(v.size(), 4u) << key;
    EXPECT_EQ(raw.find(v), std::string::npos) << key << " is in the export";
  }
  EXPECT_EQ(raw.find(kClientId), std::string::npos);
  EXPECT_EQ(raw.find("nobody"), std::string::npos);
  for (const auto& [name, content] : fields) {
    if (name == "client_id" || content.size() < 16) continue;
    EXPECT_EQ(raw.find(content.substr(content.size() / 2, 16)), std::string::npos) << name << " is in the export";
  }
  EXPECT_TRUE(d.Stop()) << d.AllOutput();
}

}  // namespace
}  // namespace docval::e2e
