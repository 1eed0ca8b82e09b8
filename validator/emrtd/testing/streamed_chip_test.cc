#include "validator/emrtd/testing/streamed_chip.h"

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace docval::emrtd::testing {
namespace {

TEST(StreamedChipTest, AnswersInOrderThenIsGone) {
  const Bytes stream = {0x00, 0x02, 0x90, 0x00, 0x00, 0x03, 0x01, 0x6A, 0x82, 0x00, 0x05, 0x01};
  StreamedChip chip(stream);
  EXPECT_EQ(chip({}).value(), (Bytes{0x90, 0x00}));
  EXPECT_EQ(chip({}).value(), (Bytes{0x01, 0x6A, 0x82}));
  // A length past the end of the stream: the chip is gone, and stays gone.
  EXPECT_EQ(chip({}).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(chip({}).status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace docval::emrtd::testing
