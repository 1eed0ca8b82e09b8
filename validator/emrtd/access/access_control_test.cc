#include "validator/emrtd/access/access_control.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tools/vchip/chip_profile.h"
#include "tools/vchip/chip_rng.h"
#include "validator/emrtd/card_link.h"
#include "validator/emrtd/crypto/asn1_util.h"
#include "validator/emrtd/testing/vectors.h"
#include "validator/emrtd/testing/virtual_passport.h"
#include "validator/emrtd/tlv.h"

namespace docval::emrtd {
namespace {

using ::testing::HasSubstr;
using testing::LoadVector;
using testing::HexField;

SecureBytes Sec(const std::string& s) { return SecureBytes(s.begin(), s.end()); }

// The MRZ of ICAO 9303-11 App. D (its BAC exchange is replayed below).
AccessKey MrzKey() {
  AccessKey k;
  k.document_number = Sec("L898902C<");
  k.date_of_birth = Sec("690806");
  k.date_of_expiry = Sec("940623");
  return k;
}
AccessKey CanKey(const std::string& can) {
  AccessKey k;
  k.can = Sec(can);
  return k;
}

// Scripted for BAC (App. D.3 nonces), the system RNG for everything else.
class TestRandom : public RandomSource {
 public:
  TestRandom() {
    const nlohmann::json d3 = LoadVector("icao9303-p11-appD-bac-sm.json")["D3_mutual_authentication"];
    scripted_.Add("bac.rnd_ifd", HexField(d3["rnd_ifd"]));
    scripted_.Add("bac.k_ifd", HexField(d3["k_ifd"]));
  }
  absl::StatusOr<SecureBytes> Bytes(absl::string_view purpose, size_t n) override {
    if (absl::StartsWith(purpose, "bac.")) return scripted_.Bytes(purpose, n);
    return system_->Bytes(purpose, n);
  }
  absl::StatusOr<SecureBytes> Scalar(absl::string_view purpose, ByteSpan bound) override {
    return system_->Scalar(purpose, bound);
  }

 private:
  ScriptedRandom scripted_;
  std::unique_ptr<RandomSource> system_ = NewSystemRandom();
};

// The virtual passport (tools/vchip) with the MRZ of App. D, answering BAC with the example's RND.IC
// and K.IC (so BAC's keys are the example's), a CAN when `can` is set, and PACE on `pace` when set.
// Records each INS; `fail_transport_` makes the link fail instead.
class Chip {
 public:
  explicit Chip(std::optional<PaceParameters> pace, const std::string& can = "")
      : passport_(Profile(pace, can), Random()) {}
  absl::StatusOr<Bytes> operator()(ByteSpan command) {
    if (command.size() < 4) return absl::InvalidArgumentError("short command");
    instructions_.push_back(command[1]);
    if (fail_transport_) return absl::UnavailableError("the phone went away");
    return passport_(command);
  }
  std::optional<SessionKeys> keys() const { return passport_.keys(); }

  std::vector<uint8_t> instructions_;
  bool fail_transport_ = false;

