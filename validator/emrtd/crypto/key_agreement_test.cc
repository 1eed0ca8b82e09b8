#include "validator/emrtd/crypto/key_agreement.h"

#include <optional>

#include "gtest/gtest.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/crypto/random.h"

namespace docval::emrtd {
namespace {

// The smallest exponent x in [2, 4096) (two bytes, big-endian) for which `ambiguous(x)` holds, on
// the 1024-bit group.
template <typename Pred>
std::optional<Bytes> FirstExponent(Pred ambiguous, int from = 2) {
  for (int x = from; x < 4096; ++x) {
    const Bytes e = {static_cast<uint8_t>(x >> 8), static_cast<uint8_t>(x)};
    if (ambiguous(e)) return e;
  }
  return std::nullopt;
}
int Value(const Bytes& e) { return (e[0] << 8) | e[1]; }

// A DH key pair whose public value begins with 00 is drawn again; the next one is kept.
TEST(KeyAgreementTest, UnambiguousDhKeyPairSkipsAPublicValueWithALeadingZero) {
  const KeyAgreementGroup group = *KeyAgreementGroup::FromParameterId(0);
  std::optional<Bytes> bad = FirstExponent([&](const Bytes& x) {
    return group.KeyPairFromPrivate(x)->public_key[0] == 0;
  });
  ASSERT_TRUE(bad.has_value()) << "no exponent below 4096 gives a public value below 2^1016";
  std::optional<Bytes> good = FirstExponent(
      [&](const Bytes& x) { return group.KeyPairFromPrivate(x)->public_key[0] != 0; }, Value(*bad) + 1);
  ASSERT_TRUE(good.has_value());
  ScriptedRandom rng;
  rng.Add("k", *bad);
  rng.Add("k", *good);
  absl::StatusOr<KeyAgreementKeyPair> pair = group.GenerateUnambiguousKeyPair(rng, "k");
  ASSERT_TRUE(pair.ok()) << pair.status();
  EXPECT_EQ(ToHex(pair->public_key), ToHex(group.KeyPairFromPrivate(*good)->public_key));
  EXPECT_TRUE(rng.Remaining().empty() || rng.Remaining().at("k") == 0);
}

// With the peer's key known, a pair whose shared secret begins with 00 is drawn again too.
TEST(KeyAgreementTest, UnambiguousDhKeyPairSkipsASharedSecretWithALeadingZero) {
  const KeyAgreementGroup group = *KeyAgreementGroup::FromParameterId(0);
  const Bytes peer = group.KeyPairFromPrivate(Bytes{0x05})->public_key;
  auto secret_of = [&](const Bytes& x) { return *group.SharedSecret(x, peer); };
  std::optional<Bytes> bad = FirstExponent([&](const Bytes& x) {
    return secret_of(x)[0] == 0 && group.KeyPairFromPrivate(x)->public_key[0] != 0;
  });
  ASSERT_TRUE(bad.has_value()) << "no exponent below 4096 gives K below 2^1016";
  std::optional<Bytes> good = FirstExponent([&](const Bytes& x) {
    return secret_of(x)[0] != 0 && group.KeyPairFromPrivate(x)->public_key[0] != 0;
  }, Value(*bad) + 1);
  ASSERT_TRUE(good.has_value());
  ScriptedRandom rng;
  rng.Add("k", *bad);
  rng.Add("k", *good);
  absl::StatusOr<KeyAgreementKeyPair> pair = group.GenerateUnambiguousKeyPair(rng, "k", peer);
  ASSERT_TRUE(pair.ok()) << pair.status();
  EXPECT_EQ(ToHex(pair->public_key), ToHex(group.KeyPairFromPrivate(*good)->public_key));
  // Without the peer's key the first pair was fine.
  ScriptedRandom again;
  again.Add("k", *bad);
  EXPECT_EQ(ToHex(group.GenerateUnambiguousKeyPair(again, "k")->public_key),
            ToHex(group.KeyPairFromPrivate(*bad)->public_key));
}

// A scripted source with no further value: the last pair is kept rather than failing.
TEST(KeyAgreementTest, UnambiguousDhKeyPairKeepsTheLastPairWhenTheSourceRunsOut) {
  const KeyAgreementGroup group = *KeyAgreementGroup::FromParameterId(0);
  std::optional<Bytes> bad = FirstExponent([&](const Bytes& x) {
    return group.KeyPairFromPrivate(x)->public_key[0] == 0;
  });
  ASSERT_TRUE(bad.has_value());
  ScriptedRandom rng;
  rng.Add("k", *bad);
  absl::StatusOr<KeyAgreementKeyPair> pair = group.GenerateUnambiguousKeyPair(rng, "k");
  ASSERT_TRUE(pair.ok()) << pair.status();
  EXPECT_EQ(pair->public_key[0], 0);
}

}  // namespace
}  // namespace docval::emrtd
