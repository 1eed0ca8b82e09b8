// Behaviour of the virtual chip driven by hand-built APDUs and a small test terminal (test_terminal.h):
// access conditions, secure messaging on every answer and its abort, quirks, faults, Active
// Authentication, Chip Authentication, PACE variants (GM with 3DES and AES-256, IM, CAM).
#include "tools/vchip/virtual_chip.h"

#include <botan/dh.h>
#include <botan/ecdh.h>
#include <botan/ecdsa.h>
#include <botan/hash.h>
#include <botan/numthry.h>
#include <botan/pkcs8.h>
#include <botan/pubkey.h>
#include <botan/rsa.h>
#include <gtest/gtest.h>

#include "tools/vchip/chip_keys.h"
#include "tools/vchip/chip_params.h"
#include "tools/vchip/chip_tlv.h"
#include "tools/vchip/lds_builder.h"
#include "tools/vchip/test_terminal.h"
#include "validator/emrtd/crypto/hash.h"

namespace docval::vchip {
namespace {

using emrtd::HexOrDie;
using emrtd::ToHex;
using testing::Exchange;
using testing::SecureExchange;
using testing::SwOf;
using testing::TerminalSm;

const char kMrzInfo[] = "L898902C<369080619406236";

Bytes Pkcs8(const Botan::Private_Key& k) {
  auto der = Botan::PKCS8::BER_encode(k);
  return Bytes(der.begin(), der.end());
}

std::string Hex(const std::optional<Bytes>& r) { return r.has_value() ? ToHex(*r) : "<silent>"; }

ChipFile File(const char* name, uint16_t fid, uint8_t sfi, bool mf, AccessRule rule, Bytes content) {
  ChipFile f;
  f.name = name;
  f.fid = fid;
  f.sfi = sfi;
  f.in_mf = mf;
  f.read = rule;
  f.content = std::move(content);
  return f;
}

// A passport with EF.CardAccess in the MF, EF.COM, a 600-byte DG2 and DG1 in the application.
ChipProfile BaseProfile() {
  ChipProfile p;
  p.name = "test";
  p.secrets = {"L898902C", "690806", "940623", "123456"};
  p.files.push_back(File("EF.CardAccess", 0x011C, 0x1C, true, AccessRule::kAlways,
                         BuildCardAccess({PaceInfo("0.4.0.127.0.7.2.2.4.2.2", 13)})));
  p.files.push_back(File("EF.COM", 0x011E, 0x1E, false, AccessRule::kAfterAccessControl, BuildCom({1, 2})));
  Bytes dg2(600);
  for (size_t i = 0; i < dg2.size(); ++i) dg2[i] = static_cast<uint8_t>(i * 7);
  p.files.push_back(File("DG2", 0x0102, 0x02, false, AccessRule::kAfterAccessControl, Tlv(0x75, dg2)));
  p.files.push_back(File("DG1", 0x0101, 0x01, false, AccessRule::kAfterAccessControl,
                         Tlv(0x61, Tlv(0x5F1F, emrtd::AsSpan(std::string(88, '<'))))));
  p.pace.push_back({"0.4.0.127.0.7.2.2.4.2.2", 13});
  return p;
}

std::unique_ptr<VirtualChip> Make(ChipProfile p, uint64_t seed = 7) {
  auto chip = VirtualChip::Create(std::move(p), NewSeededRandom(seed));
  EXPECT_TRUE(chip.ok()) << chip.status();
  return chip.ok() ? std::move(*chip) : nullptr;
}

std::unique_ptr<VirtualChip> MakeInApp(ChipProfile p) {
  auto chip = Make(std::move(p));
  EXPECT_EQ(Hex(chip->Process(HexOrDie("00A4040C07A0000002471001"))), "9000");
  return chip;
}

TEST(VirtualChipTest, FilesBeforeAccessControl) {
  auto chip = Make(BaseProfile());
  // EF.CardAccess in the MF by SFI, without access control.
  std::string ca = Hex(chip->Process(HexOrDie("00B09C0000")));
  EXPECT_EQ(ca, ToHex(BaseProfile().files[0].content) + "6282");  // fewer than 256 bytes left
  EXPECT_EQ(Hex(chip->Process(HexOrDie("00B0000000"))), ca);       // the SFI read selected it
  EXPECT_EQ(Hex(chip->Process(HexOrDie("00A4040C07A0000002471002"))), "6A82");
  EXPECT_EQ(Hex(chip->Process(HexOrDie("00A4040C07A0000002471001"))), "9000");
  EXPECT_EQ(Hex(chip->Process(HexOrDie("00B0000004"))), "6986");  // no current EF
  EXPECT_EQ(Hex(chip->Process(HexOrDie("00A4020C020101"))), "9000");
  EXPECT_EQ(Hex(chip->Process(HexOrDie("00B0000004"))), "6982");
  EXPECT_EQ(Hex(chip->Process(HexOrDie("00B0810004"))), "6982");
  EXPECT_EQ(Hex(chip->Process(HexOrDie("00A4020C020199"))), "6A82");
  EXPECT_EQ(Hex(chip->Process(HexOrDie("00880000080102030405060708"))), "6D00");  // no AA key
  EXPECT_EQ(Hex(chip->Process(HexOrDie("00CA010000"))), "6D00");
  EXPECT_EQ(Hex(chip->Process(HexOrDie("80B0000004"))), "6E00");
  EXPECT_EQ(Hex(chip->Process(HexOrDie("00B000"))), "6700");  // malformed APDU
  // EF.CardAccess is in the MF, not in the application.
  EXPECT_EQ(Hex(chip->Process(HexOrDie("00A4020C02011C"))), "6A82");
  EXPECT_EQ(Hex(chip->Process(HexOrDie("00A4000C02011C"))), "9000");  // P1 00 also looks at the parent
}

TEST(VirtualChipTest, BacThenEveryAnswerIsProtected) {
  auto chip = MakeInApp(BaseProfile());
  auto sm = testing::TerminalBac(*chip, kMrzInfo);
  ASSERT_TRUE(sm.ok()) << sm.status();
  EXPECT_EQ(chip->access(), ChipAccess::kBac);
  auto dg2 = testing::ReadFile(*chip, *sm, 0x0102);
  ASSERT_TRUE(dg2.ok()) << dg2.status();
  EXPECT_EQ(*dg2, BaseProfile().files[2].content);
  // Errors come protected too.
  auto missing = SecureExchange(*chip, *sm, 0xA4, 0x02, 0x0C, HexOrDie("0199"), 0);
  ASSERT_TRUE(missing.ok()) << missing.status();
  EXPECT_EQ(ToHex(*missing), "6A82");
  // Short EF identifier and odd INS under SM.
  auto by_sfi = SecureExchange(*chip, *sm, 0xB0, 0x9E, 0x00, {}, 4);
  ASSERT_TRUE(by_sfi.ok());
  EXPECT_EQ(ToHex(*by_sfi), ToHex(ByteSpan(BaseProfile().files[1].content).subspan(0, 4)) + "9000");
  auto odd = SecureExchange(*chip, *sm, 0xB1, 0x00, 0x02, HexOrDie("5402012C"), 8);
  ASSERT_TRUE(odd.ok()) << odd.status();
  EXPECT_EQ(ToHex(*odd), "5306" + ToHex(ByteSpan(BaseProfile().files[2].content).subspan(300, 6)) + "9000");
}

TEST(VirtualChipTest, WrongMacAbortsTheSession) {
  auto chip = MakeInApp(BaseProfile());
  auto sm = testing::TerminalBac(*chip, kMrzInfo);
  ASSERT_TRUE(sm.ok());
  Bytes cmd = sm->Wrap(0x00, 0xA4, 0x02, 0x0C, HexOrDie("0101"), 0);
  cmd[cmd.size() - 2] ^= 0x55;
  EXPECT_EQ(Hex(chip->Process(cmd)), "6988");
  EXPECT_FALSE(chip->secure_messaging());
  EXPECT_EQ(chip->access(), ChipAccess::kNone);
  // The session is gone: protected commands are refused, plain ones find the files locked.
  EXPECT_EQ(Hex(chip->Process(sm->Wrap(0x00, 0xB0, 0, 0, {}, 4))), "6988");
  EXPECT_EQ(Hex(chip->Process(HexOrDie("00B0810004"))), "6982");
  // A new BAC opens it again.
  auto again = testing::TerminalBac(*chip, kMrzInfo);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(testing::ReadFile(*chip, *again, 0x0101).ok());
}

TEST(VirtualChipTest, PlainCommandEndsTheSession) {
  auto chip = MakeInApp(BaseProfile());
  auto sm = testing::TerminalBac(*chip, kMrzInfo);
  ASSERT_TRUE(sm.ok());
  EXPECT_EQ(Hex(chip->Process(HexOrDie("00B0810004"))), "6982");
  EXPECT_FALSE(chip->secure_messaging());
  EXPECT_EQ(Hex(chip->Process(HexOrDie("0CB000000397010400"))), "6988");  // no session any more
}

TEST(VirtualChipTest, MissingMacIs6987) {
  auto chip = MakeInApp(BaseProfile());
  auto sm = testing::TerminalBac(*chip, kMrzInfo);
  ASSERT_TRUE(sm.ok());
  EXPECT_EQ(Hex(chip->Process(HexOrDie("0CB000000397010400"))), "6987");
  EXPECT_FALSE(chip->secure_messaging());
}

TEST(VirtualChipTest, EndOfFileAndMaxLeQuirks) {
  ChipProfile p = BaseProfile();
  auto chip = MakeInApp(p);
  auto sm = testing::TerminalBac(*chip, kMrzInfo);
  ASSERT_TRUE(sm.ok());
  ASSERT_EQ(SwOf(*SecureExchange(*chip, *sm, 0xA4, 0x02, 0x0C, HexOrDie("0102"), 0)), 0x9000);
  const size_t size = p.files[2].content.size();  // 604
  auto tail = SecureExchange(*chip, *sm, 0xB0, static_cast<uint8_t>((size - 10) >> 8),
                             static_cast<uint8_t>(size - 10), {}, 32);
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(tail->size(), 12u);
  EXPECT_EQ(SwOf(*tail), 0x6282);
  auto beyond = SecureExchange(*chip, *sm, 0xB0, static_cast<uint8_t>(size >> 8), static_cast<uint8_t>(size), {}, 4);
  ASSERT_TRUE(beyond.ok());
  EXPECT_EQ(ToHex(*beyond), "6B00");

  p.quirks.eof_warning = false;
  p.quirks.max_le = 192;
  chip = MakeInApp(p);
  sm = testing::TerminalBac(*chip, kMrzInfo);
  ASSERT_TRUE(sm.ok());
  ASSERT_EQ(SwOf(*SecureExchange(*chip, *sm, 0xA4, 0x02, 0x0C, HexOrDie("0102"), 0)), 0x9000);
  tail = SecureExchange(*chip, *sm, 0xB0, static_cast<uint8_t>((size - 10) >> 8), static_cast<uint8_t>(size - 10),
                        {}, 32);
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(tail->size(), 12u);
  EXPECT_EQ(SwOf(*tail), 0x9000);
  auto capped = SecureExchange(*chip, *sm, 0xB0, 0, 0, {}, 0xE0);
  ASSERT_TRUE(capped.ok());
  EXPECT_EQ(capped->size(), 192u + 2);

  p.quirks.max_le_error = true;
  chip = MakeInApp(p);
  sm = testing::TerminalBac(*chip, kMrzInfo);
  ASSERT_TRUE(sm.ok());
  ASSERT_EQ(SwOf(*SecureExchange(*chip, *sm, 0xA4, 0x02, 0x0C, HexOrDie("0102"), 0)), 0x9000);
  EXPECT_EQ(ToHex(*SecureExchange(*chip, *sm, 0xB0, 0, 0, {}, 0xE0)), "6700");
  EXPECT_EQ(SwOf(*SecureExchange(*chip, *sm, 0xB0, 0, 0, {}, 0xC0)), 0x9000);
}

TEST(VirtualChipTest, SfiOddInsAndExtendedLengthQuirks) {
  ChipProfile p = BaseProfile();
  p.quirks.short_file_ids = false;
  p.quirks.odd_ins_read_binary = false;
  p.quirks.extended_length = false;
  auto chip = Make(p);
  EXPECT_EQ(Hex(chip->Process(HexOrDie("00B09C0004"))), "6A86");
  EXPECT_EQ(Hex(chip->Process(HexOrDie("00B1011C03540100 00"))), "6D00");
  EXPECT_EQ(Hex(chip->Process(HexOrDie("00A4020C02011C"))), "9000");
  EXPECT_EQ(Hex(chip->Process(HexOrDie("00B00000000100"))), "6700");  // extended Le

  p.quirks = ChipQuirks{};
  chip = MakeInApp(p);
  auto sm = testing::TerminalBac(*chip, kMrzInfo);
  ASSERT_TRUE(sm.ok());
  ASSERT_EQ(SwOf(*SecureExchange(*chip, *sm, 0xA4, 0x02, 0x0C, HexOrDie("0102"), 0)), 0x9000);
  auto whole = SecureExchange(*chip, *sm, 0xB0, 0, 0, {}, 1000);
  ASSERT_TRUE(whole.ok()) << whole.status();
  EXPECT_EQ(whole->size(), p.files[2].content.size() + 2);
}

TEST(VirtualChipTest, StopsAnsweringAfterNCommandsAndReportsDelay) {
  ChipProfile p = BaseProfile();
  p.faults.stop_after_commands = 3;
  p.faults.delay_ms = 250;
  auto chip = Make(p);
  for (int i = 0; i < 3; ++i) {
    ChipReply r = chip->Transceive(HexOrDie("00A4000C"));
    ASSERT_TRUE(r.response.has_value()) << i;
    EXPECT_EQ(r.delay_ms, 250);
  }
  EXPECT_FALSE(chip->Transceive(HexOrDie("00A4000C")).response.has_value());
  chip->Reset();  // back in the field? no: the card is gone for good
  EXPECT_FALSE(chip->Process(HexOrDie("00A4000C")).has_value());
  EXPECT_EQ(chip->commands_received(), 5);
}

// --- Active Authentication ---------------------------------------------------------------------

struct AaCase {
  std::string hash;
  bool ecdsa;
  EcdsaFormat format;
};

class ActiveAuthTest : public ::testing::TestWithParam<AaCase> {};

TEST_P(ActiveAuthTest, SignatureVerifies) {
  const AaCase& c = GetParam();
  auto rng = NewSeededRandom(11);
  std::unique_ptr<Botan::Private_Key> key;
  if (c.ecdsa) {
    key = std::make_unique<Botan::ECDSA_PrivateKey>(rng->rng(), Botan::EC_Group("brainpool256r1"));
  } else {
    key = std::make_unique<Botan::RSA_PrivateKey>(rng->rng(), 1024);
  }
  ChipProfile p = BaseProfile();
  p.active_auth = ActiveAuthKey{Pkcs8(*key), c.hash, c.format};
  auto chip = MakeInApp(p);
  Bytes challenge = HexOrDie("1122334455667788");
  // Not before access control.
  EXPECT_EQ(Hex(chip->Process(emrtd::Concat({HexOrDie("0088000008"), challenge, HexOrDie("00")}))), "6982");
  auto sm = testing::TerminalBac(*chip, kMrzInfo);
  ASSERT_TRUE(sm.ok());
  auto rsp = SecureExchange(*chip, *sm, 0x88, 0, 0, challenge, 256);
  ASSERT_TRUE(rsp.ok()) << rsp.status();
  ASSERT_EQ(SwOf(*rsp), 0x9000);
  Bytes sig(rsp->begin(), rsp->end() - 2);
  std::string botan_hash = c.hash == "SHA-1" ? "SHA-160" : c.hash;
  if (c.ecdsa) {
    Botan::PK_Verifier v(*key, "EMSA1(" + botan_hash + ")",
                         c.format == EcdsaFormat::kDer ? Botan::DER_SEQUENCE : Botan::IEEE_1363);
    EXPECT_TRUE(v.verify_message(challenge.data(), challenge.size(), sig.data(), sig.size()));
    if (c.format == EcdsaFormat::kPlain) {
      EXPECT_EQ(sig.size(), 64u);
    } else {
      EXPECT_EQ(sig[0], 0x30);
    }
    return;
  }
  // ISO/IEC 9796-2 scheme 1: recover J = s^e mod n and check its parts.
  const auto& rsa = dynamic_cast<const Botan::RSA_PrivateKey&>(*key);
  ASSERT_EQ(sig.size(), 128u);
  Botan::BigInt j = Botan::power_mod(Botan::BigInt(sig.data(), sig.size()), rsa.get_e(), rsa.get_n());
  auto jb = Botan::BigInt::encode_1363(j, 128);
  auto h = Botan::HashFunction::create_or_throw(botan_hash);
  const size_t hl = h->output_length();
  const size_t trailer = c.hash == "SHA-1" ? 1 : 2;
  EXPECT_EQ(jb[0], 0x6A);
  if (trailer == 1) {
    EXPECT_EQ(jb[127], 0xBC);
  } else {
    EXPECT_EQ(jb[127], 0xCC);
    EXPECT_EQ(jb[126], 0x34);  // SHA-256
  }
  Bytes m1(jb.begin() + 1, jb.end() - trailer - hl);
  h->update(m1.data(), m1.size());
  h->update(challenge.data(), challenge.size());
  auto digest = h->final();
  EXPECT_EQ(Bytes(digest.begin(), digest.end()), Bytes(jb.end() - trailer - hl, jb.end() - trailer));
}

INSTANTIATE_TEST_SUITE_P(Keys, ActiveAuthTest,
                         ::testing::Values(AaCase{"SHA-1", false, EcdsaFormat::kPlain},
                                           AaCase{"SHA-256", false, EcdsaFormat::kPlain},
                                           AaCase{"SHA-256", true, EcdsaFormat::kPlain},
                                           AaCase{"SHA-384", true, EcdsaFormat::kDer}));

// --- Chip Authentication -----------------------------------------------------------------------

TEST(VirtualChipTest, ChipAuthenticationEcdhAesWithKeyId) {
  auto rng = NewSeededRandom(21);
  Botan::ECDH_PrivateKey k1(rng->rng(), Botan::EC_Group("brainpool256r1"));
  Botan::ECDH_PrivateKey k2(rng->rng(), Botan::EC_Group("brainpool256r1"));
  ChipProfile p = BaseProfile();
  p.chip_auth.push_back({"0.4.0.127.0.7.2.2.3.2.2", 1, Pkcs8(k1)});
  p.chip_auth.push_back({"0.4.0.127.0.7.2.2.3.2.2", 2, Pkcs8(k2)});
  auto chip = MakeInApp(p);
  auto sm = testing::TerminalBac(*chip, kMrzInfo);
  ASSERT_TRUE(sm.ok());
  ChipGroup g = *ChipGroup::Standard(13);
  ChipGroup::Element pub2;
  pub2.point = k2.public_point();
  auto ca = testing::TerminalChipAuthentication(*chip, *sm, "0.4.0.127.0.7.2.2.3.2.2", 2, g, g.Encode(pub2), 3);
  ASSERT_TRUE(ca.ok()) << ca.status();
  EXPECT_TRUE(chip->chip_authenticated());
  auto dg1 = testing::ReadFile(*chip, *ca, 0x0101);
  ASSERT_TRUE(dg1.ok()) << dg1.status();
  EXPECT_EQ(*dg1, p.files[3].content);
}

TEST(VirtualChipTest, ChipAuthenticationDh3desWithoutKeyId) {
  ChipGroup g = *ChipGroup::Standard(2);
  auto rng = NewSeededRandom(22);
  Botan::DH_PrivateKey key(rng->rng(), Botan::DL_Group(g.p(), g.q(), g.g()),
                           Botan::BigInt::random_integer(rng->rng(), 2, g.q()));
  ChipProfile p = BaseProfile();
  p.chip_auth.push_back({"0.4.0.127.0.7.2.2.3.1.1", std::nullopt, Pkcs8(key)});
  auto chip = MakeInApp(p);
  auto sm = testing::TerminalBac(*chip, kMrzInfo);
  ASSERT_TRUE(sm.ok());
  ChipGroup::Element pub;
  pub.value = key.get_y();
  auto ca = testing::TerminalChipAuthentication(*chip, *sm, "0.4.0.127.0.7.2.2.3.1.1", std::nullopt, g,
                                                g.Encode(pub), 4);
  ASSERT_TRUE(ca.ok()) << ca.status();
  auto dg1 = testing::ReadFile(*chip, *ca, 0x0101);
  ASSERT_TRUE(dg1.ok()) << dg1.status();
}

TEST(VirtualChipTest, ClonedChipFailsChipAuthentication) {
  auto rng = NewSeededRandom(23);
  Botan::ECDH_PrivateKey genuine(rng->rng(), Botan::EC_Group("secp256r1"));
  Botan::ECDH_PrivateKey clone(rng->rng(), Botan::EC_Group("secp256r1"));
  ChipProfile p = BaseProfile();
  p.chip_auth.push_back({"0.4.0.127.0.7.2.2.3.2.2", std::nullopt, Pkcs8(clone)});
  auto chip = MakeInApp(p);
  auto sm = testing::TerminalBac(*chip, kMrzInfo);
  ASSERT_TRUE(sm.ok());
  ChipGroup g = *ChipGroup::Standard(12);
  ChipGroup::Element pub;
  pub.point = genuine.public_point();  // what DG14 says
  auto ca = testing::TerminalChipAuthentication(*chip, *sm, "0.4.0.127.0.7.2.2.3.2.2", std::nullopt, g,
                                                g.Encode(pub), 5);
  ASSERT_TRUE(ca.ok()) << ca.status();  // the exchange itself succeeds...
  auto read = SecureExchange(*chip, *ca, 0xB0, 0x81, 0x00, {}, 4);
  EXPECT_FALSE(read.ok());  // ...but the chip answers under keys the terminal cannot have
}

TEST(VirtualChipTest, ChipAuthenticationRefusedBeforeAccessControl) {
  auto rng = NewSeededRandom(24);
  Botan::ECDH_PrivateKey k(rng->rng(), Botan::EC_Group("secp256r1"));
  ChipProfile p = BaseProfile();
  p.chip_auth.push_back({"0.4.0.127.0.7.2.2.3.2.2", std::nullopt, Pkcs8(k)});
  auto chip = MakeInApp(p);
  EXPECT_EQ(Hex(chip->Process(HexOrDie("0022 41A4 0C 800A04007F00070202030202"))), "6982");
}

// --- PACE variants -----------------------------------------------------------------------------

struct PaceCase {
  const char* oid;
  int param;
  bool can;
};

class PaceVariantTest : public ::testing::TestWithParam<PaceCase> {};

TEST_P(PaceVariantTest, OpensTheChip) {
  const PaceCase& c = GetParam();
  ChipProfile p = BaseProfile();
  p.pace = {{c.oid, c.param}};
  auto chip = Make(p);
  ASSERT_NE(chip, nullptr);
  Bytes pw = c.can ? Bytes{'1', '2', '3', '4', '5', '6'}
                   : emrtd::Hash(emrtd::HashAlgorithm::kSha1, emrtd::AsSpan(std::string(kMrzInfo)));
  auto out = testing::TerminalPace(*chip, c.oid, c.param, c.can ? 2 : 1, pw, 9);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE(out->sm.has_value()) << std::hex << out->failed_sw;
  EXPECT_EQ(chip->access(), ChipAccess::kPace);
  EXPECT_EQ(SwOf(*SecureExchange(*chip, *out->sm, 0xA4, 0x04, 0x0C, HexOrDie("A0000002471001"), 0)), 0x9000);
  auto dg1 = testing::ReadFile(*chip, *out->sm, 0x0101);
  ASSERT_TRUE(dg1.ok()) << dg1.status();
  EXPECT_EQ(*dg1, p.files[3].content);

  // The wrong password fails at the token and leaves the chip closed.
  auto chip2 = Make(p);
  Bytes wrong = c.can ? Bytes{'1', '2', '3', '4', '5', '7'} : Bytes(20, 0x42);
  auto bad = testing::TerminalPace(*chip2, c.oid, c.param, c.can ? 2 : 1, wrong, 9);
  ASSERT_TRUE(bad.ok()) << bad.status();
  EXPECT_FALSE(bad->sm.has_value());
  EXPECT_EQ(bad->failed_sw, 0x6300);
  EXPECT_EQ(chip2->access(), ChipAccess::kNone);
}

INSTANTIATE_TEST_SUITE_P(
    Protocols, PaceVariantTest,
    ::testing::Values(PaceCase{"0.4.0.127.0.7.2.2.4.2.1", 12, false},   // GM ECDH 3DES secp256r1
                      PaceCase{"0.4.0.127.0.7.2.2.4.2.4", 18, true},    // GM ECDH AES-256 secp521r1, CAN
                      PaceCase{"0.4.0.127.0.7.2.2.4.2.3", 16, false},   // GM ECDH AES-192 brainpoolP384r1
                      PaceCase{"0.4.0.127.0.7.2.2.4.1.1", 2, false},    // GM DH 3DES 2048/256
                      PaceCase{"0.4.0.127.0.7.2.2.4.4.2", 13, true},    // IM ECDH AES-128, CAN
                      PaceCase{"0.4.0.127.0.7.2.2.4.3.2", 0, true},     // IM DH AES-128, CAN
                      PaceCase{"0.4.0.127.0.7.2.2.4.4.1", 12, false},   // IM ECDH 3DES secp256r1 (s: 16 bytes)
                      PaceCase{"0.4.0.127.0.7.2.2.4.4.3", 16, true},    // IM ECDH AES-192 (s: 32, k: 24)
                      PaceCase{"0.4.0.127.0.7.2.2.4.4.4", 18, false},   // IM ECDH AES-256 secp521r1
                      PaceCase{"0.4.0.127.0.7.2.2.4.3.1", 0, false},    // IM DH 3DES
                      PaceCase{"0.4.0.127.0.7.2.2.4.3.4", 0, true}));   // IM DH AES-256, CAN

TEST(VirtualChipTest, Dh2048PaceWithShortApdusUsesChainingAndGetResponse) {
  ChipProfile p = BaseProfile();
  p.quirks.extended_length = false;
  p.pace = {{"0.4.0.127.0.7.2.2.4.1.2", 2}};
  auto chip = Make(p);
  Bytes can = {'1', '2', '3', '4', '5', '6'};
  auto out = testing::TerminalPace(*chip, "0.4.0.127.0.7.2.2.4.1.2", 2, 2, can, 13, /*short_apdus=*/true);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE(out->sm.has_value()) << std::hex << out->failed_sw;
  EXPECT_EQ(chip->access(), ChipAccess::kPace);
  // Without chaining the same run cannot even send its mapping key.
  auto chip2 = Make(p);
  auto plain = testing::TerminalPace(*chip2, "0.4.0.127.0.7.2.2.4.1.2", 2, 2, can, 13, /*short_apdus=*/false);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->failed_sw, 0x6700);
  // GET RESPONSE with nothing pending.
  EXPECT_EQ(Hex(chip2->Process(HexOrDie("00C0000000"))), "6985");
}

TEST(VirtualChipTest, ChainedDataMustComeWithTheSameIns) {
  auto chip = Make(BaseProfile());
  EXPECT_EQ(Hex(chip->Process(HexOrDie("0022C1A40F800A04007F00070202040202830102"))), "9000");
  // A chain holding just the tag of a 7C object, then another INS: the chain is dropped...
  EXPECT_EQ(Hex(chip->Process(HexOrDie("10860000017C00"))), "9000");
  EXPECT_EQ(Hex(chip->Process(HexOrDie("00A4000C"))), "9000");
  // ...so PACE step 1 sees 7C 00 alone and answers the encrypted nonce.
  std::string step1 = Hex(chip->Process(HexOrDie("10860000027C0000")));
  EXPECT_EQ(step1.substr(0, 8), "7C128010");
  EXPECT_EQ(step1.substr(step1.size() - 4), "9000");
}

TEST(VirtualChipTest, PaceCamAuthenticatesTheChip) {
  auto rng = NewSeededRandom(31);
  Botan::ECDH_PrivateKey key(rng->rng(), Botan::EC_Group("secp256r1"));
  ChipProfile p = BaseProfile();
  p.pace = {{"0.4.0.127.0.7.2.2.4.6.2", 12}};
  p.chip_auth.push_back({"0.4.0.127.0.7.2.2.3.2.2", std::nullopt, Pkcs8(key)});
  auto chip = Make(p);
  auto out = testing::TerminalPace(*chip, "0.4.0.127.0.7.2.2.4.6.2", 12, 2,
                                   Bytes{'1', '2', '3', '4', '5', '6'}, 12);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE(out->sm.has_value());
  EXPECT_TRUE(chip->chip_authenticated());
  ChipGroup g = *ChipGroup::Standard(12);
  ChipGroup::Element pub;
  pub.point = key.public_point();
  EXPECT_TRUE(testing::CheckCam(*out, g, g.Encode(pub)));
  Botan::ECDH_PrivateKey other(rng->rng(), Botan::EC_Group("secp256r1"));
  pub.point = other.public_point();
  EXPECT_FALSE(testing::CheckCam(*out, g, g.Encode(pub)));
}

// --- Faults for terminal tests -----------------------------------------------------------------

const char kPaceGmAes128[] = "0.4.0.127.0.7.2.2.4.2.2";
const Bytes kCan = {'1', '2', '3', '4', '5', '6'};

TEST(VirtualChipFaultTest, PaceMseStatusWord) {
  ChipProfile p = BaseProfile();
  p.faults.pace_mse_sw = 0x6A80;  // refused: no PACE started
  auto refused = Make(p);
  auto out = testing::TerminalPace(*refused, kPaceGmAes128, 13, 2, kCan, 3);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->failed_sw, 0x6A80);
  EXPECT_EQ(Hex(refused->Process(HexOrDie("10860000027C0000"))), "6985");
  p.faults.pace_mse_sw = 0x63C3;  // a retry counter: PACE goes on
  auto warned = Make(p);
  EXPECT_EQ(Hex(warned->Process(HexOrDie("0022C1A412800A04007F0007020204020283010284010D"))), "63C3");
  const std::string step1 = Hex(warned->Process(HexOrDie("10860000027C0000")));
  EXPECT_EQ(step1.substr(0, 8), "7C128010");
}

