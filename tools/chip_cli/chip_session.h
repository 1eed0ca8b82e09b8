// One phone session against DocVal's WebSocket API v1 with a virtual passport as the chip, and the
// pieces `docval chip` is made of: the start message built from a profile, the relay of every APDU to
// the VirtualChip (sleeping the chip's reported delay, going silent when it leaves the field), the check
// of the outcome against the profile's expectation, and the summary of many sessions for load tests.
#ifndef DOCVAL_TOOLS_CHIP_CLI_CHIP_SESSION_H_
#define DOCVAL_TOOLS_CHIP_CLI_CHIP_SESSION_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "tools/vchip/chip_profile.h"

namespace docval::chip_cli {

enum class KeyChoice { kProfile, kMrz, kCan };

struct SessionOptions {
  std::string url;  // ws://host:port/ws1/validate?return_result=true
  std::string client_id;
  std::string validation_id = "vchip";
  std::string platform = "android";
  KeyChoice key = KeyChoice::kProfile;
  bool wrong_key = false;                 // send a wrong access key (on top of the profile's)
  std::optional<bool> extended_length;    // default: what the chip supports
  std::optional<int> max_command_bytes;
  std::optional<int> max_response_bytes;
  std::string authorization;              // Authorization header of the handshake, if any
  std::string ca_file;                    // wss: trust this CA
  absl::Duration read_timeout = absl::Seconds(60);
  std::optional<uint64_t> seed;           // chip randomness; default: the system's
};

// The start message (docs/protocol.md §1.2) for `profile`. kFailedPrecondition when the requested key is
// not in the profile.
absl::StatusOr<std::string> BuildStartMessage(const vchip::ChipProfile& profile, const SessionOptions& options);

struct SessionReport {
  absl::Status transport;                 // not OK: the connection failed before the server closed
  std::vector<std::string> statuses;
  std::optional<nlohmann::json> result;   // emrtd_passport
  std::optional<nlohmann::json> close_notice;
  int close_code = 0;                     // the close frame's code (0: none)
  std::string close_reason;
  size_t commands = 0;                    // APDUs the server sent
  bool chip_went_silent = false;
  absl::Duration elapsed;
};

// Connects, relays and returns what happened. `on_event` (optional) gets one printable line per
// server frame as it arrives.
SessionReport RunSession(const vchip::ChipProfile& profile, const SessionOptions& options,
                         const std::function<void(const std::string&)>& on_event = {});

// The differences between `report` and the profile's expectation (empty: as expected). Checks the
// close code and reason, and for code 1000 the result's passive_authentication and CA/AA results.
std::vector<std::string> CheckExpectation(const vchip::Expectation& expect, const SessionReport& report);

struct LoadSummary {
  size_t sessions = 0;
  size_t transport_errors = 0;
  std::map<int, size_t> by_close_code;
  absl::Duration p50, p95, max, total_wall;
  double sessions_per_second = 0;
};
LoadSummary Summarize(const std::vector<SessionReport>& reports, absl::Duration wall);
std::string FormatSummary(const LoadSummary& s);

}  // namespace docval::chip_cli

#endif  // DOCVAL_TOOLS_CHIP_CLI_CHIP_SESSION_H_
