// Plays the phone's side of one WebSocket v1 session: sends the start message, answers every
// command APDU through `chip`, and collects what the server said (statuses, result, close notice,
// close frame). Used by end-to-end tests, `docval chip` and load tests.
#ifndef DOCVAL_TOOLS_RELAY_RELAY_SESSION_H_
#define DOCVAL_TOOLS_RELAY_RELAY_SESSION_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tools/relay/ws_client.h"

namespace docval::relay {

// Answers one command APDU (raw bytes) with the chip's response (data || SW1 SW2). nullopt: the chip
// stays silent (the card left the field); the relay then stops answering and waits for the server,
// or closes the session itself (RelayOptions::close_when_chip_lost).
using ChipFunction = std::function<std::optional<std::string>(const std::string& command)>;

// One relayed exchange as the phone sees it: from the moment the chip's response was handed to the
// socket to the arrival of the next command. `after_status`: a status frame arrived in between (the
// case a Nagle-delayed command used to wait ~40 ms for the phone's delayed ACK).
struct Turnaround {
  absl::Duration interval;
  bool after_status = false;
};

struct RelayOutcome {
  std::vector<std::string> statuses;            // {"status": ...} in order
  std::vector<std::string> commands;            // every command APDU received (raw)
  std::vector<Turnaround> turnarounds;          // one per command after the first, in order
  std::optional<nlohmann::json> result;         // the {"emrtd_passport": ...} frame, whole
  std::optional<nlohmann::json> close_notice;   // {"close_code", "close_reason"}
  std::vector<std::string> unexpected_frames;   // text frames that fit none of the above
  CloseInfo close;                              // the close frame (code 0 if none)
  bool closed_by_client = false;                // `close` is the one this side sent
};

struct RelayOptions {
  absl::Duration read_timeout = absl::Seconds(30);
  // Called for each frame as it arrives (for printing progress); may be empty.
  std::function<void(const Frame&)> on_frame;
  // When set, a chip that stays silent ends the session from this side with this close code and
  // reason, as the mobile SDKs do when the tag is lost (docs/protocol.md §1.6: 1001
  // NFC_CHIP_COMMUNICATION_FAILED); unset: the relay waits for the server, as a phone that hangs.
  std::optional<CloseInfo> close_when_chip_lost;
};

// Errors only for transport failures before the server closed (connection dropped, timeout).
absl::StatusOr<RelayOutcome> RunRelaySession(WsClient& client, const std::string& start_message,
                                             const ChipFunction& chip, const RelayOptions& options = {});

}  // namespace docval::relay

#endif  // DOCVAL_TOOLS_RELAY_RELAY_SESSION_H_
