#include "tests/support/fake_result_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/testing/paths.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace docval::testsupport {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::StartsWith;

// A minimal blocking client: connects to 127.0.0.1:port with a receive timeout.
class RawClient {
 public:
  explicit RawClient(int port, absl::Duration recv_timeout = absl::Seconds(5)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv = absl::ToTimeval(recv_timeout);
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connect_errno_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 ? 0 : errno;
  }
  ~RawClient() { ::close(fd_); }

  int connect_errno() const { return connect_errno_; }
  void Send(absl::string_view data) {
    ASSERT_EQ(::send(fd_, data.data(), data.size(), MSG_NOSIGNAL), static_cast<ssize_t>(data.size()));
  }
  // Reads until `done` says the text is complete, EOF (closed=true) or the timeout (timed_out=true).
  std::string ReadUntil(absl::string_view terminator = "") {
    std::string out;
    char buf[4096];
    for (;;) {
      if (!terminator.empty() && absl::StrContains(out, terminator)) return out;
      ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n == 0) {
        closed = true;
        return out;
      }
      if (n < 0) {
        timed_out = errno == EAGAIN || errno == EWOULDBLOCK;
        return out;
      }
      out.append(buf, static_cast<size_t>(n));
    }
  }
  bool closed = false;
  bool timed_out = false;

 private:
  int fd_ = -1;
  int connect_errno_ = 0;
};

std::string Post(absl::string_view body, absl::string_view extra_headers = "") {
  return absl::StrCat("POST /results?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n",
                      extra_headers, "Content-Length: ", body.size(), "\r\n\r\n", body);
}

std::unique_ptr<FakeResultServer> StartServer(std::vector<FakeAction> script) {
  FakeResultServerOptions options;
  options.script = std::move(script);
  auto server = FakeResultServer::Start(std::move(options));
  EXPECT_TRUE(server.ok()) << server.status();
  return *std::move(server);
}

TEST(FakeResultServerTest, AnswersScriptedStatusAndRecordsTheRequest) {
  auto server = StartServer({FakeAction::Respond(202, {{"X-Test", "yes"}}, "ok")});
  EXPECT_GT(server->port(), 0);
  EXPECT_EQ(server->Url(), absl::StrCat("http://127.0.0.1:", server->port(), "/results"));
  RawClient client(server->port());
  client.Send(Post(R"({"a":1})", "X-Forwarded: v\r\nConnection: close\r\n"));
  std::string response = client.ReadUntil();
  EXPECT_TRUE(client.closed);
  EXPECT_THAT(response, StartsWith("HTTP/1.1 202 Accepted\r\n"));
  EXPECT_THAT(response, HasSubstr("X-Test: yes\r\n"));
  EXPECT_THAT(response, HasSubstr("Content-Length: 2\r\n"));
  EXPECT_TRUE(absl::EndsWith(response, "\r\n\r\nok"));

  ASSERT_EQ(server->request_count(), 1u);
  RecordedRequest req = server->requests()[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/results?x=1");
  EXPECT_EQ(req.version, "HTTP/1.1");
  EXPECT_EQ(req.body, R"({"a":1})");
  EXPECT_EQ(req.Header("content-type"), "application/json");
  EXPECT_EQ(req.Header("X-FORWARDED"), "v");
  EXPECT_FALSE(req.HasHeader("Authorization"));
  EXPECT_EQ(req.connection, 1);
}

TEST(FakeResultServerTest, SequenceIsConsumedAcrossConnectionsAndTheLastActionRepeats) {
  auto server = StartServer({FakeAction::Respond(503), FakeAction::Respond(200)});
  std::vector<std::string> status_lines;
  for (int i = 0; i < 3; ++i) {
    RawClient client(server->port());
    client.Send(Post("{}", "Connection: close\r\n"));
    std::string response = client.ReadUntil();
    status_lines.push_back(response.substr(0, response.find("\r\n")));
  }
  EXPECT_THAT(status_lines, ElementsAre("HTTP/1.1 503 Service Unavailable", "HTTP/1.1 200 OK",
                                        "HTTP/1.1 200 OK"));
  EXPECT_EQ(server->connection_count(), 3);
  auto requests = server->requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[2].connection, 3);
}

