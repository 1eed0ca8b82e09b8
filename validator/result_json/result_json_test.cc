#include "validator/result_json/result_json.h"

#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/text_format.h>

#include "base/testing/paths.h"
#include "gmock/gmock.h"
#include "gtest/gtest-spi.h"
#include "gtest/gtest.h"

namespace docval {
namespace {

using Json = nlohmann::ordered_json;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

std::vector<std::string> Keys(const Json& j) {
  std::vector<std::string> k;
  for (auto it = j.begin(); it != j.end(); ++it) k.push_back(it.key());
  return k;
}

// A result with every field set (text format keeps it readable).
v1::EmrtdResult Full() {
  v1::EmrtdResult r;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(R"pb(
    sod_info {
      hash_algorithm: "SHA-256"
      hash_for_data_group { data_group: 1 hash: "\x01\x02" }
      hash_for_data_group { data_group: 14 hash: "\x01\x02\x03" }
    }
    mrz_info {
      document_type: "TD1" document_code: "ID" issuing_state: "UTO" primary_identifier: "ERIKSSON"
      secondary_identifier: "ANNA" secondary_identifier: "MARIA" nationality: "UTO"
      document_number: "D231458907" date_of_birth: "740812" gender: FEMALE date_of_expiry: "120415"
      optional_data1: "" optional_data2: "1<<<"
    }
    face_photo: "\xff\xd8\xff"
    signature_photos { values: "\xff\xd8" values: "" }
    additional_personal_details {
      full_name_of_holder: "ERIKSSON<<ANNA" other_names { values: "A" } personal_number: "1"
      full_date_of_birth: "19740812" place_of_birth: "ZENITH" permanent_address { values: "S" values: "T" }
      telephone: "0" profession: "P" title: "DR" personal_summary: "S" proof_of_citizenship_image: "\x01\x02\x03"
      other_valid_travel_document_numbers { values: "N1" } custody_information: "C"
    }
    additional_document_details {
      issuing_authority: "AUTH" date_of_issue: "20120415" names_of_other_persons: "X"
      endorsements_and_observations: "E" tax_or_exit_requirements: "T" image_of_front: "\x01"
      image_of_rear: "\x02" date_and_time_of_personalization: "20120415103000"
      personalization_system_serial_number: "SN"
    }
    passive_authentication: true
    passive_authentication_details {
      sod_signature_valid: true document_certificate_valid: true data_groups_checked: [1, 2, 14]
      data_groups_with_valid_hash: [1, 14] error: "DG2: hash mismatch" all_hashes_valid: false
      notes: "the CRL of C=UT has expired"
    }
    chip_authentication_result: SUCCESS
    active_authentication_result: FAILED
    errors: "DG11: truncated"
    files_binary { name: "sod" content: "\x77" }
    files_binary { name: "dg1" content: "\x61" }
  )pb", &r));
  return r;
}

// Every value of `j`, at any depth, that is null.
void CollectNulls(const Json& j, const std::string& path, std::vector<std::string>& out) {
  if (j.is_null()) out.push_back(path);
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) CollectNulls(it.value(), path + "." + it.key(), out);
  }
  if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) CollectNulls(j[i], path + "[" + std::to_string(i) + "]", out);
  }
}

TEST(ResultJsonTest, EmptyResultHasEveryRequiredKeyInOrder) {
  Json j = ResultToJson(v1::EmrtdResult());
  EXPECT_THAT(Keys(j), ElementsAre("sod_info", "mrz_info", "face_photo", "signature_photos",
                                   "additional_personal_details", "additional_document_details",
                                   "passive_authentication", "passive_authentication_details",
                                   "chip_authentication_result", "active_authentication_result", "errors"));
  EXPECT_TRUE(j["sod_info"].is_null());
  EXPECT_TRUE(j["mrz_info"].is_null());
  EXPECT_TRUE(j["face_photo"].is_null());
  EXPECT_TRUE(j["signature_photos"].is_null());
  EXPECT_TRUE(j["additional_personal_details"].is_null());
  EXPECT_EQ(j["passive_authentication"], false);
  EXPECT_EQ(j["errors"], Json::array());
  // The message's zero values as the clients name them.
  EXPECT_EQ(j["chip_authentication_result"], "UNAVAILABLE");
  EXPECT_EQ(j["active_authentication_result"], "UNAVAILABLE");
  // Never null, even when the message does not carry it: the clients require its error key.
  EXPECT_THAT(Keys(j["passive_authentication_details"]),
              ElementsAre("sod_signature_valid", "document_certificate_valid", "data_groups_checked",
                          "data_groups_with_valid_hash", "error", "all_hashes_valid", "notes"));
  EXPECT_TRUE(j["passive_authentication_details"]["error"].is_null());
  EXPECT_EQ(j["passive_authentication_details"]["notes"], Json::array());
  EXPECT_EQ(j["passive_authentication_details"]["data_groups_checked"], Json::array());
}

