#include "gateway/dev/results_page.h"

#include <algorithm>

#include <nlohmann/json.hpp>
#include <openssl/sha.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace docval::gateway {
namespace {

using Json = nlohmann::json;

constexpr size_t kMaxSignatureImages = 4;

// The page's only style and script. Their hashes go into the Content-Security-Policy.
constexpr char kStyle[] = R"css(
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f2f4f7;color:#1d2433}
header{background:#1d2433;color:#fff;padding:14px 24px}header h1{margin:0;font-size:20px}
header p{margin:4px 0 0;color:#c8cfdc}main{padding:16px 24px;display:grid;gap:16px}
.result{background:#fff;border-radius:10px;box-shadow:0 1px 3px #0002;padding:16px 20px}
.result h2{margin:0 0 2px;font-size:18px}.meta{margin:0 0 12px;color:#5b6478;font-size:13px}
.grid{display:grid;grid-template-columns:minmax(120px,220px) 1fr;gap:20px}
figure{margin:0}figure img{max-width:100%;border:1px solid #d5dae3;border-radius:6px;background:#eee}
figcaption,.note{color:#5b6478;font-size:12px}.missing{color:#8a5a00;font-size:13px}
.verdicts{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:10px;margin-bottom:12px}
.verdict{border-radius:8px;padding:8px 12px;border:1px solid}.verdict h3{margin:0;font-size:14px}
.verdict .value{font-weight:700;font-size:16px}.verdict ul{margin:4px 0 0;padding-left:18px;font-size:13px}
.good{background:#e8f6ec;border-color:#8fd0a1}.bad{background:#fdecec;border-color:#eda3a3}
.neutral{background:#f1f2f5;border-color:#c9ced8}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:4px 0 12px;font-size:14px}
dt{color:#5b6478}dd{margin:0;word-break:break-word}section h3{font-size:14px;margin:8px 0 2px}
.errors li{color:#9b1c1c}.sigs img{max-height:60px;margin-right:8px}
@media (max-width:640px){.grid{grid-template-columns:1fr}}
)css";

constexpr char kScript[] = R"js(
(function(){var b=document.body,g=b.dataset.generation,s=b.dataset.sessions;
function poll(){fetch('/dev/results?summary',{headers:{'Accept':'application/json'},cache:'no-store'})
.then(function(r){return r.json();}).then(function(j){
if(String(j.generation)!==g||String(j.sessions_running)!==s){location.reload();return;}
setTimeout(poll,s!=='0'?1000:3000);}).catch(function(){setTimeout(poll,5000);});}
setTimeout(poll,s!=='0'?1000:3000);})();
)js";

std::string Sha256Base64(absl::string_view text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return absl::Base64Escape(absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

// ---- reading the result defensively: any field may be missing or of another type ----

const Json& Field(const Json& j, const char* key) {
  static const Json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

std::string Text(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer() || v.is_boolean()) return v.dump();
  return "";
}

std::string Joined(const Json& v, const char* sep = ", ") {
  if (!v.is_array()) return Text(v);
  std::vector<std::string> parts;
  for (const Json& e : v) {
    std::string t = Text(e);
    if (!t.empty()) parts.push_back(std::move(t));
  }
  return absl::StrJoin(parts, sep);
}

std::string DataGroups(const Json& v) {
  if (!v.is_array()) return "";
  std::vector<std::string> parts;
  for (const Json& e : v) {
    if (e.is_number_integer()) parts.push_back(absl::StrCat("DG", e.get<int64_t>()));
  }
  return parts.empty() ? "none" : absl::StrJoin(parts, ", ");
}

std::string YesNo(const Json& v) { return v.is_boolean() ? (v.get<bool>() ? "yes" : "no") : "unknown"; }

// Appends <dt>label</dt><dd>value</dd> when the value is not empty.
void Row(std::string& out, absl::string_view label, const std::string& value) {
  if (value.empty()) return;
  absl::StrAppend(&out, "<dt>", HtmlEscape(label), "</dt><dd>", HtmlEscape(value), "</dd>");
}

std::string DataUri(const WebImage& image) {
  return absl::StrCat("data:", image.mime_type, ";base64,", absl::Base64Escape(image.bytes));
}

std::string ImageTag(const WebImage& image, absl::string_view alt, absl::string_view kind) {
  return absl::StrCat("<img src=\"", DataUri(image), "\" alt=\"", HtmlEscape(alt), "\" data-kind=\"", kind, "\">");
}

// ---- the parts of a card ----

void Verdict(std::string& out, const char* check, const char* title, const std::string& value, const char* tone,
             const std::vector<std::string>& details) {
  absl::StrAppend(&out, "<div class=\"verdict ", tone, "\" data-check=\"", check, "\"><h3>", title,
                  "</h3><div class=\"value\">", HtmlEscape(value), "</div>");
  if (!details.empty()) {
    out += "<ul>";
    for (const std::string& d : details) absl::StrAppend(&out, "<li>", HtmlEscape(d), "</li>");
    out += "</ul>";
  }
  out += "</div>";
}

// The errors the reader recorded about one check start with its name (validator/emrtd/reader.cc).
std::vector<std::string> ErrorsAbout(const Json& errors, absl::string_view prefix) {
  std::vector<std::string> out;
  if (!errors.is_array()) return out;
  for (const Json& e : errors) {
    std::string t = Text(e);
    if (absl::StartsWith(absl::AsciiStrToLower(t), prefix)) out.push_back(t);
  }
  return out;
}

void ChipCheck(std::string& out, const char* check, const char* title, const Json& result, const Json& errors,
               absl::string_view error_prefix, const char* meaning_success, const char* meaning_unavailable) {
  const std::string value = Text(result).empty() ? "(missing)" : Text(result);
  std::vector<std::string> details;
  const char* tone = "neutral";
  if (value == "SUCCESS") {
    tone = "good";
    details.push_back(meaning_success);
  } else if (value == "FAILED") {
    tone = "bad";
    details.push_back("the chip's proof was wrong: a cloned or manipulated chip");
  } else if (value == "UNAVAILABLE") {
    details.push_back(meaning_unavailable);
  }
  for (std::string& e : ErrorsAbout(errors, error_prefix)) details.push_back(std::move(e));
  Verdict(out, check, title, value, tone, details);
}

void Verdicts(std::string& out, const Json& p) {
  const Json& pa = Field(p, "passive_authentication");
  const Json& d = Field(p, "passive_authentication_details");
  std::vector<std::string> pa_details = {
      absl::StrCat("SOD signature valid: ", YesNo(Field(d, "sod_signature_valid"))),
      absl::StrCat("Document Signer certificate valid: ", YesNo(Field(d, "document_certificate_valid"))),
      absl::StrCat("all data group hashes valid: ", YesNo(Field(d, "all_hashes_valid"))),
      absl::StrCat("checked: ", DataGroups(Field(d, "data_groups_checked")),
                   "; hash valid: ", DataGroups(Field(d, "data_groups_with_valid_hash")))};
  if (std::string e = Text(Field(d, "error")); !e.empty()) pa_details.push_back(absl::StrCat("error: ", e));
  if (const Json& notes = Field(d, "notes"); notes.is_array()) {
    for (const Json& n : notes) {
      if (std::string t = Text(n); !t.empty()) pa_details.push_back(absl::StrCat("note: ", t));
    }
  }
  const bool pa_ok = pa.is_boolean() && pa.get<bool>();
  Verdict(out, "passive_authentication", "Passive Authentication",
          pa.is_boolean() ? (pa_ok ? "PASSED" : "FAILED") : "(missing)", pa_ok ? "good" : "bad", pa_details);
  const Json& errors = Field(p, "errors");
  ChipCheck(out, "chip_authentication", "Chip Authentication", Field(p, "chip_authentication_result"), errors,
            "chip authentication", "the chip proved it holds the private key of its DG14: not a copy",
            "not done: the document has no Chip Authentication (no DG14), or it could not be run");
  ChipCheck(out, "active_authentication", "Active Authentication", Field(p, "active_authentication_result"), errors,
            "active authentication", "the chip signed a fresh challenge with the key of its DG15: not a copy",
            "not done: the document has no Active Authentication (no DG15), or it could not be run");
}

std::string HolderName(const Json& mrz) {
  std::string primary = Text(Field(mrz, "primary_identifier"));
  std::string secondary = Joined(Field(mrz, "secondary_identifier"), " ");
  if (primary.empty() && secondary.empty()) return "(no DG1)";
  return secondary.empty() ? primary : absl::StrCat(primary, ", ", secondary);
}

void Photo(std::string& out, const ResultCard& card) {
  out += "<figure class=\"photo\">";
  if (card.face.ok()) {
    out += ImageTag(*card.face, "Face photo (DG2)", "face");
    if (card.face->mime_type == "image/png") {
      absl::StrAppend(&out, "<figcaption>DG2 face, JPEG 2000 ", card.face->width, "\xC3\x97", card.face->height,
                      " (shown as PNG)</figcaption>");
    } else {
      out += "<figcaption>DG2 face, JPEG</figcaption>";
    }
  } else {
    absl::StrAppend(&out, "<p class=\"missing\" data-kind=\"face-missing\">", HtmlEscape(card.face.status().message()),
                    "</p>");
  }
  out += "</figure>";
}

void HolderAndDocument(std::string& out, const Json& p) {
  const Json& mrz = Field(p, "mrz_info");
  out += "<section class=\"holder\"><h3>Holder</h3><dl>";
  Row(out, "Name", HolderName(mrz));
  Row(out, "Nationality", Text(Field(mrz, "nationality")));
  Row(out, "Date of birth", Text(Field(mrz, "date_of_birth")));
  Row(out, "Sex", Text(Field(mrz, "gender")));
  const Json& dg11 = Field(p, "additional_personal_details");
  Row(out, "Full name (DG11)", Text(Field(dg11, "full_name_of_holder")));
  Row(out, "Other names", Joined(Field(dg11, "other_names")));
  Row(out, "Personal number", Text(Field(dg11, "personal_number")));
  Row(out, "Full date of birth", Text(Field(dg11, "full_date_of_birth")));
  Row(out, "Place of birth", Text(Field(dg11, "place_of_birth")));
  Row(out, "Address", Joined(Field(dg11, "permanent_address")));
  Row(out, "Telephone", Text(Field(dg11, "telephone")));
  Row(out, "Profession", Text(Field(dg11, "profession")));
  Row(out, "Title", Text(Field(dg11, "title")));
  out += "</dl></section><section class=\"document\"><h3>Document</h3><dl>";
  Row(out, "Type", absl::StrCat(Text(Field(mrz, "document_type")), " ", Text(Field(mrz, "document_code"))));
  Row(out, "Number", Text(Field(mrz, "document_number")));
  Row(out, "Issuing state", Text(Field(mrz, "issuing_state")));
  Row(out, "Date of expiry", Text(Field(mrz, "date_of_expiry")));
  Row(out, "Optional data", Text(Field(mrz, "optional_data1")));
  const Json& dg12 = Field(p, "additional_document_details");
  Row(out, "Issuing authority", Text(Field(dg12, "issuing_authority")));
  Row(out, "Date of issue", Text(Field(dg12, "date_of_issue")));
  Row(out, "Endorsements", Text(Field(dg12, "endorsements_and_observations")));
  out += "</dl></section>";
}

void DataGroupsRead(std::string& out, const Json& p) {
  const Json& d = Field(p, "passive_authentication_details");
  const Json& sod = Field(p, "sod_info");
  out += "<section class=\"dgs\"><h3>Data groups</h3><dl>";
  Row(out, "Read and checked", DataGroups(Field(d, "data_groups_checked")));
  Json listed = Json::array();  // data-group numbers, in ascending order (JSON object keys sort as text)
  const Json& hashes = Field(sod, "hash_for_data_group");
  if (hashes.is_object()) {
    std::vector<int> numbers;
    for (auto it = hashes.begin(); it != hashes.end(); ++it) {
      int n = 0;
      if (absl::SimpleAtoi(it.key(), &n)) numbers.push_back(n);
    }
    std::sort(numbers.begin(), numbers.end());
    for (int n : numbers) listed.push_back(n);
  }
  if (!listed.empty()) Row(out, "Listed in EF.SOD", DataGroups(listed));
  Row(out, "Hash algorithm", Text(Field(sod, "hash_algorithm")));
  out += "</dl></section>";
}

void Card(std::string& out, const ResultCard& card, size_t index) {
  Json body = Json::parse(card.body, nullptr, false);
  if (body.is_discarded()) body = Json::object();
  const Json& p = Field(body, "emrtd_passport");
  const Json& mrz = Field(p, "mrz_info");
  absl::StrAppend(&out, "<article class=\"result\" id=\"result-", index, "\"><h2>", HtmlEscape(HolderName(mrz)));
  if (std::string n = Text(Field(mrz, "document_number")); !n.empty()) {
    absl::StrAppend(&out, " \xC2\xB7 ", HtmlEscape(n));
  }
  absl::StrAppend(&out, "</h2><p class=\"meta\">received ", HtmlEscape(card.received_at));
  if (card.session_duration.has_value()) {
    absl::StrAppend(&out, " \xC2\xB7 session ",
                    absl::StrFormat("%.2f s", absl::ToDoubleSeconds(*card.session_duration)),
                    " (start message to result received)");
  }
  if (std::string v = Text(Field(body, "client_validation_id")); !v.empty()) {
    absl::StrAppend(&out, " \xC2\xB7 validation id ", HtmlEscape(v));
  }
  out += "</p>";
  if (!p.is_object()) {
    out += "<p class=\"missing\">This POST holds no emrtd_passport object.</p></article>";
    return;
  }
  out += "<div class=\"grid\">";
  Photo(out, card);
  out += "<div><div class=\"verdicts\">";
  Verdicts(out, p);
  out += "</div>";
  HolderAndDocument(out, p);
  DataGroupsRead(out, p);
  if (!card.signatures.empty()) {
    out += "<section class=\"sigs\"><h3>Signature (DG7)</h3>";
    for (const absl::StatusOr<WebImage>& s : card.signatures) {
      if (s.ok()) {
        out += ImageTag(*s, "Signature (DG7)", "signature");
      } else {
        absl::StrAppend(&out, "<span class=\"missing\">", HtmlEscape(s.status().message()), "</span> ");
      }
    }
    out += "</section>";
  }
  const Json& errors = Field(p, "errors");
  if (errors.is_array() && !errors.empty()) {
    out += "<section class=\"errors\"><h3>Errors</h3><ul>";
    for (const Json& e : errors) absl::StrAppend(&out, "<li>", HtmlEscape(Text(e)), "</li>");
    out += "</ul></section>";
  }
  out += "</div></div></article>";
}

// The q value `accept` gives `type` ("text/html"): the most specific matching range wins.
double QualityOf(absl::string_view accept, absl::string_view type) {
  const absl::string_view major = type.substr(0, type.find('/'));
  int best_specificity = -1;
  double q_of_best = 0;
  for (absl::string_view range : absl::StrSplit(accept, ',')) {
    std::vector<absl::string_view> parts = absl::StrSplit(range, ';');
    std::string media = absl::AsciiStrToLower(absl::StripAsciiWhitespace(parts[0]));
    double q = 1;
    for (size_t i = 1; i < parts.size(); ++i) {
      absl::string_view param = absl::StripAsciiWhitespace(parts[i]);
      if (absl::ConsumePrefix(&param, "q=") || absl::ConsumePrefix(&param, "Q=")) {
        if (!absl::SimpleAtod(param, &q) || q < 0 || q > 1) q = 0;
      }
    }
    int specificity = -1;
    if (media == type) {
      specificity = 2;
    } else if (media == absl::StrCat(major, "/*")) {
      specificity = 1;
    } else if (media == "*/*") {
      specificity = 0;
    }
    if (specificity > best_specificity) {
      best_specificity = specificity;
      q_of_best = q;
    }
  }
  return best_specificity < 0 ? 0 : q_of_best;
}

}  // namespace

ResultCard PrepareCard(std::string received_at, std::string body, const TranscodeLimits& limits) {
  ResultCard card;
  card.received_at = std::move(received_at);
  card.body = std::move(body);
  Json j = Json::parse(card.body, nullptr, false);
  const Json& p = Field(j, "emrtd_passport");
  auto decode = [&limits](const Json& v) -> absl::StatusOr<WebImage> {
    if (!v.is_string()) return absl::InvalidArgumentError("image is not base64 text");
    std::string raw;
    if (!absl::Base64Unescape(v.get<std::string>(), &raw)) return absl::InvalidArgumentError("image is not base64");
    return ToWebImage(raw, limits);
  };
  const Json& face = Field(p, "face_photo");
  if (!face.is_null()) card.face = decode(face);
  const Json& sigs = Field(p, "signature_photos");
  if (sigs.is_array()) {
    for (size_t i = 0; i < sigs.size() && i < kMaxSignatureImages; ++i) card.signatures.push_back(decode(sigs[i]));
  }
  return card;
}

std::string RenderResultsHtml(const std::vector<const ResultCard*>& cards, const PageState& state) {
  std::string out = absl::StrCat(
      "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
      "<meta name=\"referrer\" content=\"no-referrer\">",
      state.sessions_running > 0 ? "<noscript><meta http-equiv=\"refresh\" content=\"2\"></noscript>" : "",
      "<title>DocVal \xE2\x80\x94 development results</title><style>", kStyle, "</style></head>",
      "<body data-generation=\"", state.generation, "\" data-sessions=\"", state.sessions_running, "\">",
      "<header><h1>DocVal development results</h1><p id=\"state\">");
  absl::StrAppend(&out, cards.size(), cards.size() == 1 ? " result" : " results", " kept in memory, newest first");
  if (state.sessions_running > 0) {
    absl::StrAppend(&out, " \xC2\xB7 ", state.sessions_running,
                    state.sessions_running == 1 ? " session running" : " sessions running", ": refreshing");
  }
  out += ". Development only: this page shows personal data.</p></header><main>";
  if (cards.empty()) {
    out +=
        "<p class=\"note\">No result yet. Run a session (e.g. <code>docval chip</code> or <code>docval pcsc</code>) "
        "for the demo client; its result appears here.</p>";
  }
  for (size_t i = 0; i < cards.size(); ++i) Card(out, *cards[i], i + 1);
  absl::StrAppend(&out, "</main><script>", kScript, "</script></body></html>");
  return out;
}

const std::string& ResultsPageCsp() {
  static const std::string* csp = new std::string(absl::StrCat(
      "default-src 'none'; img-src data:; style-src 'sha256-", Sha256Base64(kStyle), "'; script-src 'sha256-",
      Sha256Base64(kScript), "'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"));
  return *csp;
}

bool PrefersHtml(absl::string_view accept) {
  if (absl::StripAsciiWhitespace(accept).empty()) return false;
  return QualityOf(accept, "text/html") > QualityOf(accept, "application/json");
}

std::string HtmlEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        case '\t':
        case '\n':
        case '\r': out.push_back(static_cast<char>(c)); break;
        default:
          // Other control characters are not allowed in HTML text.
          if (c < 0x20 || c == 0x7F) {
            out += "\xEF\xBF\xBD";
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    // A well-formed UTF-8 sequence (no overlong forms, no surrogates, at most U+10FFFF) is kept.
    size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    bool ok = n != 0 && c <= 0xF4 && i + n <= text.size();
    for (size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    if (ok && n == 3) {
      const unsigned char c1 = static_cast<unsigned char>(text[i + 1]);
      ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);
    }
    if (ok && n == 4) {
      const unsigned char c1 = static_cast<unsigned char>(text[i + 1]);
      ok = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
    }
    if (ok) {
      out.append(text.data() + i, n);
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

}  // namespace docval::gateway
