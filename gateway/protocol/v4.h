// POST /v4/validate (docs/protocol.md §6), the pure part: a request's Content-Type and body checked
// and split into the client id and the document's files, or the HTTP error the client gets (status,
// a stable error code, the field it is about). No sockets and no verification here: the caller runs
// Passive Authentication on the files (validator/emrtd/auth/verify_files.h).
//
// The order of the checks (the first failing one answers):
//   1. Content-Type not multipart/form-data                          415 unsupported_media_type
//   2. the body as multipart (multipart.h) under kMaxParts, kMaxPartHeaderBytes and the per-file
//      caps of emrtd::SessionLimits (EF.SOD's for `sod`, DGn's for `dgN`, kMaxClientIdBytes for
//      `client_id`)                                                  400 malformed_request / 413 too_large
//   3. a field other than client_id, sod, dg1..dg16                  400 unknown_field
//   4. client_id missing or empty                                    400 missing_field
//   5. client_id not configured (constant-time, secret.h)            401 unknown_client
//   6. sod missing or empty, a dgN part empty                        400 missing_field / empty_field
//   7. all files together over SessionLimits::max_total_bytes       413 too_large
// The error body is JSON {"error": code, "field": name or null, "message": text}; the message names
// sizes and fields only, never content.
#ifndef DOCVAL_GATEWAY_PROTOCOL_V4_H_
#define DOCVAL_GATEWAY_PROTOCOL_V4_H_

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "validator/emrtd/limits.h"

namespace docval::gateway::v4 {

inline constexpr size_t kMaxParts = 18;               // client_id, sod, dg1..dg16
inline constexpr size_t kMaxPartHeaderBytes = 1024;   // one part's header lines
inline constexpr size_t kMaxClientIdBytes = 256;

// Every status and error code the route answers (docs/protocol.md §6, docs/openapi.yaml; checked
// against both by tools/lint/docs_contract_test.cc). 405, 500, 503 and their codes come from the
// route (gateway/ws/v4_route.h), the others from ParseValidateRequest.
inline constexpr int kStatuses[] = {200, 400, 401, 405, 413, 415, 500, 503};
inline constexpr absl::string_view kErrorCodes[] = {
    "malformed_request", "unknown_field", "missing_field", "empty_field", "unknown_client", "too_large",
    "unsupported_media_type", "method_not_allowed", "unavailable", "server_error"};

// The largest body the route reads: every file of a session (SessionLimits::max_total_bytes) plus the
// multipart framing of kMaxParts parts (headers, delimiters) and the client id.
size_t MaxBodyBytes(const emrtd::SessionLimits& limits = {});

struct ValidateRequest {
  std::string client_id;
  std::string sod;                            // EF.SOD
  std::map<int, std::string> data_groups;     // 1..16 -> file
};

struct RequestError {
  int http_status = 400;
  std::string error;                  // malformed_request, unknown_field, missing_field, empty_field,
                                      // unknown_client, too_large, unsupported_media_type
  std::optional<std::string> field;   // the form field, when the error is about one
  std::string message;
};

struct ParsedRequest {
  std::optional<ValidateRequest> request;  // set when the request is good
  RequestError error;                      // meaningful only when `request` is empty
};

ParsedRequest ParseValidateRequest(absl::string_view content_type, absl::string_view body,
                                   const std::vector<std::string>& client_ids,
                                   const emrtd::SessionLimits& limits = {});

// {"error": ..., "field": ..., "message": ...} with a trailing newline.
std::string ErrorJson(const RequestError& error);

}  // namespace docval::gateway::v4

#endif  // DOCVAL_GATEWAY_PROTOCOL_V4_H_
