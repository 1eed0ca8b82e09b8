// The reader's PACE against the virtual passport (tools/vchip, an independent chip side) when a DH value
// begins with a zero byte (docs/pace.md, "DH encodings"). Both sides are seeded, so each case below is
// one fixed dialog; each test first checks that its seeds still produce the case it is about.
#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tools/vchip/chip_params.h"
#include "tools/vchip/lds_builder.h"
#include "tools/vchip/virtual_chip.h"
#include "validator/emrtd/access/pace.h"
#include "validator/emrtd/card_link.h"
#include "validator/emrtd/crypto/hash.h"

namespace docval::emrtd {
namespace {

// The reader's randomness from a seed: SHA-256(seed || purpose || counter) blocks; scalars by
// rejection below the bound.
class SeededRandom : public RandomSource {
 public:
  explicit SeededRandom(uint64_t seed) : seed_(seed) {}
  absl::StatusOr<SecureBytes> Bytes(absl::string_view purpose, size_t n) override {
    emrtd::Bytes out;
    while (out.size() < n) {
      const std::string block = absl::StrCat(seed_, "/", purpose, "/", counter_++);
      emrtd::Bytes h = Hash(HashAlgorithm::kSha256, AsSpan(block));
      out.insert(out.end(), h.begin(), h.end());
    }
    out.resize(n);
    return ToSecure(out);
  }
  absl::StatusOr<SecureBytes> Scalar(absl::string_view purpose, ByteSpan bound) override {
    for (;;) {
      absl::StatusOr<SecureBytes> v = Bytes(purpose, bound.size());
      int bits = 8;
      while (bits > 0 && (bound[0] >> (bits - 1)) == 0) --bits;
      (*v)[0] &= static_cast<uint8_t>((1u << bits) - 1);
      const emrtd::Bytes value = FromSecure(*v);
      const bool zero = std::all_of(value.begin(), value.end(), [](uint8_t b) { return b == 0; });
      if (!zero && std::lexicographical_compare(value.begin(), value.end(), bound.begin(), bound.end())) return v;
    }
  }

 private:
  uint64_t seed_;
  uint64_t counter_ = 0;
};

constexpr char kDhGm3Des[] = "0.4.0.127.0.7.2.2.4.1.1";

struct PaceRun {
  absl::StatusOr<PaceResult> result;
  PaceTrace trace;
  int mse_commands = 0;
};

// PACE-GM DH 3DES on the 1024-bit group (id 0) with the CAN, reader seed `reader_seed`, chip seed
// `chip_seed`.
PaceRun RunWithSeeds(uint64_t reader_seed, uint64_t chip_seed) {
  vchip::ChipProfile profile;
  profile.secrets = {"T22000129", "640812", "101031", "500540"};
  profile.pace.push_back({kDhGm3Des, 0});
  absl::StatusOr<std::unique_ptr<vchip::VirtualChip>> chip =
      vchip::VirtualChip::Create(profile, vchip::NewSeededRandom(chip_seed));
  EXPECT_TRUE(chip.ok()) << chip.status();
  PaceRun run;
  std::optional<PaceProtocol> protocol = PaceProtocolFromOid(kDhGm3Des);
  PaceParameters params{kDhGm3Des, *protocol, *KeyAgreementGroup::FromParameterId(0), 0};
  PacePassword can{PacePasswordType::kCan, ToSecure(AsSpan(std::string("500540")))};
  SeededRandom rng(reader_seed);
  CardLink link({.extended_length = true});
  ChipChannel channel(link);
  Task<absl::StatusOr<PaceResult>> task = RunPace(channel, params, can, rng, &run.trace);
  run.result = RunDialog(task, link, [&](ByteSpan command) -> absl::StatusOr<emrtd::Bytes> {
    if (command.size() > 2 && command[1] == 0x22) ++run.mse_commands;
    std::optional<emrtd::Bytes> r = (*chip)->Process(command);
    if (!r.has_value()) return absl::DeadlineExceededError("no answer");
    return *r;
  });
  return run;
}

// Seeds 412: in the first run the chip's ephemeral public value begins with 00. The chip sends it
// minimal and authenticates the token over the minimal value (ICAO 9303-11 §9.4.1); a reader that
// padded it to |p| in the token input got 6300 here. The reader abandons that run before the token (a
// chip that pads would disagree) and the second run completes.
TEST(PaceVchipDhTest, ChipEphemeralKeyWithALeadingZeroStartsAFreshRun) {
  PaceRun run = RunWithSeeds(412, 412);
  ASSERT_TRUE(run.result.ok()) << run.result.status();
  EXPECT_EQ(run.trace.abandoned_runs, std::vector<std::string>{"chip ephemeral key"});
  EXPECT_EQ(run.mse_commands, 2);
  EXPECT_NE(run.trace.chip_ephemeral_public[0], 0);
  EXPECT_NE(run.trace.shared_secret[0], 0);
  EXPECT_NE(run.trace.terminal_ephemeral_public[0], 0);
}

// Seeds 101: in the first run K begins with 00. The standard (PKCS #3) and the chip keep it |p| bytes;
// a chip on OpenSSL's DH_compute_key drops the zero and derives other keys, so the reader starts again.
TEST(PaceVchipDhTest, SharedSecretWithALeadingZeroStartsAFreshRun) {
  PaceRun run = RunWithSeeds(101, 101);
  ASSERT_TRUE(run.result.ok()) << run.result.status();
  EXPECT_EQ(run.trace.abandoned_runs, std::vector<std::string>{"shared secret"});
  EXPECT_EQ(run.mse_commands, 2);
  EXPECT_NE(run.trace.shared_secret[0], 0);
}

// Without a leading zero nothing changes: one run.
TEST(PaceVchipDhTest, UnambiguousValuesNeedOneRun) {
  PaceRun run = RunWithSeeds(1, 1);
  ASSERT_TRUE(run.result.ok()) << run.result.status();
  EXPECT_TRUE(run.trace.abandoned_runs.empty());
  EXPECT_EQ(run.mse_commands, 1);
}

// The token input carries a DH value as a minimal unsigned integer, however it was given.
TEST(PaceVchipDhTest, TokenInputDropsLeadingZerosOfDhValuesOnly) {
  const absl::StatusOr<emrtd::Bytes> padded = PublicKeyDataObject(kDhGm3Des, 0x84, HexOrDie("00001234"));
  const absl::StatusOr<emrtd::Bytes> minimal = PublicKeyDataObject(kDhGm3Des, 0x84, HexOrDie("1234"));
  ASSERT_TRUE(padded.ok() && minimal.ok());
  EXPECT_EQ(ToHex(*padded), ToHex(*minimal));
  EXPECT_EQ(ToHex(*padded), "7F49" "10" "060A04007F0007020204010184" "021234");
  const absl::StatusOr<emrtd::Bytes> point = PublicKeyDataObject(kDhGm3Des, 0x86, HexOrDie("000102"));
  ASSERT_TRUE(point.ok());
  EXPECT_EQ(ToHex(*point).substr(ToHex(*point).size() - 10), "8603000102");
}

}  // namespace
}  // namespace docval::emrtd
