#include "validator/emrtd/files/file_reader.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "base/status_macros.h"
#include "validator/emrtd/chip_error.h"
#include "validator/emrtd/tlv.h"

namespace docval::emrtd {
namespace {

constexpr size_t kLadder[] = {256, 223, 192, 128, 64, 32, 16};
constexpr size_t kMinBlock = 16;
constexpr size_t kHeaderProbe = 8;  // enough for a 2-byte tag and a 4-byte length field
constexpr size_t kMaxEvenInsOffset = 0x7FFF;
constexpr int kMaxFailuresInARow = 12;

constexpr ElementaryFile kFiles[] = {
    kEfCom, kEfSod,
    {"DG1", 0x0101, 0x01, false},  {"DG2", 0x0102, 0x02, false},  {"DG3", 0x0103, 0x03, false},
    {"DG4", 0x0104, 0x04, false},  {"DG5", 0x0105, 0x05, false},  {"DG6", 0x0106, 0x06, false},
    {"DG7", 0x0107, 0x07, false},  {"DG8", 0x0108, 0x08, false},  {"DG9", 0x0109, 0x09, false},
    {"DG10", 0x010A, 0x0A, false}, {"DG11", 0x010B, 0x0B, false}, {"DG12", 0x010C, 0x0C, false},
    {"DG13", 0x010D, 0x0D, false}, {"DG14", 0x010E, 0x0E, false}, {"DG15", 0x010F, 0x0F, false},
    {"DG16", 0x0110, 0x10, false}, kEfCardAccess, kEfCardSecurity, kEfAtrInfo,
};

std::string Sw(uint16_t sw) { return absl::StrFormat("%04X", sw); }

// The file's bytes are not the TLV they announce (ChipErrorKind::kFileMalformed).
absl::Status Malformed(absl::string_view message) { return MakeChipError(ChipErrorKind::kFileMalformed, message); }

// The size of the TLV that starts `prefix` (header + value), or nullopt while the header is
// incomplete.
absl::StatusOr<std::optional<size_t>> TlvTotalSize(ByteSpan prefix) {
  if (prefix.empty()) return std::optional<size_t>();
  size_t pos = 0;
  const uint8_t first = prefix[pos++];
  if (first == 0x00 || first == 0xFF) return Malformed("file does not start with a TLV");
  if ((first & 0x1F) == 0x1F) {
    for (int extra = 1;; ++extra) {
      if (pos >= prefix.size()) return std::optional<size_t>();
      if (extra > 3) return Malformed("file starts with a tag longer than 4 bytes");
      if ((prefix[pos++] & 0x80) == 0) break;
    }
  }
  if (pos >= prefix.size()) return std::optional<size_t>();
  const uint8_t l0 = prefix[pos++];
  size_t length = 0;
  if (l0 < 0x80) {
    length = l0;
  } else if (l0 == 0x80 || l0 > 0x84) {
    return Malformed("file starts with an indefinite or over-long length");
  } else {
    const size_t n = l0 & 0x7F;
    if (prefix.size() - pos < n) return std::optional<size_t>();
    for (size_t i = 0; i < n; ++i) length = (length << 8) | prefix[pos++];
  }
  return std::optional<size_t>(pos + length);
}

// Statuses after which an MF file is looked for by SELECT instead of SFI.
bool SfiMissed(uint16_t sw) {
  return sw == sw::kFileNotFound || sw == 0x6986 || sw == 0x6A86 || sw == sw::kWrongP1P2 ||
         sw == sw::kSecurityStatusNotSatisfied || sw == sw::kInsNotSupported || sw == sw::kFunctionNotSupported;
}

absl::Status SwError(absl::string_view what, uint16_t sw) {
  if (sw == sw::kFileNotFound) {
    return MakeChipError(ChipErrorKind::kFileNotFound, absl::StrCat(what, ": file not found (SW 6A82)"), Sw(sw));
  }
  if (sw == sw::kSecurityStatusNotSatisfied) {
    return MakeChipError(ChipErrorKind::kFileAccessDenied,
                         absl::StrCat(what, ": security status not satisfied (SW 6982)"), Sw(sw));
  }
  return MakeChipError(ChipErrorKind::kFileRefused, absl::StrCat(what, ": SW ", Sw(sw)), Sw(sw));
}

}  // namespace

bool IsFileLevelError(const absl::Status& status) {
  return IsChipError(status, {ChipErrorKind::kFileNotFound, ChipErrorKind::kFileAccessDenied,
                              ChipErrorKind::kFileRefused, ChipErrorKind::kFileMalformed});
}

std::optional<ElementaryFile> FindElementaryFile(absl::string_view name) {
  for (const ElementaryFile& f : kFiles) {
    if (name == f.name) return f;
  }
  return std::nullopt;
}

size_t FileReader::BlockSize() const {
  const LinkLimits& limits = channel_.link().limits();
  const size_t response = limits.ResponseBytes();
  const size_t data_max = response >= 2 ? response - 2 : 0;
  const size_t room = std::min(data_max, limits.extended_length ? kMaxExtendedNe : kMaxShortNe);
  size_t block = channel_.secure() ? channel_.sm()->MaxPlainResponse(room) : room;
  if (options_.max_block > 0) block = std::min(block, options_.max_block);
  if (learned_cap_ > 0) block = std::min(block, learned_cap_);
  return block;
}

void FileReader::StepDown(size_t failed_block) {
  for (size_t step : kLadder) {
    if (step < failed_block) {
      learned_cap_ = step;
      return;
    }
  }
  learned_cap_ = kMinBlock;
}

Task<absl::Status> FileReader::SelectApplication() {
  // From now on the current DF is the application (or, if the SELECT fails, unknown).
  mf_current_ = false;
  CommandApdu select{.cla = 0x00, .ins = 0xA4, .p1 = 0x04, .p2 = 0x0C,
                     .data = Bytes(std::begin(kEmrtdAid), std::end(kEmrtdAid))};
  absl::StatusOr<ResponseApdu> r = co_await channel_.Transmit(select);
  if (!r.ok()) co_return r.status();
  if (!r->ok()) co_return SwError("SELECT eMRTD application", r->sw);
  co_return absl::OkStatus();
}

Task<absl::StatusOr<Bytes>> FileReader::ReadBySfi(uint8_t sfi) {
  if (sfi == 0 || sfi > 30) co_return absl::InvalidArgumentError("short EF identifier out of 1..30");
  co_return co_await ReadWhole(Addressing::kSfi, sfi, "");
}

Task<absl::StatusOr<Bytes>> FileReader::Read(ElementaryFile file) {
  if (file.in_mf) co_return co_await ReadMfFile(file);
  if (options_.select_by_fid) co_return co_await SelectAndRead(file);
  last_sw_ = 0;
  absl::StatusOr<Bytes> by_sfi = co_await ReadWhole(Addressing::kSfi, file.sfi, file.name);
  if (!by_sfi.ok() && (last_sw_ == sw::kFunctionNotSupported || last_sw_ == 0x6A86)) {
    co_return co_await SelectAndRead(file);
  }
  co_return by_sfi;
}

Task<absl::StatusOr<Bytes>> FileReader::SelectAndRead(ElementaryFile file) {
  CommandApdu select{.cla = 0x00, .ins = 0xA4, .p1 = 0x02, .p2 = 0x0C,
                     .data = Bytes{static_cast<uint8_t>(file.fid >> 8), static_cast<uint8_t>(file.fid)}};
  absl::StatusOr<ResponseApdu> r = co_await channel_.Transmit(select);
  if (!r.ok()) co_return r.status();
  if (!r->ok()) co_return SwError(absl::StrCat("SELECT ", file.name), r->sw);
  co_return co_await ReadWhole(Addressing::kCurrentEf, 0, file.name);
}

// When is 6A82 to a READ BINARY by short EF identifier final for an MF file? The SFI addresses the
// EF in the *current* DF, which at the start of a session is not known: the MF after a reset (Android
// relays a fresh chip), but the iOS client (Core NFC selects an application AID when it connects) or
// a previous session on the same connection may have left the eMRTD application selected. There SFI
// 1C (EF.CardAccess) is no file (6A82) and SFI 01 (EF.ATR/INFO) is DG1, locked before access control
// (6982) or even readable on a chip without access control (a wrong file). So:
// - 6A82 is final when the MF is known to be the current DF (mf_current_): a SELECT of the MF or by
//   path from the MF succeeded, or an SFI read of an MF file returned data (before access control no
//   application EF is readable on a BAC/PACE chip, so that DF was the MF), and no application has
//   been selected since (SelectApplication() clears it). A failed SELECT leaves the DF as it was, so
//   a 6A82 to SELECT by path says nothing about the current DF.
// - 6A82 is also final when `file.sfi` is the SFI of a mandatory file of the eMRTD application
//   (DG1 01, EF.SOD 1D, EF.COM 1E): the current DF then holds no such file, so it is not the eMRTD
//   application, which leaves the MF (the one other DF a session starts in). This inference does not
//   mark the MF as current, and it is used only for the file asked about: for EF.ATR/INFO (SFI 01) a
//   wrong conclusion in an exotic state (another application selected, or a chip answering 6A82 for
//   SFIs it does not support) costs only the chip's link limits, while EF.CardAccess (SFI 1C, no
//   application file) decides between PACE and BAC and is taken as absent only on positive evidence.
// Everything else (6982, 6986, 6A86, 6B00, 6D00, 6A81, or 6A82 in an unknown DF) falls back to the
// SELECT by path. Cost: a BAC passport with EF.ATR/INFO finds EF.CardAccess absent in 1 exchange, one
// without EF.ATR/INFO both files in 3 (was 2 and 4).
namespace {
bool SfiOfAMandatoryApplicationFile(uint8_t sfi) { return sfi == 0x01 || sfi == kEfSod.sfi || sfi == kEfCom.sfi; }
}  // namespace

Task<absl::StatusOr<Bytes>> FileReader::ReadMfFile(ElementaryFile file) {
  last_sw_ = 0;
  absl::StatusOr<Bytes> by_sfi = co_await ReadWhole(Addressing::kSfi, file.sfi, file.name);
  if (by_sfi.ok()) mf_current_ = true;
  if (by_sfi.ok() || last_sw_ == 0 || !SfiMissed(last_sw_)) co_return by_sfi;
  if (last_sw_ == sw::kFileNotFound && (mf_current_ || SfiOfAMandatoryApplicationFile(file.sfi))) co_return by_sfi;

  // The current DF is not the MF (or SFI is not supported): select the EF by path from the MF.
  const Bytes fid = {static_cast<uint8_t>(file.fid >> 8), static_cast<uint8_t>(file.fid)};
  CommandApdu by_path{.cla = 0x00, .ins = 0xA4, .p1 = 0x08, .p2 = 0x0C, .data = fid};
  absl::StatusOr<ResponseApdu> r = co_await channel_.Transmit(by_path);
  if (!r.ok()) co_return r.status();
  if (r->sw == sw::kFileNotFound) co_return SwError(absl::StrCat("SELECT ", file.name), r->sw);
  if (r->ok()) mf_current_ = true;  // selected by path from the MF: the MF is the current DF
  if (!r->ok()) {
    // No selection by path: select the MF, then the EF in it.
    CommandApdu mf{.cla = 0x00, .ins = 0xA4, .p1 = 0x00, .p2 = 0x0C, .data = Bytes{0x3F, 0x00}};
    r = co_await channel_.Transmit(mf);
    if (!r.ok()) co_return r.status();
    if (!r->ok()) co_return SwError("SELECT MF", r->sw);
    mf_current_ = true;
    CommandApdu ef{.cla = 0x00, .ins = 0xA4, .p1 = 0x02, .p2 = 0x0C, .data = fid};
    r = co_await channel_.Transmit(ef);
    if (!r.ok()) co_return r.status();
    if (!r->ok()) co_return SwError(absl::StrCat("SELECT ", file.name), r->sw);
  }
  co_return co_await ReadWhole(Addressing::kCurrentEf, 0, file.name);
}

Task<absl::StatusOr<Bytes>> FileReader::ReadWhole(Addressing addressing, uint8_t sfi, absl::string_view name) {
  // A name without a per-file cap (ReadBySfi) has only max_file_size.
  const size_t cap = name.empty() ? options_.max_file_size
                                  : std::min(options_.max_file_size, options_.limits.MaxFileBytes(name));
  Bytes out;
  std::optional<size_t> total;
  size_t exact_le = 0;      // from 6Cxx: ask for exactly this much next
  bool probe = false;       // the first read failed: ask for the header only
  int failures = 0;
  last_sw_ = 0;
  while (!total.has_value() || out.size() < *total) {
    const size_t offset = out.size();
    const bool first = offset == 0 && addressing == Addressing::kSfi;
    size_t want = BlockSize();
    if (want == 0) co_return absl::FailedPreconditionError("READ BINARY: the link leaves no room for data");
    if (total.has_value()) want = std::min(want, *total - offset);
    if (!total.has_value() && probe) want = std::min(want, kHeaderProbe);
    if (offset == 0 && options_.first_read > 0) want = std::min(want, options_.first_read);
    const bool directed = exact_le > 0;  // this read uses the length a 6Cxx named
    if (directed) want = std::min(want, exact_le);
    exact_le = 0;

    const bool odd = offset > kMaxEvenInsOffset;
    CommandApdu cmd;
    if (odd) {
      // READ BINARY (B1) on the current EF: offset in DO'54', response data in DO'53'.
      Bytes off;
      for (size_t v = offset; v > 0; v >>= 8) off.insert(off.begin(), static_cast<uint8_t>(v));
      while (want > 1 && 1 + LengthFieldSize(want) + want > BlockSize()) --want;
      cmd = CommandApdu{.cla = 0x00, .ins = 0xB1, .p1 = 0x00, .p2 = 0x00, .data = EncodeTlv(0x54, off),
                        .ne = 1 + LengthFieldSize(want) + want};
    } else if (first) {
      cmd = CommandApdu{.cla = 0x00, .ins = 0xB0, .p1 = static_cast<uint8_t>(0x80 | sfi), .p2 = 0x00, .ne = want};
    } else {
      cmd = CommandApdu{.cla = 0x00, .ins = 0xB0, .p1 = static_cast<uint8_t>(offset >> 8),
                        .p2 = static_cast<uint8_t>(offset), .ne = want};
    }
    absl::StatusOr<ResponseApdu> r = co_await channel_.Transmit(cmd);
    if (!r.ok()) co_return r.status();
    last_sw_ = r->sw;

    const bool data_ok = r->ok() || (r->sw == sw::kEndOfFileWarning && !r->data.empty());
    if (!data_ok) {
      if (++failures > kMaxFailuresInARow) {
        co_return MakeChipError(ChipErrorKind::kFileRefused,
                                absl::StrCat("READ BINARY: the chip keeps refusing (SW ", Sw(r->sw), ")"), Sw(r->sw));
      }
      if (sw::IsWrongLe(r->sw)) {
        const size_t exact = r->sw2() == 0 ? kMaxShortNe : r->sw2();
        if (exact < want) {
          exact_le = exact;
          continue;
        }
      }
      if (r->sw == sw::kWrongLength || r->sw == sw::kWrongP1P2 || r->sw == sw::kEndOfFileWarning ||
          sw::IsWrongLe(r->sw)) {
        if (!total.has_value()) {
          if (probe) co_return SwError("READ BINARY", r->sw);
          probe = true;  // maybe we asked past the end of a small file: learn its size first
          continue;
        }
        if (want <= kMinBlock) co_return SwError("READ BINARY", r->sw);
        StepDown(want);
        continue;
      }
      if (offset > 0 && r->sw == sw::kFileNotFound) {
        co_return Malformed("READ BINARY: the file vanished while being read (SW 6A82)");
      }
      co_return SwError("READ BINARY", r->sw);
    }

    ByteSpan data = r->data;
    if (odd) {
      absl::StatusOr<Tlv> do53 = ParseSingleTlv(data, 0x53);
      if (!do53.ok()) co_return Malformed("READ BINARY (B1): response without DO'53'");
      data = do53->value;
    }
    if (data.empty()) {
      co_return Malformed(absl::StrCat("READ BINARY: no data at offset ", offset, " (SW ", Sw(r->sw), ")"));
    }
    if (data.size() > want) {
      co_return Malformed(absl::StrCat("READ BINARY: ", data.size(), " bytes for an Le of ", want));
    }
    failures = 0;
    const size_t got = data.size();
    if (out.empty() && !odd) {
      out = std::move(r->data);  // the first block: its buffer becomes the file's, no copy
    } else {
      out.insert(out.end(), data.begin(), data.end());
    }
    if (!total.has_value()) {
      CO_ASSIGN_OR_RETURN(total, TlvTotalSize(out));
      if (total.has_value() && *total > cap) {
        co_return LimitExceeded(name.empty() ? "max_file_size" : "max_file_bytes",
                                absl::StrCat(name.empty() ? "the file" : name, " announces ", *total,
                                             " bytes, more than the limit of ", cap));
      }
      if (total.has_value() &&
          *total > options_.limits.max_total_bytes - std::min(bytes_budgeted_, options_.limits.max_total_bytes)) {
        co_return LimitExceeded("max_total_bytes",
                                absl::StrCat(name.empty() ? "the file" : name, " (", *total, " bytes) after ",
                                             bytes_budgeted_, " bytes read exceeds the session's ",
                                             options_.limits.max_total_bytes));
      }
      if (total.has_value()) {
        bytes_budgeted_ += *total;
        out.reserve(*total);  // one allocation for the file, not a doubling vector's copies
      }
    }
    if (total.has_value() && out.size() > *total) out.resize(*total);
    const bool complete = total.has_value() && out.size() >= *total;
    // A 6Cxx length that was not the end of the file is the chip's largest block: keep it.
    if (directed && !complete && got == want && want >= kMinBlock) learned_cap_ = want;
    if (r->sw == sw::kEndOfFileWarning && !complete) {
      co_return Malformed(
          absl::StrCat("READ BINARY: the file ends at ", out.size(), " bytes, before the end of its TLV"));
    }
  }
  co_return out;
}

}  // namespace docval::emrtd
