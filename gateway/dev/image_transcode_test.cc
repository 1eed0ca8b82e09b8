// The image transcoder against the sample portraits of testdata/faces (drawn by make_face.py), with
// libpng as the independent decoder of the PNG it writes, and against JPEG 2000 headers edited to
// announce what must be refused before decoding.
#include "gateway/dev/image_transcode.h"

#include <png.h>

#include "gateway/dev/dev_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace docval::gateway {
namespace {

using ::testing::HasSubstr;

struct Decoded {
  uint32_t width = 0, height = 0;
  std::string rgba;  // 4 bytes per pixel
};

// libpng's simplified API, not our code: the PNG must be one any decoder reads.
Decoded DecodePng(const std::string& png) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  Decoded d;
  if (!png_image_begin_read_from_memory(&image, png.data(), png.size())) return d;
  image.format = PNG_FORMAT_RGBA;
  d.rgba.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, d.rgba.data(), 0, nullptr)) return Decoded{};
  d.width = image.width;
  d.height = image.height;
  return d;
}

// The pixel at (x, y) is within `tolerance` of the colour make_face.py drew there (JPEG 2000 at
// 30:1 is lossy).
void ExpectColour(const Decoded& d, uint32_t x, uint32_t y, int r, int g, int b, int tolerance = 24) {
  const size_t i = (size_t{y} * d.width + x) * 4;
  ASSERT_LT(i + 3, d.rgba.size());
  EXPECT_NEAR(static_cast<uint8_t>(d.rgba[i]), r, tolerance) << "red at " << x << "," << y;
  EXPECT_NEAR(static_cast<uint8_t>(d.rgba[i + 1]), g, tolerance) << "green at " << x << "," << y;
  EXPECT_NEAR(static_cast<uint8_t>(d.rgba[i + 2]), b, tolerance) << "blue at " << x << "," << y;
  EXPECT_EQ(static_cast<uint8_t>(d.rgba[i + 3]), 255);
}

void ExpectTheSampleFace(const WebImage& image) {
  EXPECT_EQ(image.mime_type, "image/png");
  EXPECT_EQ(image.width, 120u);
  EXPECT_EQ(image.height, 160u);
  Decoded d = DecodePng(image.bytes);
  ASSERT_EQ(d.width, 120u);
  ASSERT_EQ(d.height, 160u);
  ExpectColour(d, 5, 5, 205, 210, 215);      // background
  ExpectColour(d, 40, 80, 224, 180, 150);    // skin
  ExpectColour(d, 60, 150, 50, 70, 110);     // shoulders
  ExpectColour(d, 115, 120, 205, 210, 215);  // background, right edge: rows are not shifted
}

// The JPEG 2000 codestream inside the JP2 file (from its SOC marker FF4F FF51 on).
std::string Codestream(const std::string& jp2) { return jp2.substr(jp2.find("\xFF\x4F\xFF\x51")); }

// The codestream with a big-endian 32-bit field of the SIZ segment replaced (offset from the SIZ
// marker: 6 Xsiz, 10 Ysiz, 22 XTsiz, 26 YTsiz; 41 is XRsiz of the first component, 1 byte).
std::string EditSiz(std::string j2k, size_t offset, uint32_t value, int bytes = 4) {
  const size_t siz = 2;  // SOC (FF4F) then SIZ (FF51)
  for (int k = 0; k < bytes; ++k) j2k[siz + offset + k] = static_cast<char>(value >> (8 * (bytes - 1 - k)));
  return j2k;
}

TEST(SniffImageTest, BySignature) {
  EXPECT_EQ(SniffImage(testing::ReadSampleFace("face.jpg")), ImageKind::kJpeg);
  EXPECT_EQ(SniffImage(testing::ReadSampleFace("face.jp2")), ImageKind::kJpeg2000);
  EXPECT_EQ(SniffImage(Codestream(testing::ReadSampleFace("face.jp2"))), ImageKind::kJpeg2000);
  EXPECT_EQ(SniffImage("\x89PNG\r\n\x1a\n"), ImageKind::kUnknown);
  EXPECT_EQ(SniffImage(""), ImageKind::kUnknown);
}

