// DG2 (ICAO 9303-10 §4.7.2): the encoded face, a CBEFF biometric information group template
//
//   '75' { '7F61' { '02' count, '7F60' { 'A1' header, '5F2E' | '7F2E' data block }, ... } }
//
// The image is located by parsing the data block's own headers, never by searching for a magic number:
// - '5F2E': ISO/IEC 19794-5:2005 facial record ("FAC\0", version "010\0"): record header (14 bytes),
//   then per face a facial information block (20 bytes, its first field the length of the whole
//   facial record), 8 bytes per feature point, image information (12 bytes), and the image data up
//   to the end of the facial record.
//   Or ISO/IEC 19794-5:2011 ("FAC\0", version "030\0"), parsed the same way from its own layout:
//   general header (17 bytes: format, version, record length 4, number of representations 2,
//   certification flag 1, temporal semantics 2), then per representation: its length (4, the whole
//   representation), capture date and time (9), capture device technology (1), vendor (2) and type
//   (2), the number of quality blocks (1) and 5 bytes per block, facial information (17: the number
//   of landmark points 2, gender, eye colour, hair colour, subject height, property mask 3,
//   expression 2, pose angles 3 and their uncertainties 3), 8 bytes per landmark point, image
//   information (11: face image type, image data type, width 2, height 2, spatial sampling rate
//   level, post-acquisition processing 2, cross reference, colour space), and the image data up to
//   the end of the representation. Conservative where the layout depends on what ICAO never uses: a
//   record with the certification flag set (its certification blocks) or a 3D face image type (0x80
//   and up, followed by a 3D information block) is refused, not guessed.
// - '7F2E': ISO/IEC 39794-5 (ICAO application profile, DER with implicit tags), optionally inside a
//   context [1] wrapper: [APPLICATION 5] FaceImageDataBlock { [0] version, [1] representationBlocks
//   { RepresentationBlock { [0] id, [1] imageRepresentation { [0] base { [0] 2D block
//   { [0] representationData2D OCTET STRING, [1] imageInformation2DBlock, ... } } } } } }.
// The image kind is then read from the image's first bytes: JPEG (SOI FFD8FF), JPEG 2000 in the JP2
// file format (signature box 0000000C 6A502020 0D0A870A) or a raw JPEG 2000 codestream (SOC+SIZ,
// FF4FFF51). Other kinds (PNG...) are reported as kOther with their bytes.
#ifndef DOCVAL_VALIDATOR_EMRTD_LDS_DG2_H_
#define DOCVAL_VALIDATOR_EMRTD_LDS_DG2_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "validator/emrtd/bytes.h"

namespace docval::emrtd {

enum class ImageFormat { kJpeg, kJpeg2000, kJpeg2000Codestream, kOther };
const char* ImageFormatName(ImageFormat f);  // "JPEG", "JPEG2000", "J2K", "OTHER"
// Classifies image bytes by their header.
ImageFormat DetectImageFormat(ByteSpan image);

enum class FaceEncoding { kIso19794_5, kIso39794_5 };

struct FaceImage {
  FaceEncoding encoding = FaceEncoding::kIso19794_5;
  ImageFormat format = ImageFormat::kOther;
  Bytes data;
  // From the record headers when they give them (19794-5: always; 39794-5: when the image size
  // block is present); 0 otherwise.
  int width = 0;
  int height = 0;
};

struct Dg2 {
  std::vector<FaceImage> images;  // in file order; at least one
};

absl::StatusOr<Dg2> ParseDg2(ByteSpan dg2);

// The data-block parsers on their own (tests, fuzzing).
absl::StatusOr<std::vector<FaceImage>> ParseIso19794_5(ByteSpan block);
absl::StatusOr<std::vector<FaceImage>> ParseIso39794_5(ByteSpan block);

// The CBEFF biometric information group template shared by DG2, DG3 and DG4 ('7F61' inside the
// data-group tag): the data blocks ('5F2E' or '7F2E' values) in order, with their tags.
struct BiometricDataBlock {
  uint32_t tag = 0;
  ByteSpan data;
};
absl::StatusOr<std::vector<BiometricDataBlock>> BiometricDataBlocks(ByteSpan data_group, uint32_t data_group_tag);

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_LDS_DG2_H_
