#include "tools/chip_cli/chip_session.h"

#include <algorithm>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tools/relay/relay_session.h"
#include "tools/relay/ws_client.h"
#include "tools/vchip/virtual_chip.h"

namespace docval::chip_cli {
namespace {

std::string WrongDate(std::string d) {
  if (d.size() == 6) d[5] = d[5] == '1' ? '2' : '1';
  return d;
}

}  // namespace

absl::StatusOr<std::string> BuildStartMessage(const vchip::ChipProfile& profile, const SessionOptions& o) {
  const vchip::ClientAccessKey& k = profile.client_access_key;
  const vchip::ChipSecrets& s = profile.secrets;
  nlohmann::json key = nlohmann::json::object();
  KeyChoice choice = o.key;
  if (choice == KeyChoice::kProfile) choice = !k.can.empty() ? KeyChoice::kCan : KeyChoice::kMrz;
  if (choice == KeyChoice::kCan) {
    std::string can = !k.can.empty() ? k.can : s.can;
    if (can.empty()) return absl::FailedPreconditionError("the profile has no CAN");
    if (o.wrong_key) can = can == "000000" ? "111111" : "000000";
    key["can"] = can;
  } else {
    bool from_client = !k.document_number.empty();
    std::string doc = from_client ? k.document_number : s.document_number;
    if (doc.empty()) return absl::FailedPreconditionError("the profile has no MRZ key");
    std::string dob = from_client ? k.date_of_birth : s.date_of_birth;
    key["document_number"] = doc;
    key["date_of_birth"] = o.wrong_key ? WrongDate(dob) : dob;
    key["date_of_expiry"] = from_client ? k.date_of_expiry : s.date_of_expiry;
  }
  nlohmann::json start = {{"client_id", o.client_id},
                          {"validation_id", o.validation_id},
                          {"access_key", key},
                          {"nfc_adapter_supports_extended_length",
                           o.extended_length.value_or(profile.quirks.extended_length)},
                          {"platform", o.platform},
                          {"enable_diagnostics", false}};
  if (o.max_command_bytes.has_value()) start["max_command_bytes"] = *o.max_command_bytes;
  if (o.max_response_bytes.has_value()) start["max_response_bytes"] = *o.max_response_bytes;
  return start.dump();
}

SessionReport RunSession(const vchip::ChipProfile& profile, const SessionOptions& o,
                         const std::function<void(const std::string&)>& on_event) {
  SessionReport report;
  const absl::Time start_time = absl::Now();
  auto done = [&]() -> SessionReport {
    report.elapsed = absl::Now() - start_time;
    return report;
  };
  absl::StatusOr<std::string> start = BuildStartMessage(profile, o);
  if (!start.ok()) {
    report.transport = start.status();
    return done();
  }
  std::unique_ptr<vchip::ChipRandom> rng = o.seed.has_value() ? vchip::NewSeededRandom(*o.seed)
                                                              : vchip::NewSystemRandom();
  absl::StatusOr<std::unique_ptr<vchip::VirtualChip>> chip = vchip::VirtualChip::Create(profile, std::move(rng));
  if (!chip.ok()) {
    report.transport = chip.status();
    return done();
  }
  relay::WsClientOptions wo;
  if (!o.authorization.empty()) wo.headers.emplace_back("Authorization", o.authorization);
  wo.ca_file = o.ca_file;
  absl::StatusOr<std::unique_ptr<relay::WsClient>> client = relay::WsClient::Connect(o.url, wo);
  if (!client.ok()) {
    report.transport = client.status();
    return done();
  }
  vchip::VirtualChip& c = **chip;
  relay::ChipFunction fn = [&c, &report](const std::string& command) -> std::optional<std::string> {
    vchip::ChipReply reply =
        c.Transceive(emrtd::ByteSpan(reinterpret_cast<const uint8_t*>(command.data()), command.size()));
    if (reply.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(reply.delay_ms));
    if (!reply.response.has_value()) {
      report.chip_went_silent = true;
      return std::nullopt;
    }
    return std::string(reply.response->begin(), reply.response->end());
  };
  relay::RelayOptions ro;
  ro.read_timeout = o.read_timeout;
  if (on_event) {
    ro.on_frame = [&on_event](const relay::Frame& f) {
      if (f.text) on_event(f.data);
    };
  }
  absl::StatusOr<relay::RelayOutcome> outcome = relay::RunRelaySession(**client, *start, fn, ro);
  if (!outcome.ok()) {
    report.transport = outcome.status();
    (*client)->Abort();
    return done();
  }
  report.statuses = outcome->statuses;
  report.result = outcome->result;
  report.close_notice = outcome->close_notice;
  report.close_code = outcome->close.code;
  report.close_reason = outcome->close.reason;
  report.commands = outcome->commands.size();
  return done();
}

std::vector<std::string> CheckExpectation(const vchip::Expectation& e, const SessionReport& r) {
  std::vector<std::string> diffs;
  if (!r.transport.ok()) {
    diffs.push_back(absl::StrCat("transport: ", r.transport.message()));
    return diffs;
  }
  if (r.close_code != e.close_code) diffs.push_back(absl::StrCat("close code ", r.close_code, " != ", e.close_code));
  if (r.close_reason != e.close_reason) {
    diffs.push_back(absl::StrCat("close reason '", r.close_reason, "' != '", e.close_reason, "'"));
  }
  if (e.close_code != 1000) return diffs;
  if (!r.result.has_value()) {
    diffs.push_back("no result frame (was return_result=true in the URL?)");
    return diffs;
  }
  const nlohmann::json& p = (*r.result)["emrtd_passport"];
  if (e.passive_authentication.has_value()) {
    if (!p.contains("passive_authentication") || !p["passive_authentication"].is_boolean() ||
        p["passive_authentication"].get<bool>() != *e.passive_authentication) {
      diffs.push_back(absl::StrCat("passive_authentication ",
                                   p.value("passive_authentication", nlohmann::json()).dump(),
                                   " != ", *e.passive_authentication ? "true" : "false"));
    }
  }
  auto check = [&](const char* key, const std::string& want) {
    if (want.empty()) return;
    std::string got = p.contains(key) && p[key].is_string() ? p[key].get<std::string>() : "<missing>";
    if (got != want) diffs.push_back(absl::StrCat(key, " ", got, " != ", want));
  };
  check("chip_authentication_result", e.chip_authentication);
  check("active_authentication_result", e.active_authentication);
  return diffs;
}

LoadSummary Summarize(const std::vector<SessionReport>& reports, absl::Duration wall) {
  LoadSummary s;
  s.sessions = reports.size();
  s.total_wall = wall;
  std::vector<absl::Duration> times;
  for (const SessionReport& r : reports) {
    if (!r.transport.ok()) {
      ++s.transport_errors;
      continue;
    }
    ++s.by_close_code[r.close_code];
    times.push_back(r.elapsed);
  }
  std::sort(times.begin(), times.end());
  auto pct = [&times](double q) {
    if (times.empty()) return absl::ZeroDuration();
    size_t i = static_cast<size_t>(q * static_cast<double>(times.size() - 1) + 0.5);
    return times[std::min(i, times.size() - 1)];
  };
  s.p50 = pct(0.50);
  s.p95 = pct(0.95);
  s.max = times.empty() ? absl::ZeroDuration() : times.back();
  double secs = absl::ToDoubleSeconds(wall);
  s.sessions_per_second = secs > 0 ? static_cast<double>(reports.size()) / secs : 0;
  return s;
}

std::string FormatSummary(const LoadSummary& s) {
  std::string out = absl::StrCat("sessions: ", s.sessions, "  transport errors: ", s.transport_errors, "\n");
  for (const auto& [code, n] : s.by_close_code) absl::StrAppend(&out, "  close ", code, ": ", n, "\n");
  absl::StrAppend(&out, "latency p50 ", absl::FormatDuration(s.p50), "  p95 ", absl::FormatDuration(s.p95), "  max ",
                  absl::FormatDuration(s.max), "\n");
  absl::StrAppend(&out, "wall ", absl::FormatDuration(s.total_wall), "  throughput ",
                  absl::StrFormat("%.2f", s.sessions_per_second), " sessions/s\n");
  return out;
}

}  // namespace docval::chip_cli
