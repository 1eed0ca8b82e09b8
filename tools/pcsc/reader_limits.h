// What a PC/SC reader and the card in it say about the APDUs they carry, and the limits `docval pcsc`
// announces in its start message from that (docs/protocol.md §1.2: nfc_adapter_supports_extended_length,
// max_command_bytes, max_response_bytes). Pure functions over bytes the reader and the card control:
// every parser bounds itself to its input and answers nullopt for anything it does not understand.
//
// The decision (docs/pcsc.md):
// 1. The reader, when it answers PC/SC part 10 FEATURE_GET_TLV_PROPERTIES with dwMaxAPDUDataSize:
//    0 (or under 256) means short APDUs only; N >= 256 means extended APDUs with up to N data bytes.
// 2. The card's ATR, when its historical bytes carry the card capabilities (ISO/IEC 7816-4, compact-TLV
//    tag 7, third software function byte, b7 = extended Lc/Le): a card that says "no" gets short APDUs
//    whatever the reader can do.
// 3. Neither known: short APDUs, which every reader carries. EF.ATR/INFO is left to the server, which
//    reads it first thing (READ_ATR_INFO) and narrows the announced limits with it, as for the phones.
// A --extended-length override replaces the outcome of 1-3 for readers that misreport.
#ifndef DOCVAL_TOOLS_PCSC_READER_LIMITS_H_
#define DOCVAL_TOOLS_PCSC_READER_LIMITS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "validator/emrtd/bytes.h"
#include "validator/emrtd/card_link.h"

namespace docval::pcsc {

using emrtd::ByteSpan;

// PC/SC part 10 feature tags and property tags used here.
inline constexpr uint8_t kFeatureGetTlvProperties = 0x12;
inline constexpr uint8_t kPropertyMaxApduDataSize = 0x0A;

// The answer to CM_IOCTL_GET_FEATURE_REQUEST (PC/SC part 10 §2.2): TLVs of tag (1 byte), length
// (1 byte, 4) and the feature's control code (4 bytes, big-endian). The control code of `feature`.
std::optional<uint32_t> FindFeature(ByteSpan features, uint8_t feature);

// The answer to FEATURE_GET_TLV_PROPERTIES (PC/SC part 10 §2.6.14): TLVs of tag (1 byte), length
// (1 byte) and a little-endian value of 1, 2 or 4 bytes. The value of dwMaxAPDUDataSize.
std::optional<uint32_t> MaxApduDataSize(ByteSpan properties);

// Whether the card's ATR (ISO/IEC 7816-3 §8.2) announces extended Lc/Le fields in the card
// capabilities of its historical bytes (ISO/IEC 7816-4 §12.1.1, compact-TLV tag 7, 3rd byte b7).
// nullopt: the ATR is malformed, its historical bytes are not compact-TLV, or they do not say.
// The pseudo-ATR of an ISO/IEC 14443 type B card (PC/SC part 3) carries ATQB data, not
// compact-TLV: it never says.
std::optional<bool> AtrSaysExtendedLength(ByteSpan atr);

struct LimitsInput {
  std::optional<uint32_t> reader_max_apdu_data;  // dwMaxAPDUDataSize, when the reader answered
  std::optional<bool> card_extended;             // AtrSaysExtendedLength
  std::optional<bool> forced_extended;           // --extended-length true|false
};

struct DecidedLimits {
  emrtd::LinkLimits limits;  // every field explicit (no 0 = unknown)
  std::string reason;        // one line for the operator: what decided it
};

DecidedLimits DecideLimits(const LimitsInput& in);

}  // namespace docval::pcsc

#endif  // DOCVAL_TOOLS_PCSC_READER_LIMITS_H_
