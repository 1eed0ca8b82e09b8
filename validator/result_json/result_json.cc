#include "validator/result_json/result_json.h"

#include "absl/strings/str_cat.h"

namespace docval {
namespace {

using Json = nlohmann::ordered_json;

// snake_case key → camelCase when asked.
std::string Key(const char* snake, JsonCase c) {
  if (c == JsonCase::kSnake) return snake;
  std::string out;
  bool upper = false;
  for (const char* p = snake; *p; ++p) {
    if (*p == '_') {
      upper = true;
    } else {
      out.push_back(upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(*p))) : *p);
      upper = false;
    }
  }
  return out;
}

Json OptString(const std::optional<std::string>& s) { return s ? Json(*s) : Json(nullptr); }
Json OptBytes(const std::optional<emrtd::Bytes>& b) { return b ? Json(Base64Encode(*b)) : Json(nullptr); }
Json OptList(const std::optional<std::vector<std::string>>& l) {
  if (!l) return nullptr;
  Json a = Json::array();
  for (const std::string& s : *l) a.push_back(s);
  return a;
}

const char* GenderName(emrtd::Gender g) {
  switch (g) {
    case emrtd::Gender::kMale: return "MALE";
    case emrtd::Gender::kFemale: return "FEMALE";
    case emrtd::Gender::kUnspecified: return "UNSPECIFIED";
  }
  return "UNSPECIFIED";
}

}  // namespace

std::string Base64Encode(emrtd::ByteSpan in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint32_t{in[i]} << 16) | (uint32_t{in[i + 1]} << 8) | in[i + 2];
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint32_t{in[i]} << 16;
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.append("==");
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint32_t{in[i]} << 16) | (uint32_t{in[i + 1]} << 8);
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back('=');
  }
  return out;
}

