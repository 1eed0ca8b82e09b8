// Comparing secrets that a client sends (client ids, handshake tokens) without leaking them through
// timing: every byte of every candidate is compared.
#ifndef DOCVAL_GATEWAY_PROTOCOL_SECRET_H_
#define DOCVAL_GATEWAY_PROTOCOL_SECRET_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace docval::gateway {

// Constant-time equality (time depends on the lengths only).
bool SecretEquals(absl::string_view a, absl::string_view b);
// True when `value` equals one of `allowed`; every entry is compared, so timing reveals nothing.
bool SecretIn(absl::string_view value, const std::vector<std::string>& allowed);

}  // namespace docval::gateway

#endif  // DOCVAL_GATEWAY_PROTOCOL_SECRET_H_
