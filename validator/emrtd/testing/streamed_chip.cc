#include "validator/emrtd/testing/streamed_chip.h"

#include "absl/status/status.h"

namespace docval::emrtd::testing {

absl::StatusOr<Bytes> StreamedChip::operator()(ByteSpan) {
  if (rest_.size() < 2) return absl::UnavailableError("end of input");
  const size_t n = (static_cast<size_t>(rest_[0]) << 8) | rest_[1];
  rest_.remove_prefix(2);
  if (n > rest_.size()) return absl::UnavailableError("end of input");
  Bytes r(rest_.begin(), rest_.begin() + n);
  rest_.remove_prefix(n);
  return r;
}

}  // namespace docval::emrtd::testing
