#include "validator/emrtd/files/file_reader.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tools/vchip/chip_apdu.h"
#include "tools/vchip/chip_sm.h"
#include "validator/emrtd/chip_error.h"
#include "validator/emrtd/testing/vectors.h"
#include "validator/emrtd/testing/virtual_passport.h"
#include "validator/emrtd/tlv.h"

namespace docval::emrtd {
namespace {

using testing::ReadVector;

// A file of `size` bytes in all: tag 0x75 (DG2-like), a long length, filler.
Bytes MakeFile(size_t size) {
  size_t header = 1 + LengthFieldSize(size);
  while (1 + LengthFieldSize(size - header) != header) header = 1 + LengthFieldSize(size - header);
  Bytes value(size - header);
  for (size_t i = 0; i < value.size(); ++i) value[i] = static_cast<uint8_t>(i * 7 + i / 251);
  Bytes f = EncodeTlv(0x75, value);
  EXPECT_EQ(f.size(), size);
  return f;
}

struct Quirks {
  size_t max_le = kMaxExtendedNe;  // a larger Ne is refused with `refusal_sw`
  uint16_t refusal_sw = 0x6700;     // 0x6C00: answers 6Cxx with the largest Ne it takes
  bool refuse_le_past_eof = false;  // an Ne past the end of the file: 6700
  bool eof_6282 = false;            // short reads at the end: 6282 instead of 9000
  bool sfi = true;                  // READ BINARY with SFI
  bool path_select = true;          // SELECT by path from the MF (P1 = 08)
};

// A chip with an MF and the eMRTD application, files addressed by FID and SFI, optional secure
// messaging, and configurable refusals. Its secure messaging is the virtual passport's
// (tools/vchip/chip_sm.h), written apart from the reader's.
class FakeChip {
 public:
  struct File {
    Bytes content;
    uint8_t sfi;
    uint16_t required_sw = 0;  // answer this instead (e.g. 6982)
  };

  Quirks quirks;
  std::map<uint16_t, File> mf;
  std::map<uint16_t, File> app;
  std::optional<vchip::ChipSecureChannel> sm;
  bool app_selected = false;
  std::optional<uint16_t> current_ef;
  std::vector<CommandApdu> seen;  // plain commands, in order

  absl::StatusOr<Bytes> operator()(ByteSpan raw) {
    absl::StatusOr<CommandApdu> c = CommandApdu::Parse(raw);
    EXPECT_TRUE(c.ok()) << ToHex(raw);
    if (!c.ok()) return c.status();
    CommandApdu cmd = *c;
    if (sm.has_value()) {
      absl::StatusOr<vchip::ChipCommand> chip_cmd = vchip::ParseChipCommand(raw);
      EXPECT_TRUE(chip_cmd.ok()) << chip_cmd.status();
      if (!chip_cmd.ok()) return HexOrDie("6700");
      absl::StatusOr<vchip::ChipCommand> plain = sm->Unwrap(*chip_cmd);
      EXPECT_TRUE(plain.ok()) << plain.status();
      if (!plain.ok()) return HexOrDie("6988");
      cmd = CommandApdu{.cla = plain->cla,
                        .ins = plain->ins,
                        .p1 = plain->p1,
                        .p2 = plain->p2,
                        .data = plain->data,
                        .ne = plain->has_le ? plain->ne : 0,
                        .extended = plain->extended};
    }
    seen.push_back(cmd);
    ResponseApdu r = Handle(cmd);
    if (sm.has_value()) return sm->Wrap(r.data, r.sw, (cmd.ins & 1) != 0);
    return r.Encode();
  }

 private:
  std::map<uint16_t, File>& Df() { return app_selected ? app : mf; }

  ResponseApdu Handle(const CommandApdu& c) {
    if (c.ins == 0xA4) return Select(c);
    if (c.ins == 0xB0 || c.ins == 0xB1) return Read(c);
    return ResponseApdu{.sw = 0x6D00};
  }

