#include "validator/emrtd/access/chip_channel.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "validator/emrtd/testing/scripted_chip.h"
#include "validator/emrtd/testing/vectors.h"

namespace docval::emrtd {
namespace {

using testing::HexField;
using testing::LoadVector;
using testing::ScriptedChip;
using testing::ScriptedExchange;

Task<absl::StatusOr<Bytes>> ReadEfComAppD(ChipChannel& ch, SessionKeys keys) {
  // A plain command first, then the App. D protected ones.
  absl::StatusOr<ResponseApdu> r = co_await ch.Transmit(CommandApdu{.ins = 0x84, .ne = 8});
  if (!r.ok()) co_return r.status();
  if (ch.secure()) co_return absl::InternalError("secure too early");
  ch.StartSecureMessaging(std::move(keys));
  // A named command: see the GCC 12 note in chip_channel.h.
  CommandApdu select{.ins = 0xA4, .p1 = 0x02, .p2 = 0x0C, .data = HexOrDie("011E")};
  r = co_await ch.Transmit(select);
  if (!r.ok()) co_return r.status();
  if (r->sw != 0x9000) co_return absl::InternalError("select");
  Bytes out;
  const uint8_t offsets[2] = {0, 4};
  const size_t sizes[2] = {4, 0x12};
  for (int i = 0; i < 2; ++i) {
    CommandApdu read{.ins = 0xB0, .p2 = offsets[i], .ne = sizes[i]};
    r = co_await ch.Transmit(read);
    if (!r.ok()) co_return r.status();
    out.insert(out.end(), r->data.begin(), r->data.end());
  }
  co_return out;
}

std::vector<ScriptedExchange> AppDScript(const nlohmann::json& v) {
  std::vector<ScriptedExchange> s = {{HexOrDie("0084000008"), HexOrDie("4608F919887022129000")}};
  for (const nlohmann::json& x : v["D4_secure_messaging"]["exchanges"]) {
    s.push_back({HexField(x["cmd_ProtectedCmd"]), HexField(x["rsp_Protected"])});
  }
  return s;
}

SessionKeys AppDKeys(const nlohmann::json& v) {
  const nlohmann::json& d4 = v["D4_secure_messaging"];
  return SessionKeys{.cipher = SmCipher::k3Des,
                     .ks_enc = ToSecure(HexField(d4["ks_enc"])),
                     .ks_mac = ToSecure(HexField(d4["ks_mac"])),
                     .ssc = ToSecure(HexField(d4["ssc_initial"]))};
}

TEST(ChipChannelTest, PlainThenProtectedAppendixD) {
  nlohmann::json v = LoadVector("icao9303-p11-appD-bac-sm.json");
  CardLink link;
  ChipChannel ch(link);
  ScriptedChip chip(AppDScript(v));
  Task<absl::StatusOr<Bytes>> t = ReadEfComAppD(ch, AppDKeys(v));
  absl::StatusOr<Bytes> out = RunDialog(t, link, std::ref(chip));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ToHex(*out), v["D4_secure_messaging"]["ef_com_plain"].get<std::string>());
  EXPECT_EQ(chip.used(), 4u);
  EXPECT_EQ(link.round_trips(), 4u);
  ASSERT_NE(ch.sm(), nullptr);
  EXPECT_EQ(ToHex(ch.sm()->keys().ssc), v["D4_secure_messaging"]["ssc_after_trace"].get<std::string>());
}

TEST(ChipChannelTest, BadMacEndsTheDialogAndNothingMoreIsSent) {
  nlohmann::json v = LoadVector("icao9303-p11-appD-bac-sm.json");
  std::vector<ScriptedExchange> script = AppDScript(v);
  script[2].response[3] ^= 0x40;  // corrupt the first READ BINARY response
  CardLink link;
  ChipChannel ch(link);
  ScriptedChip chip(script);
  Task<absl::StatusOr<Bytes>> t = ReadEfComAppD(ch, AppDKeys(v));
  absl::StatusOr<Bytes> out = RunDialog(t, link, std::ref(chip));
  EXPECT_EQ(out.status().code(), absl::StatusCode::kDataLoss) << out.status();
  EXPECT_EQ(link.round_trips(), 3u);
  ASSERT_NE(ch.sm(), nullptr);
  EXPECT_TRUE(ch.sm()->spent());
}

Task<absl::StatusOr<ResponseApdu>> Once(ChipChannel& ch, CommandApdu c) { co_return co_await ch.Transmit(c); }

TEST(ChipChannelTest, SpentChannelRefusesWithoutTransmitting) {
  nlohmann::json v = LoadVector("icao9303-p11-appD-bac-sm.json");
  CardLink link;
  ChipChannel ch(link);
  ch.StartSecureMessaging(AppDKeys(v));
  {
    Task<absl::StatusOr<ResponseApdu>> t = Once(ch, CommandApdu{.ins = 0xB0, .ne = 4});
    absl::StatusOr<ResponseApdu> r = RunDialog(t, link, [](ByteSpan) -> absl::StatusOr<Bytes> {
      return HexOrDie("6988");
    });
    EXPECT_EQ(r.status().code(), absl::StatusCode::kAborted);
    EXPECT_EQ(PlainStatusWordOf(r.status()), 0x6988);
  }
  Task<absl::StatusOr<ResponseApdu>> t = Once(ch, CommandApdu{.ins = 0xB0, .ne = 4});
  absl::StatusOr<ResponseApdu> r = RunDialog(t, link, [](ByteSpan) -> absl::StatusOr<Bytes> {
    ADD_FAILURE() << "sent after the session ended";
    return HexOrDie("9000");
  });
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(link.round_trips(), 1u);
  // New keys restart protection.
  ch.StopSecureMessaging();
  EXPECT_FALSE(ch.secure());
}

TEST(ChipChannelTest, TransportErrorPassesThrough) {
  CardLink link;
  ChipChannel ch(link);
  Task<absl::StatusOr<ResponseApdu>> t = Once(ch, CommandApdu{.ins = 0x84, .ne = 8});
  absl::StatusOr<ResponseApdu> r = RunDialog(t, link, [](ByteSpan) -> absl::StatusOr<Bytes> {
    return absl::UnavailableError("client gone");
  });
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace docval::emrtd
