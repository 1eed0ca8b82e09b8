#include "tools/pcsc/reader_limits.h"

#include <gtest/gtest.h>

#include "tools/chip_cli/vpcd_card.h"

namespace docval::pcsc {
namespace {

using emrtd::Bytes;
using emrtd::HexOrDie;

TEST(FindFeatureTest, FindsTheControlCodeBigEndian) {
  // A CCID reader's answer: VERIFY_PIN_DIRECT (06), MODIFY_PIN_DIRECT (07), GET_TLV_PROPERTIES (12).
  Bytes features = HexOrDie("0604423300060704423300071204423300 12");
  EXPECT_EQ(FindFeature(features, kFeatureGetTlvProperties), 0x42330012u);
  EXPECT_EQ(FindFeature(features, 0x06), 0x42330006u);
  EXPECT_EQ(FindFeature(features, 0x20), std::nullopt);
  EXPECT_EQ(FindFeature(HexOrDie("1204423300"), kFeatureGetTlvProperties), std::nullopt);  // cut short
  EXPECT_EQ(FindFeature(HexOrDie("1202 4233"), kFeatureGetTlvProperties), std::nullopt);   // not 4 bytes
  EXPECT_EQ(FindFeature({}, kFeatureGetTlvProperties), std::nullopt);
}

TEST(MaxApduDataSizeTest, ReadsTheLittleEndianProperty) {
  // wLcdLayout (01, 2 bytes), bTimeOut2 (03, 1 byte), dwMaxAPDUDataSize (0A, 4 bytes) = 65536.
  EXPECT_EQ(MaxApduDataSize(HexOrDie("01020000 030100 0A0400000100")), 65536u);
  EXPECT_EQ(MaxApduDataSize(HexOrDie("0A0400000000")), 0u);  // short APDUs only
  EXPECT_EQ(MaxApduDataSize(HexOrDie("0A020501")), 261u);
  EXPECT_EQ(MaxApduDataSize(HexOrDie("0A03000100")), std::nullopt);  // odd width
  EXPECT_EQ(MaxApduDataSize(HexOrDie("01020000")), std::nullopt);    // not reported
  EXPECT_EQ(MaxApduDataSize(HexOrDie("0A04000001")), std::nullopt);  // cut short
}

TEST(AtrTest, CardCapabilitiesInTheHistoricalBytes) {
  // A real contact card (YubiKey): TA1 TB1 TC1 TD1 TD2 TA3 TB3 before 13 historical bytes
  // 80 | 73 C0 21 C0 (card capabilities: extended Lc/Le) | 57 "YubiKey", then TCK.
  EXPECT_EQ(AtrSaysExtendedLength(HexOrDie("3BFD1300008131FE158073C021C057597562694B657940")), true);
  // The ATR docval chip --vpcd gives the virtual passport.
  EXPECT_EQ(AtrSaysExtendedLength(chip_cli::ContactlessAtr(true)), true);
  EXPECT_EQ(AtrSaysExtendedLength(chip_cli::ContactlessAtr(false)), false);
  // Category 00: the last three historical bytes are the status indicator.
  EXPECT_EQ(AtrSaysExtendedLength(HexOrDie("3B898001 00 73808040 00 009000 00")), true);
  EXPECT_EQ(AtrSaysExtendedLength(HexOrDie("3B878001 00 720040 009000 00")), std::nullopt)
      << "a card capabilities object of 2 bytes has no third byte";
}

TEST(AtrTest, SaysNothingWhenItCannotTell) {
  // JCOP contact card: proprietary historical bytes ("JCOPv241").
  EXPECT_EQ(AtrSaysExtendedLength(HexOrDie("3BF81300008131FE454A434F5076323431B7")), std::nullopt);
  // PC/SC pseudo-ATR of a type B card (German eID): ATQB data, not compact-TLV, even when it looks like it.
  EXPECT_EQ(AtrSaysExtendedLength(HexOrDie("3B888001 80738080C0 81 71 00 00")), std::nullopt);
  // Type A without card capabilities (card service data 31 and a status indicator).
  EXPECT_EQ(AtrSaysExtendedLength(HexOrDie("3B8680018031B8 829000 00")), std::nullopt);
  // Malformed: wrong TS, cut inside the interface bytes, historical bytes beyond the end.
  EXPECT_EQ(AtrSaysExtendedLength(HexOrDie("3C8580018073800140")), std::nullopt);
  EXPECT_EQ(AtrSaysExtendedLength(HexOrDie("3BF8130000")), std::nullopt);
  EXPECT_EQ(AtrSaysExtendedLength(HexOrDie("3B8F80018073")), std::nullopt);
  EXPECT_EQ(AtrSaysExtendedLength({}), std::nullopt);
}

TEST(DecideLimitsTest, TheReaderDecidesWhenItKnows) {
  DecidedLimits d = DecideLimits({.reader_max_apdu_data = 65536});
  EXPECT_TRUE(d.limits.extended_length);
  EXPECT_EQ(d.limits.max_command_bytes, 65544u);
  EXPECT_EQ(d.limits.max_response_bytes, 65538u);
  EXPECT_EQ(d.reason,
            "the reader reports dwMaxAPDUDataSize 65536; the ATR does not say whether the card takes "
            "extended APDUs");

  d = DecideLimits({.reader_max_apdu_data = 1024});
  EXPECT_TRUE(d.limits.extended_length);
  EXPECT_EQ(d.limits.max_command_bytes, 4u + 3u + 1024u + 2u);
  EXPECT_EQ(d.limits.max_response_bytes, 1026u);

  d = DecideLimits({.reader_max_apdu_data = 0, .card_extended = true});
  EXPECT_FALSE(d.limits.extended_length) << "a short-APDU reader cannot carry what the card could take";
  EXPECT_EQ(d.limits.max_command_bytes, 261u);
  EXPECT_EQ(d.limits.max_response_bytes, 258u);
}

TEST(DecideLimitsTest, TheCardNarrowsAndOtherwiseShort) {
  DecidedLimits d = DecideLimits({.reader_max_apdu_data = 65536, .card_extended = false});
  EXPECT_FALSE(d.limits.extended_length);
  d = DecideLimits({.card_extended = true});
  EXPECT_TRUE(d.limits.extended_length);
  EXPECT_EQ(d.limits.max_command_bytes, 65544u);
  d = DecideLimits({});
  EXPECT_FALSE(d.limits.extended_length);
  EXPECT_EQ(d.limits.max_command_bytes, 261u);
  EXPECT_EQ(d.reason,
            "the reader does not report its APDU limit; the ATR does not say whether the card takes "
            "extended APDUs: short APDUs, which every reader carries");
}

TEST(DecideLimitsTest, TheOverrideWins) {
  DecidedLimits d = DecideLimits({.reader_max_apdu_data = 0, .forced_extended = true});
  EXPECT_TRUE(d.limits.extended_length);
  EXPECT_EQ(d.limits.max_command_bytes, 65544u);
  EXPECT_EQ(d.reason.rfind("--extended-length true (", 0), 0u) << d.reason;
  d = DecideLimits({.reader_max_apdu_data = 4096, .card_extended = true, .forced_extended = false});
  EXPECT_FALSE(d.limits.extended_length);
  EXPECT_EQ(d.limits.max_response_bytes, 258u);
}

}  // namespace
}  // namespace docval::pcsc
