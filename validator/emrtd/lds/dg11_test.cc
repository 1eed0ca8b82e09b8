#include "validator/emrtd/lds/dg11.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "validator/emrtd/lds/lds_test_util.h"
#include "validator/emrtd/tlv.h"

namespace docval::emrtd {
namespace {

using ::testing::ElementsAre;
using testing::Text;

TEST(Dg11, AllFields) {
  Bytes others = EncodeTlv(0xA0, Concat({HexOrDie("020102"), EncodeTlv(0x5F0F, Text("ERIKSSON<<ANNA")),
                                         EncodeTlv(0x5F0F, Text("SMITH<<ANNA"))}));
  Bytes dg11 = EncodeTlv(
      0x6B, Concat({EncodeTlv(0x5C, HexOrDie("5F0E5F0F5F105F2B5F115F425F125F135F145F155F165F175F18")),
                    EncodeTlv(0x5F0E, Text("ERIKSSON<<ANNA<MARIA")), others,
                    EncodeTlv(0x5F10, Text("123456789")), EncodeTlv(0x5F2B, HexOrDie("19740812")),
                    EncodeTlv(0x5F11, Text("ZENITH<UTOPIA")), EncodeTlv(0x5F42, Text("123 MAPLE RD<ANYTOWN<MN")),
                    EncodeTlv(0x5F12, Text("1-612-555-1212")), EncodeTlv(0x5F13, Text("TRAVEL AGENT")),
                    EncodeTlv(0x5F14, Text("DR")), EncodeTlv(0x5F15, Text("SUMMARY")),
                    EncodeTlv(0x5F16, HexOrDie("FFD8FFD9")), EncodeTlv(0x5F17, Text("A12345<B67890")),
                    EncodeTlv(0x5F18, Text("CUSTODY")), EncodeTlv(0x5F50, Text("ignored"))}));
  absl::StatusOr<AdditionalPersonalDetails> d = ParseDg11(dg11);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->full_name_of_holder, "ERIKSSON<<ANNA<MARIA");
  ASSERT_TRUE(d->other_names.has_value());
  EXPECT_THAT(*d->other_names, ElementsAre("ERIKSSON<<ANNA", "SMITH<<ANNA"));
  EXPECT_EQ(d->personal_number, "123456789");
  EXPECT_EQ(d->full_date_of_birth, "19740812");
  EXPECT_EQ(d->place_of_birth, "ZENITH<UTOPIA");
  ASSERT_TRUE(d->permanent_address.has_value());
  EXPECT_THAT(*d->permanent_address, ElementsAre("123 MAPLE RD", "ANYTOWN", "MN"));
  EXPECT_EQ(d->telephone, "1-612-555-1212");
  EXPECT_EQ(d->profession, "TRAVEL AGENT");
  EXPECT_EQ(d->title, "DR");
  EXPECT_EQ(d->personal_summary, "SUMMARY");
  EXPECT_EQ(d->proof_of_citizenship_image, HexOrDie("FFD8FFD9"));
  ASSERT_TRUE(d->other_valid_travel_document_numbers.has_value());
  EXPECT_THAT(*d->other_valid_travel_document_numbers, ElementsAre("A12345", "B67890"));
  EXPECT_EQ(d->custody_information, "CUSTODY");
}

TEST(Dg11, AbsentFieldsStayNull) {
  Bytes dg11 = EncodeTlv(0x6B, Concat({EncodeTlv(0x5C, HexOrDie("5F0E")), EncodeTlv(0x5F0E, Text("A<<B"))}));
  absl::StatusOr<AdditionalPersonalDetails> d = ParseDg11(dg11);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->full_name_of_holder, "A<<B");
  EXPECT_FALSE(d->other_names.has_value());
  EXPECT_FALSE(d->full_date_of_birth.has_value());
  EXPECT_FALSE(d->permanent_address.has_value());
  EXPECT_FALSE(d->proof_of_citizenship_image.has_value());
  EXPECT_FALSE(ParseDg11(HexOrDie("6C00")).ok());
  EXPECT_FALSE(ParseDg11(HexOrDie("6B035F0E05")).ok());
}

}  // namespace
}  // namespace docval::emrtd
