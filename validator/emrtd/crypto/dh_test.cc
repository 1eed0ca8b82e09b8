#include "validator/emrtd/crypto/dh.h"

#include <map>
#include <optional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/limits.h"
#include "validator/emrtd/testing/vectors.h"
#include "validator/emrtd/tlv.h"

namespace docval::emrtd {
namespace {

using ::testing::HasSubstr;
using testing::LoadVector;
using testing::HexField;

Bytes DerInteger(ByteSpan v) {
  Bytes value(v.begin(), v.end());
  if (!value.empty() && (value[0] & 0x80)) value.insert(value.begin(), 0);
  return EncodeTlv(0x02, value);
}

TEST(DhGroupTest, StandardizedParameterIds) {
  const struct {
    int id;
    size_t p_bytes;
    size_t q_bytes;
  } kCases[] = {{0, 128, 20}, {1, 256, 28}, {2, 256, 32}};
  for (const auto& c : kCases) {
    absl::StatusOr<DhGroup> g = DhGroup::FromParameterId(c.id);
    ASSERT_TRUE(g.ok());
    EXPECT_EQ(g->parameter_id(), c.id);
    EXPECT_EQ(g->modulus_size(), c.p_bytes);
    EXPECT_EQ(g->order_size(), c.q_bytes);
    EXPECT_TRUE(g->has_q());
    // g generates the subgroup of order q: g^q = 1, i.e. g is a valid "public value".
    EXPECT_TRUE(g->ValidatePublic(g->g()).ok());
    EXPECT_TRUE(DhGroup::IsStandardParameterId(c.id));
  }
  for (int id : {-1, 3, 8, 13, 18}) {
    EXPECT_EQ(DhGroup::FromParameterId(id).status().code(), absl::StatusCode::kNotFound);
  }
}

// The carried RFC 5114 constants equal those of Appendix H.2 (another source).
TEST(DhGroupTest, Rfc5114GroupMatchesAppendixH2) {
  const nlohmann::json v = LoadVector("icao9303-p11-appH-pace-im.json")["H2_dh"];
  DhGroup g = *DhGroup::FromParameterId(0);
  EXPECT_EQ(ToHex(g.p()), v["p"].get<std::string>());
  EXPECT_EQ(ToHex(g.g()), v["g"].get<std::string>());
  EXPECT_EQ(ToHex(g.q()), v["q"].get<std::string>());
  // From values: recognized as id 0.
  absl::StatusOr<DhGroup> same = DhGroup::FromValues(HexField(v["p"]), HexField(v["g"]), HexField(v["q"]));
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->parameter_id(), 0);
  EXPECT_TRUE(*same == g);
}

// ICAO 9303-11 Appendix G.2: every DH value of PACE-GM on the 1024-bit group.
TEST(DhGroupTest, AppendixG2GenericMappingArithmetic) {
  const nlohmann::json v = LoadVector("icao9303-p11-appG2-pace-gm-dh.json");
  DhGroup g = *DhGroup::FromParameterId(v["inputs"]["parameter_id"].get<int>());
  const auto& m = v["mapping"];

  absl::StatusOr<DhKeyPair> terminal_map = g.KeyPairFromPrivate(HexField(m["terminal_private"]));
  ASSERT_TRUE(terminal_map.ok()) << terminal_map.status();
  EXPECT_EQ(ToHex(terminal_map->public_key), m["terminal_public"].get<std::string>());
  absl::StatusOr<DhKeyPair> chip_map = g.KeyPairFromPrivate(HexField(m["chip_private"]));
  ASSERT_TRUE(chip_map.ok());
  EXPECT_EQ(ToHex(chip_map->public_key), m["chip_public"].get<std::string>());

  absl::StatusOr<SecureBytes> h = g.SharedSecret(HexField(m["terminal_private"]), HexField(m["chip_public"]));
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(ToHex(FromSecure(*h)), m["shared_secret_H"].get<std::string>());
  EXPECT_EQ(*h, *g.SharedSecret(HexField(m["chip_private"]), HexField(m["terminal_public"])));

  // g~ = g^s * h mod p.
  const Bytes gs = g.PowerMod(g.g(), HexField(v["nonce_s"]));
  const Bytes g_mapped = g.MultiplyMod(gs, FromSecure(*h));
  EXPECT_EQ(ToHex(g_mapped), m["mapped_generator"].get<std::string>());
  absl::StatusOr<DhGroup> mapped = g.WithGenerator(g_mapped);
  ASSERT_TRUE(mapped.ok()) << mapped.status();
  EXPECT_FALSE(mapped->parameter_id().has_value());

  const auto& ka = v["key_agreement"];
  // The terminal's ephemeral private key in G.2 is 1024 bits (not reduced mod q); as a number
  // in [1, q-1] it is refused, so compute its public value directly.
  const Bytes terminal_eph_pub = mapped->PowerMod(mapped->g(), HexField(ka["terminal_private"]));
  // The vector writes it with a leading 00 (129 bytes); the value is 128 bytes.
  EXPECT_EQ(ToHex(terminal_eph_pub), ka["terminal_public"].get<std::string>().substr(2));
  absl::StatusOr<DhKeyPair> chip_eph = mapped->KeyPairFromPrivate(HexField(ka["chip_private"]));
  ASSERT_TRUE(chip_eph.ok());
  EXPECT_EQ(ToHex(chip_eph->public_key), ka["chip_public"].get<std::string>());

  absl::StatusOr<SecureBytes> k = mapped->SharedSecret(HexField(ka["chip_private"]), terminal_eph_pub);
  ASSERT_TRUE(k.ok()) << k.status();
  EXPECT_EQ(ToHex(FromSecure(*k)), ka["shared_secret_K"].get<std::string>());
  // The 129-byte form with the leading 00 is the same number: accepted and normalized to 128 bytes.
  absl::StatusOr<Bytes> normalized = mapped->ValidatePublic(HexField(ka["terminal_public"]));
  ASSERT_TRUE(normalized.ok());
  EXPECT_EQ(*normalized, terminal_eph_pub);
}

TEST(DhGroupTest, ValidatePublicChecksRangeAndSubgroup) {
  DhGroup g = *DhGroup::FromParameterId(0);
  const Bytes p = g.p();
  EXPECT_THAT(g.ValidatePublic(HexOrDie("00")).status().message(), HasSubstr("(1, p-1)"));
  EXPECT_FALSE(g.ValidatePublic(HexOrDie("01")).ok());
  Bytes p_minus_1 = p;
  p_minus_1.back() -= 1;  // p is odd
  EXPECT_FALSE(g.ValidatePublic(p_minus_1).ok());
  EXPECT_FALSE(g.ValidatePublic(p).ok());
  // 2 is not in the subgroup of order q.
  EXPECT_THAT(g.ValidatePublic(HexOrDie("02")).status().message(), HasSubstr("subgroup"));
  // A value without its leading zeros is accepted and padded.
  DhKeyPair kp = *g.KeyPairFromPrivate(HexOrDie("05"));
  absl::StatusOr<Bytes> padded = g.ValidatePublic(kp.public_key);
  ASSERT_TRUE(padded.ok());
  EXPECT_EQ(padded->size(), 128u);
  EXPECT_EQ(*g.ValidatePublic(Concat({HexOrDie("0000"), kp.public_key})), *padded);
  Bytes longer = Concat({HexOrDie("01"), kp.public_key});
  EXPECT_THAT(g.ValidatePublic(longer).status().message(), HasSubstr("longer than p"));
  // Key agreement refuses invalid peers.
  EXPECT_FALSE(g.SharedSecret(HexOrDie("05"), HexOrDie("02")).ok());
}

TEST(DhGroupTest, PrivateExponentsAreBoundedByQ) {
  DhGroup g = *DhGroup::FromParameterId(2);
  EXPECT_FALSE(g.KeyPairFromPrivate(g.q()).ok());
  EXPECT_FALSE(g.KeyPairFromPrivate(HexOrDie("00")).ok());
  auto rng = NewSystemRandom();
  for (int i = 0; i < 4; ++i) {
    absl::StatusOr<DhKeyPair> kp = g.GenerateKeyPair(*rng, "pace.ephemeral_key");
    ASSERT_TRUE(kp.ok());
    EXPECT_EQ(kp->private_key.size(), 32u);
    EXPECT_EQ(kp->public_key.size(), 256u);
    EXPECT_LT(ToHex(FromSecure(kp->private_key)), ToHex(g.q()));  // same length: hex order = numeric order
    EXPECT_TRUE(g.ValidatePublic(kp->public_key).ok());
  }
  ScriptedRandom scripted;
  scripted.Add("pace.mapping_key", HexOrDie("05"));
  absl::StatusOr<DhKeyPair> kp = g.GenerateKeyPair(scripted, "pace.mapping_key");
  ASSERT_TRUE(kp.ok());
  EXPECT_EQ(kp->public_key, g.PowerMod(g.g(), HexOrDie("05")));
}

TEST(DhGroupTest, SharedSecretIsLeftPadded) {
  DhGroup g = *DhGroup::FromParameterId(0);
  DhKeyPair peer = *g.KeyPairFromPrivate(HexOrDie("0123456789"));
  bool found = false;
  for (int x = 1; x < 5000 && !found; ++x) {
    Bytes e = {static_cast<uint8_t>(x >> 8), static_cast<uint8_t>(x)};
    absl::StatusOr<SecureBytes> k = g.SharedSecret(e, peer.public_key);
    ASSERT_TRUE(k.ok());
    ASSERT_EQ(k->size(), 128u);
    if ((*k)[0] == 0) found = true;
  }
  EXPECT_TRUE(found);
}

TEST(DhGroupTest, X942AndPkcs3Der) {
  DhGroup g1 = *DhGroup::FromParameterId(1);
  const Bytes der = EncodeTlv(0x30, Concat({DerInteger(g1.p()), DerInteger(g1.g()), DerInteger(g1.q())}));
  absl::StatusOr<DhGroup> parsed = DhGroup::FromX942Der(der);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->parameter_id(), 1);
  // With the optional j.
  const Bytes der_j = EncodeTlv(0x30, Concat({DerInteger(g1.p()), DerInteger(g1.g()), DerInteger(g1.q()),
                                              DerInteger(HexOrDie("02"))}));
  EXPECT_EQ(DhGroup::FromX942Der(der_j)->parameter_id(), 1);
  for (size_t cut = 0; cut < der.size(); cut += 13) {
    EXPECT_FALSE(DhGroup::FromX942Der(ByteSpan(der.data(), cut)).ok());
  }
  // PKCS #3 (no q): a standard p and g are still recognized.
  const Bytes pkcs3 = EncodeTlv(0x30, Concat({DerInteger(g1.p()), DerInteger(g1.g())}));
  EXPECT_EQ(DhGroup::FromPkcs3Der(pkcs3)->parameter_id(), 1);

