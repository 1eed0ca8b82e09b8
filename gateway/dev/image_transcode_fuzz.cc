// Fuzz target: images as a chip or a POST to the development Result Server may carry them (JPEG 2000
// above all: OpenJPEG behind our header checks), with small limits so the decoder's work stays
// bounded; whatever decodes must come back as a PNG of the announced size.
#include <cstddef>
#include <cstdint>
#include <string>

#include "gateway/dev/image_transcode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  docval::gateway::TranscodeLimits limits;
  limits.max_input_bytes = 64 * 1024;
  limits.max_side = 512;
  limits.max_pixels = 256 * 256;
  absl::StatusOr<docval::gateway::WebImage> image =
      docval::gateway::ToWebImage(std::string(reinterpret_cast<const char*>(data), size), limits);
  if (image.ok() && image->mime_type == "image/png") {
    if (image->width == 0 || image->height == 0 || image->width > 512 || image->height > 512) __builtin_trap();
    if (image->bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) __builtin_trap();
  }
  return 0;
}