TEST(VirtualChipFaultTest, PaceRequiresTheParameterId) {
  ChipProfile p = BaseProfile();
  p.quirks.pace_requires_parameter_id = true;
  auto chip = Make(p);
  EXPECT_EQ(Hex(chip->Process(HexOrDie("0022C1A40F800A04007F00070202040202830102"))), "6A80");
  EXPECT_EQ(Hex(chip->Process(HexOrDie("0022C1A412800A04007F0007020204020283010284010D"))), "9000");
  p.quirks.pace_requires_parameter_id = false;
  EXPECT_EQ(Hex(Make(p)->Process(HexOrDie("0022C1A40F800A04007F00070202040202830102"))), "9000");
}

TEST(VirtualChipFaultTest, PaceTokenKeyAndCamFaults) {
  ChipProfile corrupt = BaseProfile();
  corrupt.faults.pace_corrupt_chip_token = true;
  auto a = Make(corrupt);
  absl::StatusOr<testing::PaceOutcome> out = testing::TerminalPace(*a, kPaceGmAes128, 13, 2, kCan, 5);
  EXPECT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("T_IC"), std::string::npos) << out.status();

  // The terminal's own key comes back as the chip's: the terminal's token no longer verifies.
  ChipProfile echo = BaseProfile();
  echo.faults.pace_echo_terminal_key = true;
  auto b = Make(echo);
  out = testing::TerminalPace(*b, kPaceGmAes128, 13, 2, kCan, 5);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->failed_sw, 0x6300);

  auto rng = NewSeededRandom(33);
  Botan::ECDH_PrivateKey key(rng->rng(), Botan::EC_Group("brainpool256r1"));
  ChipProfile cam = BaseProfile();
  cam.pace = {{"0.4.0.127.0.7.2.2.4.6.2", 13}};
  cam.chip_auth.push_back({"0.4.0.127.0.7.2.2.3.2.2", std::nullopt, Pkcs8(key)});
  cam.faults.pace_omit_cam_data = true;
  auto c = Make(cam);
  out = testing::TerminalPace(*c, "0.4.0.127.0.7.2.2.4.6.2", 13, 2, kCan, 5);
  EXPECT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("A_IC missing"), std::string::npos) << out.status();
}