  // A non-standard group without q: RFC 3526 1536-bit MODP (Oakley group 5), g = 2.
  const Bytes p1536 = HexOrDie(
      "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
      "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
      "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
      "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA237327FFFFFFFFFFFFFFFF");
  const Bytes oakley = EncodeTlv(0x30, Concat({DerInteger(p1536), DerInteger(HexOrDie("02"))}));
  absl::StatusOr<DhGroup> no_q = DhGroup::FromPkcs3Der(oakley);
  ASSERT_TRUE(no_q.ok()) << no_q.status();
  EXPECT_FALSE(no_q->has_q());
  EXPECT_FALSE(no_q->parameter_id().has_value());
  EXPECT_TRUE(no_q->q().empty());
  DhKeyPair a = *no_q->KeyPairFromPrivate(HexOrDie("1234567890ABCDEF"));
  DhKeyPair b = *no_q->KeyPairFromPrivate(HexOrDie("0FEDCBA987654321"));
  EXPECT_EQ(a.private_key.size(), 192u);
  EXPECT_EQ(*no_q->SharedSecret(a.private_key, b.public_key), *no_q->SharedSecret(b.private_key, a.public_key));

  // Not prime, bad generator.
  Bytes not_prime = p1536;
  not_prime[100] ^= 0x10;
  EXPECT_FALSE(DhGroup::FromValues(not_prime, HexOrDie("02"), {}).ok());
  EXPECT_FALSE(DhGroup::FromValues(p1536, HexOrDie("01"), {}).ok());
  // q that does not divide p-1.
  EXPECT_FALSE(DhGroup::FromValues(p1536, HexOrDie("02"), g1.q()).ok());
}

