// Test helpers: validating a result JSON against docs/result.schema.json (valijson) and checking the
// key order the schema documents but cannot enforce.
#ifndef DOCVAL_TOOLS_VERIFY_SCHEMA_TEST_UTIL_H_
#define DOCVAL_TOOLS_VERIFY_SCHEMA_TEST_UTIL_H_

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "base/testing/paths.h"
#include "gtest/gtest.h"

namespace docval::tools::testing_util {

using Ordered = nlohmann::ordered_json;

inline Ordered LoadSchema() {
  std::ifstream in(docval::SourcePath("docs/result.schema.json"));
  EXPECT_TRUE(in.good());
  return Ordered::parse(in);
}

// Validates `doc` against docs/result.schema.json; returns the errors ("" when valid).
inline std::string SchemaErrors(const Ordered& doc) {
  nlohmann::json schema_doc = nlohmann::json::parse(LoadSchema().dump());
  valijson::Schema schema;
  valijson::SchemaParser parser;
  valijson::adapters::NlohmannJsonAdapter schema_adapter(schema_doc);
  parser.populateSchema(schema_adapter, schema);
  nlohmann::json target = nlohmann::json::parse(doc.dump());
  valijson::adapters::NlohmannJsonAdapter target_adapter(target);
  valijson::Validator validator;
  valijson::ValidationResults results;
  if (validator.validate(schema, target_adapter, &results)) return "";
  std::string out;
  valijson::ValidationResults::Error e;
  while (results.popError(e)) {
    std::string where;
    for (const std::string& c : e.context) where += c;
    out += where + ": " + e.description + "\n";
  }
  return out;
}

// The key-order rule the schema documents but cannot enforce: the keys of every object appear in the
// order of the schema's `properties` (resolving the oneOf/$ref alternatives that describe objects).
inline void ExpectSchemaOrder(const Ordered& doc, const Ordered& schema_node, const Ordered& root,
                              const std::string& path) {
  const Ordered* node = &schema_node;
  if (node->contains("$ref")) {
    std::string ref = (*node)["$ref"].get<std::string>();
    node = &root["definitions"][ref.substr(ref.rfind('/') + 1)];
  }
  if (node->contains("oneOf")) {
    for (const Ordered& alt : (*node)["oneOf"]) {
      if (alt.contains("properties") && doc.is_object()) return ExpectSchemaOrder(doc, alt, root, path);
    }
    return;
  }
  if (!doc.is_object() || !node->contains("properties")) return;
  std::vector<std::string> schema_keys;
  for (const auto& [k, v] : (*node)["properties"].items()) schema_keys.push_back(k);
  size_t next = 0;
  for (const auto& [k, v] : doc.items()) {
    auto it = std::find(schema_keys.begin() + static_cast<ptrdiff_t>(next), schema_keys.end(), k);
    ASSERT_NE(it, schema_keys.end()) << path << ": key '" << k << "' out of order or unknown";
    next = static_cast<size_t>(it - schema_keys.begin()) + 1;
    ExpectSchemaOrder(v, (*node)["properties"][k], root, path + "." + k);
  }
}

}  // namespace docval::tools::testing_util

#endif  // DOCVAL_TOOLS_VERIFY_SCHEMA_TEST_UTIL_H_