  ResponseApdu Select(const CommandApdu& c) {
    EXPECT_EQ(c.ne, 0u) << "SELECT must go without Le";
    const uint16_t fid = c.data.size() == 2 ? static_cast<uint16_t>((c.data[0] << 8) | c.data[1]) : 0;
    if (c.p1 == 0x04) {
      if (c.data != Bytes(std::begin(kEmrtdAid), std::end(kEmrtdAid))) return {.sw = 0x6A82};
      app_selected = true;
      current_ef.reset();
      return {.sw = 0x9000};
    }
    if (c.p1 == 0x00 && fid == 0x3F00) {
      app_selected = false;
      current_ef.reset();
      return {.sw = 0x9000};
    }
    if (c.p1 == 0x08) {
      if (!quirks.path_select) return {.sw = 0x6A86};
      if (!mf.count(fid)) return {.sw = 0x6A82};
      app_selected = false;
      current_ef = fid;
      return {.sw = 0x9000};
    }
    if (c.p1 == 0x02) {
      if (!Df().count(fid)) return {.sw = 0x6A82};
      current_ef = fid;
      return {.sw = 0x9000};
    }
    return {.sw = 0x6A86};
  }

  ResponseApdu Read(const CommandApdu& c) {
    size_t offset = 0;
    if (c.ins == 0xB0 && (c.p1 & 0x80)) {
      if (!quirks.sfi) return {.sw = 0x6A81};
      const uint8_t sfi = c.p1 & 0x1F;
      std::optional<uint16_t> found;
      for (const auto& [fid, f] : Df()) {
        if (f.sfi == sfi) found = fid;
      }
      if (!found) return {.sw = 0x6A82};
      current_ef = *found;
      offset = c.p2;
    } else if (c.ins == 0xB0) {
      offset = (size_t{c.p1} << 8) | c.p2;
    } else {
      absl::StatusOr<Tlv> do54 = ParseSingleTlv(c.data, 0x54);
      EXPECT_TRUE(do54.ok());
      if (!do54.ok()) return {.sw = 0x6A80};
      for (uint8_t b : do54->value) offset = (offset << 8) | b;
    }
    if (!current_ef) return {.sw = 0x6986};
    const File& f = Df()[*current_ef];
    if (f.required_sw != 0) return {.sw = f.required_sw};
    if (c.ne > quirks.max_le) {
      if (quirks.refusal_sw == 0x6C00) return {.sw = static_cast<uint16_t>(0x6C00 | (quirks.max_le & 0xFF))};
      return {.sw = quirks.refusal_sw};
    }
    if (offset > f.content.size()) return {.sw = 0x6B00};
    const size_t remaining = f.content.size() - offset;
    size_t n = c.ne;
    if (c.ins == 0xB1) {
      // Ne covers DO'53' with its header.
      while (n > 0 && 1 + LengthFieldSize(n) + n > c.ne) --n;
    }
    uint16_t status = 0x9000;
    if (n > remaining) {
      if (quirks.refuse_le_past_eof) return {.sw = 0x6700};
      n = remaining;
      if (quirks.eof_6282) status = 0x6282;
    }
    if (n == 0) return {.sw = 0x6282};
    Bytes data(f.content.begin() + static_cast<long>(offset), f.content.begin() + static_cast<long>(offset + n));
    if (c.ins == 0xB1) data = EncodeTlv(0x53, data);
    return {.data = std::move(data), .sw = status};
  }
};

SessionKeys Keys3Des() {
  return SessionKeys{.cipher = SmCipher::k3Des,
                     .ks_enc = ToSecure(HexOrDie("979EC13B1CBFE9DCD01AB0FED307EAE5")),
                     .ks_mac = ToSecure(HexOrDie("F1CB1F1FB5ADF208806B89DC579DC1F8")),
                     .ssc = ToSecure(HexOrDie("887022120C06C226"))};
}

SessionKeys KeysAes256() {
  return SessionKeys{.cipher = SmCipher::kAes,
                     .ks_enc = SecureBytes(32, 0x11),
                     .ks_mac = SecureBytes(32, 0x22),
                     .ssc = SecureBytes(16, 0)};
}

constexpr LinkLimits kShort{};
constexpr LinkLimits kExtended{.extended_length = true};

struct Session {
  explicit Session(LinkLimits limits, FileReaderOptions options = {}) : link(limits), ch(link), reader(ch, options) {}
  void Secure(FakeChip& chip, SessionKeys keys) {
    ch.StartSecureMessaging(keys);
    const vchip::ChipSessionKeys k = testing::ToChipKeys(keys);
    chip.sm.emplace(k.cipher, k.ks_enc, k.ks_mac, k.ssc);
  }
  absl::StatusOr<Bytes> Sfi(FakeChip& chip, uint8_t sfi) {
    Task<absl::StatusOr<Bytes>> t = reader.ReadBySfi(sfi);
    return RunDialog(t, link, std::ref(chip));
  }
  absl::StatusOr<Bytes> File(FakeChip& chip, const char* name) {
    Task<absl::StatusOr<Bytes>> t = reader.Read(*FindElementaryFile(name));
    return RunDialog(t, link, std::ref(chip));
  }
  absl::StatusOr<Bytes> Mf(FakeChip& chip, ElementaryFile f) {
    Task<absl::StatusOr<Bytes>> t = reader.ReadMfFile(f);
    return RunDialog(t, link, std::ref(chip));
  }
  CardLink link;
  ChipChannel ch;
  FileReader reader;
};

FakeChip ChipWith(uint8_t sfi, Bytes content) {
  FakeChip chip;
  chip.app_selected = true;
  chip.app[0x0100 | sfi] = {std::move(content), sfi};
  return chip;
}

TEST(FileReaderTest, SelectApplicationHasNoLe) {
  FakeChip chip;
  Session s(kShort);
  Task<absl::Status> t = s.reader.SelectApplication();
  std::vector<Bytes> sent;
  absl::Status st = RunDialog(t, s.link, [&](ByteSpan raw) {
    sent.emplace_back(raw.begin(), raw.end());
    return chip(raw);
  });
  ASSERT_TRUE(st.ok()) << st;
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(ToHex(sent[0]), "00A4040C07A0000002471001");
  EXPECT_TRUE(chip.app_selected);
}

TEST(FileReaderTest, SmallFileInOneRoundTripWithSfi) {
  Bytes dg1 = ReadVector("lds-samples/jmrtd-bsi2008/Datagroup1.bin");
  FakeChip chip = ChipWith(0x01, dg1);
  Session s(kShort);
  absl::StatusOr<Bytes> got = s.Sfi(chip, 0x01);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, dg1);
  EXPECT_EQ(s.link.round_trips(), 1u);
  ASSERT_EQ(chip.seen.size(), 1u);
  EXPECT_EQ(ToHex(chip.seen[0].Encode()), "00B0810000");  // SFI 1, offset 0, Le 256
}

TEST(FileReaderTest, TrailingBytesAfterTheTlvAreNotPartOfTheFile) {
  Bytes com = ReadVector("lds-samples/jmrtd-bsi2008/EF_COM.bin");
  Bytes padded = com;
  padded.insert(padded.end(), 40, 0xFF);
  FakeChip chip = ChipWith(0x1E, padded);
  Session s(kShort);
  EXPECT_EQ(*s.Sfi(chip, 0x1E), com);
}

// ~15 KB DG2: plain short APDUs take 59 round trips of 256 bytes, BAC (3DES SM) 66 of 231 bytes,
// and with extended length one.
TEST(FileReaderTest, LargeFileRoundTrips) {
  Bytes dg2 = ReadVector("lds-samples/jmrtd-bsi2008/Datagroup2.bin");
  ASSERT_EQ(dg2.size(), 15083u);
  {
    FakeChip chip = ChipWith(0x02, dg2);
    Session s(kShort);
    EXPECT_EQ(s.reader.BlockSize(), 256u);
    EXPECT_EQ(*s.Sfi(chip, 0x02), dg2);
    EXPECT_EQ(s.link.round_trips(), (15083u + 255) / 256);
  }
  {
    FakeChip chip = ChipWith(0x02, dg2);
    Session s(kShort);
    s.Secure(chip, Keys3Des());
    EXPECT_EQ(s.reader.BlockSize(), 231u);
    EXPECT_EQ(*s.Sfi(chip, 0x02), dg2);
    EXPECT_EQ(s.link.round_trips(), (15083u + 230) / 231);
  }
  for (bool secure : {false, true}) {
    SCOPED_TRACE(secure);
    FakeChip chip = ChipWith(0x02, dg2);
    Session s(kExtended);
    if (secure) s.Secure(chip, KeysAes256());
    absl::StatusOr<Bytes> got = s.Sfi(chip, 0x02);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, dg2);
    EXPECT_EQ(s.link.round_trips(), 1u);
  }
}