TEST(DhGroupTest, WithGeneratorChecksTheSubgroup) {
  DhGroup g = *DhGroup::FromParameterId(0);
  EXPECT_FALSE(g.WithGenerator(HexOrDie("01")).ok());
  EXPECT_FALSE(g.WithGenerator(HexOrDie("02")).ok());
  Bytes g3 = g.PowerMod(g.g(), HexOrDie("03"));
  absl::StatusOr<DhGroup> mapped = g.WithGenerator(g3);
  ASSERT_TRUE(mapped.ok());
  EXPECT_EQ(mapped->KeyPairFromPrivate(HexOrDie("05"))->public_key, g.PowerMod(g.g(), HexOrDie("0F")));
}

// Records what FromValues asks and answers what it was told.
class FakeCache : public GroupValidationCache {
 public:
  std::optional<bool> Lookup(const Bytes& key) override {
    ++lookups;
    auto it = verdicts.find(key);
    return it == verdicts.end() ? std::nullopt : std::optional<bool>(it->second);
  }
  void Store(const Bytes& key, bool valid) override {
    ++stores;
    verdicts[key] = valid;
  }
  std::map<Bytes, bool> verdicts;
  int lookups = 0, stores = 0;
};

// RFC 5114 §2.2's p and q with another generator: an explicit, non-standardized 2048-bit group.
struct Explicit {
  Bytes p, g, q;
};
Explicit Proprietary2048() {
  DhGroup std_group = *DhGroup::FromParameterId(1);
  return {std_group.p(), std_group.PowerMod(std_group.g(), HexOrDie("02")), std_group.q()};
}

