// The result JSON of docs/protocol.md §2, written from the contract message docval.v1.EmrtdResult
// (proto/docval/v1/result.proto) by walking its descriptor: the message is the one model of the result,
// so a field added there appears in the JSON, in declaration order, without code here.
//
// How each field is written:
// - keys: the proto field name (snake_case, WebSocket v1 and the Result Server POST) or its JSON name
//   (camelCase, the v2 RESULT); in declaration order, which is the documented order;
// - a singular message or a field with explicit presence (`optional`) that is not set: null. Except
//   `passive_authentication_details`, always an object (the clients require its `error` key);
// - a message whose only field is `repeated ... values` (StringList, BytesList): an array, or null;
// - a repeated message of two fields, key then value (DataGroupHash, NamedFile): an object from the key
//   (as text, never case-converted) to the value;
// - `files_binary`: left out when empty (the deployment did not ask for the files);
// - bytes: standard base64 with padding; enums: the value's name, and for the zero value the name the
//   clients expect (GENDER_UNSPECIFIED -> "UNSPECIFIED", CHECK_RESULT_UNSPECIFIED -> "UNAVAILABLE");
// - text that is not valid UTF-8 is written with U+FFFD in place of the bad bytes.
// docs/result.schema.json describes the output; result_json_test.cc checks the schema against the
// message field by field.
#ifndef DOCVAL_VALIDATOR_RESULT_JSON_RESULT_JSON_H_
#define DOCVAL_VALIDATOR_RESULT_JSON_RESULT_JSON_H_

#include <string>

#include <nlohmann/json.hpp>

#include "docval/v1/result.pb.h"

namespace docval {

enum class JsonCase { kSnake, kCamel };

// The `emrtd_passport` object.
nlohmann::ordered_json ResultToJson(const v1::EmrtdResult& result, JsonCase key_case = JsonCase::kSnake);

// The Result Server POST body: {"emrtd_passport": {...}, "client_validation_id": "..."}.
std::string ResultServerBody(const v1::EmrtdResult& result, const std::string& validation_id);

// The v1 client frame: {"emrtd_passport": {...}}; the same bytes for the result as the POST body.
std::string ResultFrameV1(const v1::EmrtdResult& result);

}  // namespace docval

#endif  // DOCVAL_VALIDATOR_RESULT_JSON_RESULT_JSON_H_
