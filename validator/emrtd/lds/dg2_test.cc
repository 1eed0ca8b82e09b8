#include "validator/emrtd/lds/dg2.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "validator/emrtd/lds/lds_test_util.h"
#include "validator/emrtd/testing/vectors.h"
#include "validator/emrtd/tlv.h"

namespace docval::emrtd {
namespace {

using ::testing::HasSubstr;

uint32_t Be32(ByteSpan b, size_t p) {
  return (uint32_t{b[p]} << 24) | (uint32_t{b[p + 1]} << 16) | (uint32_t{b[p + 2]} << 8) | b[p + 3];
}

// Width and height from the JP2 header box (jp2h > ihdr: HEIGHT, WIDTH), read independently of the
// 19794-5 image information block.
std::pair<int, int> Jp2Size(ByteSpan jp2) {
  size_t pos = 0;
  while (pos + 8 <= jp2.size()) {
    uint32_t len = Be32(jp2, pos);
    if (jp2.subspan(pos + 4, 4) == ByteSpan(testing::Text("jp2h"))) {
      size_t ihdr = pos + 8;
      EXPECT_EQ(jp2.subspan(ihdr + 4, 4), ByteSpan(testing::Text("ihdr")));
      return {static_cast<int>(Be32(jp2, ihdr + 12)), static_cast<int>(Be32(jp2, ihdr + 8))};
    }
    if (len < 8) break;
    pos += len;
  }
  ADD_FAILURE() << "no jp2h box";
  return {0, 0};
}

struct Specimen {
  const char* path;
  // The 19794-5 image information of the BSI specimen states 337 x 449 while its JPEG 2000 image is
  // 413 x 531; for the Dutch one both agree. 0 = compare with the JP2 header.
  int header_width;
  int header_height;
};

class SpecimenDg2 : public ::testing::TestWithParam<Specimen> {};

TEST_P(SpecimenDg2, LocatesTheJpeg2000ImageByItsHeaders) {
  Bytes dg2 = testing::ReadVector(GetParam().path);
  absl::StatusOr<Dg2> parsed = ParseDg2(dg2);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->images.size(), 1u);
  const FaceImage& img = parsed->images[0];
  EXPECT_EQ(img.encoding, FaceEncoding::kIso19794_5);
  EXPECT_EQ(img.format, ImageFormat::kJpeg2000);
  // The image is the tail of the file and a whole JP2 file: it ends with the codestream's EOC.
  ASSERT_GT(img.data.size(), 100u);
  EXPECT_TRUE(std::equal(img.data.begin(), img.data.end(), dg2.end() - static_cast<ptrdiff_t>(img.data.size())));
  EXPECT_EQ(img.data[img.data.size() - 2], 0xFF);
  EXPECT_EQ(img.data.back(), 0xD9);
  auto [w, h] = Jp2Size(img.data);
  EXPECT_GT(w, 0);
  EXPECT_EQ(img.width, GetParam().header_width ? GetParam().header_width : w);
  EXPECT_EQ(img.height, GetParam().header_height ? GetParam().header_height : h);
}

INSTANTIATE_TEST_SUITE_P(Specimens, SpecimenDg2,
                         ::testing::Values(Specimen{"lds-samples/jmrtd-bsi2008/Datagroup2.bin", 337, 449},
                                           Specimen{"lds-samples/jmrtd-loes2006/ef0102.bin", 0, 0}));

Bytes Wrap19794(std::vector<std::pair<Bytes, int>> faces) {
  Bytes records;
  for (const auto& [image, points] : faces) {
    size_t len = 20 + 8 * static_cast<size_t>(points) + 12 + image.size();
    Bytes info = {static_cast<uint8_t>(len >> 24), static_cast<uint8_t>(len >> 16), static_cast<uint8_t>(len >> 8),
                  static_cast<uint8_t>(len), 0, static_cast<uint8_t>(points)};
    info.resize(20, 0);
    Bytes fp(8 * static_cast<size_t>(points), 0x11);
    Bytes ii = {0x01, 0x01, 0x01, 0xE0, 0x02, 0x80, 0x01, 0x02, 0, 0, 0, 0};  // 480 x 640
    records = Concat({records, info, fp, ii, image});
  }
  size_t total = 14 + records.size();
  Bytes header = {'F',
                  'A',
                  'C',
                  0,
                  '0',
                  '1',
                  '0',
                  0,
                  static_cast<uint8_t>(total >> 24),
                  static_cast<uint8_t>(total >> 16),
                  static_cast<uint8_t>(total >> 8),
                  static_cast<uint8_t>(total),
                  0,
                  static_cast<uint8_t>(faces.size())};
  return Concat({header, records});
}

Bytes Dg2Of(uint32_t bdb_tag, const Bytes& block) {
  Bytes bit = EncodeTlv(0x7F60, Concat({EncodeTlv(0xA1, HexOrDie("810102")), EncodeTlv(bdb_tag, block)}));
  return EncodeTlv(0x75, EncodeTlv(0x7F61, Concat({HexOrDie("020101"), bit})));
}

TEST(Dg2, Iso19794WithFeaturePointsSeveralFacesAndACodestream) {
  Bytes j2k = HexOrDie("FF4FFF51002F000000000100000001000000000000000000FFD9");
  // A JPEG whose bytes contain a JP2 signature: the header, not a search, decides where and what.
  Bytes jpeg = HexOrDie("FFD8FFE0 0000000C6A5020200D0A870A FFD9");
  absl::StatusOr<Dg2> d = ParseDg2(Dg2Of(0x5F2E, Wrap19794({{j2k, 2}, {jpeg, 0}})));
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_EQ(d->images.size(), 2u);
  EXPECT_EQ(d->images[0].data, j2k);
  EXPECT_EQ(d->images[0].format, ImageFormat::kJpeg2000Codestream);
  EXPECT_EQ(d->images[0].width, 480);
  EXPECT_EQ(d->images[0].height, 640);
  EXPECT_EQ(d->images[1].data, jpeg);
  EXPECT_EQ(d->images[1].format, ImageFormat::kJpeg);
}

TEST(Dg2, Iso19794LengthErrors) {
  Bytes jpeg = HexOrDie("FFD8FFE0FFD9");
  Bytes good = Wrap19794({{jpeg, 1}});
  ASSERT_TRUE(ParseIso19794_5(good).ok());
  Bytes bad_record = good;
  bad_record[11] += 1;  // record length beyond the block
  EXPECT_FALSE(ParseIso19794_5(bad_record).ok());
  Bytes bad_face = good;
  bad_face[14 + 3] += 1;  // facial record length beyond the record
  EXPECT_FALSE(ParseIso19794_5(bad_face).ok());
  Bytes many_points = good;
  many_points[14 + 5] = 50;  // feature points beyond the facial record
  EXPECT_FALSE(ParseIso19794_5(many_points).ok());
  Bytes v030 = good;
  v030[5] = '3';
  EXPECT_FALSE(ParseIso19794_5(v030).ok());
  EXPECT_FALSE(ParseIso19794_5(HexOrDie("46414300")).ok());
}

// An ISO/IEC 19794-5:2011 (version 030) record built field by field: per representation one quality
// block and `points` landmark points; `certification` and `face_type` as given.
Bytes Be(uint64_t v, size_t n) {
  Bytes out(n);
  for (size_t i = 0; i < n; ++i) out[n - 1 - i] = static_cast<uint8_t>(v >> (8 * i));
  return out;
}
Bytes Wrap19794v2011(std::vector<std::pair<Bytes, int>> faces, uint8_t certification = 0, uint8_t face_type = 0x01) {
  Bytes representations;
  for (const auto& [image, points] : faces) {
    Bytes body = Concat({HexOrDie("07E9 01 01 0C 00 00 0000"),  // captured 2025-01-01 12:00:00.000
                         HexOrDie("00 0000 0000"),              // device technology, vendor, type
                         HexOrDie("01 50 0101 0002"),           // one quality block: score 80, vendor, algorithm
                         Be(static_cast<uint64_t>(points), 2),  // facial information: landmark points,
                         HexOrDie("02 01 01 00 000000 0000 000000 000000"),  // gender ... pose uncertainty
                         Bytes(8 * static_cast<size_t>(points), 0x22),       // landmark points
                         Bytes{face_type}, HexOrDie("00 01E0 0280 00 0000 00 01"),  // image information, 480 x 640
                         image});
    representations = Concat({representations, Be(4 + body.size(), 4), body});
  }
  return Concat({HexOrDie("46414300 30333000"), Be(17 + representations.size(), 4), Be(faces.size(), 2),
                 Bytes{certification}, HexOrDie("0000"), representations});
}

TEST(Dg2, Iso19794Version2011WithQualityBlocksAndLandmarkPoints) {
  Bytes j2k = HexOrDie("FF4FFF51002F000000000100000001000000000000000000FFD9");
  Bytes jpeg = HexOrDie("FFD8FFE0 0000000C6A5020200D0A870A FFD9");
  absl::StatusOr<Dg2> d = ParseDg2(Dg2Of(0x5F2E, Wrap19794v2011({{j2k, 2}, {jpeg, 0}})));
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_EQ(d->images.size(), 2u);
  EXPECT_EQ(d->images[0].encoding, FaceEncoding::kIso19794_5);
  EXPECT_EQ(d->images[0].data, j2k);
  EXPECT_EQ(d->images[0].format, ImageFormat::kJpeg2000Codestream);
  EXPECT_EQ(d->images[0].width, 480);
  EXPECT_EQ(d->images[0].height, 640);
  EXPECT_EQ(d->images[1].data, jpeg);
  EXPECT_EQ(d->images[1].format, ImageFormat::kJpeg);
}

TEST(Dg2, Iso19794Version2011Refusals) {
  Bytes jpeg = HexOrDie("FFD8FFE0FFD9");
  Bytes good = Wrap19794v2011({{jpeg, 1}});
  ASSERT_TRUE(ParseIso19794_5(good).ok());
  Bytes bad_record = good;
  bad_record[11] += 1;  // record length beyond the block
  EXPECT_THAT(ParseIso19794_5(bad_record).status().message(), HasSubstr("record length out of range"));
  Bytes bad_representation = good;
  bad_representation[17 + 3] += 1;  // representation length beyond the record
  EXPECT_THAT(ParseIso19794_5(bad_representation).status().message(), HasSubstr("runs past the record"));
  Bytes many_points = good;
  many_points[17 + 19 + 5 + 1] = 50;  // landmark points beyond the representation
  EXPECT_THAT(ParseIso19794_5(many_points).status().message(), HasSubstr("shorter than its headers"));
  Bytes many_quality_blocks = good;
  many_quality_blocks[17 + 18] = 40;  // quality blocks beyond the representation
  EXPECT_THAT(ParseIso19794_5(many_quality_blocks).status().message(), HasSubstr("shorter than its headers"));
  // What the layout does not say how to skip is refused, not guessed.
  EXPECT_THAT(ParseIso19794_5(Wrap19794v2011({{jpeg, 1}}, /*certification=*/1)).status().message(),
              HasSubstr("certification flag"));
  EXPECT_THAT(ParseIso19794_5(Wrap19794v2011({{jpeg, 1}}, 0, /*face_type=*/0x81)).status().message(),
              HasSubstr("3D face image (type 81)"));
  // A record that ends inside the representation header; another version.
  EXPECT_FALSE(ParseIso19794_5(Bytes(good.begin(), good.begin() + 30)).ok());
  Bytes v020 = good;
  v020[5] = '2';
  EXPECT_THAT(ParseIso19794_5(v020).status().message(), HasSubstr("unsupported ISO 19794-5 version"));
}

Bytes Iso39794Block(const Bytes& image, bool with_wrapper) {
  Bytes info = EncodeTlv(0xA1, Concat({EncodeTlv(0xA0, HexOrDie("800102")),
                                        EncodeTlv(0xA7, HexOrDie("80020168 81020190"))}));  // 360 x 400
  Bytes two_d = EncodeTlv(0xA0, Concat({EncodeTlv(0x80, image), info}));
  Bytes rep = EncodeTlv(0x30, Concat({HexOrDie("800100"), EncodeTlv(0xA1, EncodeTlv(0xA0, two_d))}));
  Bytes fidb = EncodeTlv(0x65, Concat({EncodeTlv(0xA0, HexOrDie("800103 810207E3")), EncodeTlv(0xA1, rep)}));
  return with_wrapper ? EncodeTlv(0xA1, fidb) : fidb;
}

TEST(Dg2, Iso39794) {
  Bytes jpeg = HexOrDie("FFD8FFDB00FFD9");
  for (bool wrapper : {true, false}) {
    absl::StatusOr<Dg2> d = ParseDg2(Dg2Of(0x7F2E, Iso39794Block(jpeg, wrapper)));
    ASSERT_TRUE(d.ok()) << d.status();
    ASSERT_EQ(d->images.size(), 1u);
    EXPECT_EQ(d->images[0].encoding, FaceEncoding::kIso39794_5);
    EXPECT_EQ(d->images[0].data, jpeg);
    EXPECT_EQ(d->images[0].format, ImageFormat::kJpeg);
    EXPECT_EQ(d->images[0].width, 360);
    EXPECT_EQ(d->images[0].height, 400);
  }
  EXPECT_FALSE(ParseIso39794_5(HexOrDie("3000")).ok());
  EXPECT_FALSE(ParseIso39794_5(HexOrDie("6500")).ok());
}

TEST(Dg2, DetectImageFormat) {
  EXPECT_EQ(DetectImageFormat(HexOrDie("FFD8FF")), ImageFormat::kJpeg);
  EXPECT_EQ(DetectImageFormat(HexOrDie("0000000C6A5020200D0A870A")), ImageFormat::kJpeg2000);
  EXPECT_EQ(DetectImageFormat(HexOrDie("FF4FFF51")), ImageFormat::kJpeg2000Codestream);
  EXPECT_EQ(DetectImageFormat(HexOrDie("89504E47")), ImageFormat::kOther);
  EXPECT_EQ(DetectImageFormat({}), ImageFormat::kOther);
  EXPECT_STREQ(ImageFormatName(ImageFormat::kJpeg2000), "JPEG2000");
}

TEST(Dg2, FramingErrors) {
  EXPECT_FALSE(ParseDg2(HexOrDie("7500")).ok());
  EXPECT_FALSE(ParseDg2(HexOrDie("75057F6102020101")).ok());
  EXPECT_FALSE(ParseDg2(HexOrDie("75067F6103020101")).ok());  // no '7F60'
}

}  // namespace
}  // namespace docval::emrtd