// A 20 KB file on a link whose responses are capped at 16 KB (e.g. limits from EF.ATR/INFO): two
// round trips.
TEST(FileReaderTest, TwentyKilobytesInTwoRoundTripsWithExtendedLength) {
  Bytes f = MakeFile(20000);
  FakeChip chip = ChipWith(0x02, f);
  Session s(LinkLimits{.extended_length = true, .max_command_bytes = 0, .max_response_bytes = 16384});
  s.Secure(chip, Keys3Des());
  absl::StatusOr<Bytes> got = s.Sfi(chip, 0x02);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, f);
  EXPECT_EQ(s.link.round_trips(), 2u);
}

// Offsets above 32767 use READ BINARY B1 with DO'54'; plain and protected (DO'85').
TEST(FileReaderTest, OffsetsAbove32767UseOddIns) {
  Bytes f = MakeFile(40000);
  for (bool secure : {false, true}) {
    SCOPED_TRACE(secure);
    FakeChip chip = ChipWith(0x03, f);
    Session s(kShort);
    if (secure) s.Secure(chip, KeysAes256());
    absl::StatusOr<Bytes> got = s.Sfi(chip, 0x03);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, f);
    size_t b1 = 0;
    for (const CommandApdu& c : chip.seen) {
      if (c.ins == 0xB1) {
        ++b1;
        Tlv do54 = *ParseSingleTlv(c.data, 0x54);
        size_t off = 0;
        for (uint8_t b : do54.value) off = (off << 8) | b;
        EXPECT_GT(off, 32767u);
      } else {
        EXPECT_LE((size_t{c.p1 & 0x7Fu} << 8 | c.p2), 32767u);
      }
    }
    EXPECT_GT(b1, 0u);
  }
}

