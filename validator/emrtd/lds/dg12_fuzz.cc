// Fuzz target: DG12 (additional document details) and DG7 (signature images).
#include <cstddef>
#include <cstdint>

#include "validator/emrtd/lds/dg12.h"
#include "validator/emrtd/lds/dg7.h"
#include "validator/emrtd/lds/ef_com.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace docval::emrtd;
  (void)ParseDg12(ByteSpan(data, size));
  (void)ParseDg7(ByteSpan(data, size));
  (void)ParseEfCom(ByteSpan(data, size));
  return 0;
}