TEST(VirtualChipFaultTest, ChipAuthenticationRefusal) {
  auto rng = NewSeededRandom(34);
  Botan::ECDH_PrivateKey k(rng->rng(), Botan::EC_Group("secp256r1"));
  ChipProfile p = BaseProfile();
  p.chip_auth.push_back({"0.4.0.127.0.7.2.2.3.2.2", std::nullopt, Pkcs8(k)});
  p.faults.ca_refusal_sw = 0x6A80;
  auto chip = MakeInApp(p);
  auto sm = testing::TerminalBac(*chip, kMrzInfo);
  ASSERT_TRUE(sm.ok()) << sm.status();
  auto mse = SecureExchange(*chip, *sm, 0x22, 0x41, 0xA4, HexOrDie("800A04007F00070202030202"), 0);
  ASSERT_TRUE(mse.ok()) << mse.status();
  EXPECT_EQ(ToHex(*mse), "6A80");
  EXPECT_FALSE(chip->chip_authenticated());
  EXPECT_EQ(chip->access(), ChipAccess::kBac);  // the session goes on
}

// The test hooks: a session opened with given keys, the keys read back, the commands observed.
TEST(VirtualChipTest, TestHooksOpenASessionAndObserveCommands) {
  auto chip = Make(BaseProfile());
  EXPECT_FALSE(chip->session_keys().has_value());
  std::vector<ChipCommand> seen;
  chip->set_command_observer([&](const ChipCommand& c) { seen.push_back(c); });
  const Bytes enc = HexOrDie("979EC13B1CBFE9DCD01AB0FED307EAE5"), mac = HexOrDie("F1CB1F1FB5ADF208806B89DC579DC1F8");
  chip->OpenSessionForTest(ChipAccess::kBac, ChipSessionKeys{Cipher::kTdes, enc, mac, HexOrDie("887022120C06C226")});
  EXPECT_EQ(chip->access(), ChipAccess::kBac);
  TerminalSm sm(Cipher::kTdes, enc, mac, HexOrDie("887022120C06C226"));
  auto com = SecureExchange(*chip, sm, 0xB0, 0x9E, 0x00, {}, 4);  // in the application: EF.COM by SFI
  ASSERT_TRUE(com.ok()) << com.status();
  EXPECT_EQ(ToHex(*com), ToHex(ByteSpan(BaseProfile().files[1].content).subspan(0, 4)) + "9000");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].ins, 0xB0);
  EXPECT_EQ(seen[0].p1, 0x9E);
  EXPECT_EQ(seen[0].ne, 4u);
  ASSERT_TRUE(chip->session_keys().has_value());
  EXPECT_EQ(ToHex(chip->session_keys()->ssc), ToHex(sm.ssc()));
  EXPECT_EQ(ToHex(chip->session_keys()->ks_mac), ToHex(mac));
}

