// Reading elementary files in the fewest round trips (ICAO 9303-10 §3, ISO/IEC 7816-4 READ BINARY).
//
// A file is read as one BER-TLV: the first READ BINARY addresses the EF by its short EF identifier
// (P1 = 0x80 | SFI, P2 = 0: no separate SELECT round trip) and asks for as much as the link allows;
// the TLV header in the first bytes gives the file size, and the rest is read in blocks as large as
// the link allows. Small files take one round trip; with extended length a 20 KB DG2 takes one or
// two. Bytes after the TLV are not read (the file is exactly the TLV).
//
// Block size: the plain bytes that fit a response of LinkLimits::ResponseBytes() (SW included)
// within Ne <= 256 (short) or 65536 (extended link): without SM that many bytes; with SM what
// remains after SecureMessaging::ResponseOverhead (e.g. 231 bytes with 3DES and short APDUs).
// Offsets above 32767 use READ BINARY with odd INS (B1, offset in DO'54', data in DO'53').
//
// Chips that refuse a large Le get a smaller block and the session goes on: 6Cxx is retried with
// exactly xx (and xx kept as the block size when it was not the end of the file); when the first read of a file is
// refused (6700, 6B00, 6282 without data: some chips refuse an Le beyond the end of a small file) the header is read
// alone (Le = 8) and then the rest; later refusals step the block down (256 -> 223 -> 192 -> 128 -> 64 -> 32 -> 16). A
// chip may also return fewer bytes than asked (9000 or 6282), and the reader just continues from there. A smaller
// block, once needed, is kept for the rest of the session (the FileReader object).
//
// Errors: what the chip answered about the file is a ChipError of a file kind (chip_error.h; detail:
// the SW where there is one); IsFileLevelError() tells them from the rest.
// - kFileNotFound (kNotFound): the file is absent (6A82; for MF files also when the fallback SELECT
//   says 6A82) — the caller may skip an optional file.
// - kFileAccessDenied (kPermissionDenied): 6982 (the file needs an access right this session does not
//   have, e.g. DG3/DG4 without Terminal Authentication).
// - kFileRefused (kFailedPrecondition): any other status word, reported in the message; also a chip
//   that keeps refusing the block-size fallbacks.
// - kFileMalformed (kDataLoss): a malformed file header, a file that ends before its header says
//   (a chip that refuses to read past the end instead is kFileRefused), a chip that stops giving
//   bytes or gives more than asked, a file that vanishes while being read.
// Everything else ends the dialog and passes through as it is:
// - LimitExceeded() (kResourceExhausted, limits.h): the TLV header announces more than the file's cap
//   (SessionLimits::MaxFileBytes() by the file's name, and `max_file_size`), or more than what is left
//   of the session's `max_total_bytes` (every file header accepted by this reader counts, retries
//   too). The file is not read.
// - The channel's failures: the link's (kTransport, or the driver's own status) and secure
//   messaging's (kSecureMessagingBroken / kSecureMessagingEndedByChip; the keys are spent).
// - Our own: kFailedPrecondition without a kind when the link leaves no room for data (the client's
//   limits are at least 64 bytes, so it does not happen), kInvalidArgument for an SFI out of 1..30.
#ifndef DOCVAL_VALIDATOR_EMRTD_FILES_FILE_READER_H_
#define DOCVAL_VALIDATOR_EMRTD_FILES_FILE_READER_H_

#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "validator/emrtd/access/chip_channel.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/limits.h"
#include "validator/emrtd/task.h"