nlohmann::ordered_json ResultToJson(const emrtd::EmrtdResult& r, JsonCase c) {
  Json j;
  if (r.sod_info) {
    Json hashes = Json::object();
    for (const auto& [dg, hash] : r.sod_info->hash_for_data_group) hashes[absl::StrCat(dg)] = Base64Encode(hash);
    Json s;
    s[Key("hash_algorithm", c)] = r.sod_info->hash_algorithm;
    s[Key("hash_for_data_group", c)] = std::move(hashes);
    j[Key("sod_info", c)] = std::move(s);
  } else {
    j[Key("sod_info", c)] = nullptr;
  }
  if (r.mrz_info) {
    const emrtd::MrzInfo& m = *r.mrz_info;
    Json o;
    o[Key("document_type", c)] = m.document_type;
    o[Key("document_code", c)] = m.document_code;
    o[Key("issuing_state", c)] = m.issuing_state;
    o[Key("primary_identifier", c)] = m.primary_identifier;
    o[Key("secondary_identifier", c)] = m.secondary_identifier;
    o[Key("nationality", c)] = m.nationality;
    o[Key("document_number", c)] = m.document_number;
    o[Key("date_of_birth", c)] = m.date_of_birth;
    o[Key("gender", c)] = GenderName(m.gender);
    o[Key("date_of_expiry", c)] = m.date_of_expiry;
    o[Key("optional_data1", c)] = m.optional_data1;
    o[Key("optional_data2", c)] = OptString(m.optional_data2);
    j[Key("mrz_info", c)] = std::move(o);
  } else {
    j[Key("mrz_info", c)] = nullptr;
  }
  j[Key("face_photo", c)] = OptBytes(r.face_photo);
  if (r.signature_photos) {
    Json a = Json::array();
    for (const emrtd::Bytes& b : *r.signature_photos) a.push_back(Base64Encode(b));
    j[Key("signature_photos", c)] = std::move(a);
  } else {
    j[Key("signature_photos", c)] = nullptr;
  }
  if (r.additional_personal_details) {
    const emrtd::AdditionalPersonalDetails& d = *r.additional_personal_details;
    Json o;
    o[Key("full_name_of_holder", c)] = OptString(d.full_name_of_holder);
    o[Key("other_names", c)] = OptList(d.other_names);
    o[Key("personal_number", c)] = OptString(d.personal_number);
    o[Key("full_date_of_birth", c)] = OptString(d.full_date_of_birth);
    o[Key("place_of_birth", c)] = OptString(d.place_of_birth);
    o[Key("permanent_address", c)] = OptList(d.permanent_address);
    o[Key("telephone", c)] = OptString(d.telephone);
    o[Key("profession", c)] = OptString(d.profession);
    o[Key("title", c)] = OptString(d.title);
    o[Key("personal_summary", c)] = OptString(d.personal_summary);
    o[Key("proof_of_citizenship_image", c)] = OptBytes(d.proof_of_citizenship_image);
    o[Key("other_valid_travel_document_numbers", c)] = OptList(d.other_valid_travel_document_numbers);
    o[Key("custody_information", c)] = OptString(d.custody_information);
    j[Key("additional_personal_details", c)] = std::move(o);
  } else {
    j[Key("additional_personal_details", c)] = nullptr;
  }
  if (r.additional_document_details) {
    const emrtd::AdditionalDocumentDetails& d = *r.additional_document_details;
    Json o;
    o[Key("issuing_authority", c)] = OptString(d.issuing_authority);
    o[Key("date_of_issue", c)] = OptString(d.date_of_issue);
    o[Key("names_of_other_persons", c)] = OptString(d.names_of_other_persons);
    o[Key("endorsements_and_observations", c)] = OptString(d.endorsements_and_observations);
    o[Key("tax_or_exit_requirements", c)] = OptString(d.tax_or_exit_requirements);
    o[Key("image_of_front", c)] = OptBytes(d.image_of_front);
    o[Key("image_of_rear", c)] = OptBytes(d.image_of_rear);
    o[Key("date_and_time_of_personalization", c)] = OptString(d.date_and_time_of_personalization);
    o[Key("personalization_system_serial_number", c)] = OptString(d.personalization_system_serial_number);
    j[Key("additional_document_details", c)] = std::move(o);
  } else {
    j[Key("additional_document_details", c)] = nullptr;
  }
  j[Key("passive_authentication", c)] = r.passive_authentication;
  const emrtd::PassiveAuthenticationDetails& pa = r.passive_authentication_details;
  Json d;
  d[Key("sod_signature_valid", c)] = pa.sod_signature_valid;
  d[Key("document_certificate_valid", c)] = pa.document_certificate_valid;
  d[Key("data_groups_checked", c)] = pa.data_groups_checked;
  d[Key("data_groups_with_valid_hash", c)] = pa.data_groups_with_valid_hash;
  d[Key("error", c)] = OptString(pa.error);
  d[Key("all_hashes_valid", c)] = pa.all_hashes_valid;
  j[Key("passive_authentication_details", c)] = std::move(d);
  j[Key("chip_authentication_result", c)] = emrtd::CheckResultName(r.chip_authentication_result);
  j[Key("active_authentication_result", c)] = emrtd::CheckResultName(r.active_authentication_result);
  j[Key("errors", c)] = r.errors;
  if (!r.files_binary.empty()) {
    Json f = Json::object();
    for (const auto& [name, content] : r.files_binary) f[name] = Base64Encode(content);
    j[Key("files_binary", c)] = std::move(f);
  }
  return j;
}

std::string ResultServerBody(const emrtd::EmrtdResult& result, const std::string& validation_id) {
  Json body;
  body["emrtd_passport"] = ResultToJson(result, JsonCase::kSnake);
  body["client_validation_id"] = validation_id;
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string ResultFrameV1(const emrtd::EmrtdResult& result) {
  Json body;
  body["emrtd_passport"] = ResultToJson(result, JsonCase::kSnake);
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace docval
