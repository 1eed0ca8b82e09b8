#include "tests/e2e/harness.h"

#include <signal.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "tools/chip_cli/chip_session.h"
#include "tools/vchip/chip_rng.h"
#include "tools/vchip/virtual_chip.h"
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
  std::string trust;
  if (options.trust_test_pki) {
    const std::string& pki = TestPkiDir();
    trust = absl::StrCat("trust: {csca: [", pki, "/csca], crl: [", pki, "/crl/csca_rsa.crl, ", pki,
                         "/crl/csca_ecdsa.crl]}\n");
  }
  std::string config = absl::StrCat(trust, R"(listen: 127.0.0.1:0
metrics_listen: 127.0.0.1:0
validator_listen: 127.0.0.1:0
poster_listen: 127.0.0.1:0
health_listen: 127.0.0.1:0
clients:
  - {client_id: )",
                                    kClientId, R"(, result_server_url: ")", url, R"("}
  - {client_id: other-client, result_server_url: ")",
                                    url, R"("}
)",
                                    options.extra_yaml);
  std::string path = d->dir_ + "/docval.yaml";
  WriteFile(path, config);
  // One file per role when a role has YAML of its own.
  auto role_path = [&](const std::string& role) {
    auto it = options.role_yaml.find(role);
    if (it == options.role_yaml.end()) return path;
    std::string p = absl::StrCat(d->dir_, "/docval-", role, ".yaml");
    WriteFile(p, config + it->second);
    return p;
  };
  if (!options.separate_roles) {
    absl::StatusOr<std::unique_ptr<ChildProcess>> p =
        ChildProcess::Start({DocvalBinary(), "serve", "--config", path}, options.env);
    if (!p.ok()) return p.status();
    d->gateway_ = *std::move(p);
  } else {
    std::vector<std::string> addresses;
    const int validators = options.validator_address.empty() ? std::max(1, options.validators) : options.validators;
    for (int i = 0; i < validators; ++i) {
      absl::StatusOr<std::unique_ptr<ChildProcess>> v =
          ChildProcess::Start({DocvalBinary(), "validator", "--config", role_path("validator")}, options.env);
      if (!v.ok()) return v.status();
      absl::StatusOr<int> vport = (*v)->WaitForPort("validator");
      if (!vport.ok()) return vport.status();
      addresses.push_back(absl::StrCat("127.0.0.1:", *vport));
      d->validators_.push_back(*std::move(v));
    }
    absl::StatusOr<std::unique_ptr<ChildProcess>> p =
        ChildProcess::Start({DocvalBinary(), "poster", "--config", role_path("poster")}, options.env);
    if (!p.ok()) return p.status();
    d->poster_ = *std::move(p);
    absl::StatusOr<int> pport = d->poster_->WaitForPort("poster");
    if (!pport.ok()) return pport.status();
    for (const std::string& a : options.extra_validator_addresses) addresses.push_back(a);
    std::map<std::string, std::string> env = options.env;
    // gRPC's ipv4: scheme takes a list; the gateway balances round robin over it.
    env["DOCVAL_VALIDATOR_ADDRESS"] = options.validator_address.empty()
                                          ? absl::StrCat("ipv4:", absl::StrJoin(addresses, ","))
                                          : options.validator_address;
    d->poster_address_ = absl::StrCat("127.0.0.1:", *pport);
    env["DOCVAL_POSTER_ADDRESS"] = d->poster_address_;
    absl::StatusOr<std::unique_ptr<ChildProcess>> g =
        ChildProcess::Start({DocvalBinary(), "gateway", "--config", role_path("gateway")}, env);
    if (!g.ok()) return g.status();
    d->gateway_ = *std::move(g);
  }
  absl::StatusOr<int> port = d->gateway_->WaitForPort("gateway");
  if (!port.ok()) return port.status();
  d->gateway_port_ = *port;
  std::optional<nlohmann::json> m = d->gateway_->WaitForLog(
      [](const nlohmann::json& j) { return j.value("msg", "") == "metrics"; }, absl::Seconds(10));
  if (m) d->metrics_port_ = (*m)["port"].get<int>();
  return d;
}

Deployment::~Deployment() = default;

std::string Deployment::WsUrl(const std::string& query) const {
  return absl::StrCat("ws://127.0.0.1:", gateway_port_, "/ws1/validate", query);
}

bool Deployment::Stop() {
  bool ok = true;
  std::vector<ChildProcess*> all = {gateway_.get(), poster_.get()};
  for (auto& v : validators_) all.push_back(v.get());
  for (ChildProcess* p : all) {
    if (p && p->running()) p->Signal(SIGTERM);
  }
  for (ChildProcess* p : all) {
    if (p && p->Wait(absl::Seconds(40)) != std::optional<int>(0)) ok = false;
  }
  return ok;
}

std::string Deployment::AllOutput() const {
  std::string out;
  std::vector<const ChildProcess*> all = {gateway_.get(), poster_.get()};
  for (const auto& v : validators_) all.push_back(v.get());
  for (const ChildProcess* p : all) {
    if (p) absl::StrAppend(&out, p->AllOutput());
  }
  return out;
}

const std::string& TestPkiDir() {
  static const std::string* dir = [] {
    auto* d = new std::string(MakeTempDir() + "/testpki");
    absl::StatusOr<std::unique_ptr<ChildProcess>> p = ChildProcess::Start({DocvalBinary(), "testpki", "--out", *d});
    if (!p.ok() || (*p)->Wait(absl::Seconds(120)) != std::optional<int>(0)) {
      std::fprintf(stderr, "docval testpki failed:\n%s\n", p.ok() ? (*p)->AllOutput().c_str() : "cannot start");
      std::abort();
    }
    return d;
  }();
  return *dir;
}

