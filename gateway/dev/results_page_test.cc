#include "gateway/dev/results_page.h"

#include <regex>

#include <nlohmann/json.hpp>
#include <openssl/sha.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gateway/dev/dev_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace docval::gateway {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + 1)) ++n;
  return n;
}

// A result as the server posts it (docs/result.schema.json), with the given names and face.
nlohmann::json Result(const std::string& primary, const std::string& given, const std::string& face_bytes) {
  nlohmann::json p = {
      {"sod_info",
       {{"hash_algorithm", "SHA-256"}, {"hash_for_data_group", {{"1", "AA=="}, {"11", "AA=="}, {"2", "AA=="}}}}},
      {"mrz_info",
       {{"document_type", "TD3"},
        {"document_code", "P"},
        {"issuing_state", "UTO"},
        {"primary_identifier", primary},
        {"secondary_identifier", {given}},
        {"nationality", "UTO"},
        {"document_number", "C01X00T47"},
        {"date_of_birth", "840812"},
        {"gender", "FEMALE"},
        {"date_of_expiry", "330101"},
        {"optional_data1", ""},
        {"optional_data2", nullptr}}},
      {"face_photo", absl::Base64Escape(face_bytes)},
      {"signature_photos", nullptr},
      {"additional_personal_details", nullptr},
      {"additional_document_details", nullptr},
      {"passive_authentication", false},
      {"passive_authentication_details",
       {{"sod_signature_valid", true},
        {"document_certificate_valid", false},
        {"data_groups_checked", {1, 2}},
        {"data_groups_with_valid_hash", {1, 2}},
        {"error", "no trusted CSCA for the Document Signer"},
        {"all_hashes_valid", true},
        {"notes", {"the CRL of C=UT has expired"}}}},
      {"chip_authentication_result", "FAILED"},
      {"active_authentication_result", "UNAVAILABLE"},
      {"errors", {"chip authentication: the chip's key does not match DG14", "DG11: unreadable"}}};
  return {{"emrtd_passport", p}, {"client_validation_id", "v-1"}};
}

TEST(PrefersHtmlTest, BrowsersGetHtmlProgramsJson) {
  EXPECT_TRUE(PrefersHtml("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"));
  EXPECT_TRUE(PrefersHtml("text/html"));
  EXPECT_TRUE(PrefersHtml("text/*"));
  EXPECT_TRUE(PrefersHtml("application/json;q=0.5, text/html"));
  EXPECT_FALSE(PrefersHtml(""));
  EXPECT_FALSE(PrefersHtml("*/*"));  // curl
  EXPECT_FALSE(PrefersHtml("application/json"));
  EXPECT_FALSE(PrefersHtml("text/html;q=0.5, application/json"));
  EXPECT_FALSE(PrefersHtml("text/html;q=0, */*"));                    // html explicitly refused
  EXPECT_FALSE(PrefersHtml("text/html;q=0.8, application/*;q=0.8"));  // a tie goes to JSON
  EXPECT_FALSE(PrefersHtml("text/html;q=banana"));                    // a malformed q counts as 0
  EXPECT_FALSE(PrefersHtml(",,;;q=,"));
}