namespace docval::emrtd {

// The LDS1 elementary files (ICAO 9303-10 Table 34) and the MF-level ones read before access
// control.
struct ElementaryFile {
  const char* name;  // "EF.COM", "EF.SOD", "DG1" .. "DG16", "EF.CardAccess", "EF.ATR/INFO", ...
  uint16_t fid;
  uint8_t sfi;
  bool in_mf;  // in the master file (read before access control), not in the eMRTD application
};
// By name as above (exact, case-sensitive). nullopt for unknown names.
std::optional<ElementaryFile> FindElementaryFile(absl::string_view name);
inline constexpr ElementaryFile kEfCardAccess = {"EF.CardAccess", 0x011C, 0x1C, true};
inline constexpr ElementaryFile kEfAtrInfo = {"EF.ATR/INFO", 0x2F01, 0x01, true};
inline constexpr ElementaryFile kEfCardSecurity = {"EF.CardSecurity", 0x011D, 0x1D, true};
inline constexpr ElementaryFile kEfCom = {"EF.COM", 0x011E, 0x1E, false};
inline constexpr ElementaryFile kEfSod = {"EF.SOD", 0x011D, 0x1D, false};

// `status` is what the chip answered about a file (a ChipError of kind kFileNotFound,
// kFileAccessDenied, kFileRefused or kFileMalformed): the session may go on without the file.
bool IsFileLevelError(const absl::Status& status);

// The eMRTD application identifier A0 00 00 02 47 10 01.
inline constexpr uint8_t kEmrtdAid[] = {0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01};

struct FileReaderOptions {
  // A file whose header announces more is refused (a lying length must not exhaust memory).
  size_t max_file_size = 1 << 20;
  // The per-file caps and the session's total (docs/limits.md).
  SessionLimits limits;
  // Caps the block size (0: no cap). Mainly for tests and replays of chips with known limits.
  size_t max_block = 0;
  // The Le of the first read of a file (0: as much as the link allows). Classic readers read the
  // 4-byte header first; replays of their traces need that.
  size_t first_read = 0;
  // Read application files by SELECT EF (00 A4 02 0C 02 <FID>) and offset reads instead of SFI.
  bool select_by_fid = false;
};

class FileReader {
 public:
  // `channel` must outlive the reader and every task it returns; the link limits are read from
  // channel.link().limits() at each read, so updating them (EF.ATR/INFO) takes effect at once.
  explicit FileReader(ChipChannel& channel, FileReaderOptions options = {})
      : channel_(channel), options_(options) {}

  // SELECT the eMRTD application by AID (00 A4 04 0C 07 <AID>, no Le). kFileNotFound for 6A82.
  Task<absl::Status> SelectApplication();

  // Reads a whole EF of the current application by its short EF identifier (1..30).
  Task<absl::StatusOr<Bytes>> ReadBySfi(uint8_t sfi);

  // Reads `file`: MF files with ReadMfFile; application files by SFI (or by SELECT EF when
  // `select_by_fid` is set, or when the SFI read is refused with 6A81/6A86 — SFI not supported).
  Task<absl::StatusOr<Bytes>> Read(ElementaryFile file);

  // Reads an MF-level EF (EF.CardAccess, EF.ATR/INFO) in whatever state the chip is: first by SFI
  // (one round trip when the MF is the current DF, as after reset or when the phone selected the MF
  // or EF.ATR/INFO); if that fails with a "not found"-like status (6A82, 6986, 6A86, 6B00, 6982,
  // 6D00, 6A81), SELECT by path from the MF (00 A4 08 0C 02 <FID>, no Le) and read the current EF.
  // Except: 6A82 is final (kFileNotFound, no SELECT) when the MF is known to be the current DF (an
  // earlier MF read by SFI or SELECT of/from the MF succeeded, no application selected since), or
  // when the SFI is DG1's, EF.SOD's or EF.COM's (then the current DF is not the eMRTD application).
  // The reasoning is at ReadMfFile() in file_reader.cc.
  Task<absl::StatusOr<Bytes>> ReadMfFile(ElementaryFile file);

  // The plain-bytes block size a read uses now (the link's limits, SM overhead, learned caps).
  size_t BlockSize() const;
  const FileReaderOptions& options() const { return options_; }
  // Bytes counted against SessionLimits::max_total_bytes so far.
  size_t bytes_budgeted() const { return bytes_budgeted_; }

 private:
  enum class Addressing { kSfi, kCurrentEf };
  Task<absl::StatusOr<Bytes>> ReadWhole(Addressing addressing, uint8_t sfi, absl::string_view name);
  Task<absl::StatusOr<Bytes>> SelectAndRead(ElementaryFile file);
  void StepDown(size_t failed_block);

  ChipChannel& channel_;
  FileReaderOptions options_;
  size_t learned_cap_ = 0;  // 0: none yet
  uint16_t last_sw_ = 0;    // of the last READ BINARY (0: none), for ReadMfFile's fallback
  bool mf_current_ = false;  // the MF is known to be the current DF (see ReadMfFile)
  size_t bytes_budgeted_ = 0;  // of SessionLimits::max_total_bytes: announced sizes of accepted files
};

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_FILES_FILE_READER_H_