absl::StatusOr<Passport> MakePassport(const std::string& profile_name, const std::string& client_id,
                                      const std::string& platform,
                                      const std::function<void(vchip::ChipProfile&)>& edit_profile) {
  absl::StatusOr<vchip::ChipProfile> profile =
      vchip::LoadChipProfile(absl::StrCat(TestPkiDir(), "/profiles/", profile_name, ".json"));
  if (!profile.ok()) return profile.status();
  if (edit_profile) edit_profile(*profile);
  chip_cli::SessionOptions o;
  o.client_id = client_id;
  o.validation_id = "e2e-validation-1";
  o.platform = platform;
  absl::StatusOr<std::string> start = chip_cli::BuildStartMessage(*profile, o);
  if (!start.ok()) return start.status();
  absl::StatusOr<std::unique_ptr<vchip::VirtualChip>> chip =
      vchip::VirtualChip::Create(*profile, vchip::NewSeededRandom(42));
  if (!chip.ok()) return chip.status();
  std::shared_ptr<vchip::VirtualChip> shared = *std::move(chip);
  Passport p;
  p.profile = *std::move(profile);
  p.start_message = *std::move(start);
  p.chip = [shared](const std::string& command) -> std::optional<std::string> {
    vchip::ChipReply reply =
        shared->Transceive(emrtd::ByteSpan(reinterpret_cast<const uint8_t*>(command.data()), command.size()));
    if (reply.delay_ms > 0) absl::SleepFor(absl::Milliseconds(reply.delay_ms));
    if (!reply.response) return std::nullopt;
    return std::string(reply.response->begin(), reply.response->end());
  };
  return p;
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

absl::StatusOr<relay::RelayOutcome> RunPassportSession(const std::string& url, const std::string& profile,
                                                       const relay::WsClientOptions& options,
                                                       const std::function<void(nlohmann::json&)>& edit_start) {
  absl::StatusOr<Passport> p = MakePassport(profile);
  if (!p.ok()) return p.status();
  std::string start = p->start_message;
  if (edit_start) {
    nlohmann::json j = nlohmann::json::parse(start);
    edit_start(j);
    start = j.dump();
  }
  return RunSession(url, start, p->chip, options);
}

absl::StatusOr<HttpAnswer> HttpExchange(int port, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("socket failed");
  timeval tv{15, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return absl::UnavailableError(absl::StrCat("cannot connect to port ", port));
  }
  // A refused request may be answered before the whole body is sent: a failed send is not an error.
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  std::string resp;
  char buf[16384];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) resp.append(buf, static_cast<size_t>(n));
  close(fd);
  size_t sp = resp.find(' ');
  size_t end = resp.find("\r\n\r\n");
  if (sp == std::string::npos || end == std::string::npos) return absl::DataLossError("not an HTTP response");
  return HttpAnswer{std::atoi(resp.c_str() + sp + 1), resp.substr(0, end), resp.substr(end + 4)};
}

absl::StatusOr<std::pair<int, std::string>> HttpGet(int port, const std::string& path) {
  absl::StatusOr<HttpAnswer> a =
      HttpExchange(port, absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
  if (!a.ok()) return a.status();
  return std::make_pair(a->status, std::move(a->body));
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

std::function<void(nlohmann::json&)> ValidationId(const std::string& id) {
  return [id](nlohmann::json& j) { j["validation_id"] = id; };
}

std::map<std::string, int> DeliveriesById(const testsupport::FakeResultServer& rs) {
  std::map<std::string, int> by_id;
  for (const testsupport::RecordedRequest& r : rs.requests()) {
    nlohmann::json body = nlohmann::json::parse(r.body, nullptr, false);
    by_id[body.is_object() ? body.value("client_validation_id", "?") : "?"]++;
  }
  return by_id;
}

bool WaitFor(const std::function<bool()>& done, absl::Duration timeout) {
  const absl::Time until = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() > until) return false;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return true;
}

int MetricsPort(ChildProcess& p) {
  std::optional<nlohmann::json> m =
      p.WaitForLog([](const nlohmann::json& j) { return j.value("msg", "") == "metrics"; }, absl::Seconds(20));
  return m ? (*m)["port"].get<int>() : 0;
}

double Metric(int port, const std::string& name) {
  absl::StatusOr<std::pair<int, std::string>> r = HttpGet(port, "/metrics");
  if (!r.ok() || r->first != 200) return -1;
  double sum = 0;
  for (absl::string_view line : absl::StrSplit(r->second, '\n')) {
    if (!absl::StartsWith(line, name)) continue;
    absl::string_view rest = line.substr(name.size());
    if (rest.empty() || (rest[0] != ' ' && rest[0] != '{')) continue;
    double v = 0;
    if (absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &v)) sum += v;
  }
  return sum;
}

absl::StatusOr<relay::RelayOutcome> RunSession(const std::string& url, const std::string& start_message,
                                               const relay::ChipFunction& chip, const relay::WsClientOptions& options,
                                               std::string* raw_result) {
  absl::StatusOr<std::unique_ptr<relay::WsClient>> client = relay::WsClient::Connect(url, options);
  if (!client.ok()) return client.status();
  relay::RelayOptions ro;
  if (raw_result) {
    ro.on_frame = [raw_result](const relay::Frame& f) {
      if (f.text && f.data.find("\"emrtd_passport\"") != std::string::npos) *raw_result = f.data;
    };
  }
  return relay::RunRelaySession(**client, start_message, chip, ro);
}

}  // namespace docval::e2e
