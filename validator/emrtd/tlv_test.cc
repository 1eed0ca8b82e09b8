#include "validator/emrtd/tlv.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace docval::emrtd {
namespace {

TEST(TlvTest, ParsesMultiByteTagAndLongLength) {
  Bytes value(300, 0x11);
  Bytes enc = EncodeTlv(0x5F1F, value);
  EXPECT_EQ(ToHex(ByteSpan(enc).subspan(0, 5)), "5F1F82012C");
  size_t consumed = 0;
  absl::StatusOr<Tlv> t = ParseTlv(enc, &consumed);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->tag, 0x5F1Fu);
  EXPECT_FALSE(t->constructed);
  EXPECT_EQ(t->value.size(), 300u);
  EXPECT_EQ(consumed, enc.size());
  EXPECT_EQ(t->raw.size(), enc.size());
}

TEST(TlvTest, ReadsSequenceAndFindsChild) {
  Bytes inner = Concat({EncodeTlv(0x80, HexOrDie("01")), EncodeTlv(0x7F49, EncodeTlv(0x86, HexOrDie("0404")))});
  Bytes outer = EncodeTlv(0x7C, inner);
  absl::StatusOr<Tlv> t = ParseSingleTlv(outer, 0x7C);
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->constructed);
  absl::StatusOr<std::optional<Tlv>> c = FindChild(t->value, 0x7F49);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c->has_value());
  EXPECT_EQ(ToHex((*c)->value), "86020404");
  absl::StatusOr<std::optional<Tlv>> missing = FindChild(t->value, 0x81);
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST(TlvTest, RejectsTruncationAndTrailingBytes) {
  EXPECT_FALSE(ParseTlv(HexOrDie("5F")).ok());
  EXPECT_FALSE(ParseTlv(HexOrDie("8005AABB")).ok());
  EXPECT_FALSE(ParseTlv(HexOrDie("8085FFFFFFFFFF")).ok());
  EXPECT_FALSE(ParseTlv(HexOrDie("82FFFF")).ok());
  EXPECT_FALSE(ParseTlv(HexOrDie("1FFFFFFFFF0100")).ok());  // tag longer than 4 bytes
  EXPECT_FALSE(ParseSingleTlv(HexOrDie("800101FF"), 0x80).ok());
  EXPECT_FALSE(ParseSingleTlv(HexOrDie("800101"), 0x81).ok());
}

TEST(TlvTest, IndefiniteLengthOnlyWhenAllowed) {
  // 30 80 (04 01 AA) (30 80 02 01 05 00 00) 00 00
  Bytes enc = HexOrDie("3080 0401AA 3080 020105 0000 0000");
  EXPECT_FALSE(ParseTlv(enc).ok());
  TlvOptions opt{.allow_indefinite = true};
  size_t consumed = 0;
  absl::StatusOr<Tlv> t = ParseTlv(enc, &consumed, opt);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(consumed, enc.size());
  EXPECT_EQ(ToHex(t->value), "0401AA3080020105" "0000");
  EXPECT_FALSE(ParseTlv(HexOrDie("3080 0401AA"), nullptr, opt).ok());  // no end-of-contents
  EXPECT_FALSE(ParseTlv(HexOrDie("0480 0000"), nullptr, opt).ok());    // primitive
}

TEST(TlvTest, DeepIndefiniteNestingIsBounded) {
  Bytes enc;
  for (int i = 0; i < 100; ++i) enc.insert(enc.end(), {0x30, 0x80});
  for (int i = 0; i < 100; ++i) enc.insert(enc.end(), {0x00, 0x00});
  EXPECT_FALSE(ParseTlv(enc, nullptr, {.allow_indefinite = true}).ok());
}

TEST(TlvTest, LengthEncodingBoundaries) {
  for (size_t n : {0u, 0x7Fu, 0x80u, 0xFFu, 0x100u, 0xFFFFu, 0x10000u}) {
    Bytes out;
    AppendLength(n, out);
    EXPECT_EQ(out.size(), LengthFieldSize(n)) << n;
  }
}

}  // namespace
}  // namespace docval::emrtd
