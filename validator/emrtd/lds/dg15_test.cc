#include "validator/emrtd/lds/dg15.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "validator/emrtd/crypto/signature.h"
#include "validator/emrtd/testing/vectors.h"

namespace docval::emrtd {
namespace {

TEST(Dg15, SpecimenRsaKeys) {
  for (const char* f : {"lds-samples/jmrtd-bsi2008/Datagroup15.bin", "lds-samples/jmrtd-loes2006/ef010F.bin"}) {
    Bytes dg15 = testing::ReadVector(f);
    absl::StatusOr<Bytes> spki = ParseDg15(dg15);
    ASSERT_TRUE(spki.ok()) << spki.status();
    EXPECT_EQ((*spki)[0], 0x30);
    absl::StatusOr<PublicKeyInfo> key = DescribePublicKey(*spki);
    ASSERT_TRUE(key.ok()) << key.status();
    EXPECT_EQ(key->type, PublicKeyInfo::Type::kRsa);
    EXPECT_EQ(key->bits, 1024u) << f;
  }
}

TEST(Dg15, Errors) {
  EXPECT_FALSE(ParseDg15(HexOrDie("6F00")).ok());
  EXPECT_FALSE(ParseDg15(HexOrDie("6E023000")).ok());
  EXPECT_FALSE(ParseDg15(HexOrDie("6F04300000FF")).ok());
}

}  // namespace
}  // namespace docval::emrtd
