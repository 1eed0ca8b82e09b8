#include "gateway/protocol/multipart.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace docval::gateway::multipart {
namespace {

using ::testing::HasSubstr;

constexpr char kBoundary[] = "XyZ-42";

std::string Part(const std::string& disposition, const std::string& content, const std::string& extra = "") {
  return "--" + std::string(kBoundary) + "\r\nContent-Disposition: " + disposition + "\r\n" + extra + "\r\n" +
         content + "\r\n";
}

std::string Close() { return "--" + std::string(kBoundary) + "--\r\n"; }

TEST(BoundaryOfTest, AcceptsQuotedAndUnquotedAnyCase) {
  EXPECT_EQ(*BoundaryOf("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(*BoundaryOf("Multipart/Form-Data;charset=utf-8; BOUNDARY=\"a b'c\""), "a b'c");
  EXPECT_EQ(BoundaryOf(std::string("multipart/form-data; boundary=") + std::string(70, 'x'))->size(), 70u);
}

TEST(BoundaryOfTest, AnotherMediaTypeIsUnsupported) {
  for (const char* type : {"", "application/json", "multipart/mixed; boundary=a", "text/plain; x=\"",
                           "application/x-www-form-urlencoded"}) {
    EXPECT_EQ(BoundaryOf(type).status().code(), absl::StatusCode::kFailedPrecondition) << type;
  }
}

TEST(BoundaryOfTest, MissingOrBadBoundaryIsMalformed) {
  for (std::string type : std::vector<std::string>{"multipart/form-data", "multipart/form-data; boundary=",
                           "multipart/form-data; boundary=\"a \"", "multipart/form-data; boundary=\"a\\\"b\"",
                           "multipart/form-data; boundary=a; boundary=b", "multipart/form-data; boundary=\"abc",
                           std::string("multipart/form-data; boundary=") + std::string(71, 'x')}) {
    EXPECT_EQ(BoundaryOf(type).status().code(), absl::StatusCode::kInvalidArgument) << type;
  }
}

TEST(ParseTest, SplitsPartsWithPreambleEpilogueAndBinaryContent) {
  std::string binary("\x00\r\n--XyZ-4\xff\r\n\r\n", 16);
  std::string body = "preamble\r\n" + Part("form-data; name=\"client_id\"", "demo") +
                     Part("form-data; name=sod; filename=\"EF_SOD.bin\"", binary,
                          "content-type: application/octet-stream\r\nX-Other: 1\r\n") +
                     Part("form-data; name=\"dg1\"; filename=\"\"", "") + Close() + "epilogue";
  absl::StatusOr<Form> form = Parse(body, kBoundary, {});
  ASSERT_TRUE(form.ok()) << form.status();
  ASSERT_EQ(form->parts.size(), 3u);
  EXPECT_EQ(form->parts[0].name, "client_id");
  EXPECT_EQ(form->parts[0].content, "demo");
  EXPECT_FALSE(form->parts[0].filename.has_value());
  const struct Part* sod = form->Find("sod");
  ASSERT_NE(sod, nullptr);
  EXPECT_EQ(sod->content, binary);
  EXPECT_EQ(sod->filename, "EF_SOD.bin");
  EXPECT_EQ(sod->content_type, "application/octet-stream");
  EXPECT_EQ(form->Find("dg1")->content, "");
  EXPECT_EQ(form->Find("dg1")->filename, "");
  EXPECT_EQ(form->Find("dg2"), nullptr);
}

TEST(ParseTest, AcceptsTransportPaddingAndAnEmptyForm) {
  std::string body = "--XyZ-42 \t\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--XyZ-42--";
  absl::StatusOr<Form> form = Parse(body, kBoundary, {});
  ASSERT_TRUE(form.ok()) << form.status();
  EXPECT_EQ(form->Find("a")->content, "x");
  EXPECT_TRUE(Parse("--XyZ-42--", kBoundary, {})->parts.empty());
}

TEST(ParseTest, MalformedBodiesNameTheFieldWhenKnown) {
  struct Case {
    std::string body;
    std::string field;
    std::string detail;
  } cases[] = {
      {"no delimiter at all", "", "no delimiter"},
      {Part("form-data; name=a", "x"), "a", "no close delimiter"},
      {Part("form-data; name=a", "x") + Part("form-data; name=a", "y") + Close(), "a", "twice"},
      {Part("form-data", "x") + Close(), "", "without one name"},
      {Part("form-data; name=\"\"", "x") + Close(), "", "without one name"},
      {Part("attachment; name=a", "x") + Close(), "", "not form-data"},
      {Part("form-data; name=\"a", "x") + Close(), "", "malformed Content-Disposition"},
      {Part("form-data; name=a; filename=b; filename=c", "x") + Close(), "a", "two filenames"},
      {"--XyZ-42\r\nX: 1\r\n\r\nx\r\n" + Close(), "", "no Content-Disposition"},
      {"--XyZ-42\r\nContent-Disposition: form-data;\r\n name=a\r\n\r\nx\r\n" + Close(), "", "folded"},
      {"--XyZ-42\r\nno colon\r\n\r\nx\r\n" + Close(), "", "without a name"},
      {"--XyZ-42\r\nContent-Disposition: form-data; name=a", "", "unterminated headers"},
      {"--XyZ-42junk\r\n" + Close(), "", "not followed by CRLF"},
      {Part("form-data; name=a", "x") + "--XyZ-42junk", "", "not followed by CRLF"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<Form> form = Parse(c.body, kBoundary, {});
    ASSERT_EQ(form.status().code(), absl::StatusCode::kInvalidArgument) << c.body;
    EXPECT_THAT(form.status().message(), HasSubstr(c.detail)) << c.body;
    EXPECT_EQ(MultipartErrorField(form.status()), c.field) << c.body;
  }
}

TEST(ParseTest, LimitsGiveResourceExhausted) {
  MultipartLimits limits;
  limits.max_parts = 2;
  limits.max_part_header_bytes = 64;
  limits.max_part_bytes = [](absl::string_view name) -> size_t { return name == "sod" ? 4 : 8; };

  std::string three = Part("form-data; name=a", "") + Part("form-data; name=b", "") +
                      Part("form-data; name=c", "") + Close();
  absl::Status s = Parse(three, kBoundary, limits).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(s.message(), HasSubstr("more than 2 parts"));

  // Exactly at the caps passes; one byte more does not, with the field named.
  EXPECT_TRUE(Parse(Part("form-data; name=sod", "1234") + Part("form-data; name=dg1", "12345678") + Close(),
                    kBoundary, limits)
                  .ok());
  s = Parse(Part("form-data; name=sod", "12345") + Close(), kBoundary, limits).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(MultipartErrorField(s), "sod");
  // An oversized part without a close delimiter is still "too large", not "malformed".
  s = Parse(Part("form-data; name=dg1", std::string(100, 'x')), kBoundary, limits).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(MultipartErrorField(s), "dg1");

  std::string long_header = Part("form-data; name=a", "x", "X-Pad: " + std::string(64, 'p') + "\r\n") + Close();
  s = Parse(long_header, kBoundary, limits).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(s.message(), HasSubstr("header block"));
  // Header block of exactly 64 bytes: accepted.
  std::string exact = "--XyZ-42\r\nContent-Disposition: form-data; name=a\r\nX: " + std::string(21, 'p') +
                      "\r\n\r\nx\r\n" + Close();
  ASSERT_EQ(exact.find("\r\n\r\n") - 10, 64u);
  EXPECT_TRUE(Parse(exact, kBoundary, limits).ok()) << Parse(exact, kBoundary, limits).status();
}

TEST(ParseRequestTest, ChecksTheContentTypeFirst) {
  std::string body = Part("form-data; name=a", "x") + Close();
  EXPECT_EQ(ParseRequest("application/json", body, {}).status().code(), absl::StatusCode::kFailedPrecondition);
  absl::StatusOr<Form> form = ParseRequest("multipart/form-data; boundary=XyZ-42", body, {});
  ASSERT_TRUE(form.ok()) << form.status();
  EXPECT_EQ(form->Find("a")->content, "x");
  // The boundary of the header must be the one of the body.
  EXPECT_EQ(ParseRequest("multipart/form-data; boundary=other", body, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace docval::gateway::multipart