TEST(FakeResultServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  auto server = StartServer({FakeAction::Respond(201), FakeAction::Respond(204)});
  RawClient client(server->port());
  client.Send(Post("1"));
  EXPECT_THAT(client.ReadUntil("\r\n\r\n"), StartsWith("HTTP/1.1 201"));
  client.Send(Post("2"));
  EXPECT_THAT(client.ReadUntil("\r\n\r\n"), StartsWith("HTTP/1.1 204"));
  EXPECT_EQ(server->connection_count(), 1);
  auto requests = server->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].body, "2");
}

TEST(FakeResultServerTest, DecodesChunkedBodiesAndAnswersExpectContinue) {
  auto server = StartServer({});
  RawClient client(server->port());
  client.Send(
      "POST /r HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_THAT(client.ReadUntil("\r\n\r\n"), StartsWith("HTTP/1.1 100 Continue"));
  client.Send("5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n");
  EXPECT_THAT(client.ReadUntil("\r\n\r\n"), StartsWith("HTTP/1.1 200 OK"));
  ASSERT_TRUE(server->WaitForRequests(1, absl::Seconds(5)));
  EXPECT_EQ(server->requests()[0].body, "hello world");
}

TEST(FakeResultServerTest, CloseActionClosesWithoutAnAnswer) {
  auto server = StartServer({FakeAction::Close()});
  RawClient client(server->port());
  client.Send(Post("{}"));
  EXPECT_EQ(client.ReadUntil(), "");
  EXPECT_TRUE(client.closed);
  EXPECT_EQ(server->request_count(), 1u);
}

TEST(FakeResultServerTest, HangNeverAnswersAndStopIsQuick) {
  auto server = StartServer({FakeAction::Hang()});
  RawClient client(server->port(), absl::Milliseconds(300));
  client.Send(Post("{}"));
  EXPECT_EQ(client.ReadUntil(), "");
  EXPECT_TRUE(client.timed_out);
  EXPECT_EQ(server->request_count(), 1u);
  // Stop() must not wait for the hanging connection.
  absl::Time start = absl::Now();
  server->Stop();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  RawClient after_stop(server->port());
  EXPECT_EQ(after_stop.connect_errno(), ECONNREFUSED);
  EXPECT_EQ(server->abandoned_count(), 0u);  // Stop() is not the client giving up
}

TEST(FakeResultServerTest, AnswerGateHoldsTheAnswerUntilOpened) {
  AnswerGate gate;
  FakeResultServerOptions options;
  options.script = {FakeAction::Respond(201)};
  options.on_request = gate.Hook();
  auto server = FakeResultServer::Start(std::move(options));
  ASSERT_TRUE(server.ok());
  RawClient client((*server)->port(), absl::Milliseconds(300));
  client.Send(Post("{}"));
  ASSERT_TRUE((*server)->WaitForRequests(1, absl::Seconds(5)));  // recorded before the gate
  EXPECT_EQ(client.ReadUntil(), "");
  EXPECT_TRUE(client.timed_out);
  gate.Open();
  std::string answer;
  for (int i = 0; i < 50 && !absl::StrContains(answer, "\r\n\r\n"); ++i) {
    answer += client.ReadUntil("\r\n\r\n");
  }
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 201"));
  EXPECT_EQ((*server)->request_count(), 1u);
}

TEST(FakeResultServerTest, ClientClosingAHangingRequestIsCountedAsAbandoned) {
  auto server = StartServer({FakeAction::Hang()});
  {
    RawClient client(server->port());
    client.Send(Post("{}"));
    ASSERT_TRUE(server->WaitForRequests(1, absl::Seconds(5)));
    EXPECT_EQ(server->abandoned_count(), 0u);
  }  // closes the socket
  EXPECT_TRUE(server->WaitForAbandoned(1, absl::Seconds(5)));
  EXPECT_EQ(server->abandoned_count(), 1u);
}

TEST(FakeResultServerTest, SetScriptRestartsTheScript) {
  auto server = StartServer({FakeAction::Respond(500)});
  server->SetScript({FakeAction::Respond(418)});
  RawClient client(server->port());
  client.Send(Post("{}"));
  EXPECT_THAT(client.ReadUntil("\r\n\r\n"), StartsWith("HTTP/1.1 418"));
}

TEST(FakeResultServerTest, MalformedRequestGets400) {
  auto server = StartServer({});
  RawClient client(server->port());
  client.Send("NONSENSE\r\n\r\n");
  EXPECT_THAT(client.ReadUntil(), StartsWith("HTTP/1.1 400"));
  EXPECT_EQ(server->request_count(), 0u);
}

TEST(FakeResultServerTest, BadTlsFilesAreAnError) {
  FakeResultServerOptions options;
  options.tls_cert_path = "/nonexistent/cert.pem";
  options.tls_key_path = "/nonexistent/key.pem";
  auto server = FakeResultServer::Start(std::move(options));
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(server.status().message(), HasSubstr("/nonexistent/cert.pem"));
}

TEST(RefusingPortTest, ConnectIsRefused) {
  auto port = RefusingPort::Create();
  ASSERT_TRUE(port.ok()) << port.status();
  RawClient client(port->port());
  EXPECT_EQ(client.connect_errno(), ECONNREFUSED);
}

TEST(ParseScriptTest, ParsesStatusesHeadersHangAndClose) {
  auto script = ParseScript("503, 429:Retry-After=1:X-A=b,hang,close,200");
  ASSERT_TRUE(script.ok()) << script.status();
  ASSERT_EQ(script->size(), 5u);
  EXPECT_EQ((*script)[0].status, 503);
  EXPECT_EQ((*script)[1].status, 429);
  EXPECT_THAT((*script)[1].headers, ElementsAre(Pair("Retry-After", "1"), Pair("X-A", "b")));
  EXPECT_EQ((*script)[2].kind, FakeAction::Kind::kHang);
  EXPECT_EQ((*script)[3].kind, FakeAction::Kind::kClose);
  EXPECT_EQ((*script)[4].kind, FakeAction::Kind::kRespond);
  EXPECT_FALSE(ParseScript("").ok());
  EXPECT_FALSE(ParseScript("abc").ok());
  EXPECT_FALSE(ParseScript("99").ok());
  EXPECT_FALSE(ParseScript("200:NoEquals").ok());
}

// The standalone binary prints its port, serves the script and prints each request as JSON.
TEST(FakeResultServerBinaryTest, PrintsPortAndRequests) {
  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  std::string path = docval::BinaryPath("tests/support/fake_result_server");
  const char* argv[] = {path.c_str(), "--script", "503,201", nullptr};
  pid_t pid;
  ASSERT_EQ(posix_spawn(&pid, path.c_str(), &actions, nullptr, const_cast<char**>(argv), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  FILE* f = ::fdopen(out[0], "r");
  auto read_line = [f]() {
    char line[8192];
    return std::fgets(line, sizeof(line), f) != nullptr ? std::string(line) : std::string();
  };
  int port = 0;
  std::string port_line = read_line();
  ASSERT_TRUE(absl::SimpleAtoi(absl::StripAsciiWhitespace(port_line), &port)) << port_line;
  for (absl::string_view expected : {"HTTP/1.1 503", "HTTP/1.1 201"}) {
    RawClient client(port);
    client.Send(Post(R"({"k":"v"})", "Connection: close\r\n"));
    EXPECT_THAT(client.ReadUntil(), StartsWith(std::string(expected)));
  }
  std::string json = read_line();
  EXPECT_THAT(json, HasSubstr(R"("method":"POST")"));
  EXPECT_THAT(json, HasSubstr(R"("target":"/results?x=1")"));
  EXPECT_THAT(json, HasSubstr(R"("body":"{\"k\":\"v\"}")"));
  EXPECT_THAT(json, HasSubstr(R"(["Content-Type","application/json"])"));
  ::kill(pid, SIGTERM);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  std::fclose(f);
}

}  // namespace
}  // namespace docval::testsupport
