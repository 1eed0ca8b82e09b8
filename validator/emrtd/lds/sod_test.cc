#include "validator/emrtd/lds/sod.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "validator/emrtd/crypto/asn1_util.h"
#include "validator/emrtd/testing/vectors.h"

namespace docval::emrtd {
namespace {

using ::testing::ElementsAre;

std::vector<int> Keys(const std::map<int, Bytes>& m) {
  std::vector<int> k;
  for (const auto& [dg, h] : m) k.push_back(dg);
  return k;
}

TEST(Sod, Bsi2008SpecimenListsAndHashesItsDataGroups) {
  absl::StatusOr<Sod> sod = ParseSod(testing::ReadVector("lds-samples/jmrtd-bsi2008/EF_SOD.bin"));
  ASSERT_TRUE(sod.ok()) << sod.status();
  EXPECT_EQ(sod->lds.version, 0);
  EXPECT_EQ(sod->lds.hash_algorithm, HashAlgorithm::kSha1);
  EXPECT_THAT(Keys(sod->lds.data_group_hashes), ElementsAre(1, 2, 3, 14));
  EXPECT_TRUE(sod->Lists(14));
  EXPECT_FALSE(sod->Lists(15));  // DG15 is on the sample but not in its SOD
  for (int dg : {1, 2, 3, 14}) {
    Bytes file = testing::ReadVector("lds-samples/jmrtd-bsi2008/Datagroup" + std::to_string(dg) + ".bin");
    EXPECT_EQ(Hash(HashAlgorithm::kSha1, file), sod->lds.data_group_hashes.at(dg)) << "DG" << dg;
  }
  EXPECT_FALSE(sod->lds.lds_version.has_value());
}

TEST(Sod, Loes2006SpecimenListsAndHashesItsDataGroups) {
  absl::StatusOr<Sod> sod = ParseSod(testing::ReadVector("lds-samples/jmrtd-loes2006/ef011D.bin"));
  ASSERT_TRUE(sod.ok()) << sod.status();
  EXPECT_EQ(sod->lds.hash_algorithm, HashAlgorithm::kSha256);
  EXPECT_THAT(Keys(sod->lds.data_group_hashes), ElementsAre(1, 2, 15));
  const char* files[] = {"", "ef0101", "ef0102"};
  for (int dg : {1, 2}) {
    Bytes file = testing::ReadVector(std::string("lds-samples/jmrtd-loes2006/") + files[dg] + ".bin");
    EXPECT_EQ(Hash(HashAlgorithm::kSha256, file), sod->lds.data_group_hashes.at(dg));
  }
  EXPECT_EQ(Hash(HashAlgorithm::kSha256, testing::ReadVector("lds-samples/jmrtd-loes2006/ef010F.bin")),
            sod->lds.data_group_hashes.at(15));
}

TEST(Sod, RejectsOtherContentTypes) {
  absl::StatusOr<Sod> sod = ParseSod(testing::ReadPki("ml.bin"));  // a master list, not an SOD
  ASSERT_FALSE(sod.ok());
  EXPECT_THAT(std::string(sod.status().message()), ::testing::HasSubstr("2.23.136.1.1.2"));
}

Bytes Lso(int version, const char* hash_oid, std::vector<std::pair<int, Bytes>> groups) {
  Bytes hashes;
  for (const auto& [dg, h] : groups) {
    Bytes entry = Concat({EncodeTlv(0x02, Bytes{static_cast<uint8_t>(dg)}), EncodeTlv(0x04, h)});
    hashes = Concat({hashes, EncodeTlv(0x30, entry)});
  }
  return EncodeTlv(0x30, Concat({EncodeTlv(0x02, Bytes{static_cast<uint8_t>(version)}),
                                 asn1::EncodeAlgorithmIdentifier(hash_oid, std::nullopt), EncodeTlv(0x30, hashes)}));
}

TEST(Sod, LdsSecurityObjectChecks) {
  const char* sha256 = "2.16.840.1.101.3.4.2.1";
  Bytes h32(32, 0xAB);
  absl::StatusOr<LdsSecurityObject> ok = ParseLdsSecurityObject(Lso(0, sha256, {{1, h32}, {2, h32}}));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_THAT(Keys(ok->data_group_hashes), ElementsAre(1, 2));
  EXPECT_FALSE(ParseLdsSecurityObject(Lso(0, sha256, {{1, h32}, {1, h32}})).ok());         // repeated
  EXPECT_FALSE(ParseLdsSecurityObject(Lso(0, sha256, {{17, h32}})).ok());                  // out of range
  EXPECT_FALSE(ParseLdsSecurityObject(Lso(0, sha256, {{0, h32}})).ok());                   // out of range
  EXPECT_FALSE(ParseLdsSecurityObject(Lso(0, sha256, {{1, Bytes(20, 1)}})).ok());          // wrong size
  EXPECT_FALSE(ParseLdsSecurityObject(Lso(0, "1.2.840.113549.2.5", {{1, Bytes(16, 1)}})).ok());  // MD5
  EXPECT_FALSE(ParseLdsSecurityObject(Lso(2, sha256, {{1, h32}})).ok());                   // version
  EXPECT_FALSE(ParseLdsSecurityObject(Lso(0, sha256, {})).ok());                           // empty
}

}  // namespace
}  // namespace docval::emrtd