TEST(ResultJsonTest, FullResultWritesEveryFieldOfTheMessage) {
  Json j = ResultToJson(Full());
  std::vector<std::string> nulls;
  CollectNulls(j, "$", nulls);
  EXPECT_THAT(nulls, ::testing::IsEmpty());
  EXPECT_EQ(Keys(j).back(), "files_binary");
  EXPECT_EQ(j["sod_info"]["hash_for_data_group"], Json::parse(R"({"1":"AQI=","14":"AQID"})"));
  EXPECT_THAT(Keys(j["sod_info"]["hash_for_data_group"]), ElementsAre("1", "14"));
  EXPECT_EQ(j["mrz_info"]["gender"], "FEMALE");
  EXPECT_EQ(j["mrz_info"]["secondary_identifier"], Json::parse(R"(["ANNA","MARIA"])"));
  EXPECT_EQ(j["mrz_info"]["optional_data1"], "");
  EXPECT_EQ(j["face_photo"], "/9j/");
  EXPECT_EQ(j["signature_photos"], Json::parse(R"(["/9g=",""])"));
  EXPECT_EQ(j["additional_personal_details"]["permanent_address"], Json::parse(R"(["S","T"])"));
  EXPECT_EQ(j["additional_personal_details"]["proof_of_citizenship_image"], "AQID");
  EXPECT_EQ(j["additional_document_details"]["image_of_rear"], "Ag==");
  EXPECT_EQ(j["passive_authentication_details"]["data_groups_checked"], Json::parse("[1,2,14]"));
  EXPECT_EQ(j["passive_authentication_details"]["all_hashes_valid"], false);
  EXPECT_EQ(j["chip_authentication_result"], "SUCCESS");
  EXPECT_EQ(j["active_authentication_result"], "FAILED");
  EXPECT_EQ(j["files_binary"], Json::parse(R"({"sod":"dw==","dg1":"YQ=="})"));
  EXPECT_THAT(Keys(j["files_binary"]), ElementsAre("sod", "dg1"));  // read order
}

TEST(ResultJsonTest, PresentButEmptyIsNotNull) {
  v1::EmrtdResult r;
  r.mutable_mrz_info()->set_optional_data2("");
  r.mutable_signature_photos();
  r.mutable_additional_personal_details()->mutable_other_names();
  r.mutable_passive_authentication_details()->set_error("");
  Json j = ResultToJson(r);
  EXPECT_EQ(j["mrz_info"]["optional_data2"], "");
  EXPECT_EQ(j["signature_photos"], Json::array());
  EXPECT_EQ(j["additional_personal_details"]["other_names"], Json::array());
  EXPECT_TRUE(j["additional_personal_details"]["permanent_address"].is_null());
  EXPECT_TRUE(j["additional_personal_details"]["full_name_of_holder"].is_null());
  EXPECT_EQ(j["passive_authentication_details"]["error"], "");
  EXPECT_EQ(j["mrz_info"]["gender"], "UNSPECIFIED");
}

TEST(ResultJsonTest, EnumNames) {
  v1::EmrtdResult r;
  std::vector<std::string> checks;
  for (int v : {0, 1, 2, 3, 99}) {  // 99: a value from a newer validator reads as the zero value
    r.set_chip_authentication_result(static_cast<v1::CheckResult>(v));
    checks.push_back(ResultToJson(r)["chip_authentication_result"]);
  }
  EXPECT_THAT(checks, ElementsAre("UNAVAILABLE", "SUCCESS", "FAILED", "UNAVAILABLE", "UNAVAILABLE"));
  std::vector<std::string> genders;
  for (int v : {0, 1, 2, 99}) {
    r.mutable_mrz_info()->set_gender(static_cast<v1::Gender>(v));
    genders.push_back(ResultToJson(r)["mrz_info"]["gender"]);
  }
  EXPECT_THAT(genders, ElementsAre("UNSPECIFIED", "MALE", "FEMALE", "UNSPECIFIED"));
}