TEST(HtmlEscapeTest, EscapesMarkupAndRepairsBytes) {
  EXPECT_EQ(HtmlEscape("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;");
  EXPECT_EQ(HtmlEscape("M\xC3\xBCller \xE6\x9D\xB1 \xF0\x9F\x98\x80"), "M\xC3\xBCller \xE6\x9D\xB1 \xF0\x9F\x98\x80");
  EXPECT_EQ(HtmlEscape(std::string("a\0b\x01\tc", 6)),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD\tc");
  EXPECT_EQ(HtmlEscape("\xFF\xC3"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // stray and cut-short bytes
  EXPECT_EQ(HtmlEscape("\xC0\xBC"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong '<'
  EXPECT_EQ(HtmlEscape("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
}

TEST(ResultsPageTest, ShowsTheVerdictsWithTheirDetails) {
  ResultCard card =
      PrepareCard("2026-01-02T03:04:05Z", Result("ERIKSSON", "ANNA MARIA", testing::ReadSampleFace("face.jp2")).dump());
  card.session_duration = absl::Milliseconds(1234);
  std::string html = RenderResultsHtml({&card}, PageState{0, 7});
  EXPECT_THAT(html, HasSubstr("<h2>ERIKSSON, ANNA MARIA \xC2\xB7 C01X00T47</h2>"));
  EXPECT_THAT(html, HasSubstr("received 2026-01-02T03:04:05Z \xC2\xB7 session 1.23 s"));
  EXPECT_THAT(html, HasSubstr("data-check=\"passive_authentication\"><h3>Passive Authentication</h3>"
                              "<div class=\"value\">FAILED</div>"));
  EXPECT_THAT(html, HasSubstr("<li>Document Signer certificate valid: no</li>"));
  EXPECT_THAT(html, HasSubstr("<li>error: no trusted CSCA for the Document Signer</li>"));
  EXPECT_THAT(html, HasSubstr("<li>checked: DG1, DG2; hash valid: DG1, DG2</li>"));
  EXPECT_THAT(html, HasSubstr("<li>note: the CRL of C=UT has expired</li>"));
  EXPECT_THAT(html, HasSubstr("data-check=\"chip_authentication\"><h3>Chip Authentication</h3>"
                              "<div class=\"value\">FAILED</div>"));
  EXPECT_THAT(html, HasSubstr("<li>chip authentication: the chip&#39;s key does not match DG14</li>"));
  EXPECT_THAT(html, HasSubstr("data-check=\"active_authentication\"><h3>Active Authentication</h3>"
                              "<div class=\"value\">UNAVAILABLE</div><ul><li>not done"));
  EXPECT_THAT(html, HasSubstr("<dt>Date of birth</dt><dd>840812</dd>"));
  EXPECT_THAT(html, HasSubstr("<dt>Read and checked</dt><dd>DG1, DG2</dd>"));
  EXPECT_THAT(html, HasSubstr("<dt>Listed in EF.SOD</dt><dd>DG1, DG2, DG11</dd>")) << "in data-group order";
  EXPECT_THAT(html, HasSubstr("<li>DG11: unreadable</li>"));
  EXPECT_THAT(html, HasSubstr("<img src=\"data:image/png;base64,iVBORw0KGgo"));
  EXPECT_THAT(html, HasSubstr("JPEG 2000 120\xC3\x97"
                              "160 (shown as PNG)"));
  EXPECT_THAT(html, HasSubstr("data-generation=\"7\" data-sessions=\"0\""));
  EXPECT_THAT(html, Not(HasSubstr("http-equiv=\"refresh\"")));
  EXPECT_THAT(html, Not(HasSubstr("http://")));  // no external asset
  EXPECT_THAT(html, Not(HasSubstr("https://")));
}

TEST(ResultsPageTest, ChipDataCannotInjectMarkup) {
  const std::string attack = "\"><img src=x onerror=alert(1)><script>alert(2)</script>";
  nlohmann::json body = Result(attack, "</style><style>*{display:none}", "not an image");
  body["emrtd_passport"]["errors"] = {attack};
  body["emrtd_passport"]["chip_authentication_result"] = attack;
  body["emrtd_passport"]["sod_info"]["hash_for_data_group"] = {{attack, "AA=="}};
  body["client_validation_id"] = attack;
  ResultCard card = PrepareCard("<b>now</b>", body.dump());
  std::string html = RenderResultsHtml({&card}, PageState{1, 1});
  EXPECT_EQ(Count(html, "<script"), 1u) << "only the page's own script";
  EXPECT_EQ(Count(html, "<style"), 1u);
  EXPECT_EQ(Count(html, "<img"), 0u) << "the face is not an image, and no injected tag";
  EXPECT_THAT(html, Not(HasSubstr("<b>")));
  EXPECT_THAT(html, HasSubstr("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;"));
  EXPECT_THAT(html, HasSubstr("neither JPEG nor JPEG 2000: not shown"));
  // While a session runs, the page refreshes itself even without script.
  EXPECT_THAT(html, HasSubstr("<noscript><meta http-equiv=\"refresh\" content=\"2\"></noscript>"));
  EXPECT_THAT(html, HasSubstr("1 session running"));
}

TEST(ResultsPageTest, ImagesAreOnlyEverJpegOrPngDataUris) {
  nlohmann::json body = Result("A", "B", testing::ReadSampleFace("face.jpg"));
  body["emrtd_passport"]["signature_photos"] = {absl::Base64Escape(testing::ReadSampleFace("face.jpg")), "%%%",
                                                absl::Base64Escape("<svg onload=alert(1)>")};
  ResultCard card = PrepareCard("t", body.dump());
  std::string html = RenderResultsHtml({&card}, PageState{});
  std::regex img("<img src=\"([^\"]*)\"");
  size_t images = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), img); it != std::sregex_iterator(); ++it) {
    ++images;
    const std::string src = (*it)[1];
    EXPECT_TRUE(src.rfind("data:image/jpeg;base64,", 0) == 0 || src.rfind("data:image/png;base64,", 0) == 0) << src;
  }
  EXPECT_EQ(images, 2u);  // the face and the one good signature
  EXPECT_THAT(html, HasSubstr("image is not base64"));
}

TEST(ResultsPageTest, NonsenseBodiesStillRender) {
  for (const char* body : {"{}", "{\"emrtd_passport\": 5}", "{\"emrtd_passport\": {\"mrz_info\": [1, 2]}}",
                           "{\"emrtd_passport\": {\"errors\": {\"a\": 1}, \"face_photo\": 12}}"}) {
    ResultCard card = PrepareCard("t", body);
    std::string html = RenderResultsHtml({&card}, PageState{});
    EXPECT_THAT(html, HasSubstr("<article class=\"result\" id=\"result-1\">")) << body;
    EXPECT_THAT(html, HasSubstr("</html>"));
  }
  std::string empty = RenderResultsHtml({}, PageState{});
  EXPECT_THAT(empty, HasSubstr("No result yet"));
}

std::string Sha256Base64(const std::string& text) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), d);
  return absl::Base64Escape(std::string(reinterpret_cast<char*>(d), sizeof(d)));
}

TEST(ResultsPageTest, TheCspAllowsExactlyThePagesOwnStyleAndScript) {
  std::string html = RenderResultsHtml({}, PageState{});
  std::smatch m;
  ASSERT_TRUE(std::regex_search(html, m, std::regex("<style>([\\s\\S]*?)</style>")));
  const std::string style = m[1];
  ASSERT_TRUE(std::regex_search(html, m, std::regex("<script>([\\s\\S]*?)</script>")));
  const std::string script = m[1];
  const std::string& csp = ResultsPageCsp();
  EXPECT_THAT(csp, HasSubstr("default-src 'none'"));
  EXPECT_THAT(csp, HasSubstr("img-src data:;"));
  EXPECT_THAT(csp, HasSubstr(absl::StrCat("style-src 'sha256-", Sha256Base64(style), "'")));
  EXPECT_THAT(csp, HasSubstr(absl::StrCat("script-src 'sha256-", Sha256Base64(script), "'")));
}

}  // namespace
}  // namespace docval::gateway
