#include "validator/emrtd/lds/dg2.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "validator/emrtd/tlv.h"

namespace docval::emrtd {
namespace {

absl::Status Bad(absl::string_view why) { return absl::InvalidArgumentError(absl::StrCat("DG2: ", why)); }

uint32_t Be(ByteSpan b, size_t pos, size_t n) {
  uint32_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | b[pos + i];
  return v;
}

absl::StatusOr<std::vector<Tlv>> ChildrenOf(ByteSpan value) {
  std::vector<Tlv> out;
  TlvReader r(value);
  while (!r.AtEnd()) {
    absl::StatusOr<Tlv> t = r.Next();
    if (!t.ok()) return Bad(t.status().message());
    out.push_back(*t);
  }
  return out;
}

const Tlv* Find(const std::vector<Tlv>& v, uint32_t tag) {
  for (const Tlv& t : v) {
    if (t.tag == tag) return &t;
  }
  return nullptr;
}

int SmallUnsigned(ByteSpan v) {
  if (v.empty() || v.size() > 3) return 0;
  int x = 0;
  for (uint8_t b : v) x = (x << 8) | b;
  return x;
}

}  // namespace

const char* ImageFormatName(ImageFormat f) {
  switch (f) {
    case ImageFormat::kJpeg: return "JPEG";
    case ImageFormat::kJpeg2000: return "JPEG2000";
    case ImageFormat::kJpeg2000Codestream: return "J2K";
    case ImageFormat::kOther: return "OTHER";
  }
  return "OTHER";
}

ImageFormat DetectImageFormat(ByteSpan image) {
  static constexpr uint8_t kJp2[] = {0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A};
  if (image.size() >= 3 && image[0] == 0xFF && image[1] == 0xD8 && image[2] == 0xFF) return ImageFormat::kJpeg;
  if (image.size() >= sizeof(kJp2) && std::equal(std::begin(kJp2), std::end(kJp2), image.begin())) {
    return ImageFormat::kJpeg2000;
  }
  if (image.size() >= 4 && image[0] == 0xFF && image[1] == 0x4F && image[2] == 0xFF && image[3] == 0x51) {
    return ImageFormat::kJpeg2000Codestream;
  }
  return ImageFormat::kOther;
}

// ISO/IEC 19794-5:2005 ("010"), after the format identifier and version were checked.
static absl::StatusOr<std::vector<FaceImage>> ParseVersion010(ByteSpan b) {
  constexpr size_t kHeader = 14, kInfo = 20, kPoint = 8, kImageInfo = 12;
  if (b.size() < kHeader) return Bad("ISO 19794-5 record shorter than its header");
  const uint32_t record_length = Be(b, 8, 4);
  if (record_length < kHeader || record_length > b.size()) return Bad("ISO 19794-5 record length out of range");
  const uint32_t faces = Be(b, 12, 2);
  if (faces == 0) return Bad("ISO 19794-5 record with no face");
  std::vector<FaceImage> out;
  size_t pos = kHeader;
  for (uint32_t i = 0; i < faces; ++i) {
    if (record_length - pos < kInfo) return Bad("facial information block truncated");
    const uint32_t face_length = Be(b, pos, 4);
    const uint32_t points = Be(b, pos + 4, 2);
    if (face_length > record_length - pos) return Bad("facial record runs past the record");
    const size_t fixed = kInfo + kPoint * static_cast<size_t>(points) + kImageInfo;
    if (face_length < fixed) return Bad("facial record shorter than its headers");
    const size_t image_info = pos + kInfo + kPoint * static_cast<size_t>(points);
    FaceImage img;
    img.encoding = FaceEncoding::kIso19794_5;
    img.width = static_cast<int>(Be(b, image_info + 2, 2));
    img.height = static_cast<int>(Be(b, image_info + 4, 2));
    ByteSpan data = b.subspan(pos + fixed, face_length - fixed);
    if (data.empty()) return Bad("facial record without image data");
    img.data.assign(data.begin(), data.end());
    img.format = DetectImageFormat(data);
    out.push_back(std::move(img));
    pos += face_length;
  }
  return out;
}

// ISO/IEC 19794-5:2011 ("030"), after the format identifier and version were checked. The layout
// is in dg2.h; certification records and 3D images are refused rather than guessed at.
static absl::StatusOr<std::vector<FaceImage>> ParseVersion030(ByteSpan b) {
  // General header; per representation: length, capture date and time, device technology, vendor and
  // type, the quality count, then (after the quality blocks) the facial information, the landmark
  // points and the image information.
  constexpr size_t kHeader = 17, kRepresentationFixed = 4 + 9 + 1 + 2 + 2 + 1, kQuality = 5, kFacialInfo = 17,
                   kPoint = 8, kImageInfo = 11;
  if (b.size() < kHeader) return Bad("ISO 19794-5:2011 record shorter than its header");
  const uint32_t record_length = Be(b, 8, 4);
  if (record_length < kHeader || record_length > b.size()) return Bad("ISO 19794-5:2011 record length out of range");
  const uint32_t representations = Be(b, 12, 2);
  if (representations == 0) return Bad("ISO 19794-5:2011 record with no representation");
  if (b[14] != 0) return Bad("ISO 19794-5:2011 record with the certification flag set (not supported)");
  std::vector<FaceImage> out;
  size_t pos = kHeader;
  for (uint32_t i = 0; i < representations; ++i) {
    if (record_length - pos < kRepresentationFixed) return Bad("ISO 19794-5:2011 representation header truncated");
    const uint32_t length = Be(b, pos, 4);
    if (length > record_length - pos) return Bad("ISO 19794-5:2011 representation runs past the record");
    const size_t quality_blocks = b[pos + kRepresentationFixed - 1];
    const size_t facial_info = kRepresentationFixed + kQuality * quality_blocks;
    if (length < facial_info + kFacialInfo) return Bad("ISO 19794-5:2011 representation shorter than its headers");
    const size_t points = Be(b, pos + facial_info, 2);
    const size_t header = facial_info + kFacialInfo + kPoint * points + kImageInfo;
    if (length < header) return Bad("ISO 19794-5:2011 representation shorter than its headers");
    const size_t image_info = pos + header - kImageInfo;
    if ((b[image_info] & 0x80) != 0) {
      return Bad(absl::StrCat("ISO 19794-5:2011 3D face image (type ", absl::Hex(b[image_info], absl::kZeroPad2),
                              ") not supported"));
    }
    FaceImage img;
    img.encoding = FaceEncoding::kIso19794_5;
    img.width = static_cast<int>(Be(b, image_info + 2, 2));
    img.height = static_cast<int>(Be(b, image_info + 4, 2));
    ByteSpan data = b.subspan(pos + header, length - header);
    if (data.empty()) return Bad("ISO 19794-5:2011 representation without image data");
    img.data.assign(data.begin(), data.end());
    img.format = DetectImageFormat(data);
    out.push_back(std::move(img));
    pos += length;
  }
  return out;
}

absl::StatusOr<std::vector<FaceImage>> ParseIso19794_5(ByteSpan b) {
  if (b.size() < 8) return Bad("ISO 19794-5 record shorter than its header");
  if (!(b[0] == 'F' && b[1] == 'A' && b[2] == 'C' && b[3] == 0)) return Bad("ISO 19794-5 record without 'FAC'");
  if (b[4] == '0' && b[5] == '1' && b[6] == '0' && b[7] == 0) return ParseVersion010(b);
  if (b[4] == '0' && b[5] == '3' && b[6] == '0' && b[7] == 0) return ParseVersion030(b);
  return Bad("unsupported ISO 19794-5 version (010 and 030 are parsed)");
}

absl::StatusOr<std::vector<FaceImage>> ParseIso39794_5(ByteSpan block) {
  ASSIGN_OR_RETURN(std::vector<Tlv> top, ChildrenOf(block));
  if (top.size() != 1) return Bad("ISO 39794-5 block must hold one element");
  Tlv fidb = top[0];
  if (fidb.tag == 0xA1) {  // context [1] wrapper of the ICAO application profile
    ASSIGN_OR_RETURN(std::vector<Tlv> inner, ChildrenOf(fidb.value));
    if (inner.size() != 1) return Bad("ISO 39794-5 wrapper must hold one element");
    fidb = inner[0];
  }
  if (fidb.tag != 0x65) return Bad("ISO 39794-5 block is not a FaceImageDataBlock ([APPLICATION 5])");
  ASSIGN_OR_RETURN(std::vector<Tlv> fields, ChildrenOf(fidb.value));
  const Tlv* reps = Find(fields, 0xA1);
  if (reps == nullptr) return Bad("FaceImageDataBlock without representationBlocks");
  ASSIGN_OR_RETURN(std::vector<Tlv> blocks, ChildrenOf(reps->value));
  std::vector<FaceImage> out;
  for (const Tlv& rb : blocks) {
    if (rb.tag != 0x30) return Bad("RepresentationBlock is not a SEQUENCE");
    ASSIGN_OR_RETURN(std::vector<Tlv> rf, ChildrenOf(rb.value));
    const Tlv* image_rep = Find(rf, 0xA1);
    if (image_rep == nullptr) return Bad("RepresentationBlock without imageRepresentation");
    ASSIGN_OR_RETURN(std::vector<Tlv> choice, ChildrenOf(image_rep->value));
    if (choice.size() != 1 || choice[0].tag != 0xA0) return Bad("imageRepresentation is not a base representation");
    ASSIGN_OR_RETURN(std::vector<Tlv> base, ChildrenOf(choice[0].value));
    if (base.size() != 1 || base[0].tag != 0xA0) return Bad("base representation is not a 2D image");
    ASSIGN_OR_RETURN(std::vector<Tlv> two_d, ChildrenOf(base[0].value));
    const Tlv* data = Find(two_d, 0x80);
    if (data == nullptr || data->value.empty()) return Bad("2D representation without image data");
    FaceImage img;
    img.encoding = FaceEncoding::kIso39794_5;
    img.data.assign(data->value.begin(), data->value.end());
    img.format = DetectImageFormat(data->value);
    if (const Tlv* info = Find(two_d, 0xA1)) {
      ASSIGN_OR_RETURN(std::vector<Tlv> inf, ChildrenOf(info->value));
      if (const Tlv* size = Find(inf, 0xA7)) {
        ASSIGN_OR_RETURN(std::vector<Tlv> wh, ChildrenOf(size->value));
        if (const Tlv* w = Find(wh, 0x80)) img.width = SmallUnsigned(w->value);
        if (const Tlv* h = Find(wh, 0x81)) img.height = SmallUnsigned(h->value);
      }
    }
    out.push_back(std::move(img));
  }
  if (out.empty()) return Bad("ISO 39794-5 block without representations");
  return out;
}

absl::StatusOr<std::vector<BiometricDataBlock>> BiometricDataBlocks(ByteSpan data_group, uint32_t tag) {
  absl::StatusOr<Tlv> outer = ParseSingleTlv(data_group, tag);
  if (!outer.ok()) return Bad(outer.status().message());
  ASSIGN_OR_RETURN(std::vector<Tlv> groups, ChildrenOf(outer->value));
  const Tlv* bigt = Find(groups, 0x7F61);
  if (bigt == nullptr) return Bad("no biometric information group template ('7F61')");
  ASSIGN_OR_RETURN(std::vector<Tlv> bits, ChildrenOf(bigt->value));
  std::vector<BiometricDataBlock> out;
  for (const Tlv& bit : bits) {
    if (bit.tag == 0x02) continue;  // number of instances
    if (bit.tag != 0x7F60) return Bad(absl::StrCat("unexpected tag ", absl::Hex(bit.tag), " in '7F61'"));
    ASSIGN_OR_RETURN(std::vector<Tlv> parts, ChildrenOf(bit.value));
    const Tlv* bdb = Find(parts, 0x5F2E);
    if (bdb == nullptr) bdb = Find(parts, 0x7F2E);
    if (bdb == nullptr) return Bad("biometric information template without data block");
    out.push_back({bdb->tag, bdb->value});
  }
  if (out.empty()) return Bad("no biometric information template ('7F60')");
  return out;
}

absl::StatusOr<Dg2> ParseDg2(ByteSpan dg2) {
  ASSIGN_OR_RETURN(std::vector<BiometricDataBlock> blocks, BiometricDataBlocks(dg2, 0x75));
  Dg2 out;
  for (const BiometricDataBlock& b : blocks) {
    absl::StatusOr<std::vector<FaceImage>> faces =
        b.tag == 0x7F2E ? ParseIso39794_5(b.data) : ParseIso19794_5(b.data);
    if (!faces.ok()) return faces.status();
    for (FaceImage& f : *faces) out.images.push_back(std::move(f));
  }
  return out;
}

}  // namespace docval::emrtd
