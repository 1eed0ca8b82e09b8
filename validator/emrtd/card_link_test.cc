#include "validator/emrtd/card_link.h"

#include "absl/status/status.h"
#include "base/status_macros.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "validator/emrtd/task.h"

namespace docval::emrtd {
namespace {

Task<absl::StatusOr<int>> ReadTwice(CardLink& link) {
  int total = 0;
  for (int i = 0; i < 2; ++i) {
    link.Progress(i == 0 ? Step::kReadSod : Step::kReadDg1);
    CO_ASSIGN_OR_RETURN(ResponseApdu r, co_await link.Transmit(CommandApdu{.ins = 0xB0, .p1 = uint8_t(i), .ne = 4}));
    if (!r.ok()) co_return absl::DataLossError("bad status");
    total += static_cast<int>(r.data.size());
  }
  co_return total;
}

Task<absl::StatusOr<int>> Outer(CardLink& link) {
  CO_ASSIGN_OR_RETURN(int a, co_await ReadTwice(link));
  CO_ASSIGN_OR_RETURN(int b, co_await ReadTwice(link));
  co_return a + b;
}

TEST(CardLinkTest, DriverSeesEachCommandAndNestedTasksComplete) {
  CardLink link;
  Task<absl::StatusOr<int>> task = Outer(link);
  std::vector<Bytes> seen;
  absl::StatusOr<int> r = RunDialog(task, link, [&](ByteSpan cmd) -> absl::StatusOr<Bytes> {
    seen.emplace_back(cmd.begin(), cmd.end());
    return HexOrDie("0102039000");
  });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 12);
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(ToHex(seen[1]), "00B0010004");
  EXPECT_EQ(link.round_trips(), 4u);
  EXPECT_THAT(link.TakeSteps(), testing::ElementsAre(Step::kReadSod, Step::kReadDg1, Step::kReadSod, Step::kReadDg1));
}

TEST(CardLinkTest, TransportErrorReachesTheDialog) {
  CardLink link;
  Task<absl::StatusOr<int>> task = Outer(link);
  absl::StatusOr<int> r =
      RunDialog(task, link, [&](ByteSpan) -> absl::StatusOr<Bytes> { return absl::UnavailableError("gone"); });
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
}

TEST(CardLinkTest, ResponseShorterThanTwoBytesIsATransportFailure) {
  for (const Bytes& raw : {Bytes{}, Bytes{0x90}}) {
    CardLink link;
    Task<absl::StatusOr<int>> task = Outer(link);
    absl::StatusOr<int> r = RunDialog(task, link, [&](ByteSpan) -> absl::StatusOr<Bytes> { return raw; });
    // kUnavailable, not kInvalidArgument: the reader takes the latter for a file-level problem.
    EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << raw.size();
    EXPECT_THAT(std::string(r.status().message()), testing::HasSubstr("shorter than its 2 status bytes"));
  }
}

TEST(CardLinkTest, AbandonedDialogIsFreed) {
  // Destroying a suspended chain must not leak (ASan build checks) or crash.
  CardLink link;
  {
    Task<absl::StatusOr<int>> task = Outer(link);
    task.Start();
    ASSERT_TRUE(link.awaiting_response());
  }
}

Task<absl::StatusOr<int>> SendOne(CardLink& link, CommandApdu c) {
  CO_ASSIGN_OR_RETURN(ResponseApdu r, co_await link.Transmit(c));
  co_return static_cast<int>(r.sw);
}

TEST(CardLinkTest, RefusesCommandsBeyondTheClientLimits) {
  CardLink link(LinkLimits{.extended_length = false, .max_command_bytes = 20, .max_response_bytes = 100});
  int calls = 0;
  auto chip = [&](ByteSpan) -> absl::StatusOr<Bytes> {
    ++calls;
    return HexOrDie("9000");
  };
  Task<absl::StatusOr<int>> too_long = SendOne(link, CommandApdu{.ins = 0xD6, .data = Bytes(30, 0)});
  EXPECT_EQ(RunDialog(too_long, link, chip).status().code(), absl::StatusCode::kFailedPrecondition);
  Task<absl::StatusOr<int>> extended = SendOne(link, CommandApdu{.ins = 0xB0, .ne = 300});
  EXPECT_EQ(RunDialog(extended, link, chip).status().code(), absl::StatusCode::kFailedPrecondition);
  Task<absl::StatusOr<int>> big_le = SendOne(link, CommandApdu{.ins = 0xB0, .ne = 200});
  EXPECT_EQ(RunDialog(big_le, link, chip).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(calls, 0);
  Task<absl::StatusOr<int>> fine = SendOne(link, CommandApdu{.ins = 0xB0, .ne = 98});
  EXPECT_EQ(*RunDialog(fine, link, chip), 0x9000);
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace docval::emrtd