TEST(ResultJsonTest, CamelCaseKeysForV2) {
  Json j = ResultToJson(Full(), JsonCase::kCamel);
  EXPECT_THAT(Keys(j), ElementsAre("sodInfo", "mrzInfo", "facePhoto", "signaturePhotos", "additionalPersonalDetails",
                                   "additionalDocumentDetails", "passiveAuthentication",
                                   "passiveAuthenticationDetails", "chipAuthenticationResult",
                                   "activeAuthenticationResult", "errors", "filesBinary"));
  EXPECT_EQ(j["sodInfo"]["hashAlgorithm"], "SHA-256");
  EXPECT_EQ(j["sodInfo"]["hashForDataGroup"]["14"], "AQID");
  EXPECT_EQ(j["mrzInfo"]["optionalData1"], "");
  EXPECT_EQ(j["mrzInfo"]["optionalData2"], "1<<<");
  EXPECT_TRUE(j["additionalPersonalDetails"].contains("otherValidTravelDocumentNumbers"));
  EXPECT_TRUE(j["passiveAuthenticationDetails"].contains("dataGroupsWithValidHash"));
  EXPECT_TRUE(j["filesBinary"].contains("sod"));  // file names are data, not keys to convert
}

TEST(ResultJsonTest, BodiesWrapTheSameResultBytes) {
  const v1::EmrtdResult r = Full();
  const std::string body = ResultServerBody(r, "v-42");
  const std::string frame = ResultFrameV1(r);
  Json b = Json::parse(body);
  EXPECT_THAT(Keys(b), ElementsAre("emrtd_passport", "client_validation_id"));
  EXPECT_EQ(b["client_validation_id"], "v-42");
  Json f = Json::parse(frame);
  EXPECT_THAT(Keys(f), ElementsAre("emrtd_passport"));
  const std::string result = ResultToJson(r).dump();
  EXPECT_EQ(body, "{\"emrtd_passport\":" + result + ",\"client_validation_id\":\"v-42\"}");
  EXPECT_EQ(frame, "{\"emrtd_passport\":" + result + "}");
}

TEST(ResultJsonTest, InvalidUtf8IsReplacedNotFatal) {
  v1::EmrtdResult r;
  r.add_errors(std::string("DG11: \xff\xfe name"));
  Json f = Json::parse(ResultFrameV1(r));
  EXPECT_EQ(f["emrtd_passport"]["errors"][0], "DG11: \xEF\xBF\xBD\xEF\xBF\xBD name");
}

// ---- docs/result.schema.json describes the message, field by field -----------------------------------

Json LoadSchema() {
  std::ifstream in(docval::SourcePath("docs/result.schema.json"));
  EXPECT_TRUE(in.good());
  return Json::parse(in);
}

const Json& Resolve(const Json& node, const Json& root) {
  if (!node.contains("$ref")) return node;
  std::string ref = node["$ref"];
  return Resolve(root["definitions"][ref.substr(ref.rfind('/') + 1)], root);
}

// The JSON types a schema node admits ("null", "string", ...), through oneOf/anyOf, $ref and enum.
void Types(const Json& raw, const Json& root, std::set<std::string>& out) {
  const Json& node = Resolve(raw, root);
  if (node.contains("type")) {
    if (node["type"].is_array()) {
      for (const Json& t : node["type"]) out.insert(t);
    } else {
      out.insert(node["type"].get<std::string>());
    }
  }
  if (node.contains("enum")) {
    for (const Json& v : node["enum"]) out.insert(v.is_null() ? "null" : v.is_string() ? "string" : "other");
  }
  for (const char* k : {"oneOf", "anyOf"}) {
    if (node.contains(k)) {
      for (const Json& alt : node[k]) Types(alt, root, out);
    }
  }
}

// The alternative of a schema node that describes an object with properties, or null.
const Json* ObjectSchema(const Json& raw, const Json& root) {
  const Json& node = Resolve(raw, root);
  if (node.contains("properties")) return &node;
  if (node.contains("oneOf")) {
    for (const Json& alt : node["oneOf"]) {
      if (const Json* o = ObjectSchema(alt, root)) return o;
    }
  }
  return nullptr;
}

bool IsListWrapper(const Descriptor* d) {
  return d->field_count() == 1 && d->field(0)->is_repeated() && d->field(0)->name() == "values";
}

std::string JsonType(const FieldDescriptor* f) {
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_BOOL: return "boolean";
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64: return "integer";
    case FieldDescriptor::CPPTYPE_MESSAGE: return "object";
    default: return "string";  // strings, bytes (base64) and enums (names)
  }
}

