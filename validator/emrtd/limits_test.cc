#include "validator/emrtd/limits.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace docval::emrtd {
namespace {

TEST(SessionLimitsTest, FileCapsByName) {
  const SessionLimits l;
  EXPECT_EQ(l.MaxFileBytes("EF.CardAccess"), l.max_card_access_bytes);
  EXPECT_EQ(l.MaxFileBytes("EF.CardSecurity"), l.max_card_security_bytes);
  EXPECT_EQ(l.MaxFileBytes("EF.ATR/INFO"), l.max_atr_info_bytes);
  EXPECT_EQ(l.MaxFileBytes("EF.COM"), l.max_com_bytes);
  EXPECT_EQ(l.MaxFileBytes("EF.SOD"), l.max_sod_bytes);
  EXPECT_EQ(l.MaxFileBytes("DG1"), l.max_dg1_bytes);
  EXPECT_EQ(l.MaxFileBytes("DG2"), l.max_biometric_dg_bytes);
  EXPECT_EQ(l.MaxFileBytes("DG4"), l.max_biometric_dg_bytes);
  EXPECT_EQ(l.MaxFileBytes("DG7"), l.max_image_dg_bytes);
  EXPECT_EQ(l.MaxFileBytes("DG12"), l.max_image_dg_bytes);
  EXPECT_EQ(l.MaxFileBytes("DG14"), l.max_security_dg_bytes);
  EXPECT_EQ(l.MaxFileBytes("DG16"), l.max_other_dg_bytes);
  EXPECT_EQ(l.MaxFileBytes("whatever"), l.max_other_dg_bytes);
}

TEST(SessionLimitsTest, DefaultsLeaveRoomForRealDocuments) {
  const SessionLimits l;
  EXPECT_GE(l.max_biometric_dg_bytes, 100u * 1024 * 2);  // a 100 KB face, twice over
  EXPECT_GE(l.max_rsa_bits, 4096u);
  EXPECT_GE(l.max_dh_bits, 2048u);
  EXPECT_GE(l.max_total_bytes, l.max_sod_bytes + l.max_biometric_dg_bytes + l.max_image_dg_bytes);
}

// Configuration sets limits by name: every field has one (a field added without a name would be
// missing from validator.limits), each name sets its own field only.
TEST(SessionLimitsTest, EveryFieldCanBeSetByName) {
  const std::vector<std::string> names = LimitFieldNames();
  EXPECT_EQ(names.size() * sizeof(size_t), sizeof(SessionLimits));
  for (const std::string& name : names) {
    SCOPED_TRACE(name);
    SessionLimits l;
    // A value off every default and inside every range: 3, or 1025 for the key sizes.
    ASSERT_TRUE(SetLimit(l, name, 3).ok() || SetLimit(l, name, 1025).ok());
    int changed = 0;
    const SessionLimits d;
    const size_t* a = reinterpret_cast<const size_t*>(&l);
    const size_t* b = reinterpret_cast<const size_t*>(&d);
    for (size_t i = 0; i < names.size(); ++i) changed += a[i] != b[i];
    EXPECT_EQ(changed, 1);
  }
  SessionLimits l;
  ASSERT_TRUE(SetLimit(l, "max_dh_bits", 3072).ok());
  EXPECT_EQ(l.max_dh_bits, 3072u);
  ASSERT_TRUE(SetLimit(l, "max_biometric_dg_bytes", 65536).ok());
  EXPECT_EQ(l.MaxFileBytes("DG2"), 65536u);
}

TEST(SessionLimitsTest, SetLimitRefusesWhatTheCodeCannotHonour) {
  SessionLimits l;
  absl::Status s = SetLimit(l, "max_dh_bits", 16384);  // FromValues takes at most 8192 bits
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "must be an integer from 1024 to 8192, got 16384");
  EXPECT_FALSE(SetLimit(l, "max_biometric_dg_bytes", 0).ok());
  EXPECT_FALSE(SetLimit(l, "max_sod_bytes", -1).ok());
  EXPECT_FALSE(SetLimit(l, "max_sod_bytes", (int64_t{1} << 20) + 1).ok());
  EXPECT_TRUE(SetLimit(l, "max_group_validations", 0).ok());  // no explicit group validated at all
  absl::Status unknown = SetLimit(l, "max_dh_bytes", 2048);
  EXPECT_EQ(unknown.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.message().find("max_dh_bits"), absl::string_view::npos) << unknown.message();
  EXPECT_EQ(l.max_dh_bits, SessionLimits().max_dh_bits);  // nothing refused was set
}

TEST(LimitExceededTest, CarriesTheLimitName) {
  absl::Status s = LimitExceeded("max_rsa_bits", "8192-bit key");
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(IsLimitExceeded(s));
  EXPECT_EQ(LimitName(s), "max_rsa_bits");
  EXPECT_EQ(s.message(), "max_rsa_bits: 8192-bit key");
  EXPECT_FALSE(IsLimitExceeded(absl::ResourceExhaustedError("max_rsa_bits: other")));
  EXPECT_EQ(LimitName(absl::OkStatus()), "");
}

}  // namespace
}  // namespace docval::emrtd
