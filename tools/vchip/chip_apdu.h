// Command APDUs as the chip receives them, and response APDUs as it answers (ISO/IEC 7816-4 §5.1).
//
// Parsing follows the four cases in short and extended form: after the 4-byte header, a body of one
// byte is Le (case 2S); a first body byte B1 != 0 is Lc (case 3S: 1+Lc bytes, case 4S: 2+Lc); B1 = 0
// with at least 3 body bytes is extended (case 2E: 00 Le1 Le2, case 3E: 00 Lc1 Lc2 data, case 4E: ...
// data Le1 Le2). Le = 00 means Ne = 256 (short), 0000 means 65536 (extended). Anything that fits none of
// the cases is an error (the chip answers 6700).
#ifndef DOCVAL_TOOLS_VCHIP_CHIP_APDU_H_
#define DOCVAL_TOOLS_VCHIP_CHIP_APDU_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "validator/emrtd/bytes.h"

namespace docval::vchip {

using emrtd::Bytes;
using emrtd::ByteSpan;

// Status words the chip uses.
enum Sw : uint16_t {
  kSwOk = 0x9000,
  kSwEndOfFile = 0x6282,        // fewer bytes than asked: end of file reached
  kSwAuthFailed = 0x6300,       // BAC/PACE authentication failed
  kSwWrongLength = 0x6700,
  kSwSmMissing = 0x6987,        // expected SM data objects missing
  kSwSmIncorrect = 0x6988,      // SM data objects incorrect (bad MAC, bad padding)
  kSwSecurityNotSatisfied = 0x6982,
  kSwConditionsNotSatisfied = 0x6985,
  kSwNoCurrentEf = 0x6986,
  kSwWrongData = 0x6A80,
  kSwFuncNotSupported = 0x6A81,
  kSwFileNotFound = 0x6A82,
  kSwWrongP1P2 = 0x6A86,
  kSwRefDataNotFound = 0x6A88,
  kSwOffsetOutside = 0x6B00,
  kSwInsNotSupported = 0x6D00,
  kSwClaNotSupported = 0x6E00,
  kSwUnknown = 0x6F00,
};

struct ChipCommand {
  uint8_t cla = 0;
  uint8_t ins = 0;
  uint8_t p1 = 0;
  uint8_t p2 = 0;
  Bytes data;
  bool has_le = false;
  size_t ne = 0;  // 1..65536 when has_le
  bool extended = false;
};

absl::StatusOr<ChipCommand> ParseChipCommand(ByteSpan apdu);
// Encodes a command (short when it fits, extended otherwise): used by the chip's own tests.
Bytes EncodeChipCommand(const ChipCommand& cmd);

// data || SW1 SW2.
Bytes ResponseApdu(ByteSpan data, uint16_t sw);

}  // namespace docval::vchip

#endif  // DOCVAL_TOOLS_VCHIP_CHIP_APDU_H_
