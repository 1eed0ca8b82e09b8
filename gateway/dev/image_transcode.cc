#include "gateway/dev/image_transcode.h"

#include <openjpeg.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/check.h"

namespace docval::gateway {
namespace {

constexpr unsigned char kJp2Signature[] = {0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A};
constexpr unsigned char kJ2kSignature[] = {0xFF, 0x4F, 0xFF, 0x51};

bool StartsWith(absl::string_view bytes, const unsigned char* sig, size_t n) {
  return bytes.size() >= n && std::memcmp(bytes.data(), sig, n) == 0;
}

// ---- OpenJPEG over a memory buffer ----

struct MemoryStream {
  absl::string_view data;
  size_t pos = 0;
};

OPJ_SIZE_T Read(void* buffer, OPJ_SIZE_T n, void* user) {
  auto* s = static_cast<MemoryStream*>(user);
  if (s->pos >= s->data.size()) return static_cast<OPJ_SIZE_T>(-1);  // end of stream
  const size_t k = std::min<size_t>(n, s->data.size() - s->pos);
  std::memcpy(buffer, s->data.data() + s->pos, k);
  s->pos += k;
  return k;
}

OPJ_OFF_T Skip(OPJ_OFF_T n, void* user) {
  auto* s = static_cast<MemoryStream*>(user);
  if (n < 0) {
    const size_t back = std::min<size_t>(static_cast<size_t>(-n), s->pos);
    s->pos -= back;
    return -static_cast<OPJ_OFF_T>(back);
  }
  const size_t k = std::min<size_t>(static_cast<size_t>(n), s->data.size() - std::min(s->pos, s->data.size()));
  s->pos += k;
  return static_cast<OPJ_OFF_T>(k);
}

OPJ_BOOL Seek(OPJ_OFF_T n, void* user) {
  auto* s = static_cast<MemoryStream*>(user);
  if (n < 0 || static_cast<size_t>(n) > s->data.size()) return OPJ_FALSE;
  s->pos = static_cast<size_t>(n);
  return OPJ_TRUE;
}

void KeepMessage(const char* msg, void* user) {
  auto* last = static_cast<std::string*>(user);
  *last = msg != nullptr ? msg : "";
  while (!last->empty() && (last->back() == '\n' || last->back() == ' ')) last->pop_back();
}
void Ignore(const char*, void*) {}

struct CodecDeleter {
  void operator()(opj_codec_t* c) const { opj_destroy_codec(c); }
};
struct StreamDeleter {
  void operator()(opj_stream_t* s) const { opj_stream_destroy(s); }
};
struct ImageDeleter {
  void operator()(opj_image_t* i) const { opj_image_destroy(i); }
};

absl::Status TooLarge(const std::string& what) {
  return absl::ResourceExhaustedError(absl::StrCat("JPEG 2000 ", what));
}

// Checks what the main header announces, before any decoding work is spent.
absl::Status CheckHeader(opj_codec_t* codec, const opj_image_t& image, const TranscodeLimits& limits) {
  if (image.numcomps < 1 || image.numcomps > 4) {
    return absl::InvalidArgumentError(absl::StrCat("JPEG 2000 with ", image.numcomps, " components: not shown"));
  }
  if (image.x1 <= image.x0 || image.y1 <= image.y0) return absl::InvalidArgumentError("JPEG 2000 of no pixels");
  const uint64_t w = image.x1 - image.x0, h = image.y1 - image.y0;
  if (w > limits.max_side || h > limits.max_side || w * h > limits.max_pixels) {
    return TooLarge(absl::StrCat("of ", w, "x", h, " pixels: larger than ", limits.max_side, " per side or ",
                                 limits.max_pixels, " pixels"));
  }
  for (OPJ_UINT32 i = 0; i < image.numcomps; ++i) {
    const opj_image_comp_t& c = image.comps[i];
    if (c.dx != 1 || c.dy != 1) {
      return absl::InvalidArgumentError("JPEG 2000 with subsampled components: not shown");
    }
    if (c.prec < 1 || c.prec > 16) {
      return absl::InvalidArgumentError(absl::StrCat("JPEG 2000 with ", c.prec, "-bit samples: not shown"));
    }
  }
  if (image.color_space == OPJ_CLRSPC_CMYK || image.color_space == OPJ_CLRSPC_EYCC) {
    return absl::InvalidArgumentError("JPEG 2000 in CMYK or e-YCC: not shown");
  }
  opj_codestream_info_v2_t* info = opj_get_cstr_info(codec);
  if (info == nullptr) return absl::InvalidArgumentError("JPEG 2000 without a readable main header");
  absl::Status s;
  const uint64_t tiles = uint64_t{info->tw} * info->th;
  if (tiles == 0 || tiles > limits.max_tiles) {
    s = TooLarge(absl::StrCat("of ", tiles, " tiles: more than ", limits.max_tiles));
  } else if (info->m_default_tile_info.numlayers > limits.max_layers) {
    s = TooLarge(
        absl::StrCat("of ", info->m_default_tile_info.numlayers, " quality layers: more than ", limits.max_layers));
  } else if (info->m_default_tile_info.tccp_info != nullptr) {
    for (OPJ_UINT32 i = 0; i < info->nbcomps && s.ok(); ++i) {
      if (info->m_default_tile_info.tccp_info[i].numresolutions > limits.max_resolutions) {
        s = TooLarge(absl::StrCat("of ", info->m_default_tile_info.tccp_info[i].numresolutions,
                                  " resolution levels: more than ", limits.max_resolutions));
      }
    }
  }
  opj_destroy_cstr_info(&info);
  return s;
}

uint8_t To8Bit(OPJ_INT32 v, const opj_image_comp_t& c) {
  int64_t x = v;
  if (c.sgnd) x += int64_t{1} << (c.prec - 1);
  const int64_t max = (int64_t{1} << c.prec) - 1;
  x = std::clamp<int64_t>(x, 0, max);
  if (c.prec == 8) return static_cast<uint8_t>(x);
  return static_cast<uint8_t>((x * 255 + max / 2) / max);
}

uint8_t Clamp8(double v) { return static_cast<uint8_t>(std::clamp(v + 0.5, 0.0, 255.0)); }

absl::StatusOr<WebImage> DecodeJpeg2000(absl::string_view bytes, bool jp2, const TranscodeLimits& limits) {
  std::unique_ptr<opj_codec_t, CodecDeleter> codec(opj_create_decompress(jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K));
  if (codec == nullptr) return absl::InternalError("cannot create a JPEG 2000 decoder");
  std::string last_error;
  opj_set_error_handler(codec.get(), KeepMessage, &last_error);
  opj_set_warning_handler(codec.get(), Ignore, nullptr);
  opj_set_info_handler(codec.get(), Ignore, nullptr);
  opj_dparameters_t params;
  opj_set_default_decoder_parameters(&params);
  if (!opj_setup_decoder(codec.get(), &params)) return absl::InternalError("cannot set up the JPEG 2000 decoder");
  opj_codec_set_threads(codec.get(), 1);

  MemoryStream mem{bytes, 0};
  std::unique_ptr<opj_stream_t, StreamDeleter> stream(opj_stream_create(64 * 1024, OPJ_TRUE));
  if (stream == nullptr) return absl::InternalError("cannot create a JPEG 2000 stream");
  opj_stream_set_user_data(stream.get(), &mem, nullptr);
  opj_stream_set_user_data_length(stream.get(), bytes.size());
  opj_stream_set_read_function(stream.get(), Read);
  opj_stream_set_skip_function(stream.get(), Skip);
  opj_stream_set_seek_function(stream.get(), Seek);

  opj_image_t* raw = nullptr;
  if (!opj_read_header(stream.get(), codec.get(), &raw)) {
    opj_image_destroy(raw);
    return absl::InvalidArgumentError(absl::StrCat("JPEG 2000 header unreadable: ", last_error));
  }
  std::unique_ptr<opj_image_t, ImageDeleter> image(raw);
  if (absl::Status s = CheckHeader(codec.get(), *image, limits); !s.ok()) return s;
  if (!opj_decode(codec.get(), stream.get(), image.get()) || !opj_end_decompress(codec.get(), stream.get())) {
    return absl::InvalidArgumentError(absl::StrCat("JPEG 2000 undecodable: ", last_error));
  }

  const opj_image_t& img = *image;
  const uint32_t w = img.comps[0].w, h = img.comps[0].h;
  if (w == 0 || h == 0 || w > limits.max_side || h > limits.max_side) {
    return absl::InvalidArgumentError("JPEG 2000 decoded to an unexpected size");
  }
  const int channels = static_cast<int>(img.numcomps);
  for (int c = 0; c < channels; ++c) {
    if (img.comps[c].w != w || img.comps[c].h != h || img.comps[c].data == nullptr) {
      return absl::InvalidArgumentError("JPEG 2000 components of different sizes: not shown");
    }
  }
  const bool ycc = img.color_space == OPJ_CLRSPC_SYCC && channels >= 3;
  std::string pixels(size_t{w} * h * static_cast<size_t>(channels), '\0');
  for (size_t i = 0; i < size_t{w} * h; ++i) {
    uint8_t s[4];
    for (int c = 0; c < channels; ++c) s[c] = To8Bit(img.comps[c].data[i], img.comps[c]);
    if (ycc) {  // full-range YCbCr (ITU-T T.871) to RGB
      const double y = s[0], cb = s[1] - 128.0, cr = s[2] - 128.0;
      s[0] = Clamp8(y + 1.402 * cr);
      s[1] = Clamp8(y - 0.344136 * cb - 0.714136 * cr);
      s[2] = Clamp8(y + 1.772 * cb);
    }
    std::memcpy(&pixels[i * static_cast<size_t>(channels)], s, static_cast<size_t>(channels));
  }
  return WebImage{"image/png", EncodePng(w, h, channels, pixels), w, h};
}

// ---- PNG (RFC 2083 / ISO/IEC 15948) ----

void Put32(std::string& out, uint32_t v) {
  out.push_back(static_cast<char>(v >> 24));
  out.push_back(static_cast<char>(v >> 16));
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}

void Chunk(std::string& out, const char type[4], const std::string& data) {
  Put32(out, static_cast<uint32_t>(data.size()));
  const size_t start = out.size();
  out.append(type, 4);
  out.append(data);
  const uLong crc =
      crc32(0L, reinterpret_cast<const Bytef*>(out.data() + start), static_cast<uInt>(out.size() - start));
  Put32(out, static_cast<uint32_t>(crc));
}

}  // namespace

ImageKind SniffImage(absl::string_view bytes) {
  static constexpr unsigned char kJpeg[] = {0xFF, 0xD8, 0xFF};
  if (StartsWith(bytes, kJpeg, sizeof(kJpeg))) return ImageKind::kJpeg;
  if (StartsWith(bytes, kJp2Signature, sizeof(kJp2Signature)) ||
      StartsWith(bytes, kJ2kSignature, sizeof(kJ2kSignature))) {
    return ImageKind::kJpeg2000;
  }
  return ImageKind::kUnknown;
}

std::string EncodePng(uint32_t width, uint32_t height, int channels, absl::string_view pixels) {
  DOCVAL_CHECK(channels >= 1 && channels <= 4);
  DOCVAL_CHECK(pixels.size() >= size_t{width} * height * static_cast<size_t>(channels));
  static constexpr uint8_t kColorType[] = {0, 0, 4, 2, 6};  // by channel count
  const size_t row = size_t{width} * static_cast<size_t>(channels);
  std::string raw;
  raw.reserve((row + 1) * height);
  for (uint32_t y = 0; y < height; ++y) {
    raw.push_back('\0');  // filter type 0 (none)
    raw.append(pixels.data() + size_t{y} * row, row);
  }
  uLongf packed_size = compressBound(static_cast<uLong>(raw.size()));
  std::string packed(packed_size, '\0');
  compress2(reinterpret_cast<Bytef*>(packed.data()), &packed_size, reinterpret_cast<const Bytef*>(raw.data()),
            static_cast<uLong>(raw.size()), 6);
  packed.resize(packed_size);

  std::string ihdr;
  Put32(ihdr, width);
  Put32(ihdr, height);
  ihdr.push_back(8);  // bit depth
  ihdr.push_back(static_cast<char>(kColorType[channels]));
  ihdr.append(3, '\0');  // deflate, adaptive filtering, no interlace
  std::string out("\x89PNG\r\n\x1a\n", 8);
  Chunk(out, "IHDR", ihdr);
  Chunk(out, "IDAT", packed);
  Chunk(out, "IEND", "");
  return out;
}

absl::StatusOr<WebImage> ToWebImage(absl::string_view bytes, const TranscodeLimits& limits) {
  if (bytes.size() > limits.max_input_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("image of ", bytes.size(), " bytes: larger than ", limits.max_input_bytes));
  }
  switch (SniffImage(bytes)) {
    case ImageKind::kJpeg: return WebImage{"image/jpeg", std::string(bytes), 0, 0};
    case ImageKind::kJpeg2000: return DecodeJpeg2000(bytes, bytes[0] == 0x00, limits);
    case ImageKind::kUnknown: break;
  }
  return absl::InvalidArgumentError("neither JPEG nor JPEG 2000: not shown");
}

}  // namespace docval::gateway
