#include "common/http/http_client.h"

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/fake_result_server.h"
#include "tests/support/test_certs.h"

namespace docval::http {
namespace {

using ::docval::testsupport::FakeAction;
using ::docval::testsupport::FakeResultServer;
using ::docval::testsupport::FakeResultServerOptions;
using ::testing::HasSubstr;

std::unique_ptr<FakeResultServer> StartServer(std::vector<FakeAction> script,
                                              std::string cert = "", std::string key = "") {
  FakeResultServerOptions options;
  options.script = std::move(script);
  options.tls_cert_path = std::move(cert);
  options.tls_key_path = std::move(key);
  auto server = FakeResultServer::Start(std::move(options));
  EXPECT_TRUE(server.ok()) << server.status();
  return *std::move(server);
}

std::unique_ptr<CurlHttpClient> MakeClient(HttpClientOptions options = {}) {
  auto client = CurlHttpClient::Create(std::move(options));
  EXPECT_TRUE(client.ok()) << client.status();
  return *std::move(client);
}

HttpRequest Request(std::string url, absl::Duration timeout = absl::Seconds(3)) {
  HttpRequest r;
  r.url = std::move(url);
  r.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer abc"}};
  r.body = R"({"emrtd_passport":{},"client_validation_id":"v1"})";
  r.timeout = timeout;
  return r;
}

TEST(CurlHttpClientTest, PostsBodyAndHeadersAndReturnsStatusAndHeaders) {
  auto server = StartServer({FakeAction::Respond(200, {{"X-Answer", "42"}}, "thanks")});
  auto client = MakeClient();
  HttpRequest req = Request(server->Url("/results?tenant=7"));
  req.body.assign(5000, 'x');  // larger than curl's 1 KiB "Expect: 100-continue" threshold
  req.headers.emplace_back("X-Empty", "");
  auto response = client->Post(req, nullptr);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->Header("x-answer"), "42");
  EXPECT_EQ(response->body, "thanks");
  EXPECT_TRUE(response->body_complete);

  ASSERT_EQ(server->request_count(), 1u);
  auto recorded = server->requests()[0];
  EXPECT_EQ(recorded.method, "POST");
  EXPECT_EQ(recorded.target, "/results?tenant=7");
  EXPECT_EQ(recorded.body, req.body);
  EXPECT_EQ(recorded.Header("Content-Type"), "application/json");
  EXPECT_EQ(recorded.Header("Authorization"), "Bearer abc");
  EXPECT_EQ(recorded.Header("Content-Length"), "5000");
  EXPECT_EQ(recorded.Header("Host"), absl::StrCat("127.0.0.1:", server->port()));
  EXPECT_TRUE(recorded.HasHeader("X-Empty"));
  EXPECT_EQ(recorded.Header("X-Empty"), "");
  EXPECT_FALSE(recorded.HasHeader("Expect"));
}

TEST(CurlHttpClientTest, ErrorStatusesAreReturnedNotRetried) {
  auto server = StartServer({FakeAction::Respond(503, {{"Retry-After", "7"}})});
  auto client = MakeClient();
  auto response = client->Post(Request(server->Url()), nullptr);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(response->Header("Retry-After"), "7");
  EXPECT_EQ(server->request_count(), 1u);
}

TEST(CurlHttpClientTest, RedirectsAreNotFollowed) {
  auto server = StartServer({FakeAction::Respond(302, {{"Location", "/elsewhere"}}), FakeAction::Respond(200)});
  auto client = MakeClient();
  auto response = client->Post(Request(server->Url()), nullptr);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 302);
  EXPECT_EQ(server->request_count(), 1u);
}

TEST(CurlHttpClientTest, ConnectionRefusedIsUnavailable) {
  auto port = testsupport::RefusingPort::Create();
  ASSERT_TRUE(port.ok());
  auto client = MakeClient();
  absl::Time start = absl::Now();
  auto response = client->Post(Request(port->Url()), nullptr);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable) << response.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

TEST(CurlHttpClientTest, ClosedWithoutAnswerIsUnavailable) {
  auto server = StartServer({FakeAction::Close()});
  auto client = MakeClient();
  auto response = client->Post(Request(server->Url()), nullptr);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable) << response.status();
  EXPECT_EQ(server->request_count(), 1u);
}

