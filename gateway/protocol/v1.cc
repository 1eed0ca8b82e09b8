#include "gateway/protocol/v1.h"

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace docval::gateway::ws1 {
namespace {

using Json = nlohmann::json;

void WipeString(std::string& s) {
  volatile char* p = s.data();
  for (size_t i = 0; i < s.size(); ++i) p[i] = 0;
  s.clear();
}

StartMessageResult Invalid(std::string detail) {
  return StartMessageResult{std::nullopt, CloseReason::kInvalidStartMessage, std::move(detail)};
}

StartMessageResult BadKey(std::string detail) {
  return StartMessageResult{std::nullopt, CloseReason::kInvalidAccessKeyValues, std::move(detail)};
}

bool IsDigits(absl::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

void AccessKeyFields::Wipe() {
  WipeString(can);
  WipeString(document_number);
  WipeString(date_of_birth);
  WipeString(date_of_expiry);
}

HandshakeQuery ParseHandshakeQuery(absl::string_view target) {
  HandshakeQuery q;
  size_t qm = target.find('?');
  absl::string_view query = qm == absl::string_view::npos ? target : target.substr(qm + 1);
  size_t hash = query.find('#');
  if (hash != absl::string_view::npos) query = query.substr(0, hash);
  for (absl::string_view part : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(part, absl::MaxSplits('=', 1));
    if (kv.first == "return_result") q.return_result = absl::EqualsIgnoreCase(kv.second, "true");
  }
  return q;
}

bool IsValidCan(absl::string_view can) { return can.size() == 6 && IsDigits(can); }

bool IsValidMrzDate(absl::string_view d) {
  if (d.size() != 6 || !IsDigits(d)) return false;
  int yy = (d[0] - '0') * 10 + (d[1] - '0');
  int mm = (d[2] - '0') * 10 + (d[3] - '0');
  int dd = (d[4] - '0') * 10 + (d[5] - '0');
  if (mm < 1 || mm > 12 || dd < 1) return false;
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (dd > kDays[mm - 1]) return false;
  // The century is not in the MRZ: 29 February is real when 19yy or 20yy is a leap year.
  if (mm == 2 && dd == 29) return yy % 4 == 0;
  return true;
}

bool IsValidDocumentNumber(absl::string_view s) {
  if (s.empty() || s.size() > 22) return false;
  for (char c : s) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '<')) return false;
  }
  return true;
}

StartMessageResult ParseStartMessage(absl::string_view text) {
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Invalid("not JSON");
  if (!j.is_object()) return Invalid("not a JSON object");

  StartMessage m;
  auto required_string = [&](const char* key, std::string& out) -> std::optional<StartMessageResult> {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return Invalid(absl::StrCat(key, " is missing"));
    if (!it->is_string()) return Invalid(absl::StrCat(key, " is not a string"));
    out = it->get<std::string>();
    return std::nullopt;
  };
  if (auto e = required_string("client_id", m.client_id)) return *e;
  if (auto e = required_string("validation_id", m.validation_id)) return *e;
  if (auto e = required_string("platform", m.platform)) return *e;
  m.platform = absl::AsciiStrToLower(m.platform);

  auto ext = j.find("nfc_adapter_supports_extended_length");
  if (ext == j.end() || ext->is_null()) return Invalid("nfc_adapter_supports_extended_length is missing");
  if (!ext->is_boolean()) return Invalid("nfc_adapter_supports_extended_length is not a boolean");
  m.nfc_adapter_supports_extended_length = ext->get<bool>();

  auto optional_limit = [&](const char* key, int max, std::optional<int>& out) -> std::optional<StartMessageResult> {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::nullopt;
    if (!it->is_number_integer()) return Invalid(absl::StrCat(key, " is not an integer"));
    int64_t v = it->get<int64_t>();
    if (v < kMinApduLimit) return Invalid(absl::StrCat(key, " is below ", kMinApduLimit));
    out = static_cast<int>(std::min<int64_t>(v, max));
    return std::nullopt;
  };
  if (auto e = optional_limit("max_command_bytes", kMaxCommandLimit, m.max_command_bytes)) return *e;
  if (auto e = optional_limit("max_response_bytes", kMaxResponseLimit, m.max_response_bytes)) return *e;

  auto diag = j.find("enable_diagnostics");
  if (diag != j.end() && !diag->is_null()) {
    if (!diag->is_boolean()) return Invalid("enable_diagnostics is not a boolean");
    m.enable_diagnostics = diag->get<bool>();
  }

  auto ak = j.find("access_key");
  if (ak == j.end() || ak->is_null()) return Invalid("access_key is missing");
  if (!ak->is_object()) return Invalid("access_key is not an object");
  auto field = [&](const char* key, std::string& out) -> std::optional<StartMessageResult> {
    auto it = ak->find(key);
    if (it == ak->end() || it->is_null()) return std::nullopt;
    if (!it->is_string()) return Invalid(absl::StrCat("access_key.", key, " is not a string"));
    out = it->get<std::string>();
    return std::nullopt;
  };
  AccessKeyFields& k = m.access_key;
  for (auto [key, out] : {std::pair<const char*, std::string*>{"can", &k.can},
                          {"document_number", &k.document_number},
                          {"date_of_birth", &k.date_of_birth},
                          {"date_of_expiry", &k.date_of_expiry}}) {
    if (auto e = field(key, *out)) return *e;
  }
  const bool any_mrz =
      ak->contains("document_number") || ak->contains("date_of_birth") || ak->contains("date_of_expiry");
  const bool all_mrz =
      ak->contains("document_number") && ak->contains("date_of_birth") && ak->contains("date_of_expiry");
  if (!ak->contains("can") && !all_mrz) {
    return Invalid(any_mrz ? "access_key lacks some of document_number, date_of_birth, date_of_expiry"
                           : "access_key has neither can nor the MRZ fields");
  }
  if (any_mrz && !all_mrz) return Invalid("access_key lacks some of document_number, date_of_birth, date_of_expiry");
  if (ak->contains("can") && !IsValidCan(k.can)) return BadKey("access_key.can is not 6 digits");
  if (all_mrz) {
    k.document_number = absl::AsciiStrToUpper(k.document_number);
    if (!IsValidDocumentNumber(k.document_number)) {
      return BadKey("access_key.document_number is not 1-22 characters of A-Z 0-9 <");
    }
    if (!IsValidMrzDate(k.date_of_birth)) return BadKey("access_key.date_of_birth is not a yyMMdd date");
    if (!IsValidMrzDate(k.date_of_expiry)) return BadKey("access_key.date_of_expiry is not a yyMMdd date");
  }
  StartMessageResult r;
  r.message = std::move(m);
  return r;
}

std::string StatusFrame(absl::string_view status) {
  Json j = {{"status", std::string(status)}};
  return j.dump();
}

std::string CloseNoticeFrame(CloseReason reason) {
  nlohmann::ordered_json j;
  j["close_code"] = CloseCode(reason);
  j["close_reason"] = std::string(CloseReasonName(reason));
  return j.dump();
}

}  // namespace docval::gateway::ws1
