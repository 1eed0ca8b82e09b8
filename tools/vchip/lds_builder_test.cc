#include "tools/vchip/lds_builder.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "base/testing/paths.h"
#include "tools/vchip/chip_tlv.h"
#include "tools/vchip/vchip_test_util.h"

namespace docval::vchip {
namespace {

using emrtd::ToHex;
using testing::H;

MrzFields Anna(DocumentFormat f) {
  MrzFields m;
  m.format = f;
  m.document_code = f == DocumentFormat::kTd3 ? "P" : "I";
  m.issuing_state = "UTO";
  m.primary_identifier = "ERIKSSON";
  m.secondary_identifier = "ANNA MARIA";
  m.nationality = "UTO";
  m.date_of_birth = "740812";
  m.sex = "F";
  m.date_of_expiry = "120415";
  return m;
}

// The specimens of ICAO 9303-4 (TD3) and 9303-5/6 (TD1, TD2).
TEST(LdsBuilderTest, Td3MatchesIcaoSpecimen) {
  MrzFields m = Anna(DocumentFormat::kTd3);
  m.document_number = "L898902C3";
  m.optional_data1 = "ZE184226B";
  auto mrz = BuildMrz(m);
  ASSERT_TRUE(mrz.ok()) << mrz.status();
  EXPECT_EQ(*mrz, "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
                  "L898902C36UTO7408122F1204159ZE184226B<<<<<10");
}

TEST(LdsBuilderTest, Td1AndTd2MatchIcaoSpecimens) {
  MrzFields m = Anna(DocumentFormat::kTd1);
  m.document_number = "D23145890";
  auto td1 = BuildMrz(m);
  ASSERT_TRUE(td1.ok()) << td1.status();
  EXPECT_EQ(*td1, "I<UTOD231458907<<<<<<<<<<<<<<<"
                  "7408122F1204159UTO<<<<<<<<<<<6"
                  "ERIKSSON<<ANNA<MARIA<<<<<<<<<<");
  m.format = DocumentFormat::kTd2;
  auto td2 = BuildMrz(m);
  ASSERT_TRUE(td2.ok()) << td2.status();
  EXPECT_EQ(*td2, "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<"
                  "D231458907UTO7408122F1204159<<<<<<<6");
}

TEST(LdsBuilderTest, RejectsUnencodableFields) {
  MrzFields m = Anna(DocumentFormat::kTd3);
  m.document_number = "L898902C36X";
  EXPECT_FALSE(BuildMrz(m).ok());
  m.document_number = "L8989!";
  EXPECT_FALSE(BuildMrz(m).ok());
}

TEST(LdsBuilderTest, Dg1WrapsTheMrz) {
  MrzFields m = Anna(DocumentFormat::kTd3);
  m.document_number = "L898902C3";
  auto dg1 = BuildDg1(m);
  ASSERT_TRUE(dg1.ok());
  EXPECT_EQ(ToHex(ByteSpan(*dg1).subspan(0, 5)), "615B5F1F58");
  EXPECT_EQ(dg1->size(), 2u + 3u + 88u);
}

Bytes ReadFace(const char* name) {
  std::ifstream in(docval::SourcePath("testdata/faces/") + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return Bytes(s.begin(), s.end());
}

// Walks tags down from `data` and returns the value at the end of the path.
ByteSpan Dig(ByteSpan data, std::initializer_list<uint32_t> path) {
  for (uint32_t tag : path) {
    auto list = ParseTlvList(data);
    EXPECT_TRUE(list.ok());
    if (!list.ok()) return {};
    auto o = FindTlv(*list, tag);
    EXPECT_TRUE(o.has_value()) << std::hex << tag;
    if (!o.has_value()) return {};
    data = o->value;
  }
  return data;
}

TEST(LdsBuilderTest, Dg2Iso19794CarriesTheJpeg) {
  FaceImage face{ReadFace("face.jpg"), ImageFormat::kJpeg, 120, 160, 'F'};
  ASSERT_GT(face.image.size(), 1000u);
  Bytes dg2 = BuildDg2(face, FaceEncoding::kIso19794_5);
  ByteSpan rec = Dig(dg2, {0x75, 0x7F61, 0x7F60, 0x5F2E});
  ASSERT_GT(rec.size(), 46u);
  EXPECT_EQ(ToHex(rec.subspan(0, 8)), "4641430030313000");
  uint32_t len = (rec[8] << 24) | (rec[9] << 16) | (rec[10] << 8) | rec[11];
  EXPECT_EQ(len, rec.size());
  EXPECT_EQ(rec[14 + 20 + 1], 0x00);  // image data type JPEG
  EXPECT_EQ(Bytes(rec.begin() + 46, rec.end()), face.image);
  ByteSpan format_type = Dig(dg2, {0x75, 0x7F61, 0x7F60, 0xA1, 0x88});
  EXPECT_EQ(ToHex(format_type), "0008");
}

TEST(LdsBuilderTest, Dg2Iso39794CarriesTheJpeg2000) {
  FaceImage face{ReadFace("face.jp2"), ImageFormat::kJpeg2000, 120, 160, 'M'};
  ASSERT_GT(face.image.size(), 1000u);
  Bytes dg2 = BuildDg2(face, FaceEncoding::kIso39794_5);
  ByteSpan image = Dig(dg2, {0x75, 0x7F61, 0x7F60, 0x7F2E, 0xA1, 0x65, 0xA1, 0x30, 0xA1, 0xA0, 0xA0, 0x80});
  EXPECT_EQ(Bytes(image.begin(), image.end()), face.image);
  ByteSpan fmt = Dig(dg2, {0x75, 0x7F61, 0x7F60, 0x7F2E, 0xA1, 0x65, 0xA1, 0x30, 0xA1, 0xA0, 0xA0, 0xA1, 0xA0, 0x80});
  EXPECT_EQ(ToHex(fmt), "03");
}

TEST(LdsBuilderTest, ComListsTheDataGroups) {
  EXPECT_EQ(ToHex(BuildCom({1, 2, 14, 15})), "60165F0104303130375F36063034303030305C0461756E6F");
}

TEST(LdsBuilderTest, SecurityInfosAreDerSets) {
  // The Appendix G.1 EF.CardAccess.
  EXPECT_EQ(ToHex(BuildCardAccess({PaceInfo("0.4.0.127.0.7.2.2.4.2.2", 13)})),
            "31143012060A04007F0007020204020202010202010D");
  Bytes a = ChipAuthenticationInfo("0.4.0.127.0.7.2.2.3.2.2", 1);
  Bytes b = ActiveAuthenticationInfo("0.4.0.127.0.7.1.1.4.1.3");
  Bytes set1 = SecurityInfos({a, b});
  Bytes set2 = SecurityInfos({b, a});
  EXPECT_EQ(set1, set2);
  EXPECT_EQ(ToHex(a), "3012060A04007F00070202030202020101020101");
}

TEST(LdsBuilderTest, Dg11AndDg12HaveTagLists) {
  Dg11Fields f;
  f.full_name = "ERIKSSON<<ANNA<MARIA";
  f.place_of_birth = "ZENITH";
  f.other_names = {"ANNA<ERIKSSON"};
  Bytes dg11 = BuildDg11(f);
  EXPECT_EQ(ToHex(Dig(dg11, {0x6B, 0x5C})), "5F0EA05F11");
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(Dig(dg11, {0x6B, 0x5F11}).data()), 6), "ZENITH");
  Dg12Fields g;
  g.issuing_authority = "UTOPIA";
  g.date_of_issue = "20200101";
  EXPECT_EQ(ToHex(Dig(BuildDg12(g), {0x6C, 0x5C})), "5F195F26");
}

}  // namespace
}  // namespace docval::vchip
