// Byte strings and hex. Every eMRTD value (APDUs, TLVs, files) is a byte string; hex appears only at
// the edges (vectors, traces, diagnostics).
#ifndef DOCVAL_VALIDATOR_EMRTD_BYTES_H_
#define DOCVAL_VALIDATOR_EMRTD_BYTES_H_

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace docval::emrtd {

using Bytes = std::vector<uint8_t>;
using ByteSpan = absl::Span<const uint8_t>;

// Upper-case hex, no separators.
std::string ToHex(ByteSpan bytes);

// Accepts upper- or lower-case hex; ignores spaces, tabs, newlines and ':' between bytes (the
// vectors are written that way). An odd number of digits or any other character is an error.
absl::StatusOr<Bytes> FromHex(absl::string_view hex);

// For tests and constants known to be valid: crashes on bad hex.
Bytes HexOrDie(absl::string_view hex);

inline ByteSpan AsSpan(const std::string& s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

inline Bytes Concat(std::initializer_list<ByteSpan> parts) {
  size_t n = 0;
  for (ByteSpan p : parts) n += p.size();
  Bytes out;
  out.reserve(n);
  for (ByteSpan p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_BYTES_H_
