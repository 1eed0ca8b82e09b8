#include "validator/emrtd/crypto/secure_bytes.h"

#include <botan/mem_ops.h>

namespace docval::emrtd {

bool ConstantTimeEqual(ByteSpan a, ByteSpan b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return Botan::constant_time_compare(a.data(), b.data(), a.size());
}

}  // namespace docval::emrtd
