// The protocol documents against the code: docs/protocol.md (§1.4, §1.6) and docs/asyncapi.yaml name
// exactly the progress statuses of proto/docval/v1/validator.proto, exactly the close reasons and codes
// of gateway/protocol/close_reason.h, and the frame and APDU limits of gateway/protocol/v1.h. A reason,
// status or limit changed on one side only fails here.
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/testing/paths.h"
#include "docval/v1/validator.pb.h"
#include "gateway/protocol/close_reason.h"
#include "gateway/protocol/v1.h"
#include "gateway/protocol/v2.h"
#include "gateway/protocol/v4.h"
#include "validator/emrtd/limits.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace docval::lint {
namespace {

using ::testing::ElementsAreArray;
using ::testing::UnorderedElementsAreArray;

using CodeAndReason = std::pair<int, std::string>;

std::string ReadDoc(const std::string& name) {
  std::ifstream in(docval::SourcePath("docs/") + name);
  EXPECT_TRUE(in.good()) << name;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The lines of the section that starts with `heading` (a "### " or "## " line), up to the next heading.
std::vector<std::string> Section(const std::string& text, const std::string& heading) {
  std::vector<std::string> out;
  bool in = false;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StartsWith(line, "#")) {
      if (in) break;
      in = absl::StartsWith(line, heading);
      continue;
    }
    if (in) out.emplace_back(line);
  }
  EXPECT_FALSE(out.empty()) << "no section " << heading;
  return out;
}

// The cells of a Markdown table row ("| a | b |" -> {"a", "b"}); empty for other lines.
std::vector<std::string> Cells(absl::string_view line) {
  line = absl::StripAsciiWhitespace(line);
  if (!absl::ConsumePrefix(&line, "|") || !absl::ConsumeSuffix(&line, "|")) return {};
  std::vector<std::string> cells;
  for (absl::string_view c : absl::StrSplit(line, '|')) cells.emplace_back(absl::StripAsciiWhitespace(c));
  return cells;
}

