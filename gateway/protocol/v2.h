// WebSocket API v2 (docs/protocol.md §3), the pure part: the frames both sides write, the messages the
// phone sends, and the order rules of a session (`Dialog`). No sockets, no clock: gateway/ws drives it.
//
// In v2 the phone opens the chip and reads the files itself. What the server does not take on trust
// is decided outside this file (the AA challenge, Chip Authentication, Passive Authentication); this
// file makes sure that what the phone sends arrives in the documented order and shape, and turns every
// deviation into PROTOCOL_ERROR (1008) before anything else looks at it.
#ifndef DOCVAL_GATEWAY_PROTOCOL_V2_H_
#define DOCVAL_GATEWAY_PROTOCOL_V2_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>

#include "absl/strings/string_view.h"
#include "gateway/protocol/close_reason.h"
#include "validator/emrtd/limits.h"

namespace docval::gateway::ws2 {

// ---- Limits (docs/protocol.md §3.4) ----
// A text frame: the largest message (CA_HANDOVER, FINISH with a 512-byte signature, MONITORING) fits.
inline constexpr size_t kMaxTextFrameBytes = 16 * 1024;
// The files are held to the caps of a chip the server reads itself (emrtd::SessionLimits,
// docs/limits.md), so a document that passes v1 passes v2 and a v2 session costs no more:
// - one FILE frame carries at most the largest per-file cap (DG2-DG4's 256 KiB) after its header; a
//   frame over kMaxBinaryFrameBytes ends the session with MESSAGE_TOO_BIG (1009) before it is read;
// - a file over its own type's cap (EF.SOD 32 KiB, DG1 1 KiB, DG14 16 KiB, ...), or the files of the
//   session together over max_total_bytes (1 MiB), ends it with EMRTD_PASSPORT_READER_ERROR (1011),
//   as a chip over a budget does in v1.
inline constexpr size_t kMaxFileBytes = emrtd::SessionLimits{}.max_biometric_dg_bytes;
inline constexpr size_t kMaxBinaryFrameBytes = 2 + 255 + kMaxFileBytes;
inline constexpr size_t kMaxSessionFileBytes = emrtd::SessionLimits{}.max_total_bytes;
// A MONITORING message's text.
inline constexpr size_t kMaxMonitoringBytes = 4096;
// An AA signature: RSA up to 4096 bits, ECDSA up to P-521 (plain r|s).
inline constexpr size_t kMaxAaSignatureBytes = 512;
// The Active Authentication challenge ACCEPT carries: 8 bytes, as INTERNAL AUTHENTICATE expects.
inline constexpr size_t kAaChallengeBytes = 8;

// Binary frame type bytes.
inline constexpr uint8_t kFileFrameType = 0x01;
inline constexpr uint8_t kApduFrameType = 0x02;

// Short file identifiers (Doc 9303-10): DGn is n; these two are the structure files.
inline constexpr int kSfiSod = 0x1D;
inline constexpr int kSfiCom = 0x1E;

// "sod" -> 0x1D, "com" -> 0x1E, "dg1".."dg16" -> 1..16 (exactly these spellings); anything else nullopt.
std::optional<int> FileSfi(absl::string_view name);
// The inverse; "" for an identifier that is not one of them.
std::string FileName(int sfi);

// ---- How a v2 session ends ----
// A §1.6 reason, or PROTOCOL_ERROR (1008), which only v2 has.
struct Closing {
  std::optional<CloseReason> reason;  // nullopt: PROTOCOL_ERROR