TEST(CurlHttpClientTest, HangingServerIsCutAtTheTimeout) {
  auto server = StartServer({FakeAction::Hang()});
  auto client = MakeClient();
  absl::Time start = absl::Now();
  auto response = client->Post(Request(server->Url(), absl::Milliseconds(600)), nullptr);
  absl::Duration elapsed = absl::Now() - start;
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded) << response.status();
  EXPECT_GE(elapsed, absl::Milliseconds(550));
  EXPECT_LT(elapsed, absl::Seconds(3));
  EXPECT_EQ(server->request_count(), 1u);
}

TEST(CurlHttpClientTest, NoTimeLeftFailsWithoutConnecting) {
  auto server = StartServer({});
  auto client = MakeClient();
  auto response = client->Post(Request(server->Url(), absl::ZeroDuration()), nullptr);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(server->connection_count(), 0);
}

TEST(CurlHttpClientTest, AbortCallbackEndsTheAttempt) {
  auto server = StartServer({FakeAction::Hang()});
  auto client = MakeClient();
  std::atomic<bool> abort{false};
  std::thread trigger([&] {
    server->WaitForRequests(1, absl::Seconds(5));
    abort = true;
  });
  absl::Time start = absl::Now();
  auto response = client->Post(Request(server->Url(), absl::Seconds(20)), [&] { return abort.load(); });
  trigger.join();
  EXPECT_EQ(response.status().code(), absl::StatusCode::kCancelled) << response.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  // The connection is closed: the server sees the client hang up, long before the 20 s timeout.
  EXPECT_TRUE(server->WaitForAbandoned(1, absl::Seconds(5)));
}

TEST(CurlHttpClientTest, ResponseBodyIsLimitedButTheStatusKept) {
  auto server = StartServer({FakeAction::Respond(200, {}, std::string(100000, 'b'))});
  auto client = MakeClient({.max_response_body_bytes = 1000});
  auto response = client->Post(Request(server->Url()), nullptr);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body.size(), 1000u);
  EXPECT_FALSE(response->body_complete);
}

TEST(CurlHttpClientTest, HeaderInjectionIsRejected) {
  auto server = StartServer({});
  auto client = MakeClient();
  HttpRequest req = Request(server->Url());
  req.headers.emplace_back("X-Evil", "a\r\nX-Injected: 1");
  auto response = client->Post(req, nullptr);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(server->connection_count(), 0);
}

TEST(CurlHttpClientTest, ConcurrentPostsFromManyThreads) {
  auto server = StartServer({FakeAction::Respond(204)});
  auto client = MakeClient();
  constexpr int kThreads = 8;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      HttpRequest req = Request(server->Url(absl::StrCat("/r", i)));
      auto response = client->Post(req, nullptr);
      if (response.ok() && response->status == 204) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kThreads);
  EXPECT_EQ(server->request_count(), static_cast<size_t>(kThreads));
}

TEST(CurlHttpClientTest, KeepsTheConnectionOfACompleteExchange) {
  auto server = StartServer({FakeAction::Respond(200)});
  auto client = MakeClient();
  for (int i = 0; i < 3; ++i) {
    auto response = client->Post(Request(server->Url()), nullptr);
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->status, 200);
  }
  EXPECT_EQ(server->request_count(), 3u);
  EXPECT_EQ(server->connection_count(), 1);
}

TEST(CurlHttpClientTest, AnAttemptCutShortLeavesNoConnectionToTheNext) {
  auto server = StartServer({FakeAction::Respond(200), FakeAction::Hang(), FakeAction::Respond(200)});
  auto client = MakeClient();
  ASSERT_TRUE(client->Post(Request(server->Url()), nullptr).ok());
  auto cut = client->Post(Request(server->Url(), absl::Milliseconds(300)), nullptr);
  EXPECT_EQ(cut.status().code(), absl::StatusCode::kDeadlineExceeded) << cut.status();
  // The kept connection that carried the cut attempt is closed, not left for the next one.
  EXPECT_TRUE(server->WaitForAbandoned(1, absl::Seconds(5)));
  auto response = client->Post(Request(server->Url()), nullptr);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(server->request_count(), 3u);
  EXPECT_EQ(server->connection_count(), 2);
}

