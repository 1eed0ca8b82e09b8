// Fuzz target: DG11 (additional personal details) and the text helpers.
#include <cstddef>
#include <cstdint>

#include "validator/emrtd/lds/dg11.h"
#include "validator/emrtd/lds/lds_text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace docval::emrtd;
  (void)ParseDg11(ByteSpan(data, size));
  std::string s = SanitizeUtf8(ByteSpan(data, size));
  if (SanitizeUtf8(AsSpan(s)) != s) __builtin_trap();  // sanitising is idempotent: the output is valid UTF-8
  (void)DigitsOrBcd(ByteSpan(data, size));
  return 0;
}
