#include "validator/emrtd/crypto/mac.h"

#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "validator/emrtd/crypto/cipher.h"
#include "validator/emrtd/testing/vectors.h"

namespace docval::emrtd {
namespace {

using testing::HexField;
using testing::LoadVector;

// App. D.3: M_IFD = MAC(K_mac, pad(E_IFD)), M_IC = MAC(K_mac, pad(E_IC)).
TEST(MacTest, RetailMacMatchesAppendixDMutualAuthentication) {
  nlohmann::json v = LoadVector("icao9303-p11-appD-bac-sm.json");
  Bytes k_mac = HexField(v["D2_key_seed"]["k_mac"]);
  const nlohmann::json& d3 = v["D3_mutual_authentication"];
  absl::StatusOr<Bytes> m = RetailMac(k_mac, PadIso9797M2(HexField(d3["E_ifd"]), 8));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(ToHex(*m), d3["M_ifd"].get<std::string>());
  EXPECT_EQ(ToHex(*Mac8(CipherFamily::k3Des, k_mac, PadIso9797M2(HexField(d3["E_ic"]), 8))),
            d3["M_ic"].get<std::string>());
}

// App. D.4: CC = MAC(KS_mac, N) for every command N and response K given.
TEST(MacTest, RetailMacMatchesAppendixDSecureMessaging) {
  nlohmann::json v = LoadVector("icao9303-p11-appD-bac-sm.json");
  const nlohmann::json& d4 = v["D4_secure_messaging"];
  Bytes ks_mac = HexField(d4["ks_mac"]);
  for (const nlohmann::json& x : d4["exchanges"]) {
    SCOPED_TRACE(x["command"].get<std::string>());
    EXPECT_EQ(ToHex(*RetailMac(ks_mac, HexField(x["cmd_N"]))), x["cmd_CC"].get<std::string>());
    // rsp_K is given with its padding.
    EXPECT_EQ(ToHex(*RetailMac(ks_mac, HexField(x["rsp_K"]))), x["rsp_CC"].get<std::string>());
  }
}

// One ChannelMac keyed once MACs App. D.4's whole session, command and response in turn, as secure
// messaging uses it: nothing of one message may carry over into the next. The responses go through
// Mac8Padded (rsp_K without its padding) and the commands through Mac8.
TEST(ChannelMacTest, OneKeyMacsEveryMessageOfAppendixDInTurn) {
  nlohmann::json v = LoadVector("icao9303-p11-appD-bac-sm.json");
  const nlohmann::json& d4 = v["D4_secure_messaging"];
  absl::StatusOr<ChannelMac> mac = ChannelMac::Create(CipherFamily::k3Des, HexField(d4["ks_mac"]));
  ASSERT_TRUE(mac.ok()) << mac.status();
  ChannelMac moved = *std::move(mac);  // the channel keeps it by value
  for (const nlohmann::json& x : d4["exchanges"]) {
    SCOPED_TRACE(x["command"].get<std::string>());
    EXPECT_EQ(ToHex(*moved.Mac8(HexField(x["cmd_N"]))), x["cmd_CC"].get<std::string>());
    absl::StatusOr<Bytes> k = UnpadIso9797M2(HexField(x["rsp_K"]), 8);
    ASSERT_TRUE(k.ok());
    EXPECT_EQ(ToHex(*moved.Mac8Padded({ByteSpan(*k).subspan(0, 3), ByteSpan(*k).subspan(3)})),
              x["rsp_CC"].get<std::string>());
  }
  EXPECT_EQ(moved.Mac8(Bytes(7)).status().code(), absl::StatusCode::kInvalidArgument);
  // A refused message leaves the key usable.
  const nlohmann::json& first = d4["exchanges"][0];
  EXPECT_EQ(ToHex(*moved.Mac8(HexField(first["cmd_N"]))), first["cmd_CC"].get<std::string>());
}

TEST(ChannelMacTest, RejectsKeysThatDoNotFitTheFamily) {
  EXPECT_EQ(ChannelMac::Create(CipherFamily::k3Des, Bytes(24, 1)).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ChannelMac::Create(CipherFamily::kAes, Bytes(20, 1)).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ChannelMac::Create(CipherFamily::kAes, Bytes(32, 1)).ok());
}

TEST(MacTest, RetailMacRejectsUnpaddedInputAndBadKeys) {
  EXPECT_EQ(RetailMac(Bytes(16, 1), Bytes(7)).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RetailMac(Bytes(24, 1), Bytes(8)).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(AesCmac(Bytes(15, 1), Bytes(8)).status().code(), absl::StatusCode::kInvalidArgument);
}

// RFC 4493 §4 examples 1-3 (AES-128), and SP 800-38B D.2/D.3 example 2 for AES-192/256.
TEST(MacTest, AesCmacMatchesRfc4493) {
  Bytes key = HexOrDie("2B7E151628AED2A6ABF7158809CF4F3C");
  EXPECT_EQ(ToHex(*AesCmac(key, {})), "BB1D6929E95937287FA37D129B756746");
  EXPECT_EQ(ToHex(*AesCmac(key, HexOrDie("6BC1BEE22E409F96E93D7E117393172A"))), "070A16B46B4D4144F79BDD9DD04A287C");
  EXPECT_EQ(ToHex(*AesCmac(key, HexOrDie("6BC1BEE22E409F96E93D7E117393172AAE2D8A571E03AC9C9EB76FAC45AF8E51"
                                         "30C81C46A35CE411"))),
            "DFA66747DE9AE63030CA32611497C827");
  EXPECT_EQ(ToHex(*Mac8(CipherFamily::kAes, key, {})), "BB1D6929E9593728");
  EXPECT_EQ(ToHex(*AesCmac(HexOrDie("8E73B0F7DA0E6452C810F32B809079E562F8EAD2522C6B7B"),
                           HexOrDie("6BC1BEE22E409F96E93D7E117393172A"))),
            "9E99A7BF31E710900662F65E617C5184");
  EXPECT_EQ(ToHex(*AesCmac(HexOrDie("603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4"),
                           HexOrDie("6BC1BEE22E409F96E93D7E117393172A"))),
            "28A7023F452E8F82BD4BF28D8C37C35C");
}

// BSI EAC worked example: SM MAC = CMAC(KS_mac, SSC || pad(data)) truncated to 8 bytes.
TEST(MacTest, AesSmMacMatchesBsiWorkedExample) {
  nlohmann::json v = LoadVector("bsi-eac-worked-example-openpace.json");
  for (const char* variant : {"ecdh", "dh"}) {
    SCOPED_TRACE(variant);
    const nlohmann::json& pace = v[variant]["pace"];
    Bytes ssc(16, 0);
    ssc[15] = static_cast<uint8_t>(pace["sm_mac_example"]["ssc"].get<int>());
    Bytes input = Concat({ssc, PadIso9797M2(HexField(pace["sm_mac_example"]["data_unpadded"]), 16)});
    EXPECT_EQ(ToHex(*Mac8(CipherFamily::kAes, HexField(pace["k_mac"]), input)),
              pace["sm_mac_example"]["mac"].get<std::string>());
  }
}

// Mac8Padded is Mac8 of the padded concatenation, at every length around block boundaries (a
// whole block of input gets a whole block of padding), for both families.
TEST(MacTest, Mac8PaddedEqualsMac8OfThePaddedConcatenation) {
  const Bytes key3des = HexOrDie("F1CB1F1FB5ADF208806B89DC579DC1F8");
  const Bytes key_aes = HexOrDie("2B7E151628AED2A6ABF7158809CF4F3C");
  const Bytes ssc = HexOrDie("887022120C06C227");
  for (size_t n = 0; n <= 40; ++n) {
    SCOPED_TRACE(n);
    Bytes data(n);
    for (size_t i = 0; i < n; ++i) data[i] = static_cast<uint8_t>(i * 7 + 1);
    EXPECT_EQ(*Mac8Padded(CipherFamily::k3Des, key3des, {ssc, data}),
              *Mac8(CipherFamily::k3Des, key3des, PadIso9797M2(Concat({ssc, data}), 8)));
    EXPECT_EQ(*Mac8Padded(CipherFamily::kAes, key_aes, {ssc, data}),
              *Mac8(CipherFamily::kAes, key_aes, PadIso9797M2(Concat({ssc, data}), 16)));
  }
  EXPECT_FALSE(Mac8Padded(CipherFamily::k3Des, ByteSpan(key_aes).subspan(0, 8), {ssc}).ok());
  EXPECT_FALSE(Mac8Padded(CipherFamily::kAes, HexOrDie("00"), {ssc}).ok());
}

}  // namespace
}  // namespace docval::emrtd
