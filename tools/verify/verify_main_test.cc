#include "tools/verify/verify_main.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "absl/strings/escaping.h"
#include "base/testing/paths.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/verify/schema_test_util.h"
#include "validator/result_json/result_json.h"
#include "validator/result_json/result_proto.h"

namespace docval::tools {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Ordered = nlohmann::ordered_json;
using testing_util::ExpectSchemaOrder;
using testing_util::LoadSchema;
using testing_util::SchemaErrors;

std::string Vectors(const std::string& rel) { return docval::VectorsPath(rel); }
std::string Pki(const std::string& name) {
  return docval::SourcePath("validator/emrtd/crypto/testdata/pki/") + name;
}

void ExpectBase64(const Ordered& v, const std::string& what) {
  if (v.is_null()) return;
  std::string decoded;
  EXPECT_TRUE(absl::Base64Unescape(v.get<std::string>(), &decoded)) << what;
}

struct RunResult {
  int code = -1;
  std::string out;
  std::string err;
};

RunResult RunVerify(std::vector<std::string> args) {
  args.insert(args.begin(), "verify");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  std::ostringstream out, err;
  RunResult r;
  r.code = VerifyMain(static_cast<int>(argv.size()), argv.data(), out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

TEST(Verify, LoesSpecimenWithoutTrust) {
  RunResult r = RunVerify({"--sod", Vectors("lds-samples/jmrtd-loes2006/ef011D.bin"), "--dg1",
                           Vectors("lds-samples/jmrtd-loes2006/ef0101.bin"),
                           "--dg2=" + Vectors("lds-samples/jmrtd-loes2006/ef0102.bin"), "--dg15",
                           Vectors("lds-samples/jmrtd-loes2006/ef010F.bin"), "--now", "1780272000"});
  ASSERT_EQ(r.code, 0) << r.err;
  Ordered j = Ordered::parse(r.out);
  EXPECT_EQ(SchemaErrors(j), "");
  Ordered schema = LoadSchema();
  ExpectSchemaOrder(j, schema, schema, "$");
  EXPECT_EQ(j["passive_authentication"], false);
  EXPECT_EQ(j["passive_authentication_details"]["sod_signature_valid"], true);
  EXPECT_EQ(j["passive_authentication_details"]["document_certificate_valid"], false);
  EXPECT_EQ(j["passive_authentication_details"]["data_groups_with_valid_hash"], Ordered::parse("[1,2,15]"));
  EXPECT_EQ(j["sod_info"]["hash_algorithm"], "SHA-256");
  EXPECT_EQ(j["mrz_info"]["document_type"], "TD3");
  EXPECT_EQ(j["chip_authentication_result"], "UNAVAILABLE");
  EXPECT_EQ(j["active_authentication_result"], "UNAVAILABLE");
  EXPECT_TRUE(j["signature_photos"].is_null());
  EXPECT_TRUE(j["additional_personal_details"].is_null());
  EXPECT_EQ(j["errors"], Ordered::array());
  EXPECT_FALSE(j.contains("files_binary"));
  ExpectBase64(j["face_photo"], "face_photo");
}

TEST(Verify, FixturePassportTrustedByFolderWithCrlAndFilesBinary) {
  RunResult r = RunVerify({"--sod", Pki("sod_rsa_pss.bin"), "--dg1", Pki("dg1.bin"), "--trust", Pki("csca_bundle.pem"),
                     "--crl", Pki("crl_rsa.pem"), "--now", "1780272000", "--files-binary"});
  ASSERT_EQ(r.code, 0) << r.err;
  Ordered j = Ordered::parse(r.out);
  EXPECT_EQ(SchemaErrors(j), "");
  Ordered schema = LoadSchema();
  ExpectSchemaOrder(j, schema, schema, "$");
  EXPECT_EQ(j["passive_authentication"], true) << j["passive_authentication_details"].dump();
  EXPECT_TRUE(j["passive_authentication_details"]["error"].is_null());
  EXPECT_EQ(j["mrz_info"]["primary_identifier"], "ERIKSSON");
  EXPECT_EQ(j["mrz_info"]["secondary_identifier"], Ordered::parse(R"(["ANNA","MARIA"])"));
  ASSERT_TRUE(j.contains("files_binary"));
  std::vector<std::string> names;
  for (const auto& [k, v] : j["files_binary"].items()) names.push_back(k);
  EXPECT_THAT(names, ::testing::ElementsAre("sod", "dg1"));

  // The revoked signer under the same trust: a verdict, still exit 0.
  r = RunVerify({"--sod", Pki("sod_revoked.bin"), "--dg1", Pki("dg1.bin"), "--dg2", Pki("dg2.bin"), "--trust",
                 Pki("csca_rsa.der"), "--crl", Pki("crl_rsa.der"), "--now", "1780272000"});
  ASSERT_EQ(r.code, 0) << r.err;
  j = Ordered::parse(r.out);
  EXPECT_EQ(SchemaErrors(j), "");
  EXPECT_EQ(j["passive_authentication"], false);
  EXPECT_THAT(j["passive_authentication_details"]["error"].get<std::string>(), HasSubstr("revoked"));
  EXPECT_EQ(j["errors"].size(), 1u);  // the fixture DG2 has no image
}

// --crl-expired: the trusted fixture passport with its CRL (nextUpdate 2027-01-01) at a time after it.
TEST(Verify, CrlExpiredWarnsByDefaultAndFailsWhenAsked) {
  const std::vector<std::string> args = {"--sod", Pki("sod_rsa_pss.bin"), "--dg1", Pki("dg1.bin"), "--trust",
                                         Pki("csca_bundle.pem"), "--crl", Pki("crl_rsa.pem"), "--now", "1800000000"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> all = args;
    all.insert(all.end(), extra.begin(), extra.end());
    return RunVerify(all);
  };
  for (const std::vector<std::string>& warn : {std::vector<std::string>{}, {"--crl-expired", "warn"}}) {
    RunResult r = with(warn);
    ASSERT_EQ(r.code, 0) << r.err;
    Ordered j = Ordered::parse(r.out);
    EXPECT_EQ(j["passive_authentication"], true) << j["passive_authentication_details"].dump();
    EXPECT_THAT(j["passive_authentication_details"]["notes"].dump(), HasSubstr("CRL"));
  }
  RunResult r = with({"--crl-expired=fail"});
  ASSERT_EQ(r.code, 0) << r.err;
  Ordered j = Ordered::parse(r.out);
  EXPECT_EQ(j["passive_authentication"], false);
  EXPECT_THAT(j["passive_authentication_details"]["error"].dump(), HasSubstr("CRL"));
  // Before its nextUpdate the CRL is current: no note, whatever the policy.
  r = RunVerify({"--sod", Pki("sod_rsa_pss.bin"), "--dg1", Pki("dg1.bin"), "--trust", Pki("csca_bundle.pem"), "--crl",
                 Pki("crl_rsa.pem"), "--now", "1780272000", "--crl-expired", "fail"});
  ASSERT_EQ(r.code, 0) << r.err;
  j = Ordered::parse(r.out);
  EXPECT_EQ(j["passive_authentication"], true);
  EXPECT_THAT(j["passive_authentication_details"]["notes"].dump(), Not(HasSubstr("CRL")));
  EXPECT_EQ(RunVerify({"--sod", Pki("sod_ec.bin"), "--crl-expired", "ignore"}).code, 2);
}

TEST(Verify, CamelCase) {
  RunResult r = RunVerify({"--sod", Pki("sod_ec.bin"), "--dg1", Pki("dg1.bin"), "--trust", Pki("ml.bin"), "--now",
                     "1780272000", "--camel"});
  ASSERT_EQ(r.code, 0) << r.err;
  Ordered j = Ordered::parse(r.out);
  EXPECT_EQ(j["passiveAuthentication"], true);
  EXPECT_TRUE(j.contains("passiveAuthenticationDetails"));
  EXPECT_TRUE(j["mrzInfo"].contains("dateOfBirth"));
}

TEST(Verify, UsageAndFileErrors) {
  EXPECT_EQ(RunVerify({}).code, 2);
  EXPECT_EQ(RunVerify({"--dg1", Pki("dg1.bin")}).code, 2);
  EXPECT_EQ(RunVerify({"--sod", Pki("sod_ec.bin"), "--dg17", Pki("dg1.bin")}).code, 2);
  EXPECT_EQ(RunVerify({"--sod", Pki("sod_ec.bin"), "--dg01", Pki("dg1.bin")}).code, 2);
  EXPECT_EQ(RunVerify({"--sod", Pki("sod_ec.bin"), "--dg1", Pki("dg1.bin"), "--dg1", Pki("dg1.bin")}).code, 2);
  EXPECT_EQ(RunVerify({"--sod", Pki("sod_ec.bin"), "--bogus", "x"}).code, 2);
  EXPECT_EQ(RunVerify({"--sod", Pki("sod_ec.bin"), "--now", "yesterday"}).code, 2);
  EXPECT_EQ(RunVerify({"--sod"}).code, 2);
  RunResult r = RunVerify({"--sod", Pki("missing.bin")});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("missing.bin"));
  r = RunVerify({"--sod", Pki("sod_ec.bin"), "--trust", Pki("dg1.bin")});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("dg1.bin"));
  r = RunVerify({"--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.out, HasSubstr("usage"));
  // Garbage as SOD: still a well-formed result.
  r = RunVerify({"--sod", Pki("dg1.bin"), "--dg1", Pki("dg1.bin")});
  ASSERT_EQ(r.code, 0);
  Ordered j = Ordered::parse(r.out);
  EXPECT_EQ(SchemaErrors(j), "");
  EXPECT_TRUE(j["sod_info"].is_null());
  EXPECT_EQ(j["passive_authentication"], false);
}

// ResultToJson (validator/result_json) against the schema, with every field populated and
// with every field absent.
TEST(ResultSchema, FullAndEmptyResults) {
  emrtd::EmrtdResult full;
  full.sod_info = emrtd::SodInfo{"SHA-256", {{1, emrtd::Bytes(32, 1)}, {14, emrtd::Bytes(32, 2)}}};
  full.mrz_info = emrtd::MrzInfo{"TD1", "I", "UTO", "ERIKSSON", {"ANNA", "MARIA"}, "UTO", "D23145890734", "740812",
                                 emrtd::Gender::kFemale, "120415", "", std::string("")};
  full.face_photo = emrtd::Bytes{0xFF, 0xD8, 0xFF};
  full.signature_photos = std::vector<emrtd::Bytes>{{0xFF, 0xD8}, {0x00}};
  full.additional_personal_details = emrtd::AdditionalPersonalDetails{
      "A<<B", std::vector<std::string>{"C"}, "1", "19740812", "X", std::vector<std::string>{"S", "T"}, "0", "P", "DR",
      "S", emrtd::Bytes{1, 2, 3}, std::vector<std::string>{"N1"}, "C"};
  full.additional_document_details =
      emrtd::AdditionalDocumentDetails{"AUTH", "20120415", "X", "E", "T", emrtd::Bytes{1}, emrtd::Bytes{2},
                                       "20120415103000", "SN"};
  full.passive_authentication = true;
  full.passive_authentication_details = {true, true, {1, 2, 14}, {1, 2, 14}, std::nullopt, true};
  full.chip_authentication_result = emrtd::CheckResult::kSuccess;
  full.active_authentication_result = emrtd::CheckResult::kFailed;
  full.errors = {"DG11: something"};
  full.files_binary = {{"sod", {1}}, {"dg1", {2}}, {"dg14", {3}}};
  Ordered j = ResultToJson(ToProto(full));
  EXPECT_EQ(SchemaErrors(j), "");
  Ordered schema = LoadSchema();
  ExpectSchemaOrder(j, schema, schema, "$");

  emrtd::EmrtdResult empty;
  j = ResultToJson(ToProto(empty));
  EXPECT_EQ(SchemaErrors(j), "");
  ExpectSchemaOrder(j, schema, schema, "$");
  EXPECT_TRUE(j["sod_info"].is_null());
  EXPECT_TRUE(j["passive_authentication_details"].contains("error"));

  // The schema rejects what the clients would choke on.
  Ordered broken = ResultToJson(ToProto(full));
  broken.erase("errors");
  EXPECT_NE(SchemaErrors(broken), "");
  broken = ResultToJson(ToProto(full));
  broken["chip_authentication_result"] = "OK";
  EXPECT_NE(SchemaErrors(broken), "");
  broken = ResultToJson(ToProto(full));
  broken["mrz_info"]["gender"] = "M";
  EXPECT_NE(SchemaErrors(broken), "");
  broken = ResultToJson(ToProto(full));
  broken["sod_info"]["hash_for_data_group"]["17"] = "AA==";
  EXPECT_NE(SchemaErrors(broken), "");
  broken = ResultToJson(ToProto(full));
  broken["passive_authentication_details"].erase("error");
  EXPECT_NE(SchemaErrors(broken), "");
}

}  // namespace
}  // namespace docval::tools
