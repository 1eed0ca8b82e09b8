#include "validator/emrtd/crypto/ecc.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/testing/vectors.h"

namespace docval::emrtd {
namespace {

using ::testing::HasSubstr;
using testing::LoadVector;
using testing::HexField;
using testing::EcPointField;

TEST(EcGroupTest, StandardizedParameterIds) {
  const struct {
    int id;
    size_t field_size;
    size_t order_size;
  } kCases[] = {{8, 24, 24},  {9, 24, 24},  {10, 28, 28}, {11, 28, 28}, {12, 32, 32}, {13, 32, 32},
                {14, 40, 40}, {15, 48, 48}, {16, 48, 48}, {17, 64, 64}, {18, 66, 66}};
  for (const auto& c : kCases) {
    absl::StatusOr<EcGroup> g = EcGroup::FromParameterId(c.id);
    ASSERT_TRUE(g.ok()) << c.id;
    EXPECT_EQ(g->parameter_id(), c.id);
    EXPECT_EQ(g->field_size(), c.field_size) << c.id;
    EXPECT_EQ(g->order_size(), c.order_size) << c.id;
    EXPECT_EQ(g->generator().Encode().size(), 1 + 2 * c.field_size);
    EXPECT_TRUE(EcGroup::IsStandardParameterId(c.id));
  }
  for (int id : {-1, 0, 1, 2, 3, 7, 19, 255}) {
    EXPECT_EQ(EcGroup::FromParameterId(id).status().code(), absl::StatusCode::kNotFound) << id;
    EXPECT_FALSE(EcGroup::IsStandardParameterId(id));
  }
}

TEST(EcGroupTest, KnownCurveConstants) {
  // NIST P-256 and brainpoolP256r1 generators (FIPS 186-4 D.1.2.3, RFC 5639 §3.4).
  EcGroup p256 = *EcGroup::FromParameterId(12);
  EXPECT_EQ(ToHex(p256.generator().X()), "6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296");
  EcGroup bp256 = *EcGroup::FromParameterId(13);
  EXPECT_EQ(ToHex(bp256.generator().X()), "8BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262");
  EXPECT_EQ(ToHex(bp256.parameters().p), "A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377");
}

// ICAO 9303-11 Appendix G.1: every EC value of PACE-GM on brainpoolP256r1.
TEST(EcGroupTest, AppendixG1GenericMappingArithmetic) {
  const nlohmann::json v = LoadVector("icao9303-p11-appG1-pace-gm-ecdh.json");
  EcGroup g = *EcGroup::FromParameterId(v["inputs"]["parameter_id"].get<int>());
  const auto& m = v["mapping"];

  absl::StatusOr<EcKeyPair> terminal_map = g.KeyPairFromPrivate(HexField(m["terminal_private"]));
  ASSERT_TRUE(terminal_map.ok()) << terminal_map.status();
  EXPECT_EQ(ToHex(terminal_map->public_key.Encode()), ToHex(EcPointField(m["terminal_public"])));
  absl::StatusOr<EcKeyPair> chip_map = g.KeyPairFromPrivate(HexField(m["chip_private"]));
  ASSERT_TRUE(chip_map.ok());
  EXPECT_EQ(ToHex(chip_map->public_key.Encode()), ToHex(EcPointField(m["chip_public"])));

  // H from both sides.
  absl::StatusOr<EcPoint> chip_pub = g.DecodePoint(EcPointField(m["chip_public"]));
  ASSERT_TRUE(chip_pub.ok()) << chip_pub.status();
  absl::StatusOr<EcPoint> h = g.SharedPoint(HexField(m["terminal_private"]), *chip_pub);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(ToHex(h->Encode()), ToHex(EcPointField(m["shared_point_H"])));
  absl::StatusOr<EcPoint> h2 = g.SharedPoint(HexField(m["chip_private"]), terminal_map->public_key);
  ASSERT_TRUE(h2.ok());
  EXPECT_TRUE(*h == *h2);

  // G~ = s*G + H.
  absl::StatusOr<EcPoint> sg = g.MultiplyGenerator(HexField(v["nonce_s"]));
  ASSERT_TRUE(sg.ok());
  absl::StatusOr<EcPoint> g_mapped = g.Add(*sg, *h);
  ASSERT_TRUE(g_mapped.ok());
  EXPECT_EQ(ToHex(g_mapped->Encode()), ToHex(EcPointField(m["mapped_generator"])));

  absl::StatusOr<EcGroup> mapped = g.WithGenerator(*g_mapped);
  ASSERT_TRUE(mapped.ok());
  EXPECT_FALSE(mapped->parameter_id().has_value());
  EXPECT_FALSE(*mapped == g);

  const auto& ka = v["key_agreement"];
  absl::StatusOr<EcKeyPair> terminal_eph = mapped->KeyPairFromPrivate(HexField(ka["terminal_private"]));
  ASSERT_TRUE(terminal_eph.ok());
  EXPECT_EQ(ToHex(terminal_eph->public_key.Encode()), ToHex(EcPointField(ka["terminal_public"])));
  absl::StatusOr<EcKeyPair> chip_eph = mapped->KeyPairFromPrivate(HexField(ka["chip_private"]));
  ASSERT_TRUE(chip_eph.ok());
  EXPECT_EQ(ToHex(chip_eph->public_key.Encode()), ToHex(EcPointField(ka["chip_public"])));

  absl::StatusOr<EcPoint> chip_eph_pub = mapped->DecodePoint(EcPointField(ka["chip_public"]));
  ASSERT_TRUE(chip_eph_pub.ok());
  absl::StatusOr<SecureBytes> k = mapped->SharedSecret(HexField(ka["terminal_private"]), *chip_eph_pub);
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(ToHex(FromSecure(*k)), ka["shared_secret_K_x"].get<std::string>());
  absl::StatusOr<SecureBytes> k2 = mapped->SharedSecret(HexField(ka["chip_private"]), terminal_eph->public_key);
  ASSERT_TRUE(k2.ok());
  EXPECT_EQ(*k, *k2);
}

// The BSI EAC worked example (OpenPACE's copy), ECDH part, mapping and key agreement.
TEST(EcGroupTest, BsiWorkedExampleArithmetic) {
  const nlohmann::json v = LoadVector("bsi-eac-worked-example-openpace.json")["ecdh"]["pace"];
  EcGroup g = *EcGroup::FromParameterId(v["parameter_id"].get<int>());
  absl::StatusOr<EcKeyPair> pcd_map = g.KeyPairFromPrivate(HexField(v["mapping_pcd_private"]));
  ASSERT_TRUE(pcd_map.ok());
  EXPECT_EQ(ToHex(pcd_map->public_key.Encode()), v["mapping_pcd_public"].get<std::string>());
  absl::StatusOr<EcPoint> picc_map = g.DecodePoint(HexField(v["mapping_picc_public"]));
  ASSERT_TRUE(picc_map.ok());
  absl::StatusOr<EcPoint> h = g.SharedPoint(HexField(v["mapping_pcd_private"]), *picc_map);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(ToHex(h->Encode()), v["mapping_shared_secret_H"].get<std::string>());
  absl::StatusOr<EcPoint> sg = g.MultiplyGenerator(HexField(v["nonce_s"]));
  ASSERT_TRUE(sg.ok());
  absl::StatusOr<EcPoint> gm = g.Add(*sg, *h);
  ASSERT_TRUE(gm.ok());
  EXPECT_EQ(ToHex(gm->Encode()), v["mapped_generator"].get<std::string>());
  EcGroup mapped = *g.WithGenerator(*gm);
  // The PCD's ephemeral private key is given with a leading 00 (33 bytes): it is a number.
  absl::StatusOr<EcKeyPair> pcd = mapped.KeyPairFromPrivate(HexField(v["ephemeral_pcd_private"]));
  ASSERT_TRUE(pcd.ok()) << pcd.status();
  EXPECT_EQ(pcd->private_key.size(), 32u);
  EXPECT_EQ(ToHex(pcd->public_key.Encode()), v["ephemeral_pcd_public"].get<std::string>());
  absl::StatusOr<EcKeyPair> picc = mapped.KeyPairFromPrivate(HexField(v["ephemeral_picc_private"]));
  ASSERT_TRUE(picc.ok());
  EXPECT_EQ(ToHex(picc->public_key.Encode()), v["ephemeral_picc_public"].get<std::string>());
  absl::StatusOr<SecureBytes> k = mapped.SharedSecret(HexField(v["ephemeral_pcd_private"]), picc->public_key);
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(ToHex(FromSecure(*k)), v["shared_secret_K"].get<std::string>());
}

TEST(EcGroupTest, DecodePointRejectsMalformedPoints) {
  EcGroup g = *EcGroup::FromParameterId(13);
  const Bytes good = g.generator().Encode();
  ASSERT_TRUE(g.DecodePoint(good).ok());

  EXPECT_EQ(g.DecodePoint({}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(g.DecodePoint(HexOrDie("00")).ok());  // infinity
  Bytes compressed(good.begin(), good.begin() + 33);
  compressed[0] = 0x02 | (good.back() & 1);
  EXPECT_FALSE(g.DecodePoint(compressed).ok());
  Bytes short_point(good.begin(), good.end() - 1);
  EXPECT_FALSE(g.DecodePoint(short_point).ok());
  Bytes long_point = good;
  long_point.push_back(0);
  EXPECT_FALSE(g.DecodePoint(long_point).ok());
  Bytes off_curve = good;
  off_curve.back() ^= 1;
  absl::Status s = g.DecodePoint(off_curve).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("not on the curve"));
  // x = p (not reduced).
  Bytes x_is_p = Concat({HexOrDie("04"), g.parameters().p, g.generator().Y()});
  EXPECT_THAT(g.DecodePoint(x_is_p).status().message(), HasSubstr("not below p"));
  // A point of P-256 is off brainpoolP256r1.
  EcGroup p256 = *EcGroup::FromParameterId(12);
  EXPECT_FALSE(g.DecodePoint(p256.generator().Encode()).ok());
}

TEST(EcGroupTest, ArithmeticRejectsInfinityAndForeignPoints) {
  EcGroup g = *EcGroup::FromParameterId(12);
  EcPoint gen = g.generator();
  // -G = (x, p - y).
  EcDomainParameters params = g.parameters();
  Bytes neg_y(32);
  int borrow = 0;
  Bytes y = gen.Y();
  for (int i = 31; i >= 0; --i) {
    int d = params.p[i] - y[i] - borrow;
    borrow = d < 0;
    neg_y[i] = static_cast<uint8_t>(d + (borrow ? 256 : 0));
  }
  absl::StatusOr<EcPoint> neg = g.PointFromCoordinates(gen.X(), neg_y);
  ASSERT_TRUE(neg.ok());
  EXPECT_THAT(g.Add(gen, *neg).status().message(), HasSubstr("infinity"));
  // [n]G = infinity, [0]G is refused.
  EXPECT_FALSE(g.MultiplyGenerator(params.order).ok());
  EXPECT_FALSE(g.MultiplyGenerator(HexOrDie("00")).ok());
  EXPECT_FALSE(g.KeyPairFromPrivate(params.order).ok());
  EXPECT_FALSE(g.KeyPairFromPrivate(HexOrDie("0000")).ok());
  // [n+1]G = G: scalars are reduced modulo n.
  Bytes n_plus_1 = params.order;
  n_plus_1.back() += 1;  // P-256's order ends in 0x51
  absl::StatusOr<EcPoint> same = g.MultiplyGenerator(n_plus_1);
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(*same == gen);
  // Points of another curve are refused.
  EcGroup other = *EcGroup::FromParameterId(13);
  EXPECT_FALSE(g.Multiply(other.generator(), HexOrDie("02")).ok());
  EXPECT_FALSE(g.Add(gen, other.generator()).ok());
  EXPECT_FALSE(g.WithGenerator(other.generator()).ok());
}

// The x-coordinate and the coordinates of a point keep their leading zero bytes.
TEST(EcGroupTest, SharedSecretIsLeftPadded) {
  EcGroup g = *EcGroup::FromParameterId(12);
  EcKeyPair peer = *g.KeyPairFromPrivate(HexOrDie("0123456789ABCDEF"));
  bool found = false;
  for (int d = 1; d < 5000 && !found; ++d) {
    Bytes scalar = {static_cast<uint8_t>(d >> 8), static_cast<uint8_t>(d)};
    absl::StatusOr<EcPoint> point = g.SharedPoint(scalar, peer.public_key);
    ASSERT_TRUE(point.ok());
    if (point->X()[0] != 0) continue;
    found = true;
    absl::StatusOr<SecureBytes> k = g.SharedSecret(scalar, peer.public_key);
    ASSERT_TRUE(k.ok());
    EXPECT_EQ(k->size(), 32u);
    EXPECT_EQ((*k)[0], 0);
    EXPECT_EQ(FromSecure(*k), point->X());
    EXPECT_EQ(point->Encode().size(), 65u);
    // And the encoding round-trips.
    absl::StatusOr<EcPoint> back = g.DecodePoint(point->Encode());
    ASSERT_TRUE(back.ok());
    EXPECT_TRUE(*back == *point);
  }
  EXPECT_TRUE(found);
}

TEST(EcGroupTest, GenerateKeyPairDrawsTheScalarByPurpose) {
  EcGroup g = *EcGroup::FromParameterId(13);
  ScriptedRandom rng;
  rng.Add("pace.ephemeral_key", HexOrDie("7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99"));
  absl::StatusOr<EcKeyPair> kp = g.GenerateKeyPair(rng, "pace.ephemeral_key");
  ASSERT_TRUE(kp.ok());
  EXPECT_EQ(ToHex(kp->public_key.X()), "7ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E");
  EXPECT_FALSE(g.GenerateKeyPair(rng, "pace.ephemeral_key").ok());  // nothing left

  auto system = NewSystemRandom();
  absl::StatusOr<EcKeyPair> a = g.GenerateKeyPair(*system, "x");
  absl::StatusOr<EcKeyPair> b = g.GenerateKeyPair(*system, "x");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->private_key.size(), 32u);
  EXPECT_EQ(*g.SharedSecret(a->private_key, b->public_key), *g.SharedSecret(b->private_key, a->public_key));
}

TEST(EcGroupTest, FromDerNamedCurveAndExplicitParameters) {
  // namedCurve prime256v1 and brainpoolP384r1.
  absl::StatusOr<EcGroup> named = EcGroup::FromDer(HexOrDie("06082A8648CE3D030107"));
  ASSERT_TRUE(named.ok()) << named.status();
  EXPECT_EQ(named->parameter_id(), 12);
  absl::StatusOr<EcGroup> bp384 = EcGroup::FromDer(HexOrDie("06092B240303020801010B"));
  ASSERT_TRUE(bp384.ok()) << bp384.status();
  EXPECT_EQ(bp384->parameter_id(), 16);
  EXPECT_EQ(EcGroup::FromDer(HexOrDie("06052B81040022")).value().parameter_id(), 15);  // secp384r1
  EXPECT_EQ(EcGroup::FromDer(HexOrDie("06052B8104000A")).status().code(), absl::StatusCode::kNotFound);  // secp256k1

  // Explicit parameters from a German test card's PACEDomainParameterInfo (OpenPACE sample
  // "ef_cardaccess_old_testcard"): brainpoolP256t1 (RFC 5639 §3.4, the twisted curve: same p and
  // order as brainpoolP256r1, a = p - 3), which has no PACE parameter id.
  const std::string card_access =
      LoadVector("openpace-cardaccess-cardsecurity-samples.json")["ef_cardaccess"]["ef_cardaccess_old_testcard"];
  const size_t at = card_access.find("3081E0020101");
  ASSERT_NE(at, std::string::npos);
  const Bytes der = HexOrDie(card_access.substr(at, 2 * (3 + 0xE0)));
  absl::StatusOr<EcGroup> explicit_group = EcGroup::FromDer(der);
  ASSERT_TRUE(explicit_group.ok()) << explicit_group.status();
  EcGroup bp256 = *EcGroup::FromParameterId(13);
  EXPECT_FALSE(explicit_group->parameter_id().has_value());
  EXPECT_FALSE(*explicit_group == bp256);
  EXPECT_EQ(explicit_group->parameters().p, bp256.parameters().p);
  EXPECT_EQ(explicit_group->parameters().order, bp256.parameters().order);
  EXPECT_EQ(ToHex(explicit_group->parameters().a),
            "A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5374");
  EXPECT_EQ(ToHex(explicit_group->generator().X()),
            "A3E8EB3CC1CFE7B7732213B23A656149AFA142C47AAFBC2B79A191562E1305F4");
  // Key agreement works on it.
  EcKeyPair a = *explicit_group->KeyPairFromPrivate(HexOrDie("11"));
  EcKeyPair b = *explicit_group->KeyPairFromPrivate(HexOrDie("22"));
  EXPECT_EQ(*explicit_group->SharedSecret(a.private_key, b.public_key),
            *explicit_group->SharedSecret(b.private_key, a.public_key));
  // brainpoolP256r1 written out explicitly is parameter id 13; with another generator it is not.
  EXPECT_EQ(EcGroup::FromExplicit(bp256.parameters())->parameter_id(), 13);
  EcDomainParameters other_generator = bp256.parameters();
  EcPoint g3 = *bp256.MultiplyGenerator(HexOrDie("03"));
  other_generator.g_x = g3.X();
  other_generator.g_y = g3.Y();
  absl::StatusOr<EcGroup> r1_g3 = EcGroup::FromExplicit(other_generator);
  ASSERT_TRUE(r1_g3.ok()) << r1_g3.status();
  EXPECT_FALSE(r1_g3->parameter_id().has_value());
  EXPECT_TRUE(r1_g3->generator() == g3);

  // Malformed DER never crashes.
  for (size_t cut = 0; cut < der.size(); cut += 7) {
    EXPECT_FALSE(EcGroup::FromDer(ByteSpan(der.data(), cut)).ok()) << cut;
  }
  Bytes bad_version = der;
  bad_version[5] = 2;
  EXPECT_FALSE(EcGroup::FromDer(bad_version).ok());
  // The cofactor INTEGER ends the SEQUENCE: 0 is rejected, not read as the default 1.
  ASSERT_EQ(ToHex(ByteSpan(der).last(3)), "020101");
  Bytes zero_cofactor = der;
  zero_cofactor.back() = 0;
  EXPECT_THAT(EcGroup::FromDer(zero_cofactor).status().message(), HasSubstr("cofactor is zero"));
  // A field that is not where it belongs is named in the error.
  const size_t order_at = der.size() - 3 - 35;  // 02 21 00 A9FB...56A7, then the cofactor
  ASSERT_EQ(ToHex(ByteSpan(der).subspan(order_at, 4)), "022100A9");
  Bytes no_order = der;
  no_order[order_at] = 0x04;  // order INTEGER -> OCTET STRING
  EXPECT_THAT(EcGroup::FromDer(no_order).status().message(), HasSubstr("order"));
  // A namedCurve that is a well-formed OID but no curve (1.2.840), and one whose last arc does not end.
  EXPECT_EQ(EcGroup::FromDer(HexOrDie("06032A8648")).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(EcGroup::FromDer(HexOrDie("06022A86")).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(EcGroupTest, NonStandardExplicitCurve) {
  // brainpoolP256r1 with generator 2G: valid, but not a standardized parameter set.
  EcGroup std_group = *EcGroup::FromParameterId(13);
  EcPoint g2 = *std_group.MultiplyGenerator(HexOrDie("02"));
  EcDomainParameters params = std_group.parameters();
  params.g_x = g2.X();
  params.g_y = g2.Y();
  absl::StatusOr<EcGroup> custom = EcGroup::FromExplicit(params);
  ASSERT_TRUE(custom.ok()) << custom.status();
  EXPECT_FALSE(custom->parameter_id().has_value());
  EXPECT_EQ(custom->field_size(), 32u);
  // [3](2G) computed on the custom group equals [6]G on the standard one.
  absl::StatusOr<EcKeyPair> kp = custom->KeyPairFromPrivate(HexOrDie("03"));
  ASSERT_TRUE(kp.ok());
  EXPECT_EQ(kp->public_key.Encode(), std_group.MultiplyGenerator(HexOrDie("06"))->Encode());
  EcKeyPair a = *custom->KeyPairFromPrivate(HexOrDie("1234567890"));
  EcKeyPair b = *custom->KeyPairFromPrivate(HexOrDie("0987654321ABCDEF"));
  EXPECT_EQ(*custom->SharedSecret(a.private_key, b.public_key), *custom->SharedSecret(b.private_key, a.public_key));

  EcDomainParameters off = params;
  off.g_y.back() ^= 1;
  EXPECT_THAT(EcGroup::FromExplicit(off).status().message(), HasSubstr("not on the curve"));
  EcDomainParameters not_prime = params;
  not_prime.p.back() ^= 2;  // p - 2 or p + 2: even? keep odd, not prime
  EXPECT_FALSE(EcGroup::FromExplicit(not_prime).ok());
  EcDomainParameters bad_order = params;
  bad_order.order.back() ^= 2;
  EXPECT_FALSE(EcGroup::FromExplicit(bad_order).ok());
}

TEST(EcGroupTest, MappedGroupUsesTheNewGenerator) {
  EcGroup g = *EcGroup::FromParameterId(8);
  EcPoint g5 = *g.MultiplyGenerator(HexOrDie("05"));
  EcGroup mapped = *g.WithGenerator(g5);
  EXPECT_TRUE(mapped.generator() == g5);
  EXPECT_TRUE(*mapped.MultiplyGenerator(HexOrDie("07")) == *g.MultiplyGenerator(HexOrDie("23")));
  // Points decoded in either group work in the other.
  EcPoint p = *mapped.DecodePoint(g.generator().Encode());
  EXPECT_TRUE(*g.Multiply(p, HexOrDie("05")) == g5);
  // Mapping back to the standard generator restores the parameter id.
  EXPECT_EQ(mapped.WithGenerator(g.generator())->parameter_id(), 8);
}

}  // namespace
}  // namespace docval::emrtd
