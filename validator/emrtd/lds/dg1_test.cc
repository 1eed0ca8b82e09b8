#include "validator/emrtd/lds/dg1.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "validator/emrtd/testing/vectors.h"

namespace docval::emrtd {
namespace {

using ::testing::ElementsAre;

// The specimen MRZs of ICAO Doc 9303 parts 4, 5 and 6.
constexpr char kTd1[] =
    "I<UTOD231458907<<<<<<<<<<<<<<<"
    "7408122F1204159UTO<<<<<<<<<<<6"
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
constexpr char kTd2[] =
    "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<"
    "D231458907UTO7408122F1204159<<<<<<<6";
constexpr char kTd3[] =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
// 9303-5 §4.2.4: a 12-character document number overflowing into the optional data.
constexpr char kTd1Long[] =
    "I<UTOD23145890<7349<<<<<<<<<<<"
    "7408122F1204159UTO<<<<<<<<<<<6"
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<";

TEST(Mrz, Td1) {
  absl::StatusOr<MrzInfo> m = ParseMrz(kTd1);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->document_type, "TD1");
  EXPECT_EQ(m->document_code, "I");
  EXPECT_EQ(m->issuing_state, "UTO");
  EXPECT_EQ(m->document_number, "D23145890");
  EXPECT_EQ(m->optional_data1, "");
  EXPECT_EQ(m->date_of_birth, "740812");
  EXPECT_EQ(m->gender, Gender::kFemale);
  EXPECT_EQ(m->date_of_expiry, "120415");
  EXPECT_EQ(m->nationality, "UTO");
  ASSERT_TRUE(m->optional_data2.has_value());
  EXPECT_EQ(*m->optional_data2, "");
  EXPECT_EQ(m->primary_identifier, "ERIKSSON");
  EXPECT_THAT(m->secondary_identifier, ElementsAre("ANNA", "MARIA"));
  EXPECT_EQ(*MrzCheckDigits(kTd1), true);
}

TEST(Mrz, Td1LongDocumentNumber) {
  absl::StatusOr<MrzInfo> m = ParseMrz(kTd1Long);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->document_number, "D23145890734");
  EXPECT_EQ(m->optional_data1, "");
  EXPECT_EQ(*MrzCheckDigits(kTd1Long), true);
}

TEST(Mrz, Td2) {
  absl::StatusOr<MrzInfo> m = ParseMrz(kTd2);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->document_type, "TD2");
  EXPECT_EQ(m->document_code, "I");
  EXPECT_EQ(m->primary_identifier, "ERIKSSON");
  EXPECT_THAT(m->secondary_identifier, ElementsAre("ANNA", "MARIA"));
  EXPECT_EQ(m->document_number, "D23145890");
  EXPECT_EQ(m->nationality, "UTO");
  EXPECT_EQ(m->date_of_birth, "740812");
  EXPECT_EQ(m->gender, Gender::kFemale);
  EXPECT_EQ(m->date_of_expiry, "120415");
  EXPECT_EQ(m->optional_data1, "");
  EXPECT_FALSE(m->optional_data2.has_value());
  EXPECT_EQ(*MrzCheckDigits(kTd2), true);
}

TEST(Mrz, Td3) {
  absl::StatusOr<MrzInfo> m = ParseMrz(kTd3);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->document_type, "TD3");
  EXPECT_EQ(m->document_code, "P");
  EXPECT_EQ(m->issuing_state, "UTO");
  EXPECT_EQ(m->document_number, "L898902C3");
  EXPECT_EQ(m->optional_data1, "ZE184226B");
  EXPECT_FALSE(m->optional_data2.has_value());
  EXPECT_EQ(*MrzCheckDigits(kTd3), true);
  std::string bad = kTd3;
  bad[44 + 5] = '7';  // a document-number character
  EXPECT_EQ(*MrzCheckDigits(bad), false);
}

TEST(Mrz, NamesWithSpacesAndGenders) {
  std::string mrz = kTd3;
  std::string name = "VAN<DER<BERG<<JAN<<<<<<<<<<<<<<<<<<<<<<<<";
  mrz.replace(5, 39, name.substr(0, 39));
  mrz[44 + 20] = '<';
  absl::StatusOr<MrzInfo> m = ParseMrz(mrz);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->primary_identifier, "VAN DER BERG");
  EXPECT_THAT(m->secondary_identifier, ElementsAre("JAN"));
  EXPECT_EQ(m->gender, Gender::kUnspecified);
  mrz[44 + 20] = 'M';
  EXPECT_EQ(ParseMrz(mrz)->gender, Gender::kMale);
  mrz[44 + 20] = 'X';
  EXPECT_EQ(ParseMrz(mrz)->gender, Gender::kUnspecified);
}

TEST(Mrz, Errors) {
  EXPECT_FALSE(ParseMrz("").ok());
  EXPECT_FALSE(ParseMrz(std::string(kTd3).substr(0, 87)).ok());
  std::string lower = kTd3;
  lower[10] = 'a';
  EXPECT_FALSE(ParseMrz(lower).ok());
  EXPECT_EQ(MrzCheckDigit("L898902C3"), 6);
  EXPECT_EQ(MrzCheckDigit("a"), -1);
}

TEST(Dg1, Bsi2008Specimen) {
  Bytes dg1 = testing::ReadVector("lds-samples/jmrtd-bsi2008/Datagroup1.bin");
  absl::StatusOr<MrzInfo> m = ParseDg1(dg1);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->document_type, "TD3");
  EXPECT_EQ(m->document_code, "P");
  EXPECT_EQ(m->issuing_state, "D");
  EXPECT_EQ(m->primary_identifier, "MUSTERMANN");
  EXPECT_THAT(m->secondary_identifier, ElementsAre("ERIKA"));
  EXPECT_EQ(m->nationality, "D");
  EXPECT_EQ(m->document_number, "C11T002JM");
  EXPECT_EQ(m->date_of_birth, "960812");
  EXPECT_EQ(m->gender, Gender::kFemale);
  EXPECT_EQ(m->date_of_expiry, "131031");
  EXPECT_EQ(m->optional_data1, "");
  EXPECT_EQ(*MrzCheckDigits(*Dg1MrzText(dg1)), true);
}

TEST(Dg1, Framing) {
  Bytes dg1 = testing::ReadVector("lds-samples/jmrtd-loes2006/ef0101.bin");
  ASSERT_TRUE(ParseDg1(dg1).ok());
  Bytes truncated(dg1.begin(), dg1.end() - 1);
  EXPECT_FALSE(ParseDg1(truncated).ok());
  EXPECT_FALSE(ParseDg1(HexOrDie("6100")).ok());  // no '5F1F'
  EXPECT_FALSE(ParseDg1(HexOrDie("75035F1F00")).ok());
}

}  // namespace
}  // namespace docval::emrtd