TEST(FileReaderTest, ChipThatTakesAtMost192BytesGetsSmallerBlocksForTheSession) {
  Bytes f = MakeFile(2000);
  FakeChip chip = ChipWith(0x02, f);
  chip.app[0x0101] = {MakeFile(1000), 0x01};
  chip.quirks.max_le = 192;
  Session s(kShort);
  absl::StatusOr<Bytes> got = s.Sfi(chip, 0x02);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, f);
  // 256 refused, header probe (8), 256 refused, 223 refused, then 192-byte blocks.
  const size_t first = s.link.round_trips();
  EXPECT_EQ(first, 1u + 1u + 2u + (2000u - 8u + 191u) / 192u);
  EXPECT_EQ(s.reader.BlockSize(), 192u);
  // The next file goes straight to 192-byte blocks.
  absl::StatusOr<Bytes> second = s.Sfi(chip, 0x01);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(s.link.round_trips() - first, (1000u + 191u) / 192u);
}

TEST(FileReaderTest, WrongLeWithExactLengthIsRetriedWithIt) {
  Bytes f = MakeFile(1000);
  FakeChip chip = ChipWith(0x02, f);
  chip.quirks.max_le = 0xE0;
  chip.quirks.refusal_sw = 0x6C00;
  Session s(kShort);
  absl::StatusOr<Bytes> got = s.Sfi(chip, 0x02);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, f);
  ASSERT_GE(chip.seen.size(), 2u);
  EXPECT_EQ(chip.seen[1].ne, 0xE0u);
  // 256 refused, 224 read; 0xE0 is kept: the remaining 776 bytes in four reads.
  EXPECT_EQ(s.link.round_trips(), 2u + 4u);
  EXPECT_EQ(s.reader.BlockSize(), 0xE0u);
}

// Some chips refuse an Le past the end of a small file: the header is read first, then the rest.
TEST(FileReaderTest, ChipRefusingLePastEndOfFile) {
  Bytes dg1 = ReadVector("lds-samples/jmrtd-bsi2008/Datagroup1.bin");
  FakeChip chip = ChipWith(0x01, dg1);
  chip.quirks.refuse_le_past_eof = true;
  Session s(kShort);
  absl::StatusOr<Bytes> got = s.Sfi(chip, 0x01);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, dg1);
  EXPECT_EQ(s.link.round_trips(), 3u);
  EXPECT_EQ(chip.seen[1].ne, 8u);
  EXPECT_EQ(chip.seen[2].ne, dg1.size() - 8);
  // No cap was learned from this: blocks stay at 256.
  EXPECT_EQ(s.reader.BlockSize(), 256u);
}

