#include "validator/emrtd/access/mrz_key.h"

#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "validator/emrtd/testing/vectors.h"

namespace docval::emrtd {
namespace {

using testing::LoadVector;

SecureBytes Sec(absl::string_view s) { return SecureBytes(s.begin(), s.end()); }
std::string Str(const SecureBytes& b) { return std::string(b.begin(), b.end()); }

AccessKey Mrz(absl::string_view number, absl::string_view birth, absl::string_view expiry) {
  AccessKey k;
  k.document_number = Sec(number);
  k.date_of_birth = Sec(birth);
  k.date_of_expiry = Sec(expiry);
  return k;
}

char Cd(absl::string_view s) { return *MrzCheckDigit(AsSpan(std::string(s))); }

TEST(MrzKeyTest, CheckDigitsOfIcaoSpecimens) {
  // ICAO 9303-3 / -4 specimen TD3: L898902C3 6, 740812 2, 120415 9; App. D: L898902C< 3, 690806 1.
  EXPECT_EQ(Cd("L898902C3"), '6');
  EXPECT_EQ(Cd("740812"), '2');
  EXPECT_EQ(Cd("120415"), '9');
  EXPECT_EQ(Cd("L898902C<"), '3');
  EXPECT_EQ(Cd("690806"), '1');
  EXPECT_EQ(Cd("940623"), '6');
  EXPECT_EQ(Cd(""), '0');
  EXPECT_EQ(Cd("<<<<"), '0');
  EXPECT_FALSE(MrzCheckDigit(AsSpan(std::string("l898"))).ok());
  EXPECT_FALSE(MrzCheckDigit(AsSpan(std::string("12-3"))).ok());
}

TEST(MrzKeyTest, AppendixD2KeySeed) {
  nlohmann::json v = LoadVector("icao9303-p11-appD-bac-sm.json");
  const nlohmann::json& d2 = v["D2_key_seed"];
  AccessKey key = Mrz(d2["document_number"].get<std::string>(), d2["date_of_birth"].get<std::string>(),
                      d2["date_of_expiry"].get<std::string>());
  absl::StatusOr<SecureBytes> info = MrzInformation(key);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(Str(*info), d2["mrz_information"].get<std::string>());
  EXPECT_EQ(ToHex(FromSecure(*MrzPasswordHash(key))), d2["sha1_of_mrz_information"].get<std::string>());
  EXPECT_EQ(ToHex(FromSecure(*BacKeySeed(key))), d2["k_seed"].get<std::string>());
}

// A number shorter than 9 characters is padded with '<' (App. D's "L898902C<" typed as "L898902C").
TEST(MrzKeyTest, ShortDocumentNumberIsPadded) {
  nlohmann::json v = LoadVector("icao9303-p11-appD-bac-sm.json");
  EXPECT_EQ(ToHex(FromSecure(*BacKeySeed(Mrz("L898902C", "690806", "940623")))),
            v["D2_key_seed"]["k_seed"].get<std::string>());
}

// App. D.2's TD2 example: the 12-character number D23145890734 overflows into the optional data;
// MRZ_information uses it in full with its own check digit (9).
TEST(MrzKeyTest, LongDocumentNumberIsUsedInFull) {
  nlohmann::json v = LoadVector("icao9303-p11-appD-bac-sm.json");
  const nlohmann::json& other = v["D2_key_seed"]["other_kseed_example"];
  const std::string mrz = other["mrz"].get<std::string>();
  // From the MRZ: number 9 chars + '<' filler, overflow "734" + check digit "9" in the optional data.
  const std::string line2 = mrz.substr(36);
  ASSERT_EQ(line2.substr(9, 1), "<");
  const std::string number = line2.substr(0, 9) + line2.substr(28, 3);
  ASSERT_EQ(number, "D23145890734");
  EXPECT_EQ(Cd(number), line2[31]);
  AccessKey key = Mrz(number, line2.substr(13, 6), line2.substr(21, 6));
  EXPECT_EQ(Str(*MrzInformation(key)), "D23145890734934071279507122");
  EXPECT_EQ(ToHex(FromSecure(*BacKeySeed(key))), other["k_seed"].get<std::string>());
}

// Fillers typed by the user after the number change nothing.
TEST(MrzKeyTest, TrailingFillersAreNotPartOfTheNumber) {
  const std::string info = "D23145890734934071279507122";
  EXPECT_EQ(Str(*MrzInformation(Mrz("D23145890734<<<", "340712", "950712"))), info);
  EXPECT_EQ(Str(*MrzInformation(Mrz("L898902C<<<<", "690806", "940623"))), "L898902C<369080619406236");
  EXPECT_FALSE(MrzInformation(Mrz("<<<", "690806", "940623")).ok());
}

TEST(MrzKeyTest, RejectsMissingOrMalformedFields) {
  EXPECT_FALSE(MrzInformation(AccessKey{}).ok());
  EXPECT_FALSE(MrzInformation(Mrz("L898902C", "69080", "940623")).ok());
  EXPECT_FALSE(MrzInformation(Mrz("L898902C", "690806", "94062A")).ok());
  EXPECT_FALSE(MrzInformation(Mrz("l898902c", "690806", "940623")).ok());
  EXPECT_FALSE(MrzInformation(Mrz("12345678901234567890123", "690806", "940623")).ok());
  EXPECT_TRUE(MrzInformation(Mrz("1234567890123456789012", "690806", "940623")).ok());
}

}  // namespace
}  // namespace docval::emrtd