TEST(ToWebImageTest, JpegPassesThroughUnchanged) {
  const std::string jpeg = testing::ReadSampleFace("face.jpg");
  absl::StatusOr<WebImage> image = ToWebImage(jpeg);
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_EQ(image->mime_type, "image/jpeg");
  EXPECT_EQ(image->bytes, jpeg);
}

TEST(ToWebImageTest, Jp2BecomesAPngOfTheSamePicture) {
  absl::StatusOr<WebImage> image = ToWebImage(testing::ReadSampleFace("face.jp2"));
  ASSERT_TRUE(image.ok()) << image.status();
  ExpectTheSampleFace(*image);
}

TEST(ToWebImageTest, ABareCodestreamToo) {
  absl::StatusOr<WebImage> image = ToWebImage(Codestream(testing::ReadSampleFace("face.jp2")));
  ASSERT_TRUE(image.ok()) << image.status();
  ExpectTheSampleFace(*image);
}

TEST(ToWebImageTest, LimitsAreCheckedBeforeDecoding) {
  const std::string j2k = Codestream(testing::ReadSampleFace("face.jp2"));
  TranscodeLimits small;
  small.max_input_bytes = 100;
  absl::StatusOr<WebImage> r = ToWebImage(j2k, small);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(r.status().message(), HasSubstr("larger than 100"));

  // A header announcing 60000 x 60000 pixels (3.6 gigapixels, one tile) is refused without decoding.
  std::string huge = EditSiz(EditSiz(EditSiz(EditSiz(j2k, 6, 60000), 10, 60000), 22, 60000), 26, 60000);
  r = ToWebImage(huge);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr("60000x60000 pixels"));

  // 120 x 160 in tiles of 2 x 2 pixels: 4800 tiles.
  std::string tiny_tiles = EditSiz(EditSiz(j2k, 22, 2), 26, 2);
  r = ToWebImage(tiny_tiles);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr("4800 tiles"));

  TranscodeLimits narrow;
  narrow.max_side = 100;
  r = ToWebImage(j2k, narrow);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(r.status().message(), HasSubstr("120x160"));
}

TEST(ToWebImageTest, WhatItDoesNotShowIsRefusedWithAReason) {
  const std::string j2k = Codestream(testing::ReadSampleFace("face.jp2"));
  absl::StatusOr<WebImage> r = ToWebImage(EditSiz(j2k, 41, 2, 1));  // first component subsampled 2:1
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("subsampled"));

  r = ToWebImage(std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "neither JPEG nor JPEG 2000: not shown");

  r = ToWebImage(std::string("\x00\x00\x00\x0C\x6A\x50\x20\x20\x0D\x0A\x87\x0A garbage", 20));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("JPEG 2000"));

  // Cut in the middle of the data: refused or decoded as far as it goes, never more than announced.
  const std::string jp2 = testing::ReadSampleFace("face.jp2");
  for (size_t cut : {size_t{20}, size_t{100}, jp2.size() / 2, jp2.size() - 2}) {
    r = ToWebImage(jp2.substr(0, cut));
    if (r.ok()) {
      EXPECT_EQ(r->width, 120u);
      EXPECT_EQ(r->height, 160u);
    }
  }
}

TEST(EncodePngTest, AnyDecoderReadsItBack) {
  // 2 x 2 RGBA, then 3 x 1 grey.
  const std::string rgba(
      "\xFF\x00\x00\xFF"
      "\x00\xFF\x00\x80"
      "\x00\x00\xFF\xFF"
      "\x10\x20\x30\x00",
      16);
  Decoded d = DecodePng(EncodePng(2, 2, 4, rgba));
  ASSERT_EQ(d.width, 2u);
  ASSERT_EQ(d.height, 2u);
  EXPECT_EQ(d.rgba, rgba);
  d = DecodePng(EncodePng(3, 1, 1, std::string("\x00\x7F\xFF", 3)));
  ASSERT_EQ(d.width, 3u);
  EXPECT_EQ(d.rgba, std::string("\x00\x00\x00\xFF\x7F\x7F\x7F\xFF\xFF\xFF\xFF\xFF", 12));
}

}  // namespace
}  // namespace docval::gateway
