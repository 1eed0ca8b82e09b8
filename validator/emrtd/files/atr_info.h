// EF.ATR/INFO (ISO/IEC 7816-4 §12.2.2, ICAO 9303-10; FID 2F01, SFI 01 in the MF): what the chip says
// about its interface, read in plain before access control. DocVal uses two things from it:
// - DO'7F66' extended length information: two INTEGERs, the most bytes in a command APDU and the
//   most bytes in a response APDU (both whole APDUs: header/SW included);
// - DO'47' card capabilities: bit b7 of the third byte says whether extended Lc/Le are supported.
// The file is a sequence of BER-TLV data objects (padding 00/FF after them is ignored); the two
// objects are looked for at the top level and one level down inside constructed objects.
#ifndef DOCVAL_VALIDATOR_EMRTD_FILES_ATR_INFO_H_
#define DOCVAL_VALIDATOR_EMRTD_FILES_ATR_INFO_H_

#include <cstddef>
#include <optional>

#include "absl/status/statusor.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/card_link.h"

namespace docval::emrtd {

struct AtrInfo {
  std::optional<size_t> max_command_bytes;   // from DO'7F66'
  std::optional<size_t> max_response_bytes;  // from DO'7F66'
  std::optional<bool> extended_length;       // from DO'47' (card capabilities, 3rd byte b7)
};

// kInvalidArgument for malformed TLV framing or a DO'7F66' without two INTEGERs of 1..4 bytes.
// A file without either object parses to an empty AtrInfo.
absl::StatusOr<AtrInfo> ParseAtrInfo(ByteSpan file);

// The link limits for the session: the client's (start message) narrowed by the chip's.
// - Extended length only when the client offers it and the chip declares it (DO'7F66' with limits
//   beyond short APDUs, and DO'47' not saying no). A chip that says nothing gets short APDUs.
// - Each maximum is the smaller of the client's and the chip's (0 = unknown on either side); a chip
//   value below a short APDU's minimum (command 12, response 16 bytes) is ignored as implausible.
LinkLimits ApplyAtrInfo(const LinkLimits& client, const AtrInfo& chip);

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_FILES_ATR_INFO_H_
