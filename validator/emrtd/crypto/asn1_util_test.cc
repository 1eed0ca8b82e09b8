#include "validator/emrtd/crypto/asn1_util.h"

#include <cstdint>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace docval::emrtd::asn1 {
namespace {

TEST(Asn1Oid, ContentsRoundTrip) {
  for (const char* oid : {"2.23.136.1.1.1", "1.2.840.113549.1.1.10", "0.4.0.127.0.7.2.2.1.2", "1.3.14.3.2.26",
                          "2.999.1", "0.0", "1.39.18446744073709551615", "2.18446744073709551535"}) {
    SCOPED_TRACE(oid);
    absl::StatusOr<Bytes> c = EncodeOidContents(oid);
    ASSERT_TRUE(c.ok()) << c.status();
    absl::StatusOr<std::string> back = DecodeOidContents(*c);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, oid);
  }
  EXPECT_EQ(ToHex(*EncodeOidContents("0.4.0.127.0.7.2.2.4.2.2")), "04007F00070202040202");
  EXPECT_EQ(ToHex(*EncodeOidContents("2.999.3")), "883703");
  EXPECT_EQ(*DecodeOidContents(HexOrDie("2A864886F70D010702")), "1.2.840.113549.1.7.2");
  // The largest arc and the largest first subidentifier (2^64 - 1).
  EXPECT_EQ(*DecodeOidContents(HexOrDie("2A81FFFFFFFFFFFFFFFF7F")), "1.2.18446744073709551615");
  EXPECT_EQ(ToHex(*EncodeOidContents("2.18446744073709551535")), "81FFFFFFFFFFFFFFFF7F");
}

TEST(Asn1Oid, TlvOfAConstant) {
  // id-sha256 as it appears in every SOD.
  EXPECT_EQ(ToHex(EncodeOidTlv("2.16.840.1.101.3.4.2.1")), "0609608648016503040201");
}

TEST(Asn1Oid, DecodeTakesTheContentsAndOidOfTheTlv) {
  const Bytes tlv = HexOrDie("0603550403");  // id-at-commonName, whole TLV
  // Handed the whole TLV, DecodeOidContents reads the tag and length as arcs: a different OID.
  EXPECT_EQ(*DecodeOidContents(tlv), "0.6.3.85.4.3");
  absl::StatusOr<Tlv> t = ParseTlv(tlv);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*OidOf(*t, "x"), "2.5.4.3");
  const Bytes octets = HexOrDie("0403550403");
  absl::StatusOr<Tlv> not_an_oid = ParseTlv(octets);
  ASSERT_TRUE(not_an_oid.ok());
  EXPECT_EQ(OidOf(*not_an_oid, "x").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(Asn1Oid, DecodeRejectsMalformedContents) {
  for (const char* hex : {"",                           // empty
                          "2A86",                       // the last arc does not end
                          "8001",                       // non-minimal first arc
                          "2A8048",                     // non-minimal later arc
                          "2A82808080808080808000",     // an arc of 2^64
                          "2AFFFFFFFFFFFFFFFFFF7F"}) {  // an arc of 70 bits
    SCOPED_TRACE(hex);
    EXPECT_EQ(DecodeOidContents(HexOrDie(hex)).status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST(Asn1Oid, EncodeRejectsMalformedText) {
  for (const char* dotted : {"", "1", "3.1", "1.40", "0.40", "1..2", "1.2.", "1.2.x", "1.2.-3",
                             "1.2.18446744073709551616", "2.18446744073709551536"}) {
    SCOPED_TRACE(dotted);
    EXPECT_EQ(EncodeOidContents(dotted).status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST(Asn1Util, ParameterIntegerIsReadAsUnsigned) {
  auto param = [](absl::string_view hex) {
    const Bytes b = HexOrDie(hex);  // the Tlv points into it
    absl::StatusOr<Tlv> t = ParseTlv(b);
    EXPECT_TRUE(t.ok());
    return ParameterIntegerOf(*t, "x");
  };
  EXPECT_EQ(ToHex(*param("020180")), "80");  // the top bit is no sign
  EXPECT_EQ(ToHex(*param("0203000001")), "01");
  EXPECT_EQ(ToHex(*param("020100")), "00");  // zero keeps one octet
  EXPECT_FALSE(param("0200").ok());
  EXPECT_FALSE(param("040101").ok());
  // UnsignedIntegerOf, by contrast, refuses a negative INTEGER and gives zero as no octets.
  const Bytes negative_bytes = HexOrDie("020180");
  const Bytes zero_bytes = HexOrDie("020100");
  absl::StatusOr<Tlv> negative = ParseTlv(negative_bytes);
  absl::StatusOr<Tlv> zero = ParseTlv(zero_bytes);
  EXPECT_FALSE(UnsignedIntegerOf(*negative, "x").ok());
  EXPECT_TRUE(UnsignedIntegerOf(*zero, "x")->empty());
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
  // Redundant leading zero octets (BER) are read past: only the value must fit.
  EXPECT_EQ(*small("020A00007FFFFFFFFFFFFFFF"), INT64_MAX);
  EXPECT_FALSE(small("020A00008000000000000000").ok());
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

TEST(Asn1Util, NextElementReadsFieldsInOrderAndStaysOnAnError) {
  // SEQUENCE { INTEGER 1, OCTET STRING 'AB' }: its contents, read field by field.
  const Bytes contents = HexOrDie("02010104 01AB");
  TlvReader r(contents);
  absl::StatusOr<Tlv> version = NextElement(r, kInteger, "version");
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_EQ(ToHex(version->raw), "020101");
  // Another tag: an error naming the field, and the OCTET STRING is still the next element.
  absl::StatusOr<Tlv> wrong = NextElement(r, kInteger, "order");
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(wrong.status().message(), ::testing::HasSubstr("order: expected tag 02, found 04"));
  absl::StatusOr<Tlv> octets = NextElement(r, kOctetString, "a");
  ASSERT_TRUE(octets.ok()) << octets.status();
  EXPECT_EQ(ToHex(octets->value), "AB");
  EXPECT_TRUE(r.AtEnd());
  // The end: "missing".
  EXPECT_EQ(NextElement(r, kInteger, "cofactor").status().message(), "cofactor: missing");
  // A malformed element (its length runs past the end) is an error too, and nothing is consumed.
  const Bytes truncated = HexOrDie("0205 01");
  TlvReader t(truncated);
  absl::StatusOr<Tlv> bad = NextElement(t, kInteger, "prime");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), ::testing::StartsWith("prime: "));
  EXPECT_EQ(t.rest().size(), truncated.size());
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
