#include "validator/emrtd/limits.h"

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
