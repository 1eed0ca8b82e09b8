#include "validator/emrtd/lds/dg12.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "validator/emrtd/lds/lds_test_util.h"
#include "validator/emrtd/tlv.h"

namespace docval::emrtd {
namespace {

using testing::Text;

TEST(Dg12, AllFields) {
  Bytes others = EncodeTlv(0xA0, Concat({HexOrDie("020102"), EncodeTlv(0x5F1A, Text("SMITH<<JOHN")),
                                         EncodeTlv(0x5F1A, Text("SMITH<<JANE"))}));
  Bytes dg12 = EncodeTlv(
      0x6C, Concat({EncodeTlv(0x5C, HexOrDie("5F195F26")), EncodeTlv(0x5F19, Text("CITY OF UTOPIA")),
                    EncodeTlv(0x5F26, Text("20120415")), others, EncodeTlv(0x5F1B, Text("ENDORSED")),
                    EncodeTlv(0x5F1C, Text("NONE")), EncodeTlv(0x5F1D, HexOrDie("FFD8FF01")),
                    EncodeTlv(0x5F1E, HexOrDie("FFD8FF02")), EncodeTlv(0x5F55, HexOrDie("20120415103000")),
                    EncodeTlv(0x5F56, Text("SN-42"))}));
  absl::StatusOr<AdditionalDocumentDetails> d = ParseDg12(dg12);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->issuing_authority, "CITY OF UTOPIA");
  EXPECT_EQ(d->date_of_issue, "20120415");
  EXPECT_EQ(d->names_of_other_persons, "SMITH<<JOHN; SMITH<<JANE");
  EXPECT_EQ(d->endorsements_and_observations, "ENDORSED");
  EXPECT_EQ(d->tax_or_exit_requirements, "NONE");
  EXPECT_EQ(d->image_of_front, HexOrDie("FFD8FF01"));
  EXPECT_EQ(d->image_of_rear, HexOrDie("FFD8FF02"));
  EXPECT_EQ(d->date_and_time_of_personalization, "20120415103000");
  EXPECT_EQ(d->personalization_system_serial_number, "SN-42");
}

TEST(Dg12, AbsentFieldsStayNull) {
  absl::StatusOr<AdditionalDocumentDetails> d = ParseDg12(EncodeTlv(0x6C, EncodeTlv(0x5C, {})));
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d->issuing_authority.has_value());
  EXPECT_FALSE(d->names_of_other_persons.has_value());
  EXPECT_FALSE(d->image_of_front.has_value());
  EXPECT_FALSE(ParseDg12(HexOrDie("6B00")).ok());
}

}  // namespace
}  // namespace docval::emrtd
