// Fuzz target: DG1 and the MRZ parser.
#include <cstddef>
#include <cstdint>
#include <string>

#include "validator/emrtd/lds/dg1.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace docval::emrtd;
  absl::StatusOr<MrzInfo> m = ParseDg1(ByteSpan(data, size));
  std::string text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<MrzInfo> direct = ParseMrz(text);
  (void)MrzCheckDigits(text);
  (void)MrzCheckDigit(text);
  if (direct.ok() && direct->document_type != "TD1" && direct->document_type != "TD2" &&
      direct->document_type != "TD3") {
    __builtin_trap();
  }
  (void)m;
  return 0;
}
