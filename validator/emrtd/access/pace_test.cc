#include "validator/emrtd/access/pace.h"

#include "gtest/gtest.h"

namespace docval::emrtd {
namespace {

TEST(PaceTest, DynamicAuthenticationDataRoundTrip) {
  const Bytes encoded = EncodeDynamicAuthenticationData({{0x80, HexOrDie("0102")}, {0x8A, {}}});
  EXPECT_EQ(ToHex(encoded), "7C0680020102" "8A00");
  absl::StatusOr<DynamicAuthenticationData> parsed = ParseDynamicAuthenticationData(encoded);
  ASSERT_TRUE(parsed.ok());
  ASSERT_NE(parsed->Find(0x80), nullptr);
  EXPECT_EQ(ToHex(*parsed->Find(0x80)), "0102");
}

}  // namespace
}  // namespace docval::emrtd
