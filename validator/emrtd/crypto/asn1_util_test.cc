#include "validator/emrtd/crypto/asn1_util.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace docval::emrtd::asn1 {
namespace {

TEST(Asn1Util, OidRoundTrip) {
  for (const char* oid : {"2.23.136.1.1.1", "1.2.840.113549.1.1.10", "0.4.0.127.0.7.2.2.1.2", "1.3.14.3.2.26",
                          "2.999.1"}) {
    Bytes c = EncodeOidContents(oid);
    absl::StatusOr<std::string> back = DecodeOid(c);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, oid);
  }
  // id-sha256 encoding as it appears in every SOD.
  EXPECT_EQ(ToHex(EncodeOid("2.16.840.1.101.3.4.2.1")), "0609608648016503040201");
}

TEST(Asn1Util, OidRejectsMalformed) {
  EXPECT_FALSE(DecodeOid({}).ok());
  EXPECT_FALSE(DecodeOid(HexOrDie("2A86")).ok());    // truncated arc
  EXPECT_FALSE(DecodeOid(HexOrDie("2A8048")).ok());  // non-minimal arc
  EXPECT_FALSE(DecodeOid(HexOrDie("2AFFFFFFFFFFFFFFFFFF7F")).ok());
}

TEST(Asn1Util, SmallInteger) {
  auto small = [](absl::string_view hex) {
    Bytes b = HexOrDie(hex);
    absl::StatusOr<Tlv> t = ParseTlv(b);
    EXPECT_TRUE(t.ok());
    return SmallIntegerOf(*t, "x");
  };
  EXPECT_EQ(*small("020200FF"), 255);
  EXPECT_FALSE(small("0201FF").ok());                  // negative
  EXPECT_FALSE(small("0209010000000000000000").ok());  // too large
  EXPECT_FALSE(small("0400").ok());                    // wrong tag
}

TEST(Asn1Util, ConstructedOctetStringIsConcatenated) {
  // BER: constructed OCTET STRING, indefinite length, two segments, one nested.
  Bytes ber = HexOrDie("2480 04020102 2480 0401 03 0000 0000");
  absl::StatusOr<Tlv> t = ParseTlv(ber, nullptr, BerOptions());
  ASSERT_TRUE(t.ok()) << t.status();
  absl::StatusOr<Bytes> v = OctetStringOf(*t, "x");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(ToHex(*v), "010203");
}

TEST(Asn1Util, Times) {
  Bytes utc = HexOrDie("170D3038303132383233303030305A");  // 080128230000Z
  absl::StatusOr<Tlv> t = ParseTlv(utc);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*TimeOf(*t, "x"), 1201561200);
  Bytes gen = EncodeTlv(kGeneralizedTime, AsSpan(std::string("20380119031408Z")));
  t = ParseTlv(gen);
  EXPECT_EQ(*TimeOf(*t, "x"), 2147483648);
  Bytes utc_1999 = EncodeTlv(kUtcTime, AsSpan(std::string("991231235959Z")));
  t = ParseTlv(utc_1999);
  EXPECT_EQ(*TimeOf(*t, "x"), 946684799);
  Bytes local = EncodeTlv(kUtcTime, AsSpan(std::string("991231235959+0100")));
  t = ParseTlv(local);
  EXPECT_FALSE(TimeOf(*t, "x").ok());
  Bytes month13 = EncodeTlv(kUtcTime, AsSpan(std::string("991331235959Z")));
  t = ParseTlv(month13);
  EXPECT_FALSE(TimeOf(*t, "x").ok());
}

TEST(Asn1Util, AlgorithmIdentifier) {
  Bytes der = HexOrDie("300D06096086480165030402010500");
  absl::StatusOr<Tlv> t = ParseTlv(der);
  ASSERT_TRUE(t.ok());
  absl::StatusOr<AlgorithmIdentifier> a = AlgorithmIdentifierOf(*t, "x");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->oid, "2.16.840.1.101.3.4.2.1");
  EXPECT_TRUE(a->parameters_absent_or_null());
  EXPECT_EQ(ToHex(a->raw), "300D06096086480165030402010500");
  static constexpr uint8_t kNull[] = {0x05, 0x00};
  EXPECT_EQ(EncodeAlgorithmIdentifier("2.16.840.1.101.3.4.2.1", ByteSpan(kNull)), a->raw);
}

}  // namespace
}  // namespace docval::emrtd::asn1
