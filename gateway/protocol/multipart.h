// multipart/form-data (RFC 7578 over RFC 2046 §5.1) for POST /v4/validate (docs/protocol.md §6), the
// pure part: the boundary from a Content-Type, and a whole body split into named parts, under limits.
// No sockets: the body is already in memory, capped by the route's body limit (http_routes.h).
//
// What is accepted (strict where a lenient reading could be exploited, lenient where clients differ):
// - Content-Type "multipart/form-data" (any case) with a `boundary` parameter of 1..70 characters of
//   RFC 2046 bchars, quoted or not; other parameters are ignored.
// - A preamble before the first delimiter and an epilogue after the close delimiter are ignored;
//   transport padding (spaces, tabs) after a delimiter is allowed. Lines end in CRLF.
// - Each part: header lines "Name: value" (names case-insensitive), an empty line, the content. It
//   needs exactly one Content-Disposition "form-data" with a `name`; `filename` is optional; its
//   Content-Type is kept as sent; other headers are ignored. Folded (obs-fold) header lines are refused.
// - A name may appear once: a repeated field is refused (the form has one value per field).
//
// Errors (absl::Status, the code says which HTTP answer the route gives; MultipartErrorField() names
// the field when one is known, "" otherwise):
//   kFailedPrecondition  not multipart/form-data                                   -> 415
//   kInvalidArgument     malformed (bad boundary, no close delimiter, bad part
//                        header, no name, a repeated field)                        -> 400
//   kResourceExhausted   more parts than max_parts, a part's header block over
//                        max_part_header_bytes, a part's content over its cap      -> 413
#ifndef DOCVAL_GATEWAY_PROTOCOL_MULTIPART_H_
#define DOCVAL_GATEWAY_PROTOCOL_MULTIPART_H_

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace docval::gateway::multipart {

// RFC 2046: a boundary is 1..70 characters.
inline constexpr size_t kMaxBoundaryBytes = 70;

struct MultipartLimits {
  // Parts in one body (the close delimiter ends the count; a body with more is refused as a whole).
  size_t max_parts = 24;
  // Bytes of one part's header block (all its header lines with their CRLFs, without the empty line).
  size_t max_part_header_bytes = 1024;
  // The cap of a part's content by its field name; unset -> default_max_part_bytes for every field.
  std::function<size_t(absl::string_view field_name)> max_part_bytes;
  size_t default_max_part_bytes = 64 * 1024;
};

struct Part {
  std::string name;                     // the Content-Disposition `name`
  std::optional<std::string> filename;  // the `filename` when sent (may be empty)
  std::string content_type;             // the part's Content-Type as sent, "" when absent
  std::string content;                  // the bytes between the header block and the next delimiter
};

struct Form {
  std::vector<Part> parts;  // in body order, names unique
  // The part named `name`, or nullptr.
  const Part* Find(absl::string_view name) const;
};

// The boundary of a Content-Type header value. kFailedPrecondition for another media type (also an
// empty value), kInvalidArgument for multipart/form-data without a valid boundary.
absl::StatusOr<std::string> BoundaryOf(absl::string_view content_type);

// Splits `body` (delimited by `boundary`, as BoundaryOf returns it) into its parts.
absl::StatusOr<Form> Parse(absl::string_view body, absl::string_view boundary, const MultipartLimits& limits);

// BoundaryOf, then Parse.
absl::StatusOr<Form> ParseRequest(absl::string_view content_type, absl::string_view body,
                                  const MultipartLimits& limits);

// The field an error is about ("" when the part's name was not known yet, or for another status).
std::string MultipartErrorField(const absl::Status& status);

}  // namespace docval::gateway::multipart

#endif  // DOCVAL_GATEWAY_PROTOCOL_MULTIPART_H_
