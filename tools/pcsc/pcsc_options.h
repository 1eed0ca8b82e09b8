// The pure parts of `docval pcsc`: its command line, the choice of a reader among those PC/SC lists,
// and the start message it sends (docs/protocol.md §1.2). The PC/SC calls are in pcsc_reader.h, the
// program in pcsc_main.h.
#ifndef DOCVAL_TOOLS_PCSC_PCSC_OPTIONS_H_
#define DOCVAL_TOOLS_PCSC_PCSC_OPTIONS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/card_link.h"

namespace docval::pcsc {

struct PcscOptions {
  std::string url;  // ws://host:port/ws1/validate?return_result=true
  std::string client_id;
  std::string validation_id = "pcsc";
  // The access key: all three MRZ fields, or the CAN (both may be given, as in §1.2).
  std::string document_number, date_of_birth, date_of_expiry;
  std::string can;
  std::string reader;  // the reader's name or a part of it (any case); empty: the first with a card
  std::string platform = "android";
  std::optional<bool> extended_length;         // override of what the reader and the card say
  absl::Duration wait = absl::Seconds(120);    // for the PC/SC service, a reader and a card
  absl::Duration timeout = absl::Seconds(60);  // for each frame from the server
  std::string authorization;                   // Authorization header of the handshake
  std::string ca_file;                         // wss: trust this CA (PEM)
  bool list = false;                           // --list: print the readers and exit
  bool help = false;
};

// Parses argv (argv[0] is "pcsc"). Errors name the argument; the access key is checked with the
// server's own rules (CAN of 6 digits, yyMMdd dates, document number of A-Z 0-9 <).
absl::StatusOr<PcscOptions> ParsePcscOptions(int argc, char** argv);
extern const char kPcscUsage[];

// What PC/SC says about one reader.
struct ReaderState {
  std::string name;
  bool card_present = false;
  bool card_in_use = false;  // another program holds it exclusively
  bool mute = false;         // a card that does not answer the reset
  emrtd::Bytes atr;
};

// The reader to connect to: among the readers whose name equals `wanted`, or else contains it (any
// case; all readers when `wanted` is empty), the first holding a card that is neither mute nor held
// exclusively by another program. nullopt when there is none yet; `waiting_for` then says what is
// missing ("a reader matching 'ACR'", "a card in ACS ACR122U 00 00", ...).
std::optional<std::string> ChooseReader(const std::vector<ReaderState>& readers, const std::string& wanted,
                                        std::string* waiting_for);

// The start message for `limits` (max_command_bytes and max_response_bytes are sent explicitly).
std::string BuildStartMessage(const PcscOptions& options, const emrtd::LinkLimits& limits);

// Exit codes of `docval pcsc`.
inline constexpr int kExitSuccess = 0;        // the server closed with 1000
inline constexpr int kExitSessionFailed = 1;  // any other end: a close code, the card removed, the network
inline constexpr int kExitUsage = 2;          // bad arguments
inline constexpr int kExitNoCard = 3;         // no PC/SC service, reader or card within --wait

}  // namespace docval::pcsc

#endif  // DOCVAL_TOOLS_PCSC_PCSC_OPTIONS_H_
