// DG7 (ICAO 9303-10 §4.7.7): displayed signature or usual mark,
// '67' { '02' number of images, '5F43' image, ... } — each image as stored (JPEG or JPEG 2000).
#ifndef DOCVAL_VALIDATOR_EMRTD_LDS_DG7_H_
#define DOCVAL_VALIDATOR_EMRTD_LDS_DG7_H_

#include <vector>

#include "absl/status/statusor.h"
#include "validator/emrtd/bytes.h"

namespace docval::emrtd {

// The images in file order (possibly none, when the count is 0).
absl::StatusOr<std::vector<Bytes>> ParseDg7(ByteSpan dg7);

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_LDS_DG7_H_
