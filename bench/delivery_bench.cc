// What one delivery attempt costs the poster's HTTP client (common/http/http_client.h): one POST of
// a result-sized body to a local Result Server (tests/support/fake_result_server.h), per iteration,
// CPU time of the calling thread (curl runs on it; the server's threads are not counted).
//
//   Post/http                      plain HTTP
//   Post/https_one_ca              HTTPS, the client trusting a bundle of one CA (the test CA)
//   Post/https_system_bundle       HTTPS, the client trusting a bundle the size of Debian's system
//                                  store (/etc/ssl/certs/ca-certificates.crt plus the test CA), what
//                                  a poster with no result_server_ca_file loads
//   Post/https_system_bundle_new_connection
//                                  the same, every request sent with "Connection: close", so that
//                                  each attempt pays a TCP and TLS handshake (a Result Server that
//                                  does not keep connections alive, or the first delivery)
// Baseline in the same run: Post/http. Counter `connections`: TCP connections the server accepted.
//
//   delivery_bench [benchmark flags]
#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "common/http/http_client.h"
#include "tests/support/fake_result_server.h"
#include "tests/support/test_certs.h"

namespace docval::bench {
namespace {

enum class Mode { kHttp, kHttpsOneCa, kHttpsSystemBundle };

void BM_Post(benchmark::State& state, Mode mode, bool new_connection) {
  testsupport::FakeResultServerOptions server_options;
  server_options.script = {testsupport::FakeAction::Respond(200)};
  http::HttpClientOptions client_options;
  if (mode != Mode::kHttp) {
    server_options.tls_cert_path = testsupport::LoopbackCerts().server_cert;
    server_options.tls_key_path = testsupport::LoopbackCerts().server_key;
    client_options.ca_bundle_path = testsupport::LoopbackCerts().ca_cert;
  }
  if (mode == Mode::kHttpsSystemBundle) {
    absl::StatusOr<std::string> bundle = testsupport::MakeSystemSizeBundle(testsupport::LoopbackCerts());
    if (!bundle.ok()) {
      state.SkipWithError(std::string(bundle.status().message()).c_str());
      return;
    }
    client_options.ca_bundle_path = *bundle;
  }
  absl::StatusOr<std::unique_ptr<testsupport::FakeResultServer>> server =
      testsupport::FakeResultServer::Start(std::move(server_options));
  absl::StatusOr<std::unique_ptr<http::CurlHttpClient>> client = http::CurlHttpClient::Create(client_options);
  if (!server.ok() || !client.ok()) {
    state.SkipWithError("cannot start the Result Server or the client");
    return;
  }
  http::HttpRequest request;
  request.url = (*server)->Url("/results");
  request.headers = {{"Content-Type", "application/json"}};
  if (new_connection) request.headers.push_back({"Connection", "close"});
  request.body = std::string(24 * 1024, 'x');  // a result with its face photo
  for (auto _ : state) {
    absl::StatusOr<http::HttpResponse> r = (*client)->Post(request, nullptr);
    if (!r.ok() || r->status != 200) {
      state.SkipWithError(r.ok() ? "not 200" : std::string(r.status().message()).c_str());
      return;
    }
  }
  state.counters["connections"] = static_cast<double>((*server)->connection_count());
}

BENCHMARK_CAPTURE(BM_Post, http, Mode::kHttp, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Post, https_one_ca, Mode::kHttpsOneCa, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Post, https_system_bundle, Mode::kHttpsSystemBundle, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Post, https_system_bundle_new_connection, Mode::kHttpsSystemBundle, true)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace docval::bench

BENCHMARK_MAIN();