TEST(CurlHttpClientTest, AnOversizedAnswerLeavesNoConnectionToTheNext) {
  auto server = StartServer({FakeAction::Respond(200, {}, std::string(100000, 'b')), FakeAction::Respond(204)});
  auto client = MakeClient({.max_response_body_bytes = 1000});
  auto cut = client->Post(Request(server->Url()), nullptr);
  ASSERT_TRUE(cut.ok()) << cut.status();
  EXPECT_FALSE(cut->body_complete);
  auto response = client->Post(Request(server->Url()), nullptr);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 204);
  EXPECT_EQ(server->connection_count(), 2);
}

TEST(CurlHttpClientTest, AConnectionTheServerClosedWhileIdleCostsNoFailedAttempt) {
  auto first = StartServer({FakeAction::Respond(200)});
  const int port = first->port();
  auto client = MakeClient();
  ASSERT_TRUE(client->Post(Request(first->Url()), nullptr).ok());
  first->Stop();  // closes the connection the client keeps, from the server's side
  FakeResultServerOptions options;
  options.port = port;
  options.script = {FakeAction::Respond(201)};
  auto second = FakeResultServer::Start(std::move(options));
  ASSERT_TRUE(second.ok()) << second.status();
  auto response = client->Post(Request((*second)->Url()), nullptr);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ((*second)->connection_count(), 1);
}

TEST(CurlHttpClientTest, MissingCaBundleIsAnErrorNamingThePath) {
  auto client = CurlHttpClient::Create({.ca_bundle_path = "/nonexistent/ca.pem"});
  EXPECT_EQ(client.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(client.status().message(), HasSubstr("/nonexistent/ca.pem"));
}

class CurlHttpClientTlsTest : public ::testing::Test {
 protected:
  const testsupport::TestCerts* certs_ = &testsupport::LoopbackCerts();
  const testsupport::TestCerts* wrong_name_ = &testsupport::WrongNameCerts();
};

TEST_F(CurlHttpClientTlsTest, TrustedCaBundleSucceeds) {
  auto server = StartServer({FakeAction::Respond(201)}, certs_->server_cert, certs_->server_key);
  auto client = MakeClient({.ca_bundle_path = certs_->ca_cert});
  for (const std::string& url :
       {server->Url(), absl::StrCat("https://localhost:", server->port(), "/results")}) {
    auto response = client->Post(Request(url), nullptr);
    ASSERT_TRUE(response.ok()) << url << ": " << response.status();
    EXPECT_EQ(response->status, 201);
  }
  EXPECT_EQ(server->requests()[0].body, Request("").body);
}

TEST_F(CurlHttpClientTlsTest, KeepsTheTlsConnectionForTheSameHostOnly) {
  auto server = StartServer({FakeAction::Respond(200)}, certs_->server_cert, certs_->server_key);
  auto client = MakeClient({.ca_bundle_path = certs_->ca_cert});
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(client->Post(Request(server->Url()), nullptr).ok());
  EXPECT_EQ(server->connection_count(), 1);
  // Another name for the same server is another destination: its own connection, verified anew.
  auto other = client->Post(Request(absl::StrCat("https://localhost:", server->port(), "/results")), nullptr);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(server->connection_count(), 2);
}

TEST_F(CurlHttpClientTlsTest, ANewConnectionResumesTheTlsSession) {
  auto server = StartServer({FakeAction::Respond(200)}, certs_->server_cert, certs_->server_key);
  auto client = MakeClient({.ca_bundle_path = certs_->ca_cert});
  HttpRequest req = Request(server->Url());
  req.headers.emplace_back("Connection", "close");  // the server closes after each answer
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(client->Post(req, nullptr).ok());
  EXPECT_EQ(server->connection_count(), 3);
  EXPECT_EQ(server->resumed_count(), 2);
}

TEST_F(CurlHttpClientTlsTest, SystemStoreDoesNotTrustTheTestCa) {
  auto server = StartServer({}, certs_->server_cert, certs_->server_key);
  auto client = MakeClient();
  auto response = client->Post(Request(server->Url()), nullptr);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kFailedPrecondition) << response.status();
  EXPECT_EQ(server->request_count(), 0u);
}

