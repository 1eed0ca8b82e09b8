#include "tools/relay/relay_session.h"

#include "absl/status/status.h"

namespace docval::relay {

absl::StatusOr<RelayOutcome> RunRelaySession(WsClient& client, const std::string& start_message,
                                             const ChipFunction& chip, const RelayOptions& options) {
  RelayOutcome out;
  absl::Status s = client.SendText(start_message);
  if (!s.ok()) return s;
  bool chip_silent = false;
  std::optional<absl::Time> response_sent_at;  // the last response, until the next command
  bool status_since_response = false;
  while (true) {
    absl::StatusOr<Frame> f = client.Read(options.read_timeout);
    if (!f.ok()) {
      if (f.status().code() == absl::StatusCode::kAborted) {
        out.close = client.close_info();
        return out;
      }
      return f.status();
    }
    if (options.on_frame) options.on_frame(*f);
    if (!f->text) {
      if (response_sent_at.has_value()) {
        out.turnarounds.push_back({absl::Now() - *response_sent_at, status_since_response});
        response_sent_at.reset();
      }
      out.commands.push_back(f->data);
      if (chip_silent) continue;
      std::optional<std::string> response = chip(f->data);
      if (!response) {
        chip_silent = true;
        if (options.close_when_chip_lost.has_value()) {
          s = client.Close(options.close_when_chip_lost->code, options.close_when_chip_lost->reason);
          if (!s.ok()) return s;
          out.close = *options.close_when_chip_lost;
          out.closed_by_client = true;
          return out;
        }
        continue;
      }
      s = client.SendBinary(*response);
      if (!s.ok()) return s;
      response_sent_at = absl::Now();
      status_since_response = false;
      continue;
    }
    nlohmann::json j = nlohmann::json::parse(f->data, nullptr, false);
    if (j.is_object() && j.contains("status") && j.size() == 1 && j["status"].is_string()) {
      out.statuses.push_back(j["status"].get<std::string>());
      status_since_response = response_sent_at.has_value();
    } else if (j.is_object() && j.contains("emrtd_passport")) {
      out.result = std::move(j);
    } else if (j.is_object() && j.contains("close_code")) {
      out.close_notice = std::move(j);
    } else {
      out.unexpected_frames.push_back(f->data);
    }
  }
}

}  // namespace docval::relay
