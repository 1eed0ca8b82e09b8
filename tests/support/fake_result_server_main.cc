// fake_result_server: the test Result Server as a process, for end-to-end tests.
//
//   fake_result_server [--port N] [--bind ADDR] [--script 503,503,200] [--hang]
//                      [--tls-cert cert.pem --tls-key key.pem]
//
// Prints the bound port on the first line of stdout, then one JSON object per received request:
//   {"method":"POST","target":"/results","headers":[["Content-Type","application/json"],...],
//    "body":"...","connection":1}
// Runs until SIGINT or SIGTERM. The script syntax is that of ParseScript() (fake_result_server.h).
#include <signal.h>

#include <cstdio>
#include <iostream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/synchronization/mutex.h"
#include "nlohmann/json.hpp"
#include "tests/support/fake_result_server.h"

namespace {

int Usage(const char* why) {
  std::fprintf(stderr,
               "fake_result_server: %s\n"
               "usage: fake_result_server [--port N] [--bind ADDR] [--script 503,429:Retry-After=1,200]"
               " [--hang] [--tls-cert FILE --tls-key FILE]\n",
               why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  docval::testsupport::FakeResultServerOptions options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    std::string v;
    if (arg == "--port") {
      if (!value(v) || !absl::SimpleAtoi(v, &options.port)) return Usage("--port needs a number");
    } else if (arg == "--bind") {
      if (!value(options.bind_address)) return Usage("--bind needs an address");
    } else if (arg == "--script") {
      if (!value(v)) return Usage("--script needs a value");
      auto script = docval::testsupport::ParseScript(v);
      if (!script.ok()) return Usage(std::string(script.status().message()).c_str());
      options.script = *std::move(script);
    } else if (arg == "--hang") {
      options.script = {docval::testsupport::FakeAction::Hang()};
    } else if (arg == "--tls-cert") {
      if (!value(options.tls_cert_path)) return Usage("--tls-cert needs a file");
    } else if (arg == "--tls-key") {
      if (!value(options.tls_key_path)) return Usage("--tls-key needs a file");
    } else if (arg == "--help" || arg == "-h") {
      Usage("help");
      return 0;
    } else {
      return Usage(("unknown argument " + arg).c_str());
    }
  }

  // Block the stop signals in every thread; the main thread waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  absl::Mutex out_mu;  // one line of stdout at a time
  options.on_request = [&out_mu](const docval::testsupport::RecordedRequest& req) {
    nlohmann::json headers = nlohmann::json::array();
    for (const auto& [name, value] : req.headers) headers.push_back({name, value});
    nlohmann::json line = {{"method", req.method},   {"target", req.target},
                           {"headers", headers},     {"body", req.body},
                           {"connection", req.connection}};
    absl::MutexLock lock(&out_mu);
    std::cout << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
  };

  auto server = docval::testsupport::FakeResultServer::Start(std::move(options));
  if (!server.ok()) {
    std::fprintf(stderr, "fake_result_server: %s\n", server.status().ToString().c_str());
    return 1;
  }
  {
    absl::MutexLock lock(&out_mu);
    std::cout << (*server)->port() << std::endl;
  }
  int sig = 0;
  sigwait(&stop_signals, &sig);
  (*server)->Stop();
  return 0;
}
