#include "validator/cache/key_cache.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "validator/emrtd/crypto/hash.h"
#include "validator/emrtd/testing/vectors.h"

namespace docval::cache {
namespace {

using emrtd::Bytes;
using emrtd::VerificationKey;

std::shared_ptr<const VerificationKey> Key(const std::string& cert) {
  absl::StatusOr<emrtd::x509::Certificate> c = emrtd::x509::Certificate::FromDer(emrtd::testing::ReadPki(cert));
  EXPECT_TRUE(c.ok()) << c.status();
  absl::StatusOr<std::shared_ptr<const VerificationKey>> key = VerificationKey::Load(c->spki());
  EXPECT_TRUE(key.ok()) << key.status();
  return *key;
}

// A fingerprint (the cache only compares them).
Bytes Fp(int i) {
  return emrtd::Hash(emrtd::HashAlgorithm::kSha256, Bytes{static_cast<uint8_t>(i), static_cast<uint8_t>(i >> 8)});
}

TEST(BoundedKeyCacheTest, ServesWhatItHolds) {
  BoundedKeyCache cache(8);
  std::shared_ptr<const VerificationKey> rsa = Key("ds_rsa.der"), ec = Key("ds_ec.der");
  EXPECT_EQ(cache.Lookup(Fp(1)), nullptr);
  cache.Store(Fp(1), rsa);
  cache.Store(Fp(2), ec);
  EXPECT_EQ(cache.Lookup(Fp(1)).get(), rsa.get());
  EXPECT_EQ(cache.Lookup(Fp(2)).get(), ec.get());
  EXPECT_EQ(cache.Lookup(Fp(3)), nullptr);
  cache.Store(Fp(1), ec);  // already held: kept as it was
  EXPECT_EQ(cache.Lookup(Fp(1)).get(), rsa.get());
  EXPECT_EQ(cache.stats().entries, 2u);
  EXPECT_EQ(cache.stats().protected_entries, 2u);  // both looked up again
}

TEST(BoundedKeyCacheTest, BoundedInEntries) {
  BoundedKeyCache cache(10);
  std::shared_ptr<const VerificationKey> key = Key("ds_rsa.der");
  for (int i = 0; i < 100; ++i) cache.Store(Fp(i), key);
  EXPECT_EQ(cache.stats().entries, 10u);
  // The newest stay, the oldest went first.
  EXPECT_TRUE(cache.Contains(Fp(99)));
  EXPECT_TRUE(cache.Contains(Fp(90)));
  EXPECT_FALSE(cache.Contains(Fp(89)));
  EXPECT_FALSE(cache.Contains(Fp(0)));
}

TEST(BoundedKeyCacheTest, BoundedInBytes) {
  std::shared_ptr<const VerificationKey> key = Key("ds_rsa.der");
  const size_t per_entry = key->memory_bytes() + 2 * Fp(0).size() + 128;
  BoundedKeyCache cache(1000, 20 * per_entry);
  for (int i = 0; i < 100; ++i) cache.Store(Fp(i), key);
  EXPECT_EQ(cache.stats().entries, 20u);
  EXPECT_LE(cache.stats().bytes, 20 * per_entry);
  // A key larger than an eighth of the budget is not kept.
  BoundedKeyCache small(1000, 4 * per_entry);
  small.Store(Fp(1), key);
  EXPECT_EQ(small.stats().entries, 0u);
  EXPECT_EQ(small.Lookup(Fp(1)), nullptr);
}

TEST(BoundedKeyCacheTest, CertificatesSeenOnceDoNotEvictKeysInUse) {
  BoundedKeyCache cache(10);
  std::shared_ptr<const VerificationKey> key = Key("ds_rsa.der");
  // Eight Document Signers in steady use (each seen again: protected).
  for (int i = 0; i < 8; ++i) cache.Store(Fp(i), key);
  for (int i = 0; i < 8; ++i) ASSERT_NE(cache.Lookup(Fp(i)), nullptr);
  EXPECT_EQ(cache.stats().protected_entries, 8u);
  // A chip presenting a new certificate in every session: a thousand certificates seen once each.
  for (int i = 1000; i < 2000; ++i) cache.Store(Fp(i), key);
  EXPECT_EQ(cache.stats().entries, 10u);
  for (int i = 0; i < 8; ++i) EXPECT_TRUE(cache.Contains(Fp(i))) << i;
  EXPECT_TRUE(cache.Contains(Fp(1999)));
  EXPECT_FALSE(cache.Contains(Fp(1997)));
}

TEST(BoundedKeyCacheTest, TheProtectedSegmentStaysBounded) {
  BoundedKeyCache cache(10);
  std::shared_ptr<const VerificationKey> key = Key("ds_rsa.der");
  for (int i = 0; i < 30; ++i) {
    cache.Store(Fp(i), key);
    cache.Lookup(Fp(i));
  }
  // 4/5 of the entries at most; the others were demoted, then evicted.
  EXPECT_EQ(cache.stats().protected_entries, 8u);
  EXPECT_EQ(cache.stats().entries, 10u);
  EXPECT_TRUE(cache.Contains(Fp(29)));
  // New certificates still find room in probation.
  cache.Store(Fp(100), key);
  EXPECT_TRUE(cache.Contains(Fp(100)));
  EXPECT_EQ(cache.stats().entries, 10u);
}

TEST(BoundedKeyCacheTest, SharedBetweenThreads) {
  BoundedKeyCache cache(16);
  std::shared_ptr<const VerificationKey> key = Key("ds_rsa.der");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, &key, t] {
      for (int i = 0; i < 500; ++i) {
        cache.Store(Fp(t * 1000 + i % 40), key);
        std::shared_ptr<const VerificationKey> k = cache.Lookup(Fp(t * 1000 + (i * 7) % 40));
        if (k != nullptr) {
          EXPECT_EQ(k.get(), key.get());
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_LE(cache.stats().entries, 16u);
}

}  // namespace
}  // namespace docval::cache
