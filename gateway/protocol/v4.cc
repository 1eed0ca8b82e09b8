#include "gateway/protocol/v4.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gateway/protocol/multipart.h"
#include "gateway/protocol/secret.h"

namespace docval::gateway::v4 {
namespace {

// 1..16 for "dg1".."dg16" (no leading zeros, lower case), 0 otherwise.
int DataGroupOf(absl::string_view field) {
  int dg = 0;
  if (field.size() < 3 || field.substr(0, 2) != "dg" || field[2] == '0') return 0;
  if (!absl::SimpleAtoi(field.substr(2), &dg) || dg < 1 || dg > 16) return 0;
  if (field.substr(2) != std::to_string(dg)) return 0;
  return dg;
}

ParsedRequest Fail(int status, std::string error, std::optional<std::string> field, std::string message) {
  ParsedRequest p;
  p.error = RequestError{status, std::move(error), std::move(field), std::move(message)};
  return p;
}

}  // namespace

size_t MaxBodyBytes(const emrtd::SessionLimits& limits) {
  return limits.max_total_bytes + kMaxClientIdBytes + kMaxParts * (kMaxPartHeaderBytes + 2 * 76);
}

ParsedRequest ParseValidateRequest(absl::string_view content_type, absl::string_view body,
                                   const std::vector<std::string>& client_ids, const emrtd::SessionLimits& limits) {
  multipart::MultipartLimits ml;
  ml.max_parts = kMaxParts;
  ml.max_part_header_bytes = kMaxPartHeaderBytes;
  ml.max_part_bytes = [&limits](absl::string_view field) -> size_t {
    if (field == "sod") return limits.MaxFileBytes("EF.SOD");
    if (int dg = DataGroupOf(field); dg != 0) return limits.MaxFileBytes(absl::StrCat("DG", dg));
    return kMaxClientIdBytes;  // client_id, and unknown fields (refused below anyway)
  };
  absl::StatusOr<multipart::Form> form = multipart::ParseRequest(content_type, body, ml);
  if (!form.ok()) {
    std::string field = multipart::MultipartErrorField(form.status());
    std::optional<std::string> f = field.empty() ? std::nullopt : std::optional<std::string>(field);
    std::string message(form.status().message());
    switch (form.status().code()) {
      case absl::StatusCode::kFailedPrecondition:
        return Fail(415, "unsupported_media_type", std::nullopt, "the body must be multipart/form-data");
      case absl::StatusCode::kResourceExhausted:
        return Fail(413, "too_large", f, message);
      default:
        return Fail(400, "malformed_request", f, message);
    }
  }
  for (const multipart::Part& part : form->parts) {
    if (part.name != "client_id" && part.name != "sod" && DataGroupOf(part.name) == 0) {
      // The name is the client's: it is echoed in the answer only, never logged.
      return Fail(400, "unknown_field", part.name, "only client_id, sod and dg1..dg16 are accepted");
    }
  }
  const multipart::Part* client = form->Find("client_id");
  if (client == nullptr || client->content.empty()) {
    return Fail(400, "missing_field", "client_id", "client_id is required");
  }
  if (!SecretIn(client->content, client_ids)) {
    return Fail(401, "unknown_client", "client_id", "unknown client_id");
  }
  const multipart::Part* sod = form->Find("sod");
  if (sod == nullptr || sod->content.empty()) return Fail(400, "missing_field", "sod", "sod (EF.SOD) is required");

  ValidateRequest r;
  r.client_id = client->content;
  r.sod = sod->content;
  size_t total = r.sod.size();
  for (const multipart::Part& part : form->parts) {
    int dg = DataGroupOf(part.name);
    if (dg == 0) continue;
    if (part.content.empty()) return Fail(400, "empty_field", part.name, absl::StrCat(part.name, " is empty"));
    total += part.content.size();
    r.data_groups[dg] = part.content;
  }
  if (total > limits.max_total_bytes) {
    return Fail(413, "too_large", std::nullopt,
                absl::StrCat("the files together are over ", limits.max_total_bytes, " bytes"));
  }
  ParsedRequest p;
  p.request = std::move(r);
  return p;
}

std::string ErrorJson(const RequestError& error) {
  nlohmann::ordered_json j;
  j["error"] = error.error;
  j["field"] = error.field.has_value() ? nlohmann::ordered_json(*error.field) : nlohmann::ordered_json(nullptr);
  j["message"] = error.message;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace docval::gateway::v4