TEST(FileReaderTest, EndOfFileWarningWithTheLastBytesIsFine) {
  Bytes f = MakeFile(300);
  FakeChip chip = ChipWith(0x02, f);
  chip.quirks.eof_6282 = true;
  Session s(kShort);
  s.Secure(chip, Keys3Des());
  absl::StatusOr<Bytes> got = s.Sfi(chip, 0x02);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, f);
}

TEST(FileReaderTest, AbsentFileIsNotFoundAndTheSessionGoesOn) {
  FakeChip chip = ChipWith(0x01, MakeFile(100));
  Session s(kShort);
  s.Secure(chip, Keys3Des());
  const absl::Status absent = s.Sfi(chip, 0x0F).status();
  EXPECT_EQ(absent.code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(ChipErrorOf(absent).has_value()) << absent;
  EXPECT_EQ(ChipErrorOf(absent)->kind, ChipErrorKind::kFileNotFound);
  EXPECT_EQ(ChipErrorOf(absent)->detail, "6A82");
  EXPECT_TRUE(IsFileLevelError(absent));
  EXPECT_TRUE(s.Sfi(chip, 0x01).ok());
}

// 6982: the file needs Terminal Authentication (kPermissionDenied); any other status word is a refusal
// (kFailedPrecondition). Both are the file's answer, with the SW as the detail.
TEST(FileReaderTest, RefusedFilesAreFileLevelKindsWithTheSw) {
  struct Case {
    uint16_t sw;
    ChipErrorKind kind;
    absl::StatusCode code;
    const char* detail;
  };
  for (const Case& c : {Case{0x6982, ChipErrorKind::kFileAccessDenied, absl::StatusCode::kPermissionDenied, "6982"},
                        Case{0x6A80, ChipErrorKind::kFileRefused, absl::StatusCode::kFailedPrecondition, "6A80"}}) {
    SCOPED_TRACE(c.detail);
    FakeChip chip = ChipWith(0x03, MakeFile(100));
    chip.app[0x0103].required_sw = c.sw;
    Session s(kShort);
    s.Secure(chip, Keys3Des());
    const absl::Status refused = s.Sfi(chip, 0x03).status();
    EXPECT_EQ(refused.code(), c.code);
    ASSERT_TRUE(ChipErrorOf(refused).has_value()) << refused;
    EXPECT_EQ(ChipErrorOf(refused)->kind, c.kind);
    EXPECT_EQ(ChipErrorOf(refused)->detail, c.detail);
    EXPECT_TRUE(IsFileLevelError(refused));
  }
}

// A plain 6A82 where a protected answer was due is secure messaging's failure, not the file's: a
// relay must not be able to make a file "absent".
TEST(FileReaderTest, PlainNotFoundUnderSecureMessagingIsNotAFileAnswer) {
  Session s(kShort);
  s.ch.StartSecureMessaging(Keys3Des());
  Task<absl::StatusOr<Bytes>> t = s.reader.ReadBySfi(0x01);
  const absl::Status st =
      RunDialog(t, s.link, [](ByteSpan) -> absl::StatusOr<Bytes> { return HexOrDie("6A82"); }).status();
  EXPECT_TRUE(IsChipError(st, ChipErrorKind::kSecureMessagingBroken)) << st;
  EXPECT_FALSE(IsFileLevelError(st));
}

TEST(FileReaderTest, LyingLengthIsRefusedBeforeReadingOn) {
  FakeChip chip = ChipWith(0x02, HexOrDie("7584FFFFFFF0000102030405060708"));
  Session s(kShort);
  const absl::Status lying = s.Sfi(chip, 0x02).status();
  EXPECT_EQ(lying.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_FALSE(IsFileLevelError(lying));  // the budget ends the dialog
  EXPECT_EQ(s.link.round_trips(), 1u);

  FakeChip big = ChipWith(0x02, MakeFile(5000));
  Session limited(kShort, FileReaderOptions{.max_file_size = 4096});
  EXPECT_EQ(limited.Sfi(big, 0x02).status().code(), absl::StatusCode::kResourceExhausted);
}

TEST(FileReaderTest, PerFileCapByName) {
  const SessionLimits limits;
  FakeChip at = ChipWith(0x01, MakeFile(limits.max_dg1_bytes));
  Session s(kExtended);
  EXPECT_TRUE(s.File(at, "DG1").ok());

  FakeChip over = ChipWith(0x01, MakeFile(limits.max_dg1_bytes + 1));
  Session s2(kExtended);
  absl::StatusOr<Bytes> r = s2.File(over, "DG1");
  EXPECT_EQ(LimitName(r.status()), "max_file_bytes") << r.status();
  EXPECT_EQ(s2.link.round_trips(), 1u);  // refused on the header
  // The same size is fine for a face.
  FakeChip face = ChipWith(0x02, MakeFile(limits.max_dg1_bytes + 1));
  EXPECT_TRUE(s2.File(face, "DG2").ok());
}

TEST(FileReaderTest, SessionTotalCountsEveryFile) {
  SessionLimits limits;
  limits.max_total_bytes = 3000;
  FakeChip chip = ChipWith(0x02, MakeFile(2000));
  chip.app[0x0107] = {MakeFile(1000), 0x07};
  chip.app[0x010B] = {MakeFile(10), 0x0B};
  Session s(kExtended, FileReaderOptions{.limits = limits});
  ASSERT_TRUE(s.File(chip, "DG2").ok());
  ASSERT_TRUE(s.File(chip, "DG7").ok());  // exactly at the total
  EXPECT_EQ(s.reader.bytes_budgeted(), 3000u);
  absl::StatusOr<Bytes> r = s.File(chip, "DG11");
  EXPECT_EQ(LimitName(r.status()), "max_total_bytes") << r.status();
}

TEST(FileReaderTest, FileShorterThanItsHeaderIsAnError) {
  Bytes f = HexOrDie("7582012C");  // announces 300 bytes
  f.resize(100, 0x42);
  for (bool eof_6282 : {false, true}) {
    FakeChip chip = ChipWith(0x02, f);
    chip.quirks.eof_6282 = eof_6282;
    Session s(kShort);
    absl::StatusOr<Bytes> got = s.Sfi(chip, 0x02);
    // kFileMalformed when the chip's last answer ends the file early (6282 with data), kFileRefused
    // when it refuses to read past the end (6282 without data): the file's answer either way.
    EXPECT_TRUE(IsChipError(got.status(), eof_6282 ? ChipErrorKind::kFileMalformed : ChipErrorKind::kFileRefused))
        << got.status();
    EXPECT_LT(s.link.round_trips(), 15u);
  }
}

TEST(FileReaderTest, GarbageInsteadOfATlvIsDataLoss) {
  FakeChip chip = ChipWith(0x02, HexOrDie("FF0102"));
  Session s(kShort);
  const absl::Status garbage = s.Sfi(chip, 0x02).status();
  EXPECT_EQ(garbage.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(IsChipError(garbage, ChipErrorKind::kFileMalformed)) << garbage;
}

TEST(FileReaderTest, MaxBlockOptionCapsReads) {
  Bytes f = MakeFile(1000);
  FakeChip chip = ChipWith(0x02, f);
  Session s(kShort, FileReaderOptions{.max_block = 100});
  EXPECT_EQ(*s.Sfi(chip, 0x02), f);
  EXPECT_EQ(s.link.round_trips(), 10u);
}

FakeChip ChipWithMfFiles() {
  FakeChip chip;
  chip.mf[0x011C] = {HexOrDie("31143012060A04007F0007020204020202010202010D"), 0x1C};
  chip.mf[0x2F01] = {HexOrDie("7F66080202FFFF0202FFFF"), 0x01};
  chip.app[0x0101] = {MakeFile(93), 0x01};
  return chip;
}

TEST(FileReaderTest, MfFileBySfiOnAFreshChipIsOneRoundTrip) {
  FakeChip chip = ChipWithMfFiles();
  Session s(kShort);
  absl::StatusOr<Bytes> got = s.Mf(chip, kEfCardAccess);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, chip.mf[0x011C].content);
  EXPECT_EQ(s.link.round_trips(), 1u);
}

// The application is selected (not a fresh chip): SFI 1C is not there; SELECT by path finds it.
TEST(FileReaderTest, MfFileWhenTheApplicationIsSelected) {
  FakeChip chip = ChipWithMfFiles();
  chip.app_selected = true;
  Session s(kShort);
  absl::StatusOr<Bytes> got = s.Mf(chip, kEfCardAccess);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, chip.mf[0x011C].content);
  EXPECT_EQ(s.link.round_trips(), 3u);
  EXPECT_EQ(ToHex(chip.seen[1].Encode()), "00A4080C02011C");
}

TEST(FileReaderTest, MfFileWithoutPathSelectionOrSfi) {
  FakeChip chip = ChipWithMfFiles();
  chip.app_selected = true;
  chip.quirks.path_select = false;
  chip.quirks.sfi = false;
  Session s(kShort);
  absl::StatusOr<Bytes> got = s.Mf(chip, kEfAtrInfo);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, chip.mf[0x2F01].content);
  // SFI read, SELECT by path, SELECT MF, SELECT EF, READ BINARY.
  EXPECT_EQ(s.link.round_trips(), 5u);
}

