// EF.COM (ICAO 9303-10 §4.6.1): '60' { '5F01' LDS version "0107", '5F36' Unicode version "040000",
// '5C' tag list of the data groups present }. Since LDS 1.8 (and in practice before) the SOD, not
// EF.COM, is the authority on what exists; EF.COM is parsed for diagnostics and the v2 API.
#ifndef DOCVAL_VALIDATOR_EMRTD_LDS_EF_COM_H_
#define DOCVAL_VALIDATOR_EMRTD_LDS_EF_COM_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "validator/emrtd/bytes.h"

namespace docval::emrtd {

struct EfCom {
  std::string lds_version;      // "0107" (empty when absent)
  std::string unicode_version;  // "040000" (empty when absent)
  std::vector<int> data_groups;  // in tag-list order; unknown tags are skipped
};

absl::StatusOr<EfCom> ParseEfCom(ByteSpan ef_com);

// The data-group file tags of ICAO 9303-10 Table 34: 1 '61', 2 '75', 3 '63', 4 '76', 5 '65',
// 6 '66', 7 '67', 8 '68', 9 '69', 10 '6A', 11 '6B', 12 '6C', 13 '6D', 14 '6E', 15 '6F', 16 '70'.
std::optional<int> DataGroupOfTag(uint8_t tag);
uint8_t TagOfDataGroup(int data_group);  // 1..16 (a broken invariant otherwise)

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_LDS_EF_COM_H_
