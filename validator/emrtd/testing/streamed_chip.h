// Test support: a chip whose answers come in order from a byte stream, for fuzz targets that hand it
// their input. It is a test double, not part of the link (card_link.h): production drivers (the gRPC
// reactor, replay, the virtual passport) never need it, so it lives with the other chips of the
// tests and only fuzz targets and tests link it.
//
// The stream: each answer a 2-byte big-endian length and the raw response (data || SW1 SW2). The
// commands are ignored. When the stream runs out, or a length runs past it, the chip is gone: every
// further call is kUnavailable ("end of input"), which ends the dialog as a lifted card does. Use
// with RunDialog(task, link, std::ref(chip)).
#ifndef DOCVAL_VALIDATOR_EMRTD_TESTING_STREAMED_CHIP_H_
#define DOCVAL_VALIDATOR_EMRTD_TESTING_STREAMED_CHIP_H_

#include "absl/status/statusor.h"
#include "validator/emrtd/bytes.h"

namespace docval::emrtd::testing {

class StreamedChip {
 public:
  // `stream` must outlive the chip.
  explicit StreamedChip(ByteSpan stream) : rest_(stream) {}
  absl::StatusOr<Bytes> operator()(ByteSpan command);

 private:
  ByteSpan rest_;
};

}  // namespace docval::emrtd::testing

#endif  // DOCVAL_VALIDATOR_EMRTD_TESTING_STREAMED_CHIP_H_
