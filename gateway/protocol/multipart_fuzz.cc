// Fuzz target: a multipart/form-data body (the first line of the input is the Content-Type). Whatever
// the bytes, the parser ends with a form or one of the three documented status codes, the form's names
// are unique and non-empty, and no part is over its cap.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "gateway/protocol/multipart.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  size_t eol = input.find('\n');
  std::string content_type = eol == std::string::npos ? "multipart/form-data; boundary=b" : input.substr(0, eol);
  std::string body = eol == std::string::npos ? input : input.substr(eol + 1);
  docval::gateway::multipart::MultipartLimits limits;
  limits.max_parts = 8;
  limits.max_part_header_bytes = 128;
  limits.max_part_bytes = [](absl::string_view name) -> size_t { return name == "sod" ? 64 : 256; };
  absl::StatusOr<docval::gateway::multipart::Form> form =
      docval::gateway::multipart::ParseRequest(content_type, body, limits);
  if (!form.ok()) {
    absl::StatusCode c = form.status().code();
    if (c != absl::StatusCode::kInvalidArgument && c != absl::StatusCode::kResourceExhausted &&
        c != absl::StatusCode::kFailedPrecondition) {
      __builtin_trap();
    }
    return 0;
  }
  if (form->parts.size() > limits.max_parts) __builtin_trap();
  std::set<std::string> names;
  for (const auto& part : form->parts) {
    if (part.name.empty() || !names.insert(part.name).second) __builtin_trap();
    if (part.content.size() > limits.max_part_bytes(part.name)) __builtin_trap();
  }
  return 0;
}