TEST(FileReaderTest, AbsentMfFileIsNotFound) {
  FakeChip chip = ChipWithMfFiles();
  chip.mf.erase(0x011C);
  Session s(kShort);
  const absl::Status absent = s.Mf(chip, kEfCardAccess).status();
  EXPECT_EQ(absent.code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(IsChipError(absent, ChipErrorKind::kFileNotFound)) << absent;  // from the SELECT by path
}

// ---- When a 6A82 to an MF file's SFI is final (FileReader::ReadMfFile) ------------------------------

size_t Selects(const FakeChip& chip) {
  size_t n = 0;
  for (const CommandApdu& c : chip.seen) n += c.ins == 0xA4;
  return n;
}

// A BAC passport with EF.ATR/INFO: its SFI read succeeded, so the MF is the current DF and the 6A82
// for EF.CardAccess is final (was: SELECT by path as well, 6A82 again).
TEST(FileReaderTest, AbsentMfFileAfterAnMfReadBySfiIsOneRoundTrip) {
  FakeChip chip = ChipWithMfFiles();
  chip.mf.erase(0x011C);
  Session s(kShort);
  ASSERT_TRUE(s.Mf(chip, kEfAtrInfo).ok());
  EXPECT_EQ(s.Mf(chip, kEfCardAccess).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.link.round_trips(), 2u);
  EXPECT_EQ(Selects(chip), 0u);
}

// Neither file: 6A82 to SFI 01 is final (in the eMRTD application SFI 01 is DG1, which exists), but
// it does not prove the MF current, so EF.CardAccess's absence is confirmed by SELECT by path.
TEST(FileReaderTest, AbsentAtrInfoAndCardAccessOnAFreshChip) {
  FakeChip chip = ChipWithMfFiles();
  chip.mf.clear();
  Session s(kShort);
  EXPECT_EQ(s.Mf(chip, kEfAtrInfo).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.link.round_trips(), 1u);
  EXPECT_EQ(s.Mf(chip, kEfCardAccess).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.link.round_trips(), 3u);  // was 4
  ASSERT_EQ(Selects(chip), 1u);
  EXPECT_EQ(ToHex(chip.seen[2].Encode()), "00A4080C02011C");
}

// The iOS case: the eMRTD application is selected before the session (DG1 locked: 6982). Neither
// file's SFI read is trusted: EF.ATR/INFO and EF.CardAccess are found by SELECT by path.
TEST(FileReaderTest, MfFilesWhenTheApplicationWasSelectedBeforeTheSession) {
  FakeChip chip = ChipWithMfFiles();
  chip.app_selected = true;
  chip.app[0x0101].required_sw = 0x6982;
  Session s(kShort);
  absl::StatusOr<Bytes> atr = s.Mf(chip, kEfAtrInfo);
  ASSERT_TRUE(atr.ok()) << atr.status();
  EXPECT_EQ(*atr, chip.mf[0x2F01].content);
  EXPECT_EQ(s.link.round_trips(), 3u);  // SFI read (6982), SELECT by path, READ BINARY
  absl::StatusOr<Bytes> ca = s.Mf(chip, kEfCardAccess);
  ASSERT_TRUE(ca.ok()) << ca.status();
  EXPECT_EQ(s.link.round_trips(), 4u);  // the MF is current now: by SFI

  // Without EF.ATR/INFO the failed SELECT by path leaves the application current; EF.CardAccess
  // (SFI 1C: 6A82 in the application) must still be found — it decides PACE over BAC.
  FakeChip no_atr = ChipWithMfFiles();
  no_atr.mf.erase(0x2F01);
  no_atr.app_selected = true;
  no_atr.app[0x0101].required_sw = 0x6982;
  Session s2(kShort);
  EXPECT_EQ(s2.Mf(no_atr, kEfAtrInfo).status().code(), absl::StatusCode::kNotFound);
  ca = s2.Mf(no_atr, kEfCardAccess);
  ASSERT_TRUE(ca.ok()) << ca.status();
  EXPECT_EQ(*ca, no_atr.mf[0x011C].content);
  EXPECT_EQ(s2.link.round_trips(), 5u);  // 6982, SELECT 6A82; 6A82, SELECT, READ BINARY
}

// Selecting the application ends what was known: an MF file's 6A82 by SFI is no longer final.
TEST(FileReaderTest, SelectingTheApplicationForgetsThatTheMfWasCurrent) {
  FakeChip chip = ChipWithMfFiles();
  Session s(kShort);
  ASSERT_TRUE(s.Mf(chip, kEfAtrInfo).ok());
  Task<absl::Status> select = s.reader.SelectApplication();
  ASSERT_TRUE(RunDialog(select, s.link, std::ref(chip)).ok());
  absl::StatusOr<Bytes> ca = s.Mf(chip, kEfCardAccess);
  ASSERT_TRUE(ca.ok()) << ca.status();
  EXPECT_EQ(*ca, chip.mf[0x011C].content);
  EXPECT_EQ(ToHex(chip.seen[3].Encode()), "00A4080C02011C");
}

TEST(FileReaderTest, SelectByFidAndHeaderFirstLikeClassicReaders) {
  Bytes com = ReadVector("lds-samples/jmrtd-bsi2008/EF_COM.bin");
  FakeChip chip = ChipWith(0x1E, com);
  chip.app.clear();
  chip.app[0x011E] = {com, 0x1E};
  Session s(kShort, FileReaderOptions{.first_read = 4, .select_by_fid = true});
  Task<absl::StatusOr<Bytes>> t = s.reader.Read(kEfCom);
  absl::StatusOr<Bytes> got = RunDialog(t, s.link, std::ref(chip));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, com);
  ASSERT_EQ(chip.seen.size(), 3u);
  EXPECT_EQ(ToHex(chip.seen[0].Encode()), "00A4020C02011E");
  EXPECT_EQ(ToHex(chip.seen[1].Encode()), "00B0000004");
  EXPECT_EQ(chip.seen[2].ne, com.size() - 4);
}

