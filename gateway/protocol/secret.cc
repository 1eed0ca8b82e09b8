#include "gateway/protocol/secret.h"

#include <algorithm>

namespace docval::gateway {

bool SecretEquals(absl::string_view a, absl::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

bool SecretIn(absl::string_view value, const std::vector<std::string>& allowed) {
  bool found = false;
  for (const std::string& a : allowed) found |= SecretEquals(value, a);
  return found;
}

}  // namespace docval::gateway