// The `UPPER_CASE` names in backticks of a Markdown cell, in order.
std::vector<std::string> TickedNames(absl::string_view cell) {
  std::vector<std::string> names;
  std::vector<absl::string_view> parts = absl::StrSplit(cell, '`');
  for (size_t i = 1; i < parts.size(); i += 2) {
    bool upper = !parts[i].empty();
    for (char c : parts[i]) upper &= (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (upper) names.emplace_back(parts[i]);
  }
  return names;
}

// Every close reason of the gateway with its code. CloseReasonName() answers SERVER_ERROR for a value
// it does not know, which shows that kTryAgainLater is the last enumerator.
std::vector<CodeAndReason> CodeReasons() {
  std::vector<CodeAndReason> out;
  const int last = static_cast<int>(gateway::CloseReason::kTryAgainLater);
  for (int i = 0; i <= last; ++i) {
    auto r = static_cast<gateway::CloseReason>(i);
    out.emplace_back(gateway::CloseCode(r), std::string(gateway::CloseReasonName(r)));
  }
  EXPECT_EQ(gateway::CloseReasonName(static_cast<gateway::CloseReason>(last + 1)), "SERVER_ERROR")
      << "a close reason after kTryAgainLater: extend this test's enumeration";
  return out;
}

// The progress steps of the validator contract, in order, without STEP_UNSPECIFIED.
std::vector<std::string> Steps() {
  std::vector<std::string> out;
  const google::protobuf::EnumDescriptor* e = v1::Step_descriptor();
  for (int i = 0; i < e->value_count(); ++i) {
    if (e->value(i)->number() != 0) out.push_back(e->value(i)->name());
  }
  return out;
}

YAML::Node AsyncApi() { return YAML::Load(ReadDoc("asyncapi.yaml")); }

TEST(DocsContractTest, ProtocolMdListsEveryStatusInOrder) {
  std::vector<std::string> documented;
  for (const std::string& line : Section(ReadDoc("protocol.md"), "### 1.4 ")) {
    std::vector<std::string> cells = Cells(line);
    if (cells.size() < 2) continue;
    for (std::string& n : TickedNames(cells[0])) documented.push_back(std::move(n));
  }
  EXPECT_THAT(documented, ElementsAreArray(Steps()));
}

TEST(DocsContractTest, ProtocolMdListsEveryCloseReasonWithItsCode) {
  std::vector<CodeAndReason> documented;
  for (const std::string& line : Section(ReadDoc("protocol.md"), "### 1.6 ")) {
    std::vector<std::string> cells = Cells(line);
    int code = 0;
    if (cells.size() < 3 || !absl::SimpleAtoi(cells[1], &code)) continue;
    std::vector<std::string> names = TickedNames(cells[0]);
    if (cells[0] == "(empty)") names = {""};
    ASSERT_EQ(names.size(), 1u) << line;
    documented.emplace_back(code, names[0]);
  }
  EXPECT_THAT(documented, UnorderedElementsAreArray(CodeReasons()));
}

TEST(DocsContractTest, AsyncApiStatusesAreTheSteps) {
  std::vector<std::string> documented;
  for (const YAML::Node& n : AsyncApi()["components"]["schemas"]["Status"]["properties"]["status"]["enum"]) {
    documented.push_back(n.as<std::string>());
  }
  EXPECT_THAT(documented, ElementsAreArray(Steps()));
}

TEST(DocsContractTest, AsyncApiCloseNoticePairsAreTheCloseReasons) {
  YAML::Node schemas = AsyncApi()["components"]["schemas"];
  std::vector<CodeAndReason> documented;
  for (YAML::Node alt : schemas["CloseNotice"]["oneOf"]) {
    if (alt["$ref"]) {
      std::string ref = alt["$ref"].as<std::string>();
      alt = schemas[ref.substr(ref.rfind('/') + 1)];
    }
    const int code = alt["properties"]["close_code"]["const"].as<int>();
    YAML::Node reason = alt["properties"]["close_reason"];
    if (reason["const"]) {
      documented.emplace_back(code, reason["const"].as<std::string>());
    } else {
      for (const YAML::Node& r : reason["enum"]) documented.emplace_back(code, r.as<std::string>());
    }
  }
  EXPECT_THAT(documented, UnorderedElementsAreArray(CodeReasons()));
}

TEST(DocsContractTest, AsyncApiLimitsAreTheGatewaysLimits) {
  YAML::Node c = AsyncApi()["components"];
  YAML::Node start = c["schemas"]["StartMessage"]["properties"];
  EXPECT_EQ(start["max_command_bytes"]["minimum"].as<int>(), gateway::ws1::kMinApduLimit);
  EXPECT_EQ(start["max_response_bytes"]["minimum"].as<int>(), gateway::ws1::kMinApduLimit);
  EXPECT_THAT(start["max_command_bytes"]["description"].as<std::string>(),
              ::testing::HasSubstr(std::to_string(gateway::ws1::kMaxCommandLimit)));
  EXPECT_THAT(start["max_response_bytes"]["description"].as<std::string>(),
              ::testing::HasSubstr(std::to_string(gateway::ws1::kMaxResponseLimit)));
  EXPECT_EQ(c["messages"]["ResponseApdu"]["payload"]["maxLength"].as<size_t>(), gateway::ws1::kMaxBinaryFrameBytes);
  EXPECT_EQ(c["messages"]["CommandApdu"]["payload"]["maxLength"].as<int>(), gateway::ws1::kMaxCommandLimit);
}

// WebSocket API v2: the AsyncAPI channel's frame limits are gateway/protocol/v2.h's, and its CLOSE pairs
// are the v1 close reasons plus PROTOCOL_ERROR.
TEST(DocsContractTest, AsyncApiV2LimitsAreTheGatewaysLimits) {
  YAML::Node c = AsyncApi()["components"];
  EXPECT_EQ(c["messages"]["V2File"]["payload"]["maxLength"].as<size_t>(), gateway::ws2::kMaxBinaryFrameBytes);
  EXPECT_EQ(c["schemas"]["V2Monitoring"]["properties"]["message"]["maxLength"].as<size_t>(),
            gateway::ws2::kMaxMonitoringBytes);
  EXPECT_THAT(AsyncApi()["channels"]["/ws2/validate"]["description"].as<std::string>(),
              ::testing::HasSubstr("262,401 bytes"));
  std::set<int> codes;
  for (const YAML::Node& n : c["schemas"]["V2CloseAsV1"]["properties"]["code"]["enum"]) codes.insert(n.as<int>());
  std::set<int> expected;
  for (const CodeAndReason& cr : CodeReasons()) expected.insert(cr.first);
  EXPECT_EQ(codes, expected);
  YAML::Node protocol_error = c["schemas"]["V2Close"]["oneOf"][0]["properties"];
  EXPECT_EQ(protocol_error["code"]["const"].as<int>(), gateway::ws2::Closing::ProtocolError().code());
  EXPECT_EQ(protocol_error["reason"]["const"].as<std::string>(), gateway::ws2::Closing::ProtocolError().name());
}

// POST /v4/validate: docs/openapi.yaml and docs/protocol.md §6 name the route's statuses and error
// codes, and the OpenAPI form's size caps are the eMRTD core's per-file caps.
TEST(DocsContractTest, OpenApiStatusesAndErrorsAreTheRoutes) {
  YAML::Node doc = YAML::Load(ReadDoc("openapi.yaml"));
  std::set<int> documented;
  for (const auto& r : doc["paths"]["/v4/validate"]["post"]["responses"])
    documented.insert(std::stoi(r.first.as<std::string>()));
  EXPECT_EQ(documented, std::set<int>(std::begin(gateway::v4::kStatuses), std::end(gateway::v4::kStatuses)));
  std::set<std::string> codes;
  for (const auto& c : doc["components"]["schemas"]["Error"]["properties"]["error"]["enum"])
    codes.insert(c.as<std::string>());
  EXPECT_EQ(codes, std::set<std::string>(std::begin(gateway::v4::kErrorCodes), std::end(gateway::v4::kErrorCodes)));

  YAML::Node form = doc["components"]["schemas"]["ValidateForm"]["properties"];
  emrtd::SessionLimits limits;
  EXPECT_EQ(form["client_id"]["maxLength"].as<size_t>(), gateway::v4::kMaxClientIdBytes);
  EXPECT_EQ(form["sod"]["maxLength"].as<size_t>(), limits.MaxFileBytes("EF.SOD"));
  for (int dg = 1; dg <= 16; ++dg) {
    EXPECT_EQ(form["dg" + std::to_string(dg)]["maxLength"].as<size_t>(), limits.MaxFileBytes("DG" + std::to_string(dg)))
        << "dg" << dg;
  }
  EXPECT_EQ(form.size(), 18u);
}

TEST(DocsContractTest, ProtocolMdListsTheV4StatusesAndErrors) {
  std::set<int> statuses;
  std::set<std::string> codes;
  for (const std::string& line : Section(ReadDoc("protocol.md"), "### 6.2 ")) {
    std::vector<std::string> cells = Cells(line);
    int status = 0;
    if (cells.size() < 2 || !absl::SimpleAtoi(cells[0], &status)) continue;
    statuses.insert(status);
    std::vector<absl::string_view> parts = absl::StrSplit(cells[1], '`');
    for (size_t i = 1; i < parts.size(); i += 2) codes.emplace(parts[i]);
  }
  EXPECT_EQ(statuses, std::set<int>(std::begin(gateway::v4::kStatuses), std::end(gateway::v4::kStatuses)));
  EXPECT_EQ(codes, std::set<std::string>(std::begin(gateway::v4::kErrorCodes), std::end(gateway::v4::kErrorCodes)));
}

}  // namespace
}  // namespace docval::lint
