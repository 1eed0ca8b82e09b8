// Fuzz target: DG2 (CBEFF template, ISO 19794-5 and ISO 39794-5 face records).
#include <cstddef>
#include <cstdint>

#include "validator/emrtd/lds/dg2.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace docval::emrtd;
  ByteSpan input(data, size);
  absl::StatusOr<Dg2> d = ParseDg2(input);
  if (d.ok()) {
    if (d->images.empty()) __builtin_trap();
    for (const FaceImage& f : d->images) {
      if (f.data.empty() || f.data.size() > size) __builtin_trap();
    }
  }
  (void)ParseIso19794_5(input);
  (void)ParseIso39794_5(input);
  (void)DetectImageFormat(input);
  return 0;
}
