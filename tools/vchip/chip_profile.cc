#include "tools/vchip/chip_profile.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace docval::vchip {
namespace {

using nlohmann::json;

std::string B64(const Bytes& b) {
  return absl::Base64Escape(absl::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
}

absl::StatusOr<Bytes> UnB64(const std::string& s, absl::string_view what) {
  std::string out;
  if (!absl::Base64Unescape(s, &out)) return absl::InvalidArgumentError(absl::StrCat(what, ": bad base64"));
  return Bytes(out.begin(), out.end());
}

const char* RuleName(AccessRule r) {
  switch (r) {
    case AccessRule::kAlways: return "always";
    case AccessRule::kAfterAccessControl: return "after_access_control";
    case AccessRule::kAfterPace: return "after_pace";
  }
  return "after_access_control";
}

template <typename T>
void Get(const json& j, const char* key, T* out) {
  auto it = j.find(key);
  if (it != j.end() && !it->is_null()) *out = it->get<T>();
}

}  // namespace

const ChipFile* ChipProfile::FindFile(absl::string_view name) const {
  for (const ChipFile& f : files) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

ChipFile* ChipProfile::FindFile(absl::string_view name) {
  for (ChipFile& f : files) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string ChipProfileToJson(const ChipProfile& p) {
  json j;
  j["name"] = p.name;
  j["description"] = p.description;
  j["secrets"] = {{"document_number", p.secrets.document_number},
                  {"date_of_birth", p.secrets.date_of_birth},
                  {"date_of_expiry", p.secrets.date_of_expiry},
                  {"can", p.secrets.can}};
  j["bac"] = p.bac;
  j["pace"] = json::array();
  for (const PaceSetting& s : p.pace) j["pace"].push_back({{"protocol", s.protocol}, {"parameter_id", s.parameter_id}});
  j["cvca_reference"] = p.cvca_reference;
  j["chip_auth"] = json::array();
  for (const ChipAuthKey& k : p.chip_auth) {
    json e = {{"protocol", k.protocol}, {"private_key_pkcs8", B64(k.private_key_pkcs8)}};
    if (k.key_id.has_value()) e["key_id"] = *k.key_id;
    j["chip_auth"].push_back(e);
  }
  if (p.active_auth.has_value()) {
    j["active_auth"] = {{"private_key_pkcs8", B64(p.active_auth->private_key_pkcs8)},
                        {"hash", p.active_auth->hash},
                        {"ecdsa_format", p.active_auth->ecdsa_format == EcdsaFormat::kDer ? "der" : "plain"}};
  }
  j["files"] = json::array();
  for (const ChipFile& f : p.files) {
    j["files"].push_back({{"name", f.name},
                          {"fid", absl::StrCat(absl::Hex(f.fid, absl::kZeroPad4))},
                          {"sfi", f.sfi},
                          {"in_mf", f.in_mf},
                          {"read", RuleName(f.read)},
                          {"content", B64(f.content)}});
  }
  j["quirks"] = {{"short_file_ids", p.quirks.short_file_ids},
                 {"odd_ins_read_binary", p.quirks.odd_ins_read_binary},
                 {"extended_length", p.quirks.extended_length},
                 {"max_le", p.quirks.max_le},
                 {"max_le_error", p.quirks.max_le_error},
                 {"eof_warning", p.quirks.eof_warning},
                 {"pace_requires_parameter_id", p.quirks.pace_requires_parameter_id}};
  j["faults"] = {{"stop_after_commands", p.faults.stop_after_commands},
                 {"delay_ms", p.faults.delay_ms},
                 {"pace_mse_sw", p.faults.pace_mse_sw},
                 {"pace_corrupt_chip_token", p.faults.pace_corrupt_chip_token},
                 {"pace_echo_terminal_key", p.faults.pace_echo_terminal_key},
                 {"pace_omit_cam_data", p.faults.pace_omit_cam_data},
                 {"ca_refusal_sw", p.faults.ca_refusal_sw}};
  json key = json::object();
  if (!p.client_access_key.can.empty()) key["can"] = p.client_access_key.can;
  if (!p.client_access_key.document_number.empty()) {
    key["document_number"] = p.client_access_key.document_number;
    key["date_of_birth"] = p.client_access_key.date_of_birth;
    key["date_of_expiry"] = p.client_access_key.date_of_expiry;
  }
  j["client_access_key"] = key;
  json ex = {{"close_code", p.expect.close_code},
             {"close_reason", p.expect.close_reason},
             {"chip_authentication", p.expect.chip_authentication},
             {"active_authentication", p.expect.active_authentication},
             {"note", p.expect.note}};
  ex["passive_authentication"] =
      p.expect.passive_authentication.has_value() ? json(*p.expect.passive_authentication) : json(nullptr);
  j["expect"] = ex;
  return j.dump(1);
}

absl::StatusOr<ChipProfile> ChipProfileFromJson(absl::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return absl::InvalidArgumentError("profile: not a JSON object");
  ChipProfile p;
  try {
    Get(j, "name", &p.name);
    Get(j, "description", &p.description);
    if (j.contains("secrets")) {
      const json& s = j["secrets"];
      Get(s, "document_number", &p.secrets.document_number);
      Get(s, "date_of_birth", &p.secrets.date_of_birth);
      Get(s, "date_of_expiry", &p.secrets.date_of_expiry);
      Get(s, "can", &p.secrets.can);
    }
    Get(j, "bac", &p.bac);
    if (j.contains("pace")) {
      for (const json& e : j["pace"]) {
        PaceSetting s;
        Get(e, "protocol", &s.protocol);
        Get(e, "parameter_id", &s.parameter_id);
        p.pace.push_back(s);
      }
    }
    Get(j, "cvca_reference", &p.cvca_reference);
    if (j.contains("chip_auth")) {
      for (const json& e : j["chip_auth"]) {
        ChipAuthKey k;
        Get(e, "protocol", &k.protocol);
        if (e.contains("key_id") && !e["key_id"].is_null()) k.key_id = e["key_id"].get<int>();
        auto key = UnB64(e.value("private_key_pkcs8", ""), "chip_auth key");
        if (!key.ok()) return key.status();
        k.private_key_pkcs8 = *key;
        p.chip_auth.push_back(std::move(k));
      }
    }
    if (j.contains("active_auth") && !j["active_auth"].is_null()) {
      const json& a = j["active_auth"];
      ActiveAuthKey k;
      auto key = UnB64(a.value("private_key_pkcs8", ""), "active_auth key");
      if (!key.ok()) return key.status();
      k.private_key_pkcs8 = *key;
      Get(a, "hash", &k.hash);
      k.ecdsa_format = a.value("ecdsa_format", "plain") == "der" ? EcdsaFormat::kDer : EcdsaFormat::kPlain;
      p.active_auth = std::move(k);
    }
    if (j.contains("files")) {
      for (const json& e : j["files"]) {
        ChipFile f;
        Get(e, "name", &f.name);
        std::string fid = e.value("fid", "");
        unsigned long v = 0;
        try {
          v = std::stoul(fid, nullptr, 16);
        } catch (...) {
          return absl::InvalidArgumentError(absl::StrCat("profile: file ", f.name, ": bad fid"));
        }
        if (v > 0xFFFF) return absl::InvalidArgumentError("profile: fid out of range");
        f.fid = static_cast<uint16_t>(v);
        int sfi = e.value("sfi", 0);
        if (sfi < 0 || sfi > 30) return absl::InvalidArgumentError("profile: sfi out of range");
        f.sfi = static_cast<uint8_t>(sfi);
        Get(e, "in_mf", &f.in_mf);
        std::string rule = e.value("read", "after_access_control");
        if (rule == "always") {
          f.read = AccessRule::kAlways;
        } else if (rule == "after_pace") {
          f.read = AccessRule::kAfterPace;
        } else if (rule == "after_access_control") {
          f.read = AccessRule::kAfterAccessControl;
        } else {
          return absl::InvalidArgumentError(absl::StrCat("profile: unknown access rule ", rule));
        }
        auto content = UnB64(e.value("content", ""), f.name);
        if (!content.ok()) return content.status();
        f.content = *content;
        p.files.push_back(std::move(f));
      }
    }
    if (j.contains("quirks")) {
      const json& q = j["quirks"];
      Get(q, "short_file_ids", &p.quirks.short_file_ids);
      Get(q, "odd_ins_read_binary", &p.quirks.odd_ins_read_binary);
      Get(q, "extended_length", &p.quirks.extended_length);
      Get(q, "max_le", &p.quirks.max_le);
      Get(q, "max_le_error", &p.quirks.max_le_error);
      Get(q, "eof_warning", &p.quirks.eof_warning);
      Get(q, "pace_requires_parameter_id", &p.quirks.pace_requires_parameter_id);
    }
    if (j.contains("faults")) {
      const json& f = j["faults"];
      Get(f, "stop_after_commands", &p.faults.stop_after_commands);
      Get(f, "delay_ms", &p.faults.delay_ms);
      Get(f, "pace_mse_sw", &p.faults.pace_mse_sw);
      Get(f, "pace_corrupt_chip_token", &p.faults.pace_corrupt_chip_token);
      Get(f, "pace_echo_terminal_key", &p.faults.pace_echo_terminal_key);
      Get(f, "pace_omit_cam_data", &p.faults.pace_omit_cam_data);
      Get(f, "ca_refusal_sw", &p.faults.ca_refusal_sw);
    }
    if (j.contains("client_access_key")) {
      const json& k = j["client_access_key"];
      Get(k, "document_number", &p.client_access_key.document_number);
      Get(k, "date_of_birth", &p.client_access_key.date_of_birth);
      Get(k, "date_of_expiry", &p.client_access_key.date_of_expiry);
      Get(k, "can", &p.client_access_key.can);
    }
    if (j.contains("expect")) {
      const json& e = j["expect"];
      Get(e, "close_code", &p.expect.close_code);
      Get(e, "close_reason", &p.expect.close_reason);
      Get(e, "chip_authentication", &p.expect.chip_authentication);
      Get(e, "active_authentication", &p.expect.active_authentication);
      Get(e, "note", &p.expect.note);
      if (e.contains("passive_authentication") && e["passive_authentication"].is_boolean()) {
        p.expect.passive_authentication = e["passive_authentication"].get<bool>();
      }
    }
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("profile: ", e.what()));
  }
  return p;
}

absl::StatusOr<ChipProfile> LoadChipProfile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open profile ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ChipProfileFromJson(ss.str());
}

}  // namespace docval::vchip