  static Closing ProtocolError() { return Closing{std::nullopt}; }
  static Closing Of(CloseReason r) { return Closing{r}; }
  bool is_protocol_error() const { return !reason.has_value(); }
  uint16_t code() const;
  absl::string_view name() const;  // "" for success, "PROTOCOL_ERROR", or CloseReasonName()
  std::string label() const;       // metric label: "success", "protocol_error", ...
};

// ---- Binary frames ----
struct FileFrame {
  int sfi = 0;
  std::string bytes;
};
struct ApduFrame {
  std::string raw;  // a response APDU (C->S: data | SW1 SW2) or a command APDU (S->C)
};

struct BinaryParse {
  std::variant<std::monostate, FileFrame, ApduFrame> frame;  // monostate: refused
  std::string detail;  // for logs when refused: names the rule, never the content
};
// Rules: a known type byte; FILE: a name length of 1..255 that fits, a known name, at least one file
// byte (the size caps are the Dialog's); APDU (phone side): 2..65538 bytes.
BinaryParse ParseBinaryFrame(absl::string_view frame);

std::string FileFrameBytes(int sfi, absl::string_view bytes);  // S->C FILE (dg1 after CA)
std::string ApduFrameBytes(absl::string_view raw);            // S->C command APDU

// ---- Text messages of the phone ----
struct StartMessage {
  std::string validation_id;
  std::string client_id;
  std::string platform;  // "android" or "ios" (lower-cased)
  bool nfc_adapter_supports_extended_length = false;
  bool enable_diagnostics = false;
};

// The secure-messaging state the phone hands over (and the server hands back). Secret: Wipe() it.
struct SecureMessagingInfo {
  enum class Algorithm { kAes, kDesede };
  Algorithm algorithm = Algorithm::kAes;
  std::string enc_key;  // raw bytes: AES 16/24/32, DESede 16 or 24
  std::string mac_key;  // raw bytes, same lengths
  uint64_t ssc = 0;     // the send sequence counter as the JSON integer carries it
  void Wipe();
};

struct CaHandover {
  int max_transceive_length = 0;  // 1..65544
  int max_block_size = 0;         // 1..65536
  SecureMessagingInfo secure_messaging;
};

struct FinishMessage {
  bool send_result = false;
  std::optional<std::string> aa_signature;  // raw bytes; nullopt when null or absent
};

struct MonitoringMessage {
  std::string message;
};

struct TextParse {
  std::variant<std::monostate, StartMessage, CaHandover, FinishMessage, MonitoringMessage> message;
  Closing closing = Closing::ProtocolError();  // when refused
  std::string detail;                          // for logs: names the field, never its value
};
// Parses one text frame. A START with a missing or ill-typed field -> INVALID_START_MESSAGE; any other
// refusal (not JSON, no "type", an unknown type, a field missing or of the wrong type) -> PROTOCOL_ERROR.
// Unknown extra fields are ignored. A server-only type (ACCEPT, CA_HANDBACK, RESULT, CLOSE) is refused.
TextParse ParseTextMessage(absl::string_view text);

// ---- Frames the server writes ----
std::string AcceptFrame(absl::string_view challenge);  // {"type":"ACCEPT","activeAuthenticationChallenge":b64}
enum class CaCheckResult { kSuccess, kFailed, kUnavailable };
absl::string_view CaCheckResultName(CaCheckResult r);  // "SUCCESS", "FAILED", "UNAVAILABLE"
// {"type":"CA_HANDBACK","checkResult":..,"secureMessagingInfo":{..}}; without keys when `sm` is null.
std::string CaHandbackFrame(CaCheckResult result, const SecureMessagingInfo* sm);
// {"type":"RESULT","passport":<passport>}; `passport_json` is §2 with camelCase keys, as
// validator/result_json's ResultToJson(result, JsonCase::kCamel) writes it (the one naming rule).
std::string ResultFrame(absl::string_view passport_json);
std::string CloseFrame(const Closing& closing);  // {"type":"CLOSE","code":1000,"reason":""}

// ---- The order of a session ----
// Events the dialog reports for each frame it accepts; `Violation` ends the session.
struct StartReceived {
  StartMessage start;
};
struct FileReceived {
  int sfi = 0;
};
struct HandoverReceived {
  CaHandover handover;
};
struct ApduResponseReceived {
  std::string raw;
};
struct MonitoringReceived {
  std::string message;
};
struct FinishReceived {
  FinishMessage finish;
};
struct Violation {
  Closing closing;
  std::string detail;  // for logs
};
using Event = std::variant<StartReceived, FileReceived, HandoverReceived, ApduResponseReceived,
                           MonitoringReceived, FinishReceived, Violation>;

// One v2 session's order rules (docs/protocol.md §3.2-§3.5):
//  - the first message is START; START once;
//  - FILE frames after START, outside Chip Authentication, before FINISH; each name once, including
//    DG1 when the server read it itself; each file within its type's cap (SessionLimits::MaxFileBytes)
//    and all together within kMaxSessionFileBytes, else EMRTD_PASSPORT_READER_ERROR;
//  - CA_HANDOVER once, only after DG14 and before the phone sent DG1 (the server reads DG1 itself);
//  - APDU frames only while Chip Authentication runs, exactly one per command the server sent;
//  - MONITORING only in a diagnostic session, before FINISH;
//  - FINISH once, only with the SOD and DG1 present, an AA signature only with DG15;
//  - nothing after FINISH; nothing but Violation after a Violation.
// The server side tells the dialog what it did: CommandSent() for each APDU it writes during CA,
// HandbackSent() when CA_HANDBACK is written.
class Dialog {
 public:
  enum class Phase { kAwaitingStart, kFiles, kChipAuthentication, kFilesAfterCa, kFinished, kClosed };

  Dialog() = default;
  Dialog(const Dialog&) = delete;
  Dialog& operator=(const Dialog&) = delete;
  ~Dialog();  // wipes the files (personal data)

  Event OnText(absl::string_view text);
  Event OnBinary(absl::string_view frame);

  // During kChipAuthentication: the server wrote a command APDU; the phone's next APDU frame answers it.
  // False (and nothing changes) in another phase or with a command already outstanding.
  bool CommandSent();
  // Ends kChipAuthentication. `dg1` is the DG1 the server read under the new keys (stored as if the
  // phone had sent it, so the phone may not send it again), or nullopt when CA did not get that far
  // (the phone then sends DG1 itself). False in another phase or with a command outstanding.
  bool HandbackSent(std::optional<std::string> dg1);

  Phase phase() const { return phase_; }
  bool diagnostics() const { return diagnostics_; }
  bool dg1_from_server() const { return dg1_from_server_; }
  // The files received so far, by short file identifier.
  const std::map<int, std::string>& files() const { return files_; }
  size_t file_bytes() const { return file_bytes_; }
  // Overwrites and drops the files (personal data); the byte count stays.
  void WipeFiles();

 private:
  Event Fail(Closing closing, std::string detail);
  Event Fail(std::string detail) { return Fail(Closing::ProtocolError(), std::move(detail)); }

  Phase phase_ = Phase::kAwaitingStart;
  bool diagnostics_ = false;
  bool command_outstanding_ = false;
  bool handover_done_ = false;
  bool dg1_from_server_ = false;
  std::map<int, std::string> files_;
  size_t file_bytes_ = 0;
  Violation last_violation_;
};

}  // namespace docval::gateway::ws2

#endif  // DOCVAL_GATEWAY_PROTOCOL_V2_H_
