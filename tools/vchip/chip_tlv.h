// The chip's own BER-TLV (ISO/IEC 7816-4 / ASN.1 BER subset): encoding of LDS files, secure-messaging
// data objects and protocol payloads, and decoding of what the terminal sends.
//
// Tags are handled as their encoded bytes packed into an integer, big-endian: 0x87, 0x5F1F, 0x7F61,
// 0x7F4E. Multi-byte tags (low 5 bits of the first byte all set) take continuation bytes while bit 8 is
// set, up to 3 bytes in total. Lengths are definite, short (< 0x80) or long form with 1-3 length bytes
// (the decoder also accepts 4, for lengths that fit in 32 bits, and rejects indefinite lengths: no chip
// command carries them).
//
// Written for the virtual chip independently of the reader's TLV code (validator/emrtd/tlv.h).
#ifndef DOCVAL_TOOLS_VCHIP_CHIP_TLV_H_
#define DOCVAL_TOOLS_VCHIP_CHIP_TLV_H_

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "validator/emrtd/bytes.h"

namespace docval::vchip {

using emrtd::Bytes;
using emrtd::ByteSpan;

// The length field for `n` content bytes (DER minimal form).
Bytes EncodeLength(size_t n);
// The tag bytes of `tag` (0x5F1F -> 5F 1F).
Bytes EncodeTag(uint32_t tag);
// tag || length || value.
Bytes Tlv(uint32_t tag, ByteSpan value);
// tag || length || concatenation of `parts` (a constructed object from already encoded children).
Bytes TlvOf(uint32_t tag, std::initializer_list<ByteSpan> parts);
// An unsigned integer value as its minimal big-endian bytes (at least one byte).
Bytes MinimalUnsigned(uint64_t v);

// One decoded object; `value` and `encoded` view the parsed buffer (keep it alive).
struct TlvObject {
  uint32_t tag = 0;
  bool constructed = false;
  ByteSpan value;
  ByteSpan encoded;  // tag + length + value
};

// Decodes the object that starts `data` (trailing bytes are allowed and not looked at).
absl::StatusOr<TlvObject> ParseTlv(ByteSpan data);
// Decodes `data` as a concatenation of objects that fills it exactly. 0x00 / 0xFF padding bytes
// between objects are not allowed (chips never receive them).
absl::StatusOr<std::vector<TlvObject>> ParseTlvList(ByteSpan data);
// The first object with `tag`, or nullopt.
std::optional<TlvObject> FindTlv(const std::vector<TlvObject>& objects, uint32_t tag);

}  // namespace docval::vchip

#endif  // DOCVAL_TOOLS_VCHIP_CHIP_TLV_H_