TEST(DhGroupTest, ExplicitGroupSizeCap) {
  const Explicit e = Proprietary2048();
  absl::StatusOr<DhGroup> at = DhGroup::FromValues(e.p, e.g, e.q, {.max_p_bits = 2048});
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_FALSE(at->parameter_id().has_value());
  absl::StatusOr<DhGroup> over = DhGroup::FromValues(e.p, e.g, e.q, {.max_p_bits = 2047});
  EXPECT_EQ(LimitName(over.status()), "max_dh_bits") << over.status();
  // The standardized groups pass whatever the cap says.
  DhGroup std_group = *DhGroup::FromParameterId(1);
  EXPECT_TRUE(DhGroup::FromValues(std_group.p(), std_group.g(), std_group.q(), {.max_p_bits = 1024}).ok());
  // The cap comes before any primality test: an 8192-bit odd number is refused at once.
  Bytes huge(1024, 0xFF);
  absl::StatusOr<DhGroup> h = DhGroup::FromValues(huge, HexOrDie("02"), e.q, {.max_p_bits = 2048});
  EXPECT_EQ(LimitName(h.status()), "max_dh_bits");
}

TEST(DhGroupTest, CacheRemembersVerdicts) {
  const Explicit e = Proprietary2048();
  FakeCache cache;
  ASSERT_TRUE(DhGroup::FromValues(e.p, e.g, e.q, {.cache = &cache}).ok());
  EXPECT_EQ(cache.lookups, 1);
  EXPECT_EQ(cache.stores, 1);
  ASSERT_TRUE(DhGroup::FromValues(e.p, e.g, e.q, {.cache = &cache}).ok());
  EXPECT_EQ(cache.lookups, 2);
  EXPECT_EQ(cache.stores, 1);  // the second time from the cache
  // A remembered "invalid" is refused without a test; the cheap checks still run on a "valid" one.
  cache.verdicts.begin()->second = false;
  EXPECT_THAT(DhGroup::FromValues(e.p, e.g, e.q, {.cache = &cache}).status().message(), HasSubstr("before"));
  cache.verdicts.begin()->second = true;
  Bytes not_divisor = e.q;
  not_divisor.back() ^= 0x02;
  EXPECT_FALSE(DhGroup::FromValues(e.p, e.g, not_divisor, {.cache = &cache}).ok());
  // The key covers every parameter: another generator is another entry.
  DhGroup std_group = *DhGroup::FromParameterId(1);
  const Bytes g4 = std_group.PowerMod(std_group.g(), HexOrDie("04"));
  ASSERT_TRUE(DhGroup::FromValues(e.p, g4, e.q, {.cache = &cache}).ok());
  EXPECT_EQ(cache.verdicts.size(), 2u);
}

TEST(DhGroupTest, FreshValidationsAreCounted) {
  const Explicit e = Proprietary2048();
  DhGroup std_group = *DhGroup::FromParameterId(1);
  const Bytes g4 = std_group.PowerMod(std_group.g(), HexOrDie("04"));
  SessionGroupCache session(nullptr);
  size_t left = 1;
  const DhGroupOptions options{.cache = &session, .validations_left = &left};
  ASSERT_TRUE(DhGroup::FromValues(e.p, e.g, e.q, options).ok());
  EXPECT_EQ(left, 0u);
  ASSERT_TRUE(DhGroup::FromValues(e.p, e.g, e.q, options).ok());  // remembered: free
  absl::StatusOr<DhGroup> second = DhGroup::FromValues(e.p, g4, e.q, options);
  EXPECT_EQ(LimitName(second.status()), "max_group_validations") << second.status();
  // The standardized groups never count.
  EXPECT_TRUE(DhGroup::FromValues(std_group.p(), std_group.g(), std_group.q(), options).ok());
}

}  // namespace
}  // namespace docval::emrtd