 private:
  static vchip::ChipProfile Profile(const std::optional<PaceParameters>& pace, const std::string& can) {
    vchip::ChipProfile p;
    p.secrets = {.document_number = "L898902C", .date_of_birth = "690806", .date_of_expiry = "940623", .can = can};
    if (pace.has_value()) p.pace.push_back({pace->protocol_oid, static_cast<int>(*pace->parameter_id)});
    return p;
  }
  static std::unique_ptr<vchip::ChipRandom> Random() {
    const nlohmann::json d3 = LoadVector("icao9303-p11-appD-bac-sm.json")["D3_mutual_authentication"];
    auto rng = std::make_unique<vchip::ScriptedRandom>(std::random_device{}());  // PACE: fresh each run
    rng->Add("bac.rnd_icc", HexField(d3["rnd_ic"]));
    rng->Add("bac.k_icc", HexField(d3["k_ic"]));
    return rng;
  }
  testing::VirtualPassport passport_;
};

struct AcRun {
  absl::StatusOr<AccessControlOutcome> outcome;
  bool secure = false;
};

AcRun Perform(Chip& chip, std::optional<Bytes> card_access, const AccessKey& key, AccessControlConfig config) {
  CardLink link({.extended_length = true});
  ChipChannel channel(link);
  TestRandom rng;
  Task<absl::StatusOr<AccessControlOutcome>> task =
      PerformAccessControl(channel, std::move(card_access), key, config, rng);
  absl::StatusOr<AccessControlOutcome> outcome = RunDialog(task, link, std::ref(chip));
  return AcRun{std::move(outcome), channel.secure()};
}

AcRun Perform(Chip& chip, std::optional<Bytes> card_access, const AccessKey& key, bool fallback = false) {
  return Perform(chip, std::move(card_access), key, AccessControlConfig{.allow_bac_fallback = fallback});
}

// The BSI worked example's EF.CardAccess: one PACEInfo (ECDH-GM-AES-128, brainpoolP256r1) among CA, TA,
// CardInfoLocator and PrivilegedTerminalInfo entries.
Bytes BsiCardAccess() { return HexField(LoadVector("bsi-eac-worked-example-openpace.json")["ecdh"]["ef_cardaccess"]); }

// The PACE the reader tries first on `card_access`.
PaceParameters ChipFor(const Bytes& card_access) {
  std::vector<PaceParameters> c = PaceCandidates(*ParseSecurityInfos(card_access));
  EXPECT_FALSE(c.empty());
  return c.at(0);
}

bool Saw(const Chip& chip, uint8_t ins) {
  return std::find(chip.instructions_.begin(), chip.instructions_.end(), ins) != chip.instructions_.end();
}

// ---- Ordering ----------------------------------------------------------------------------------------

TEST(PaceCandidatesTest, BestFirstAndUnsupportedSkipped) {
  SecurityInfos infos;
  auto add = [&](const char* oid, int64_t id) {
    infos.pace.push_back(PaceInfo{.protocol = oid, .version = 2, .parameter_id = id});
  };
  add(oid::kPaceDhGmAes128, 0);
  add(oid::kPaceEcdhImAes256, 13);
  add(oid::kPaceEcdhGm3Des, 13);
  add(oid::kPaceEcdhGmAes128, 13);
  add(oid::kPaceEcdhCamAes128, 13);
  add(oid::kPaceEcdhGmAes256, 12);
  add("0.4.0.127.0.7.2.2.4.7.2", 13);  // not a PACE protocol
  add(oid::kPaceEcdhGmAes128, 5);      // reserved parameter id
  add(oid::kPaceEcdhGmAes128, 0x41);   // proprietary id without domain parameters
  std::vector<PaceParameters> c = PaceCandidates(infos);
  std::vector<std::string> order;
  for (const PaceParameters& p : c) order.push_back(p.protocol_oid + "/" + std::to_string(*p.parameter_id));
  EXPECT_THAT(order, ::testing::ElementsAre(std::string(oid::kPaceEcdhCamAes128) + "/13",
                                            std::string(oid::kPaceEcdhGmAes256) + "/12",
                                            std::string(oid::kPaceEcdhGmAes128) + "/13",
                                            std::string(oid::kPaceEcdhImAes256) + "/13",
                                            std::string(oid::kPaceEcdhGm3Des) + "/13",
                                            std::string(oid::kPaceDhGmAes128) + "/0"));
}

TEST(PaceCandidatesTest, RealCardAccessFiles) {
  const nlohmann::json v = LoadVector("openpace-cardaccess-cardsecurity-samples.json")["ef_cardaccess"];
  for (const auto& [name, hex] : v.items()) {
    SCOPED_TRACE(name);
    absl::StatusOr<SecurityInfos> infos = ParseSecurityInfos(HexOrDie(hex.get<std::string>()));
    ASSERT_TRUE(infos.ok()) << infos.status();
    std::vector<PaceParameters> c = PaceCandidates(*infos);
    // Every sample with a PACEInfo offers one we support (the Slovenian one has none: BAC), and ECDH
    // comes first when offered.
    EXPECT_EQ(c.empty(), infos->pace.empty());
    if (c.empty()) continue;
    bool any_ecdh = false;
    for (const PaceInfo& p : infos->pace) any_ecdh |= PaceProtocolFromOid(p.protocol)->agreement == KeyAgreement::kEcdh;
    EXPECT_EQ(c[0].domain.is_ec(), any_ecdh);
  }
}

// ---- The decision ------------------------------------------------------------------------------------

TEST(AccessControlTest, PaceWithTheCan) {
  const Bytes card_access = BsiCardAccess();
  AccessKey key = MrzKey();
  key.can = Sec("123456");  // both given: the CAN is used
  Chip chip(ChipFor(card_access), "123456");
  AcRun run = Perform(chip, card_access, key);
  ASSERT_TRUE(run.outcome.ok()) << run.outcome.status();
  EXPECT_EQ(run.outcome->protocol, AccessProtocol::kPace);
  EXPECT_TRUE(run.secure);
  ASSERT_TRUE(run.outcome->pace.has_value());
  EXPECT_EQ(run.outcome->pace->password_type, PacePasswordType::kCan);
  EXPECT_EQ(run.outcome->pace_parameters->parameter_id, 13);
  ASSERT_TRUE(chip.keys().has_value());
  EXPECT_EQ(run.outcome->keys.ks_mac, chip.keys()->ks_mac);
  EXPECT_FALSE(run.outcome->fell_back_to_bac);
  EXPECT_FALSE(Saw(chip, 0x84));  // no BAC
}

TEST(AccessControlTest, PaceWithTheMrzWhenThereIsNoCan) {
  const Bytes card_access = BsiCardAccess();
  Chip chip(ChipFor(card_access));  // the MRZ only
  AcRun run = Perform(chip, card_access, MrzKey());
  ASSERT_TRUE(run.outcome.ok()) << run.outcome.status();
  EXPECT_EQ(run.outcome->protocol, AccessProtocol::kPace);
  EXPECT_EQ(run.outcome->pace->password_type, PacePasswordType::kMrz);
}

TEST(AccessControlTest, CanRefusedAsUnknownThenMrz) {
  // A passport without a CAN answers MSE:Set AT with the CAN reference by 6A88: the MRZ is tried next.
  const Bytes card_access = BsiCardAccess();
  AccessKey key = MrzKey();
  key.can = Sec("123456");
  Chip chip(ChipFor(card_access));  // the MRZ only
  AcRun run = Perform(chip, card_access, key);
  ASSERT_TRUE(run.outcome.ok()) << run.outcome.status();
  EXPECT_EQ(run.outcome->pace->password_type, PacePasswordType::kMrz);
}

TEST(AccessControlTest, RefusedProtocolMovesToTheNextCandidate) {
  // Two PACEInfos: CAM (preferred) and GM; the chip refuses CAM at MSE:Set AT.
  SecurityInfos infos;
  const Bytes card_access = HexOrDie(
      "3128"
      "3012060A04007F0007020204060202010202010D"   // id-PACE-ECDH-CAM-AES-CBC-CMAC-128, v2, id 13
      "3012060A04007F0007020204020202010202010D");  // id-PACE-ECDH-GM-AES-CBC-CMAC-128, v2, id 13
  std::vector<PaceParameters> c = PaceCandidates(*ParseSecurityInfos(card_access));
  ASSERT_EQ(c.size(), 2u);
  ASSERT_EQ(c[0].protocol.mapping, PaceMapping::kChipAuthentication);
  Chip chip(c[1], "123456");  // knows GM only: MSE:Set AT for CAM gets 6A80
  AcRun run = Perform(chip, card_access, CanKey("123456"));
  ASSERT_TRUE(run.outcome.ok()) << run.outcome.status();
  EXPECT_EQ(run.outcome->pace->protocol_oid, oid::kPaceEcdhGmAes128);
  EXPECT_EQ(std::count(chip.instructions_.begin(), chip.instructions_.end(), 0x22), 2);
}

TEST(AccessControlTest, NoCardAccessMeansBac) {
  Chip chip(std::nullopt);
  AcRun run = Perform(chip, std::nullopt, MrzKey());
  ASSERT_TRUE(run.outcome.ok()) << run.outcome.status();
  EXPECT_EQ(run.outcome->protocol, AccessProtocol::kBac);
  EXPECT_TRUE(run.secure);
  const nlohmann::json d3 = LoadVector("icao9303-p11-appD-bac-sm.json")["D3_mutual_authentication"];
  EXPECT_EQ(ToHex(FromSecure(run.outcome->keys.ks_enc)), d3["ks_enc"].get<std::string>());
  EXPECT_EQ(ToHex(FromSecure(run.outcome->keys.ssc)), d3["ssc"].get<std::string>());
  EXPECT_FALSE(run.outcome->pace.has_value());
  EXPECT_FALSE(Saw(chip, 0x22));
}

TEST(AccessControlTest, CardAccessWithoutSupportedPaceMeansBac) {
  // Only a ChipAuthenticationInfo and a PACEInfo with an unknown protocol.
  const Bytes card_access = HexOrDie(
      "3128"
      "3012060A04007F00070202030202020102020101"
      "3012060A04007F00070202040702020102020101");
  Chip chip(std::nullopt);
  AcRun run = Perform(chip, card_access, MrzKey());
  ASSERT_TRUE(run.outcome.ok()) << run.outcome.status();
  EXPECT_EQ(run.outcome->protocol, AccessProtocol::kBac);
  // And an unparsable EF.CardAccess is no PACE either.
  Chip chip2(std::nullopt);
  AcRun run2 = Perform(chip2, HexOrDie("3003FFFF"), MrzKey());
  ASSERT_TRUE(run2.outcome.ok()) << run2.outcome.status();
  EXPECT_EQ(run2.outcome->protocol, AccessProtocol::kBac);
}

TEST(AccessControlTest, PaceFailureIsNeverASilentDowngrade) {
  const Bytes card_access = BsiCardAccess();
  AccessKey key = MrzKey();
  key.can = Sec("123456");
  Chip chip(ChipFor(card_access), "999999");  // the chip's CAN differs
  AcRun run = Perform(chip, card_access, key);
  ASSERT_FALSE(run.outcome.ok());
  EXPECT_TRUE(IsAccessControlFailure(run.outcome.status())) << run.outcome.status();
  EXPECT_EQ(run.outcome.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(run.outcome.status().message(), HasSubstr("PACE failed"));
  EXPECT_FALSE(Saw(chip, 0x84));  // no GET CHALLENGE: BAC was not tried
  EXPECT_FALSE(Saw(chip, 0x82));
  EXPECT_FALSE(run.secure);
}

TEST(AccessControlTest, OptInFallbackToBac) {
  const Bytes card_access = BsiCardAccess();
  AccessKey key = MrzKey();
  key.can = Sec("123456");
  Chip chip(ChipFor(card_access), "999999");
  AcRun run = Perform(chip, card_access, key, /*fallback=*/true);
  ASSERT_TRUE(run.outcome.ok()) << run.outcome.status();
  EXPECT_EQ(run.outcome->protocol, AccessProtocol::kBac);
  EXPECT_TRUE(run.outcome->fell_back_to_bac);
  EXPECT_EQ(PaceFailureOf(run.outcome->pace_failure), PaceFailure::kPasswordRefused);
  EXPECT_TRUE(Saw(chip, 0x84));
  EXPECT_TRUE(run.secure);
}

TEST(AccessControlTest, FallbackNeedsTheMrz) {
  const Bytes card_access = BsiCardAccess();
  Chip chip(ChipFor(card_access), "999999");
  AcRun run = Perform(chip, card_access, CanKey("123456"), /*fallback=*/true);
  EXPECT_TRUE(IsAccessControlFailure(run.outcome.status())) << run.outcome.status();
  EXPECT_FALSE(Saw(chip, 0x84));
}

TEST(AccessControlTest, CanOnlyAndNoPace) {
  Chip chip(std::nullopt);
  AcRun run = Perform(chip, std::nullopt, CanKey("123456"));
  EXPECT_TRUE(IsAccessControlFailure(run.outcome.status()));
  EXPECT_THAT(run.outcome.status().message(), HasSubstr("BAC needs the MRZ"));
  EXPECT_TRUE(chip.instructions_.empty());
}

TEST(AccessControlTest, BacRefusedIsAnAccessControlFailure) {
  Chip chip(std::nullopt);
  AccessKey other = MrzKey();
  other.date_of_birth = Sec("700101");  // not the chip's MRZ: M.IFD does not verify, the chip says 6300
  AcRun run = Perform(chip, std::nullopt, other);
  EXPECT_TRUE(IsAccessControlFailure(run.outcome.status())) << run.outcome.status();
  EXPECT_EQ(run.outcome.status().message(),
            "access control: BAC failed: BAC: access control failed: the chip refused the MRZ key (SW 6300)");
}

TEST(AccessControlTest, UnusableMrzForBacIsAnAccessControlFailureBeforeAnyCommand) {
  Chip chip(std::nullopt);
  AccessKey bad = MrzKey();
  bad.date_of_birth = Sec("69O806");  // a letter O in a date
  AcRun run = Perform(chip, std::nullopt, bad);
  EXPECT_TRUE(IsAccessControlFailure(run.outcome.status())) << run.outcome.status();
  EXPECT_EQ(run.outcome.status().message(), "access control: BAC failed: date of birth must be 6 digits (yyMMdd)");
  EXPECT_TRUE(chip.instructions_.empty());
}

// BAC's refusals are told by their kind (bac.h), not their code: a driver's error during BAC passes
// through whatever code it has, so it ends the dialog instead of reading as a wrong MRZ.
TEST(AccessControlTest, ADriversErrorDuringBacPassesThroughWhateverItsCode) {
  for (const absl::Status& driver : {absl::DataLossError("the reader lost the card"),
                                     absl::PermissionDeniedError("the phone's NFC permission was revoked")}) {
    SCOPED_TRACE(driver.ToString());
    CardLink link;
    ChipChannel channel(link);
    TestRandom rng;
    Task<absl::StatusOr<AccessControlOutcome>> task =
        PerformAccessControl(channel, std::nullopt, MrzKey(), AccessControlConfig{}, rng);
    absl::StatusOr<AccessControlOutcome> outcome =
        RunDialog(task, link, [&](ByteSpan) -> absl::StatusOr<Bytes> { return driver; });
    EXPECT_EQ(outcome.status(), driver);
    EXPECT_FALSE(IsAccessControlFailure(outcome.status()));
  }
}

TEST(AccessControlTest, TransportErrorsPassThroughWithoutFallback) {
  const Bytes card_access = BsiCardAccess();
  Chip chip(ChipFor(card_access), "123456");
  chip.fail_transport_ = true;
  AccessKey key = MrzKey();
  key.can = Sec("123456");
  AcRun run = Perform(chip, card_access, key, /*fallback=*/true);
  EXPECT_EQ(run.outcome.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(IsAccessControlFailure(run.outcome.status()));
  EXPECT_EQ(chip.instructions_.size(), 1u);  // only the first MSE:Set AT was attempted
}

TEST(AccessControlTest, IsAccessControlFailureNeedsOurMarker) {
  EXPECT_FALSE(IsAccessControlFailure(absl::OkStatus()));
  EXPECT_FALSE(IsAccessControlFailure(absl::PermissionDeniedError("someone else's")));
}

// ---- The session's budget ----------------------------------------------------------------------------

class CountingCache : public GroupValidationCache {
 public:
  std::optional<bool> Lookup(const Bytes&) override {
    ++lookups;
    return std::nullopt;
  }
  void Store(const Bytes&, bool) override {}
  int lookups = 0;
};

Bytes DerUnsigned(Bytes v) {
  if (v[0] & 0x80) v.insert(v.begin(), 0x00);
  return EncodeTlv(0x02, v);
}

// A DH-GM-AES-128 PACEInfo with proprietary id 32 and its PACEDomainParameterInfo: X9.42 parameters
// with an odd p of `p_bits` bits (not a prime: nothing may get as far as testing it).
Bytes DhPaceEntries(size_t p_bits) {
  Bytes p(p_bits / 8, 0xC3);
  Bytes q(20, 0xB5);
  const Bytes oid_dh_gm = *asn1::EncodeOidContents(oid::kPaceDhGm);
  const Bytes info = EncodeTlv(0x30, Concat({EncodeTlv(0x06, *asn1::EncodeOidContents(oid::kPaceDhGmAes128)),
                                             HexOrDie("020102"), HexOrDie("020120")}));
  const Bytes params = EncodeTlv(0x30, Concat({DerUnsigned(p), HexOrDie("020102"), DerUnsigned(q)}));
  const Bytes alg = EncodeTlv(0x30, Concat({EncodeTlv(0x06, *asn1::EncodeOidContents("1.2.840.10046.2.1")), params}));
  const Bytes domain = EncodeTlv(0x30, Concat({EncodeTlv(0x06, oid_dh_gm), alg, HexOrDie("020120")}));
  return Concat({info, domain});
}

// The BSI example's ECDH PACEInfo (brainpoolP256r1, GM, AES-128).
const char kEcdhPaceInfo[] = "3012060A04007F0007020204020202010202010D";

TEST(AccessControlBudgetTest, OnlyTheCandidateTriedIsResolved) {
  // The proprietary DH group ranks after ECDH: PACE succeeds without resolving it, so neither its
  // size (over max_dh_bits) nor its validation costs anything.
  const Bytes card_access = EncodeTlv(0x31, Concat({DhPaceEntries(3072), HexOrDie(kEcdhPaceInfo)}));
  ASSERT_EQ(ParseSecurityInfos(card_access)->pace.size(), 2u);
  Chip chip(ChipFor(EncodeTlv(0x31, HexOrDie(kEcdhPaceInfo))), "123456");
  CountingCache cache;
  AcRun run = Perform(chip, card_access, CanKey("123456"), AccessControlConfig{.group_cache = &cache});
  ASSERT_TRUE(run.outcome.ok()) << run.outcome.status();
  EXPECT_EQ(run.outcome->protocol, AccessProtocol::kPace);
  EXPECT_EQ(cache.lookups, 0);
}

TEST(AccessControlBudgetTest, ProprietaryDhGroupOverTheCapEndsAccessControl) {
  SessionLimits limits;
  limits.max_dh_bits = 2048;
  Chip chip(std::nullopt);
  AcRun run = Perform(chip, EncodeTlv(0x31, DhPaceEntries(3072)), MrzKey(), AccessControlConfig{.limits = limits});
  EXPECT_EQ(LimitName(run.outcome.status()), "max_dh_bits") << run.outcome.status();
  EXPECT_FALSE(IsAccessControlFailure(run.outcome.status()));
  EXPECT_TRUE(chip.instructions_.empty());  // before any command, and no BAC
  // At the cap the size passes (and the made-up p then fails validation: no PACE, so BAC).
  limits.max_dh_bits = 3072;
  Chip chip2(std::nullopt);
  AcRun run2 = Perform(chip2, EncodeTlv(0x31, DhPaceEntries(3072)), MrzKey(), AccessControlConfig{.limits = limits});
  ASSERT_TRUE(run2.outcome.ok()) << run2.outcome.status();
  EXPECT_EQ(run2.outcome->protocol, AccessProtocol::kBac);
}

TEST(AccessControlBudgetTest, ResolutionsAreCapped) {
  // PACEInfos with a reserved standardized id: each resolution fails, the next one is tried.
  auto card_access = [](size_t n) {
    Bytes body;
    for (size_t i = 0; i < n; ++i) {
      const Bytes e = HexOrDie("3012060A04007F00070202040202020102020105");
      body.insert(body.end(), e.begin(), e.end());
    }
    return EncodeTlv(0x31, body);
  };
  const SessionLimits limits;
  Chip at_cap(std::nullopt);
  AcRun run = Perform(at_cap, card_access(limits.max_pace_resolutions), MrzKey());
  ASSERT_TRUE(run.outcome.ok()) << run.outcome.status();
  EXPECT_EQ(run.outcome->protocol, AccessProtocol::kBac);
  Chip over(std::nullopt);
  AcRun run2 = Perform(over, card_access(limits.max_pace_resolutions + 1), MrzKey());
  EXPECT_EQ(LimitName(run2.outcome.status()), "max_pace_resolutions") << run2.outcome.status();
}

TEST(AccessControlBudgetTest, TooManySecurityInfosEndAccessControl) {
  SessionLimits limits;
  limits.max_security_infos = 3;
  const Bytes three =
      EncodeTlv(0x31, Concat({HexOrDie(kEcdhPaceInfo), HexOrDie(kEcdhPaceInfo), HexOrDie(kEcdhPaceInfo)}));
  Chip chip(ChipFor(three), "123456");
  AcRun run = Perform(chip, three, CanKey("123456"), AccessControlConfig{.limits = limits});
  ASSERT_TRUE(run.outcome.ok()) << run.outcome.status();
  Bytes four_entries = Concat({Bytes(three.begin() + 2, three.end()), HexOrDie(kEcdhPaceInfo)});
  Chip chip2(std::nullopt);
  AcRun run2 = Perform(chip2, EncodeTlv(0x31, four_entries), CanKey("123456"), AccessControlConfig{.limits = limits});
  EXPECT_EQ(LimitName(run2.outcome.status()), "max_security_infos") << run2.outcome.status();
  EXPECT_TRUE(chip2.instructions_.empty());
}

}  // namespace
}  // namespace docval::emrtd
