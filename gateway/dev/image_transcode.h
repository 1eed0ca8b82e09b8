// Images of a result (DG2 face, DG7 signatures) as a browser shows them: JPEG as it is, JPEG 2000
// (a JP2 file or a bare codestream) decoded with OpenJPEG and encoded as PNG. The bytes come from a
// chip or from whoever POSTs to the development Result Server, so every step is bounded: the input
// size, the picture's dimensions and pixel count, its tiles, quality layers, components and sample
// precision are checked against TranscodeLimits from the header, before anything is decoded, and the
// decoder runs single-threaded. Anything else (other formats, CMYK, subsampled components) is refused
// with a message for the page, never decoded.
#ifndef DOCVAL_GATEWAY_DEV_IMAGE_TRANSCODE_H_
#define DOCVAL_GATEWAY_DEV_IMAGE_TRANSCODE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace docval::gateway {

struct TranscodeLimits {
  size_t max_input_bytes = 1 << 20;  // an ICAO face image is 15-100 KB
  uint32_t max_side = 2000;          // pixels, width and height
  uint64_t max_pixels = 2'000'000;   // width x height
  uint32_t max_tiles = 1024;
  uint32_t max_layers = 64;
  uint32_t max_resolutions = 12;
};

enum class ImageKind { kJpeg, kJpeg2000, kUnknown };
// By the file's signature: JPEG (FF D8 FF), JP2 (the 12-byte signature box) or a JPEG 2000 codestream
// (FF 4F FF 51).
ImageKind SniffImage(absl::string_view bytes);

struct WebImage {
  std::string mime_type;  // "image/jpeg" or "image/png"
  std::string bytes;
  uint32_t width = 0;  // 0 when not decoded (JPEG is passed through)
  uint32_t height = 0;
};

// kInvalidArgument: not an image this supports, or malformed; kResourceExhausted: over a limit.
// The messages are written for the results page ("JPEG 2000 of 4000x3000 pixels: larger than ...").
absl::StatusOr<WebImage> ToWebImage(absl::string_view bytes, const TranscodeLimits& limits = {});

// PNG (8-bit samples, no interlace) of `pixels`, rows top to bottom, `channels` samples per pixel:
// 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA.
std::string EncodePng(uint32_t width, uint32_t height, int channels, absl::string_view pixels);

}  // namespace docval::gateway

#endif  // DOCVAL_GATEWAY_DEV_IMAGE_TRANSCODE_H_
