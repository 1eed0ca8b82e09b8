// The result JSON of docs/protocol.md §2 from the core's EmrtdResult: every key in the documented order,
// exact enum strings, `null` for absent data, `errors` always present, bytes as standard base64.
// snake_case for WebSocket v1 and the Result Server POST; camelCase inside a v2 RESULT.
// `files_binary` is written only when the result carries files (the deployment enabled it).
// docs/result.schema.json describes the output.
#ifndef DOCVAL_VALIDATOR_RESULT_JSON_RESULT_JSON_H_
#define DOCVAL_VALIDATOR_RESULT_JSON_RESULT_JSON_H_

#include <string>

#include <nlohmann/json.hpp>

#include "validator/emrtd/result.h"

namespace docval {

enum class JsonCase { kSnake, kCamel };

nlohmann::ordered_json ResultToJson(const emrtd::EmrtdResult& result, JsonCase key_case = JsonCase::kSnake);

// The Result Server POST body: {"emrtd_passport": {...}, "client_validation_id": "..."}.
std::string ResultServerBody(const emrtd::EmrtdResult& result, const std::string& validation_id);

// The v1 client frame: {"emrtd_passport": {...}}.
std::string ResultFrameV1(const emrtd::EmrtdResult& result);

std::string Base64Encode(emrtd::ByteSpan bytes);

}  // namespace docval

#endif  // DOCVAL_VALIDATOR_RESULT_JSON_RESULT_JSON_H_
