#include "validator/emrtd/chip_error.h"

#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "validator/emrtd/limits.h"

namespace docval::emrtd {
namespace {

TEST(ChipErrorTest, EveryKindRoundTripsWithItsCodeMessageAndDetail) {
  for (ChipErrorKind kind : kAllChipErrorKinds) {
    SCOPED_TRACE(ChipErrorKindName(kind));
    const absl::Status s = MakeChipError(kind, "what happened", "6A82");
    EXPECT_EQ(s.code(), ChipErrorCode(kind));
    EXPECT_EQ(s.message(), "what happened");
    std::optional<ChipError> e = ChipErrorOf(s);
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->kind, kind);
    EXPECT_EQ(e->detail, "6A82");
    EXPECT_TRUE(IsChipError(s, kind));
    const absl::Status bare = MakeChipError(kind, "no detail");
    ASSERT_TRUE(ChipErrorOf(bare).has_value());
    EXPECT_EQ(ChipErrorOf(bare)->kind, kind);
    EXPECT_EQ(ChipErrorOf(bare)->detail, "");
  }
}

// The codes are those the statuses had before they carried kinds (what callers that look only at
// codes, and the wire, see); every kind has its own name.
TEST(ChipErrorTest, EachKindHasItsCodeAndItsOwnName) {
  using K = ChipErrorKind;
  using C = absl::StatusCode;
  const std::map<K, C> expected = {
      {K::kTransport, C::kUnavailable},
      {K::kSecureMessagingBroken, C::kDataLoss},
      {K::kSecureMessagingEndedByChip, C::kAborted},
      {K::kLimitExceeded, C::kResourceExhausted},
      {K::kAccessControlFailed, C::kPermissionDenied},
      {K::kPacePasswordRefused, C::kPermissionDenied},
      {K::kPaceNotSupported, C::kFailedPrecondition},
      {K::kPaceMalformedChipData, C::kInvalidArgument},
      {K::kPaceInternal, C::kInternal},
      {K::kFileNotFound, C::kNotFound},
      {K::kFileAccessDenied, C::kPermissionDenied},
      {K::kFileRefused, C::kFailedPrecondition},
      {K::kFileMalformed, C::kDataLoss},
      {K::kBacKeyRefused, C::kPermissionDenied},
      {K::kBacNotSupported, C::kFailedPrecondition},
      {K::kBacMalformedChipData, C::kDataLoss},
      {K::kChipAuthKeyUnusable, C::kNotFound},
      {K::kChipAuthKeyMalformed, C::kInvalidArgument},
      {K::kAnswerTooLong, C::kDataLoss},
  };
  EXPECT_EQ(expected.size(), std::size(kAllChipErrorKinds));
  std::set<std::string> names;
  for (ChipErrorKind kind : kAllChipErrorKinds) {
    SCOPED_TRACE(ChipErrorKindName(kind));
    ASSERT_TRUE(expected.count(kind));
    EXPECT_EQ(ChipErrorCode(kind), expected.at(kind));
    EXPECT_TRUE(names.insert(ChipErrorKindName(kind)).second) << "name used twice";
    EXPECT_STRNE(ChipErrorKindName(kind), "?");
  }
}

TEST(ChipErrorTest, KindsAreNotConfused) {
  const absl::Status s = MakeChipError(ChipErrorKind::kPacePasswordRefused, "PACE: refused");
  EXPECT_FALSE(IsChipError(s, ChipErrorKind::kAccessControlFailed));
  EXPECT_FALSE(
      IsChipError(MakeChipError(ChipErrorKind::kFileAccessDenied, "DG3: 6982"), ChipErrorKind::kBacKeyRefused));
  EXPECT_TRUE(IsChipError(s, {ChipErrorKind::kPaceNotSupported, ChipErrorKind::kPacePasswordRefused}));
  EXPECT_FALSE(IsChipError(s, {ChipErrorKind::kPaceNotSupported, ChipErrorKind::kAccessControlFailed}));
  EXPECT_FALSE(IsChipError(absl::PermissionDeniedError("PACE: refused"), {ChipErrorKind::kPacePasswordRefused}));
  // Same status code, different kinds: the kind, not the code, tells them apart.
  EXPECT_EQ(s.code(), MakeChipError(ChipErrorKind::kAccessControlFailed, "x").code());
}

TEST(ChipErrorTest, PlainStatusesCarryNone) {
  EXPECT_FALSE(ChipErrorOf(absl::OkStatus()).has_value());
  EXPECT_FALSE(ChipErrorOf(absl::UnavailableError("the client went away")).has_value());
  absl::Status foreign = absl::DataLossError("x");
  foreign.SetPayload(kChipErrorPayloadUrl, absl::Cord("NOT_A_KIND"));
  EXPECT_FALSE(ChipErrorOf(foreign).has_value());
  // A status rebuilt from another's message loses the kind (the header's rule for rewording).
  const absl::Status original = MakeChipError(ChipErrorKind::kTransport, "gone");
  EXPECT_FALSE(ChipErrorOf(absl::Status(original.code(), original.message())).has_value());
}

TEST(ChipErrorTest, LimitExceededIsTheLimitKindWithTheLimitsName) {
  const absl::Status s = LimitExceeded("max_dh_bits", "4096 bits");
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  ASSERT_TRUE(ChipErrorOf(s).has_value());
  EXPECT_EQ(ChipErrorOf(s)->kind, ChipErrorKind::kLimitExceeded);
  EXPECT_EQ(ChipErrorOf(s)->detail, "max_dh_bits");
  EXPECT_TRUE(IsLimitExceeded(s));
  EXPECT_EQ(LimitName(s), "max_dh_bits");
  EXPECT_FALSE(IsLimitExceeded(MakeChipError(ChipErrorKind::kTransport, "x", "max_dh_bits")));
  EXPECT_EQ(LimitName(MakeChipError(ChipErrorKind::kTransport, "x", "max_dh_bits")), "");
}

}  // namespace
}  // namespace docval::emrtd
