#include "tests/e2e/harness.h"

#include <signal.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "validator/emrtd/bytes.h"

namespace docval::e2e {

absl::StatusOr<std::unique_ptr<Deployment>> Deployment::Start(DeploymentOptions options) {
  std::unique_ptr<Deployment> d(new Deployment());
  absl::StatusOr<std::unique_ptr<testsupport::FakeResultServer>> rs =
      testsupport::FakeResultServer::Start(std::move(options.result_server));
  if (!rs.ok()) return rs.status();
  d->result_server_ = *std::move(rs);
  d->dir_ = MakeTempDir();
  std::string url = options.result_server_url.empty() ? d->result_server_->Url("/results") : options.result_server_url;
  std::string config = absl::StrCat(R"(listen: 127.0.0.1:0
metrics_listen: 127.0.0.1:0
validator_listen: 127.0.0.1:0
poster_listen: 127.0.0.1:0
clients:
  - {client_id: )", kClientId, R"(, result_server_url: ")", url, R"("}
  - {client_id: other-client, result_server_url: ")", url, R"("}
)",
                                    options.extra_yaml);
  std::string path = d->dir_ + "/docval.yaml";
  WriteFile(path, config);
  if (!options.separate_roles) {
    absl::StatusOr<std::unique_ptr<ChildProcess>> p =
        ChildProcess::Start({DocvalBinary(), "serve", "--config", path}, options.env);
    if (!p.ok()) return p.status();
    d->gateway_ = *std::move(p);
  } else {
    absl::StatusOr<std::unique_ptr<ChildProcess>> v =
        ChildProcess::Start({DocvalBinary(), "validator", "--config", path}, options.env);
    if (!v.ok()) return v.status();
    d->validator_ = *std::move(v);
    absl::StatusOr<std::unique_ptr<ChildProcess>> p =
        ChildProcess::Start({DocvalBinary(), "poster", "--config", path}, options.env);
    if (!p.ok()) return p.status();
    d->poster_ = *std::move(p);
    absl::StatusOr<int> vport = d->validator_->WaitForPort("validator");
    if (!vport.ok()) return vport.status();
    absl::StatusOr<int> pport = d->poster_->WaitForPort("poster");
    if (!pport.ok()) return pport.status();
    std::map<std::string, std::string> env = options.env;
    env["DOCVAL_VALIDATOR_ADDRESS"] = absl::StrCat("127.0.0.1:", *vport);
    env["DOCVAL_POSTER_ADDRESS"] = absl::StrCat("127.0.0.1:", *pport);
    absl::StatusOr<std::unique_ptr<ChildProcess>> g =
        ChildProcess::Start({DocvalBinary(), "gateway", "--config", path}, env);
    if (!g.ok()) return g.status();
    d->gateway_ = *std::move(g);
  }
  absl::StatusOr<int> port = d->gateway_->WaitForPort("gateway");
  if (!port.ok()) return port.status();
  d->gateway_port_ = *port;
  return d;
}

Deployment::~Deployment() = default;

std::string Deployment::WsUrl(const std::string& query) const {
  return absl::StrCat("ws://127.0.0.1:", gateway_port_, "/ws1/validate", query);
}

bool Deployment::Stop() {
  bool ok = true;
  for (ChildProcess* p : {gateway_.get(), validator_.get(), poster_.get()}) {
    if (p) p->Signal(SIGTERM);
  }
  for (ChildProcess* p : {gateway_.get(), validator_.get(), poster_.get()}) {
    if (p && p->Wait(absl::Seconds(40)) != std::optional<int>(0)) ok = false;
  }
  return ok;
}

std::string Deployment::AllOutput() const {
  std::string out;
  for (const ChildProcess* p : {gateway_.get(), validator_.get(), poster_.get()}) {
    if (p) absl::StrAppend(&out, p->AllOutput());
  }
  return out;
}

nlohmann::json StartMessageJson(const std::string& can) {
  return {{"client_id", kClientId},
          {"validation_id", "e2e-validation-1"},
          {"platform", "android"},
          {"nfc_adapter_supports_extended_length", false},
          {"access_key", {{"can", can}}}};
}

void ScriptedChip::Answer(const std::string& command_hex, const std::string& response_hex) {
  emrtd::Bytes r = emrtd::HexOrDie(response_hex);
  script_[command_hex] = std::string(r.begin(), r.end());
}

std::optional<std::string> ScriptedChip::operator()(const std::string& command) {
  std::string hex = emrtd::ToHex(emrtd::ByteSpan(reinterpret_cast<const uint8_t*>(command.data()), command.size()));
  seen_.push_back(hex);
  auto it = script_.find(hex);
  if (it == script_.end()) return std::string("\x6D\x00", 2);
  return it->second;
}

ScriptedChip SkeletonChip() {
  ScriptedChip chip;
  chip.Answer("00A4040C07A0000002471001", "9000");
  chip.Answer("00B09E0000", "60145F0104303130375F36063034303030305C0261759000");
  return chip;
}

absl::StatusOr<relay::RelayOutcome> RunSession(const std::string& url, const std::string& start_message,
                                               const relay::ChipFunction& chip,
                                               const relay::WsClientOptions& options) {
  absl::StatusOr<std::unique_ptr<relay::WsClient>> client = relay::WsClient::Connect(url, options);
  if (!client.ok()) return client.status();
  return relay::RunRelaySession(**client, start_message, chip);
}

}  // namespace docval::e2e