TEST_F(CurlHttpClientTlsTest, WrongCaFails) {
  auto server = StartServer({}, certs_->server_cert, certs_->server_key);
  auto client = MakeClient({.ca_bundle_path = certs_->other_ca_cert});
  auto response = client->Post(Request(server->Url()), nullptr);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kFailedPrecondition) << response.status();
  EXPECT_EQ(server->request_count(), 0u);
}

TEST_F(CurlHttpClientTlsTest, HostNameMismatchFails) {
  auto server = StartServer({}, wrong_name_->server_cert, wrong_name_->server_key);
  auto client = MakeClient({.ca_bundle_path = wrong_name_->ca_cert});
  auto response = client->Post(Request(server->Url()), nullptr);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kFailedPrecondition) << response.status();
  EXPECT_EQ(server->request_count(), 0u);
}

TEST_F(CurlHttpClientTlsTest, HangingTlsServerIsCutAtTheTimeout) {
  auto server = StartServer({FakeAction::Hang()}, certs_->server_cert, certs_->server_key);
  auto client = MakeClient({.ca_bundle_path = certs_->ca_cert});
  auto response = client->Post(Request(server->Url(), absl::Milliseconds(500)), nullptr);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded) << response.status();
  EXPECT_EQ(server->request_count(), 1u);
}

TEST(NormalizeUrlTest, NormalizesHttpAndHttpsUrls) {
  EXPECT_EQ(NormalizeUrl("http://127.0.0.1:8080").value_or(""), "http://127.0.0.1:8080/");
  EXPECT_EQ(NormalizeUrl("HTTPS://Results.Example.COM/a/b?x=1#frag").value_or(""),
            "https://results.example.com/a/b?x=1");
  EXPECT_EQ(NormalizeUrl("https://example.com:443/r").value_or(""), "https://example.com:443/r");
}

TEST(NormalizeUrlTest, RejectsOtherUrls) {
  for (const char* bad : {"", "/relative", "ftp://example.com/", "file:///etc/passwd",
                          "http://", "not a url", "gopher://x/"}) {
    EXPECT_EQ(NormalizeUrl(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(UrlDestinationTest, IsTheHostWithANonDefaultPortOnly) {
  EXPECT_EQ(*UrlDestination("https://Results.Example.com/hook?x=1"), "results.example.com");
  EXPECT_EQ(*UrlDestination("https://results.example.com:443/hook"), "results.example.com");
  EXPECT_EQ(*UrlDestination("http://results.example.com:80/"), "results.example.com");
  EXPECT_EQ(*UrlDestination("https://results.example.com:8443/a"), "results.example.com:8443");
  EXPECT_EQ(*UrlDestination("http://127.0.0.1:41234/results"), "127.0.0.1:41234");
  EXPECT_EQ(*UrlDestination("http://[::1]:9000/r"), "[::1]:9000");
  // User info never reaches a metric label.
  EXPECT_EQ(*UrlDestination("https://user:secret@results.example.com/hook"), "results.example.com");
  EXPECT_FALSE(UrlDestination("ftp://results.example.com/").ok());
  EXPECT_FALSE(UrlDestination("/relative").ok());
}

TEST(IsValidHeaderTest, ChecksTokenNamesAndLineBreakFreeValues) {
  EXPECT_TRUE(IsValidHeader("Authorization", "Bearer x y"));
  EXPECT_TRUE(IsValidHeader("X-Empty", ""));
  EXPECT_FALSE(IsValidHeader("", "v"));
  EXPECT_FALSE(IsValidHeader("Bad Name", "v"));
  EXPECT_FALSE(IsValidHeader("X:Y", "v"));
  EXPECT_FALSE(IsValidHeader("X", "a\nb"));
  EXPECT_FALSE(IsValidHeader("X", std::string("a\0b", 3)));
}

}  // namespace
}  // namespace docval::http
