#include "validator/cache/group_cache.h"

#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "validator/emrtd/crypto/dh.h"

namespace docval::cache {
namespace {

using emrtd::Bytes;

Bytes Key(int i) {
  return emrtd::GroupCacheKey("test", {Bytes{static_cast<uint8_t>(i), static_cast<uint8_t>(i >> 8)}});
}

TEST(BoundedGroupCacheTest, RemembersVerdicts) {
  BoundedGroupCache cache(4);
  EXPECT_FALSE(cache.Lookup(Key(1)).has_value());
  cache.Store(Key(1), true);
  cache.Store(Key(2), false);
  EXPECT_EQ(cache.Lookup(Key(1)), std::optional<bool>(true));
  EXPECT_EQ(cache.Lookup(Key(2)), std::optional<bool>(false));
  cache.Store(Key(2), true);  // a new verdict replaces the old one
  EXPECT_EQ(cache.Lookup(Key(2)), std::optional<bool>(true));
  EXPECT_EQ(cache.size(), 2u);
}

TEST(BoundedGroupCacheTest, ForgetsTheLeastRecentlyUsed) {
  BoundedGroupCache cache(3);
  for (int i = 0; i < 3; ++i) cache.Store(Key(i), true);
  ASSERT_TRUE(cache.Lookup(Key(0)).has_value());  // 0 is now the most recent
  cache.Store(Key(3), true);                       // evicts 1
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_TRUE(cache.Lookup(Key(0)).has_value());
  EXPECT_FALSE(cache.Lookup(Key(1)).has_value());
  EXPECT_TRUE(cache.Lookup(Key(2)).has_value());
  EXPECT_TRUE(cache.Lookup(Key(3)).has_value());
}

TEST(BoundedGroupCacheTest, SharedBetweenThreadsStaysBounded) {
  BoundedGroupCache cache(64);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 2000; ++i) {
        cache.Store(Key(t * 10000 + i), (i & 1) != 0);
        (void)cache.Lookup(Key(t * 10000 + i / 2));
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(cache.size(), 64u);
}

TEST(BoundedGroupCacheTest, ValidatesAnExplicitGroupOncePerProcess) {
  // RFC 5114 §2.2's p and q with another generator: not a standardized group, so validated.
  emrtd::DhGroup std_group = *emrtd::DhGroup::FromParameterId(1);
  const Bytes g = std_group.PowerMod(std_group.g(), Bytes{0x02});
  BoundedGroupCache cache;
  ASSERT_TRUE(emrtd::DhGroup::FromValues(std_group.p(), g, std_group.q(), {.cache = &cache}).ok());
  EXPECT_EQ(cache.size(), 1u);
  // A second session's budget of fresh validations is not touched: the verdict is remembered.
  size_t left = 0;
  EXPECT_TRUE(
      emrtd::DhGroup::FromValues(std_group.p(), g, std_group.q(), {.cache = &cache, .validations_left = &left}).ok());
}

}  // namespace
}  // namespace docval::cache