TEST(FileReaderTest, ChipWithoutSfiIsReadBySelect) {
  Bytes dg1 = ReadVector("lds-samples/jmrtd-bsi2008/Datagroup1.bin");
  FakeChip chip = ChipWith(0x01, dg1);
  chip.quirks.sfi = false;
  Session s(kShort);
  s.Secure(chip, Keys3Des());
  Task<absl::StatusOr<Bytes>> t = s.reader.Read(*FindElementaryFile("DG1"));
  absl::StatusOr<Bytes> got = RunDialog(t, s.link, std::ref(chip));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, dg1);
  EXPECT_EQ(s.link.round_trips(), 3u);  // refused SFI read, SELECT, READ BINARY
}

TEST(FileReaderTest, ElementaryFileTable) {
  EXPECT_EQ(FindElementaryFile("DG2")->sfi, 0x02);
  EXPECT_EQ(FindElementaryFile("DG14")->fid, 0x010E);
  EXPECT_EQ(FindElementaryFile("EF.COM")->sfi, 0x1E);
  EXPECT_EQ(FindElementaryFile("EF.SOD")->sfi, 0x1D);
  EXPECT_TRUE(FindElementaryFile("EF.CardAccess")->in_mf);
  EXPECT_FALSE(FindElementaryFile("DG17").has_value());
  EXPECT_FALSE(FindElementaryFile("dg1").has_value());
}

}  // namespace
}  // namespace docval::emrtd
