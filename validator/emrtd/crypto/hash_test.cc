#include "validator/emrtd/crypto/hash.h"

#include "gtest/gtest.h"
#include "validator/emrtd/crypto/random.h"
#include "validator/emrtd/crypto/secure_bytes.h"

namespace docval::emrtd {
namespace {

TEST(HashTest, KnownAnswersForAbc) {
  Bytes abc = {'a', 'b', 'c'};
  EXPECT_EQ(ToHex(Hash(HashAlgorithm::kSha1, abc)), "A9993E364706816ABA3E25717850C26C9CD0D89D");
  EXPECT_EQ(ToHex(Hash(HashAlgorithm::kSha256, abc)),
            "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
  EXPECT_EQ(Hash(HashAlgorithm::kSha384, abc).size(), 48u);
  EXPECT_EQ(Hash(HashAlgorithm::kSha256, {ByteSpan(abc).subspan(0, 1), ByteSpan(abc).subspan(1)}),
            Hash(HashAlgorithm::kSha256, abc));
}

TEST(HashTest, OidsRoundTrip) {
  for (HashAlgorithm a : {HashAlgorithm::kSha1, HashAlgorithm::kSha224, HashAlgorithm::kSha256,
                          HashAlgorithm::kSha384, HashAlgorithm::kSha512}) {
    EXPECT_EQ(HashFromOid(HashOid(a)), a);
    EXPECT_EQ(Hash(a, {}).size(), HashSize(a));
  }
  EXPECT_FALSE(HashFromOid("1.2.3").has_value());
}

TEST(SecureBytesTest, ConstantTimeEqual) {
  EXPECT_TRUE(ConstantTimeEqual(HexOrDie("0102"), HexOrDie("0102")));
  EXPECT_FALSE(ConstantTimeEqual(HexOrDie("0102"), HexOrDie("0103")));
  EXPECT_FALSE(ConstantTimeEqual(HexOrDie("0102"), HexOrDie("01")));
}

TEST(RandomTest, ScriptedRandomAnswersInOrderAndChecksSizes) {
  ScriptedRandom r;
  r.Add("bac.rnd_ifd", HexOrDie("0102030405060708"));
  r.Add("pace.ephemeral_key", HexOrDie("05"));
  EXPECT_EQ(ToHex(*r.Bytes("bac.rnd_ifd", 8)), "0102030405060708");
  EXPECT_FALSE(r.Bytes("bac.rnd_ifd", 8).ok());  // used up
  EXPECT_EQ(ToHex(*r.Scalar("pace.ephemeral_key", HexOrDie("0100"))), "0005");
  ScriptedRandom bad;
  bad.Add("x", HexOrDie("0200"));
  EXPECT_FALSE(bad.Scalar("x", HexOrDie("0100")).ok());
}

TEST(RandomTest, SystemScalarIsBelowBound) {
  std::unique_ptr<RandomSource> r = NewSystemRandom();
  Bytes bound = HexOrDie("0101");
  for (int i = 0; i < 200; ++i) {
    SecureBytes s = *r->Scalar("t", bound);
    ASSERT_EQ(s.size(), 2u);
    int v = s[0] * 256 + s[1];
    EXPECT_GE(v, 1);
    EXPECT_LT(v, 257);
  }
  EXPECT_EQ(r->Bytes("t", 16)->size(), 16u);
}

}  // namespace
}  // namespace docval::emrtd