// --- Profiles ----------------------------------------------------------------------------------

TEST(ChipProfileTest, JsonRoundTrip) {
  auto rng = NewSeededRandom(41);
  Botan::ECDH_PrivateKey k(rng->rng(), Botan::EC_Group("secp256r1"));
  ChipProfile p = BaseProfile();
  p.description = "round trip";
  p.chip_auth.push_back({"0.4.0.127.0.7.2.2.3.2.2", 7, Pkcs8(k)});
  p.active_auth = ActiveAuthKey{Pkcs8(k), "SHA-256", EcdsaFormat::kDer};
  p.quirks.max_le = 192;
  p.quirks.extended_length = false;
  p.faults.stop_after_commands = 12;
  p.faults.delay_ms = 40;
  p.quirks.pace_requires_parameter_id = true;
  p.faults.pace_mse_sw = 0x63C2;
  p.faults.pace_corrupt_chip_token = true;
  p.faults.pace_echo_terminal_key = true;
  p.faults.pace_omit_cam_data = true;
  p.faults.ca_refusal_sw = 0x6A88;
  p.client_access_key.can = "123456";
  p.expect.close_code = 4403;
  p.expect.close_reason = "ACCESS_CONTROL_FAILED";
  p.expect.passive_authentication = false;
  std::string json = ChipProfileToJson(p);
  auto back = ChipProfileFromJson(json);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(ChipProfileToJson(*back), json);
  EXPECT_EQ(back->files.size(), p.files.size());
  EXPECT_EQ(back->files[2].content, p.files[2].content);
  EXPECT_EQ(back->chip_auth[0].key_id, 7);
  EXPECT_EQ(back->quirks.max_le, 192u);
  EXPECT_EQ(back->expect.passive_authentication, false);
  EXPECT_TRUE(back->quirks.pace_requires_parameter_id);
  EXPECT_EQ(back->faults.pace_mse_sw, 0x63C2);
  EXPECT_TRUE(back->faults.pace_corrupt_chip_token && back->faults.pace_echo_terminal_key &&
              back->faults.pace_omit_cam_data);
  EXPECT_EQ(back->faults.ca_refusal_sw, 0x6A88);
  EXPECT_TRUE(VirtualChip::Create(*back, NewSeededRandom(1)).ok());
}

