// ISO/IEC 7816-4 command and response APDUs.
//
// A command carries Nc data bytes and asks for up to Ne response bytes. Encode() picks the short form
// when Nc <= 255 and Ne <= 256, the extended form otherwise (or when `extended` forces it); Ne = 256
// short is Le '00', Ne = 65536 extended is Le '0000'. Ne = 0 means "no Le field" (SELECT and
// MSE:Set AT go without Le: chips in the field reject them otherwise).
#ifndef DOCVAL_VALIDATOR_EMRTD_APDU_H_
#define DOCVAL_VALIDATOR_EMRTD_APDU_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "validator/emrtd/bytes.h"

namespace docval::emrtd {

inline constexpr size_t kMaxShortNe = 256;
inline constexpr size_t kMaxExtendedNe = 65536;
inline constexpr size_t kMaxShortNc = 255;
inline constexpr size_t kMaxExtendedNc = 65535;

struct CommandApdu {
  uint8_t cla = 0x00;
  uint8_t ins = 0x00;
  uint8_t p1 = 0x00;
  uint8_t p2 = 0x00;
  Bytes data;
  size_t ne = 0;          // 0: no Le; otherwise 1..65536
  bool extended = false;  // force the extended form even when short would do

  bool IsExtended() const {
    return extended || data.size() > kMaxShortNc || ne > kMaxShortNe;
  }
  // Requires data.size() <= 65535 and ne <= 65536 (a broken invariant otherwise).
  Bytes Encode() const;
  // Length of Encode() without building it.
  size_t EncodedSize() const;

  // Parses cases 1-4, short and extended. Untrusted input: errors for any inconsistency.
  static absl::StatusOr<CommandApdu> Parse(ByteSpan raw);

  bool operator==(const CommandApdu&) const = default;
};

struct ResponseApdu {
  Bytes data;
  uint16_t sw = 0;

  uint8_t sw1() const { return static_cast<uint8_t>(sw >> 8); }
  uint8_t sw2() const { return static_cast<uint8_t>(sw & 0xFF); }
  bool ok() const { return sw == 0x9000; }
  Bytes Encode() const;

  // Needs at least the two status bytes.
  static absl::StatusOr<ResponseApdu> Parse(ByteSpan raw);
  // The same, taking `raw`'s buffer as the data (no copy of a large response).
  static absl::StatusOr<ResponseApdu> ParseOwned(Bytes raw);

  bool operator==(const ResponseApdu&) const = default;
};

// Status words that the reader reacts to.
namespace sw {
inline constexpr uint16_t kOk = 0x9000;
inline constexpr uint16_t kEndOfFileWarning = 0x6282;  // fewer bytes than Ne: end of file reached
inline constexpr uint16_t kWrongLength = 0x6700;
inline constexpr uint16_t kSecurityStatusNotSatisfied = 0x6982;
inline constexpr uint16_t kAuthMethodBlocked = 0x6983;
inline constexpr uint16_t kConditionsNotSatisfied = 0x6985;
inline constexpr uint16_t kSmDataObjectsMissing = 0x6987;
inline constexpr uint16_t kSmDataObjectsIncorrect = 0x6988;
inline constexpr uint16_t kWrongData = 0x6A80;
inline constexpr uint16_t kFunctionNotSupported = 0x6A81;
inline constexpr uint16_t kFileNotFound = 0x6A82;
inline constexpr uint16_t kReferencedDataNotFound = 0x6A88;
inline constexpr uint16_t kWrongP1P2 = 0x6B00;
inline constexpr uint16_t kInsNotSupported = 0x6D00;
inline constexpr uint16_t kClaNotSupported = 0x6E00;
// 6Cxx: wrong Le, xx is the exact length available.
inline bool IsWrongLe(uint16_t s) { return (s & 0xFF00) == 0x6C00; }
// 61xx: more data available (T=0 style; some readers pass it through).
inline bool IsMoreData(uint16_t s) { return (s & 0xFF00) == 0x6100; }
}  // namespace sw

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_APDU_H_
