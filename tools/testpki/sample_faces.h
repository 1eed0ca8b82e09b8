// The sample portraits of testdata/faces/ (face.jpg, face.jp2), compiled into the binary so that
// `docval testpki` needs no data files at run time. Generated at configure time by CMakeLists.txt.
#ifndef DOCVAL_TOOLS_TESTPKI_SAMPLE_FACES_H_
#define DOCVAL_TOOLS_TESTPKI_SAMPLE_FACES_H_

#include <cstddef>
#include <cstdint>

namespace docval::testpki {

extern const uint8_t kSampleFaceJpeg[];
extern const size_t kSampleFaceJpegSize;
extern const uint8_t kSampleFaceJpeg2000[];
extern const size_t kSampleFaceJpeg2000Size;
inline constexpr uint16_t kSampleFaceWidth = 120;
inline constexpr uint16_t kSampleFaceHeight = 160;

}  // namespace docval::testpki

#endif  // DOCVAL_TOOLS_TESTPKI_SAMPLE_FACES_H_