TEST(ChipProfileTest, RejectsBadJson) {
  EXPECT_FALSE(ChipProfileFromJson("[]").ok());
  EXPECT_FALSE(ChipProfileFromJson("{").ok());
  EXPECT_FALSE(ChipProfileFromJson(R"({"files":[{"name":"x","fid":"zz"}]})").ok());
  EXPECT_FALSE(ChipProfileFromJson(R"({"files":[{"name":"x","fid":"0101","content":"!!"}]})").ok());
  EXPECT_FALSE(ChipProfileFromJson(R"({"files":[{"name":"x","fid":"0101","read":"never"}]})").ok());
  EXPECT_FALSE(ChipProfileFromJson(R"({"bac":"yes"})").ok());
  EXPECT_TRUE(ChipProfileFromJson(R"({"name":"empty","unknown_field":1})").ok());
}

}  // namespace
}  // namespace docval::vchip

namespace docval::vchip {
namespace {

// PACE-GM over every standardized domain parameter set (RFC 5114 groups 0-2, curves 8-18), with the
// test terminal and the MRZ password.
TEST(VirtualChipTest, GenericMappingOnEveryStandardizedGroup) {
  const Bytes pw = emrtd::Hash(emrtd::HashAlgorithm::kSha1, emrtd::AsSpan(std::string(kMrzInfo)));
  for (int id : {0, 1, 2, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18}) {
    SCOPED_TRACE(id);
    const std::string oid = id <= 2 ? "0.4.0.127.0.7.2.2.4.1.2" : "0.4.0.127.0.7.2.2.4.2.2";
    ChipProfile p = BaseProfile();
    p.pace = {{oid, id}};
    auto chip = Make(p);
    ASSERT_NE(chip, nullptr);
    auto out = testing::TerminalPace(*chip, oid, id, 1, pw, 100 + id);
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_TRUE(out->sm.has_value()) << std::hex << out->failed_sw;
    EXPECT_EQ(chip->access(), ChipAccess::kPace);
  }
}

}  // namespace
}  // namespace docval::vchip
