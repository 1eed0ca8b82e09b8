// Puts a parsed data group into the result of docs/protocol.md §2 — shared by the chip dialog, the offline
// verifier and the file-based APIs, so that every path fills the result the same way.
//
//   DG1  -> mrz_info            DG2  -> face_photo (the first image)
//   DG7  -> signature_photos    DG11 -> additional_personal_details
//   DG12 -> additional_document_details
// Other data groups carry nothing into the result (DG14/DG15 serve Chip/Active Authentication).
#ifndef DOCVAL_VALIDATOR_EMRTD_LDS_LDS_RESULT_H_
#define DOCVAL_VALIDATOR_EMRTD_LDS_LDS_RESULT_H_

#include "absl/status/status.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/result.h"

namespace docval::emrtd {

// Parses data group `dg` and sets its field. On a parse error the field stays null and the error
// (prefixed with the data group, e.g. "DG11: ...") is returned for the caller to record or act on.
absl::Status ApplyDataGroup(int dg, ByteSpan bytes, EmrtdResult& result);

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_LDS_LDS_RESULT_H_
