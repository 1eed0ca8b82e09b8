#include "validator/emrtd/crypto/primality.h"

#include <cstdint>

#include <botan/auto_rng.h>
#include <botan/numthry.h>

#include "gtest/gtest.h"

namespace docval::emrtd::crypto_internal {
namespace {

using Botan::BigInt;

// RFC 3526's 2048-bit MODP prime (a safe prime) and RFC 5114 §2.2's q.
const BigInt kModp2048(
    "0xFFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AACAA68FFFFFFFFFFFFFFFF");
const BigInt kRfc5114Q("0x801C0D34C58D93FE997177101F80535A4738CEBCBF389A99B36371EB");

TEST(PrimalityTest, AgreesWithBotanBelowTwoHundredThousand) {
  Botan::AutoSeeded_RNG rng;
  int disagreements = 0;
  for (uint64_t n = 0; n < 200000; ++n) {
    if (IsProbablePrime(BigInt(n), rng) != Botan::is_prime(BigInt(n), rng, 64)) ++disagreements;
  }
  EXPECT_EQ(disagreements, 0);
  EXPECT_FALSE(IsProbablePrime(BigInt(-7), rng));
}

TEST(PrimalityTest, LargePrimesAndTheirNeighbours) {
  Botan::AutoSeeded_RNG rng;
  EXPECT_TRUE(IsProbablePrime(kModp2048, rng));
  EXPECT_TRUE(IsProbablePrime(kRfc5114Q, rng));
  EXPECT_FALSE(IsProbablePrime(kModp2048 + 2, rng));
  EXPECT_FALSE(IsProbablePrime(kModp2048 * kRfc5114Q, rng));
  EXPECT_FALSE(IsProbablePrime(kRfc5114Q * kRfc5114Q, rng));  // a square: no Lucas parameter exists
  EXPECT_TRUE(IsExtraStrongLucasProbablePrime(kModp2048));
  EXPECT_TRUE(IsStrongProbablePrime(kModp2048, BigInt(2)));
}

// Strong pseudoprimes to base 2 with no factor below 256 (so trial division does not see them): the
// base-2 test passes them, the Lucas test refuses them, and so does the whole test.
TEST(PrimalityTest, LucasCatchesStrongPseudoprimesToBaseTwo) {
  Botan::AutoSeeded_RNG rng;
  for (uint64_t n : {1373653ULL /* 829 * 1657 */, 25326001ULL /* 2251 * 11251 */,
                     341550071728321ULL /* 10670053 * 32010157 */}) {
    EXPECT_TRUE(IsStrongProbablePrime(BigInt(n), BigInt(2))) << n;
    EXPECT_FALSE(IsExtraStrongLucasProbablePrime(BigInt(n))) << n;
    EXPECT_FALSE(IsProbablePrime(BigInt(n), rng)) << n;
  }
}

// Extra strong Lucas pseudoprimes (OEIS A217719) with no factor below 256: the Lucas test passes them,
// the base-2 test refuses them. The smaller ones of the sequence check the Lucas parameters: a P
// chosen otherwise would not pass exactly these.
TEST(PrimalityTest, BaseTwoCatchesExtraStrongLucasPseudoprimes) {
  Botan::AutoSeeded_RNG rng;
  for (uint64_t n : {989ULL, 3239ULL, 5777ULL, 10877ULL, 27971ULL, 29681ULL, 30739ULL, 31631ULL, 39059ULL}) {
    EXPECT_TRUE(IsExtraStrongLucasProbablePrime(BigInt(n))) << n;
  }
  for (uint64_t n : {137549ULL /* 263 * 523 */, 161027ULL /* 283 * 569 */, 189419ULL /* 307 * 617 */,
                     231703ULL /* 263 * 881 */}) {
    EXPECT_TRUE(IsExtraStrongLucasProbablePrime(BigInt(n))) << n;
    EXPECT_FALSE(IsStrongProbablePrime(BigInt(n), BigInt(2))) << n;
    EXPECT_FALSE(IsProbablePrime(BigInt(n), rng)) << n;
  }
  // And no odd prime in the range is refused by the Lucas test alone.
  int refused = 0;
  for (uint64_t n = 257; n < 100000; n += 2) {
    if (Botan::is_prime(BigInt(n), rng, 64) && !IsExtraStrongLucasProbablePrime(BigInt(n))) ++refused;
  }
  EXPECT_EQ(refused, 0);
}

}  // namespace
}  // namespace docval::emrtd::crypto_internal
