// A DocVal deployment on loopback for end-to-end tests: a fake Result Server plus the real docval
// binary, either as `serve` or as three role processes, with a generated config.
#ifndef DOCVAL_TESTS_E2E_HARNESS_H_
#define DOCVAL_TESTS_E2E_HARNESS_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/e2e/process.h"
#include "tests/support/fake_result_server.h"
#include "tools/relay/relay_session.h"
#include "tools/relay/ws_client.h"
#include "tools/vchip/chip_profile.h"

namespace docval::e2e {

inline constexpr char kClientId[] = "e2e-client";

struct DeploymentOptions {
  bool separate_roles = false;
  int validators = 1;  // with separate_roles: validator processes behind one gateway (round robin)
  // With separate_roles: more "host:port" validator addresses the gateway knows from the start (e.g.
  // a port where a test starts a validator later).
  std::vector<std::string> extra_validator_addresses;
  // With separate_roles: the gateway's validator_address as given (e.g. a dns:/// target a test
  // controls) instead of the list of the validators started here; `validators` may then be 0.
  std::string validator_address;
  // Extra YAML appended to the generated config (timeouts, limits, tls, ...).
  std::string extra_yaml;
  // With separate_roles: YAML appended for one role only ("gateway", "validator", "poster"), e.g.
  // its own internal_tls certificate.
  std::map<std::string, std::string> role_yaml;
  std::map<std::string, std::string> env;
  testsupport::FakeResultServerOptions result_server;
  // Result Server URL override (e.g. a refusing port); empty: the fake server's /results.
  std::string result_server_url;
  // Trust the test PKI's CSCAs and CRLs (TestPkiDir()).
  bool trust_test_pki = true;
};

// The test PKI and virtual passport profiles, written once per test binary by the real binary
// (`docval testpki --out DIR`).
const std::string& TestPkiDir();

// A virtual passport (tools/vchip) personalised by the test PKI, ready for one session: the start
// message for `client_id` with the profile's access key, and the chip (it sleeps the delays a slow
// chip reports and goes silent when the card leaves the field).
struct Passport {
  vchip::ChipProfile profile;
  std::string start_message;
  relay::ChipFunction chip;
};
absl::StatusOr<Passport> MakePassport(const std::string& profile_name, const std::string& client_id = kClientId,
                                      const std::string& platform = "android",
                                      const std::function<void(vchip::ChipProfile&)>& edit_profile = {});

class Deployment {
 public:
  static absl::StatusOr<std::unique_ptr<Deployment>> Start(DeploymentOptions options = {});
  ~Deployment();

  int gateway_port() const { return gateway_port_; }
  // The /metrics port of the gateway (or serve) process.
  int metrics_port() const { return metrics_port_; }
  std::string WsUrl(const std::string& query = "?return_result=true") const;
  testsupport::FakeResultServer& result_server() { return *result_server_; }
  ChildProcess& gateway() { return *gateway_; }
  ChildProcess* validator(size_t i = 0) { return i < validators_.size() ? validators_[i].get() : nullptr; }
  size_t validator_count() const { return validators_.size(); }
  // Stops every process with SIGTERM; returns false if one did not exit 0 in time.
  bool Stop();
  std::string AllOutput() const;
  const std::string& dir() const { return dir_; }
  // With separate roles: "127.0.0.1:<port>" of the poster process.
  const std::string& poster_address() const { return poster_address_; }
  ChildProcess* poster() { return poster_.get(); }

 private:
  Deployment() = default;
  std::unique_ptr<testsupport::FakeResultServer> result_server_;
  std::unique_ptr<ChildProcess> gateway_;  // the serve process when not separate
  std::vector<std::unique_ptr<ChildProcess>> validators_;
  std::unique_ptr<ChildProcess> poster_;
  int gateway_port_ = 0;
  int metrics_port_ = 0;
  std::string dir_;
  std::string poster_address_;
};

// A start message for kClientId; `mutate` may edit it before it is serialised.
nlohmann::json StartMessageJson(const std::string& can = "123456");

// Answers known commands byte for byte; anything else gets 6D00. Records every command.
class ScriptedChip {
 public:
  void Answer(const std::string& command_hex, const std::string& response_hex);
  std::optional<std::string> operator()(const std::string& command);
  const std::vector<std::string>& seen() const { return seen_; }

 private:
  std::map<std::string, std::string> script_;
  std::vector<std::string> seen_;
};

// One raw HTTP/1.1 request on a fresh connection to 127.0.0.1:`port`, read until the server closes
// (send "Connection: close"). A request refused before its whole body was sent still gets the answer.
struct HttpAnswer {
  int status = 0;
  std::string headers;  // the status line and the header lines
  std::string body;
};
absl::StatusOr<HttpAnswer> HttpExchange(int port, const std::string& request);

// A plain HTTP GET on 127.0.0.1:`port` (for /metrics, /healthz, /dev/results): status and body.
absl::StatusOr<std::pair<int, std::string>> HttpGet(int port, const std::string& path);

// A loopback port that was free a moment ago (bind to 0, read, close).
int FreePort();

// Sets the start message's validation_id (for RunPassportSession's `edit_start`).
std::function<void(nlohmann::json&)> ValidationId(const std::string& id);

// Deliveries the fake Result Server received, by client_validation_id ("?" for a body without one).
std::map<std::string, int> DeliveriesById(const testsupport::FakeResultServer& rs);

// Polls `done` every 20 ms until it holds (true) or `timeout` passes (false).
bool WaitFor(const std::function<bool()>& done, absl::Duration timeout);

// The /metrics port a process logged at start (0 if it did not within 20 s).
int MetricsPort(ChildProcess& p);

// The sum of every series of `name` (any labels) on the /metrics of 127.0.0.1:`port`; -1 when unreadable.
double Metric(int port, const std::string& name);

// One session with a fresh virtual passport `profile`; `edit_start` may change the start message.
absl::StatusOr<relay::RelayOutcome> RunPassportSession(const std::string& url,
                                                       const std::string& profile = "bac-passport",
                                                       const relay::WsClientOptions& options = {},
                                                       const std::function<void(nlohmann::json&)>& edit_start = {});

// Connects and runs one relay session. `raw_result` (optional) receives the result frame's text as
// sent (key order intact).
absl::StatusOr<relay::RelayOutcome> RunSession(const std::string& url, const std::string& start_message,
                                               const relay::ChipFunction& chip,
                                               const relay::WsClientOptions& options = {},
                                               std::string* raw_result = nullptr);

}  // namespace docval::e2e

#endif  // DOCVAL_TESTS_E2E_HARNESS_H_