// The schema object `schema` lists exactly the fields of `d`, in order, all required (but
// files_binary), with the JSON type each field is written as and null allowed exactly where the
// writer can write null.
void ExpectSchemaDescribes(const Descriptor* d, const Json& schema, const Json& root, const std::string& path) {
  std::vector<std::string> fields;
  for (int i = 0; i < d->field_count(); ++i) fields.push_back(d->field(i)->name());
  EXPECT_THAT(Keys(schema["properties"]), ElementsAreArray(fields)) << path;
  std::vector<std::string> required(fields);
  std::erase(required, "files_binary");
  EXPECT_THAT(schema["required"].get<std::vector<std::string>>(), ElementsAreArray(required)) << path;
  EXPECT_EQ(schema.value("additionalProperties", true), false) << path;

  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    const std::string where = path + "." + f->name();
    if (!schema["properties"].contains(f->name())) continue;
    const Json& node = schema["properties"][f->name()];
    std::set<std::string> types;
    Types(node, root, types);
    const bool message = f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE;
    const bool wrapper = message && IsListWrapper(f->message_type());
    const bool nullable = !f->is_repeated() && f->has_presence() && f->name() != "passive_authentication_details";
    EXPECT_EQ(types.count("null") == 1, nullable) << where << ": null allowed by the schema vs written";
    if (f->is_repeated()) {
      // A keyed message list is an object (key -> value); everything else an array.
      EXPECT_EQ(types.count(message ? "object" : "array"), 1u) << where;
    } else if (wrapper) {
      EXPECT_EQ(types.count("array"), 1u) << where;
    } else {
      EXPECT_EQ(types.count(JsonType(f)), 1u) << where << " should admit " << JsonType(f);
    }
    if (message && !f->is_repeated() && !wrapper) {
      const Json* object = ObjectSchema(node, root);
      ASSERT_NE(object, nullptr) << where;
      ExpectSchemaDescribes(f->message_type(), *object, root, where);
    }
  }
}

TEST(ResultSchemaTest, SchemaDescribesTheMessageFieldByField) {
  const Json root = LoadSchema();
  ExpectSchemaDescribes(v1::EmrtdResult::descriptor(), root, root, "$");
}

TEST(ResultSchemaTest, SchemaEnumsAreTheWrittenNames) {
  const Json root = LoadSchema();
  auto schema_enum = [&](const Json& node) {
    std::set<std::string> out;
    for (const Json& v : Resolve(node, root)["enum"]) out.insert(v);
    return out;
  };
  v1::EmrtdResult r;
  std::set<std::string> checks, genders;
  for (int i = 0; i < v1::CheckResult_descriptor()->value_count(); ++i) {
    r.set_chip_authentication_result(static_cast<v1::CheckResult>(v1::CheckResult_descriptor()->value(i)->number()));
    checks.insert(ResultToJson(r)["chip_authentication_result"].get<std::string>());
  }
  for (int i = 0; i < v1::Gender_descriptor()->value_count(); ++i) {
    r.mutable_mrz_info()->set_gender(static_cast<v1::Gender>(v1::Gender_descriptor()->value(i)->number()));
    genders.insert(ResultToJson(r)["mrz_info"]["gender"].get<std::string>());
  }
  EXPECT_EQ(schema_enum(root["properties"]["chip_authentication_result"]), checks);
  EXPECT_EQ(schema_enum(root["properties"]["active_authentication_result"]), checks);
  const Json* mrz = ObjectSchema(root["properties"]["mrz_info"], root);
  ASSERT_NE(mrz, nullptr);
  EXPECT_EQ(schema_enum((*mrz)["properties"]["gender"]), genders);
}

TEST(ResultSchemaTest, TheSchemaCheckCanFail) {
  // The schema walk above must be able to fail: a schema with a key out of order, or a field made
  // nullable, is caught.
  Json root = LoadSchema();
  Json swapped = root;
  swapped["properties"] = Json::object();
  std::vector<std::string> keys = Keys(root["properties"]);
  std::swap(keys[0], keys[1]);
  for (const std::string& k : keys) swapped["properties"][k] = root["properties"][k];
  ::testing::TestPartResultArray failures;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
    ExpectSchemaDescribes(v1::EmrtdResult::descriptor(), swapped, swapped, "$");
  }
  EXPECT_GT(failures.size(), 0);
  Json nullable = root;
  nullable["properties"]["passive_authentication"] = Json::parse(R"({"type":["boolean","null"]})");
  ::testing::TestPartResultArray failures2;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures2);
    ExpectSchemaDescribes(v1::EmrtdResult::descriptor(), nullable, nullable, "$");
  }
  ASSERT_EQ(failures2.size(), 1);
  EXPECT_THAT(failures2.GetTestPartResult(0).message(), HasSubstr("passive_authentication: null allowed"));
}

}  // namespace
}  // namespace docval
