// BER-TLV (ISO/IEC 7816-4, ASN.1 BER) reading and DER-style writing.
//
// Tags are kept as their encoded bytes packed into a uint32_t (e.g. 0x5F1F, 0x7F49, 0x61), the way
// ICAO 9303 and ISO 7816 name them. Tags of more than 4 bytes are rejected. Lengths up to 4 bytes
// (0x84) are read; the indefinite form (0x80) is accepted for constructed values only and only
// when `allow_indefinite` is set (CMS in EF.SOD may use it; LDS files are DER). Every read is
// bounded by the input: a value that runs past the end is an error, never a read.
#ifndef DOCVAL_VALIDATOR_EMRTD_TLV_H_
#define DOCVAL_VALIDATOR_EMRTD_TLV_H_

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "validator/emrtd/bytes.h"

namespace docval::emrtd {

struct Tlv {
  uint32_t tag = 0;
  bool constructed = false;
  // The contents. For the indefinite form: the contents without the end-of-contents octets.
  ByteSpan value;
  // The whole encoding, tag and length included (what a hash over "the TLV" covers).
  ByteSpan raw;
};

struct TlvOptions {
  bool allow_indefinite = false;
  // Nesting limit for indefinite-length values (each level is parsed to find the end).
  int max_depth = 32;
};

// Reads consecutive TLVs from a byte string. Skips nothing: padding bytes 0x00/0xFF between TLVs
// are not TLVs and are reported as errors unless the caller strips them.
class TlvReader {
 public:
  explicit TlvReader(ByteSpan input, TlvOptions options = {}) : rest_(input), options_(options) {}

  bool AtEnd() const { return rest_.empty(); }
  ByteSpan rest() const { return rest_; }

  // The next TLV; an error (and no progress) on malformed input.
  absl::StatusOr<Tlv> Next();

 private:
  ByteSpan rest_;
  TlvOptions options_;
};

// Parses exactly one TLV at the start of `input`; `consumed` (optional) receives its size.
absl::StatusOr<Tlv> ParseTlv(ByteSpan input, size_t* consumed = nullptr, TlvOptions options = {});

// Parses `input` as exactly one TLV with tag `tag`: trailing bytes or another tag are errors.
absl::StatusOr<Tlv> ParseSingleTlv(ByteSpan input, uint32_t tag, TlvOptions options = {});

// The first direct child of `constructed_value` with `tag`, or nullopt. Malformed children are an
// error.
absl::StatusOr<std::optional<Tlv>> FindChild(ByteSpan constructed_value, uint32_t tag, TlvOptions options = {});

// Encoding (definite, minimal length form).
void AppendTag(uint32_t tag, Bytes& out);
void AppendLength(size_t length, Bytes& out);
Bytes EncodeTlv(uint32_t tag, ByteSpan value);
// Appends the TLV that EncodeTlv returns to `out`.
void AppendTlv(uint32_t tag, ByteSpan value, Bytes& out);
// Length of the length field for `length` (1 for < 0x80, 2 for < 0x100, ...).
size_t LengthFieldSize(size_t length);

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_TLV_H_
