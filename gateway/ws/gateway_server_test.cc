// The gateway against fake validator and poster services (in-process gRPC), for behaviours that the
// real services cannot be made to show on demand: a validator stream that fails before its first
// event is retried once; one that fails after it is SERVER_ERROR; an unknown event kind is
// SERVER_ERROR; the session deadline reaches the validator, later than the gateway's own limit; a
// validator over its cap is TRY_AGAIN_LATER; a client that stops reading loses its session and slots
// within the write deadline, or the session limit plus the close time; a delivery stops with the
// session; the limits before the upgrade.
#include "gateway/ws/gateway_server.h"

#include <atomic>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <grpcpp/grpcpp.h>
#include <prometheus/registry.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/relay/relay_session.h"
#include "tools/relay/ws_client.h"

namespace docval::gateway {
namespace {

// Each Session call runs the script of its number (1-based); the default answers ACCESS_CONTROL_FAILED.
class FakeValidator final : public v1::Validator::CallbackService {
 public:
  enum class Behaviour {
    kUnavailableAtOnce,
    kCommandThenUnavailable,
    kEmptyEvent,
    kAccessControlFailed,
    kResourceExhausted,  // over its session cap
    kSilent,             // never answers; ends when cancelled
    kResult,             // a result whose face image has result_face_bytes bytes
    kBigCommand,         // one command APDU of result_face_bytes bytes, then silence until cancelled
  };

  explicit FakeValidator(std::vector<Behaviour> script) : script_(std::move(script)) {}

  grpc::ServerBidiReactor<v1::SessionRequest, v1::SessionEvent>* Session(grpc::CallbackServerContext* ctx) override {
    int n = calls_.fetch_add(1);
    deadline_seen_ = ctx->deadline();
    Behaviour b = n < static_cast<int>(script_.size()) ? script_[n] : Behaviour::kAccessControlFailed;
    return new Reactor(b);
  }
  int calls() const { return calls_.load(); }
  std::chrono::system_clock::time_point deadline_seen() const { return deadline_seen_; }
  std::atomic<int> verify_calls_{0};
  std::string last_verify_sod_;
  static inline std::atomic<int> silent_cancelled{0};
  static inline size_t result_face_bytes = 16;

  // VerifyFiles (POST /v4/validate) finishes with this status (OK: an empty result); counts calls.
  grpc::ServerUnaryReactor* VerifyFiles(grpc::CallbackServerContext* ctx, const v1::VerifyFilesRequest* request,
                                        v1::EmrtdResult*) override {
    verify_calls_.fetch_add(1);
    last_verify_sod_ = request->sod();
    grpc::ServerUnaryReactor* r = ctx->DefaultReactor();
    r->Finish(grpc::Status(verify_status, "fake"));
    return r;
  }
  static inline grpc::StatusCode verify_status = grpc::StatusCode::OK;
  int verify_calls() const { return verify_calls_.load(); }
  std::string last_verify_sod() const { return last_verify_sod_; }

 private:
  class Reactor final : public grpc::ServerBidiReactor<v1::SessionRequest, v1::SessionEvent> {
   public:
    explicit Reactor(Behaviour b) : b_(b) { StartRead(&req_); }
    void OnReadDone(bool ok) override {
      if (!ok) return Finish(grpc::Status::CANCELLED);
      switch (b_) {
        case Behaviour::kUnavailableAtOnce:
          return Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "replica going away"));
        case Behaviour::kCommandThenUnavailable:
          ev_.set_command_apdu(std::string("\x00\xA4\x04\x0C", 4));
          return StartWrite(&ev_);
        case Behaviour::kEmptyEvent: return StartWrite(&ev_);
        case Behaviour::kAccessControlFailed:
          ev_.mutable_failure()->set_reason(v1::ACCESS_CONTROL_FAILED);
          ev_.mutable_failure()->set_detail("fake");
          return StartWrite(&ev_);
        case Behaviour::kResourceExhausted:
          return Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "over the session cap"));
        case Behaviour::kSilent: return;  // OnCancel ends it
        case Behaviour::kResult:
          ev_.mutable_result()->set_face_photo(std::string(result_face_bytes, '\x5A'));
          return StartWrite(&ev_);
        case Behaviour::kBigCommand:
          ev_.set_command_apdu(std::string(result_face_bytes, '\x5A'));
          return StartWrite(&ev_);
      }
    }
    void OnWriteDone(bool) override {
      if (b_ == Behaviour::kCommandThenUnavailable) {
        Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "replica died"));
      } else if (b_ == Behaviour::kBigCommand) {
        StartRead(&req_);  // until cancelled
      } else {
        Finish(grpc::Status::OK);
      }
    }
    void OnCancel() override {
      if (b_ != Behaviour::kSilent) return;  // kBigCommand: its read fails
      silent_cancelled.fetch_add(1);
      Finish(grpc::Status::CANCELLED);
    }
    void OnDone() override { delete this; }

   private:
    Behaviour b_;
    v1::SessionRequest req_;
    v1::SessionEvent ev_;
  };

  std::vector<Behaviour> script_;
  std::atomic<int> calls_{0};
  std::chrono::system_clock::time_point deadline_seen_;
};

// Answers every Deliver call as told: delivered, DEADLINE_REACHED, or not at all until cancelled.
class FakePoster final : public v1::Poster::CallbackService {
 public:
  enum class Behaviour { kDeliver, kDeadlineReached, kHang };
  std::atomic<Behaviour> behaviour{Behaviour::kDeliver};
  std::atomic<int> calls{0};
  std::atomic<int> cancelled{0};

  grpc::ServerUnaryReactor* Deliver(grpc::CallbackServerContext* ctx, const v1::DeliveryRequest*,
                                    v1::DeliveryReport* report) override {
    calls.fetch_add(1);
    switch (behaviour.load()) {
      case Behaviour::kDeliver:
        report->set_delivered(true);
        report->set_outcome(v1::DELIVERED);
        break;
      case Behaviour::kDeadlineReached: report->set_outcome(v1::DEADLINE_REACHED); break;
      case Behaviour::kHang: return new Hanging(this);
    }
    grpc::ServerUnaryReactor* r = ctx->DefaultReactor();
    r->Finish(grpc::Status::OK);
    return r;
  }

 private:
  class Hanging final : public grpc::ServerUnaryReactor {
   public:
    explicit Hanging(FakePoster* p) : p_(p) {}
    void OnCancel() override {
      p_->cancelled.fetch_add(1);
      Finish(grpc::Status::CANCELLED);
    }
    void OnDone() override { delete this; }

   private:
    FakePoster* p_;
  };
};

// Waits for `f` to become true (polled), up to `limit`. Returns whether it did.
template <typename F>
bool WaitFor(F f, absl::Duration limit) {
  absl::Time until = absl::Now() + limit;
  while (!f()) {
    if (absl::Now() > until) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return true;
}

constexpr char kStart[] = R"({"client_id":"c1","validation_id":"v","platform":"android",
      "nfc_adapter_supports_extended_length":true,"access_key":{"can":"123456"}})";

struct Rig {
  explicit Rig(std::vector<FakeValidator::Behaviour> script, std::function<void(GatewayOptions&)> tune = nullptr)
      : validator(std::move(script)) {
    grpc::ServerBuilder b;
    b.RegisterService(&validator);
    b.RegisterService(&poster);
    b.SetMaxReceiveMessageSize(-1);
    server = b.BuildAndStart();
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(-1);
    auto channel = server->InProcessChannel(args);
    GatewayOptions o;
    o.listen = "127.0.0.1:0";
    o.client_ids = {"c1"};
    o.session_timeout = absl::Seconds(20);
    if (tune) tune(o);
    gateway = std::make_unique<GatewayServer>(o, v1::Validator::NewStub(channel), v1::Poster::NewStub(channel),
                                              registry, nullptr);
    EXPECT_TRUE(gateway->Start().ok());
  }
  ~Rig() {
    gateway->Shutdown(absl::Seconds(5));
    server->Shutdown();
  }
  std::string Url(const std::string& query = "") const {
    return absl::StrCat("ws://127.0.0.1:", gateway->port(), "/ws1/validate", query);
  }
  relay::RelayOutcome Run(const std::string& query = "") {
    absl::StatusOr<std::unique_ptr<relay::WsClient>> c = relay::WsClient::Connect(Url(query));
    EXPECT_TRUE(c.ok()) << c.status();
    if (!c.ok()) return relay::RelayOutcome{};
    absl::StatusOr<relay::RelayOutcome> out = relay::RunRelaySession(
        **c, kStart, [](const std::string&) -> std::optional<std::string> { return std::string("\x90\x00", 2); });
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? *out : relay::RelayOutcome{};
  }
  // A client that sends the start message and then never reads.
  std::unique_ptr<relay::WsClient> StartAndStopReading(const std::string& query = "") {
    absl::StatusOr<std::unique_ptr<relay::WsClient>> c = relay::WsClient::Connect(Url(query));
    EXPECT_TRUE(c.ok()) << c.status();
    if (!c.ok()) return nullptr;
    EXPECT_TRUE((*c)->SendText(kStart).ok());
    return std::move(*c);
  }

  prometheus::Registry registry;
  FakeValidator validator;
  FakePoster poster;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<GatewayServer> gateway;
};

using B = FakeValidator::Behaviour;

TEST(GatewayValidatorTest, StreamFailingBeforeTheFirstEventIsRetriedOnce) {
  Rig rig({B::kUnavailableAtOnce, B::kAccessControlFailed});
  relay::RelayOutcome out = rig.Run();
  EXPECT_EQ(rig.validator.calls(), 2);
  EXPECT_EQ(out.close.code, 4403);  // the second stream's outcome, not SERVER_ERROR
}

TEST(GatewayValidatorTest, OnlyOneRetry) {
  Rig rig({B::kUnavailableAtOnce, B::kUnavailableAtOnce, B::kAccessControlFailed});
  relay::RelayOutcome out = rig.Run();
  EXPECT_EQ(rig.validator.calls(), 2);
  EXPECT_EQ(out.close.code, 1011);
  EXPECT_EQ(out.close.reason, "SERVER_ERROR");
}

TEST(GatewayValidatorTest, StreamFailingAfterTheFirstApduIsServerErrorWithoutRetry) {
  Rig rig({B::kCommandThenUnavailable, B::kAccessControlFailed});
  relay::RelayOutcome out = rig.Run();
  EXPECT_EQ(rig.validator.calls(), 1);
  EXPECT_EQ(out.commands.size(), 1u);
  EXPECT_EQ(out.close.code, 1011);
  EXPECT_EQ(out.close.reason, "SERVER_ERROR");
}

TEST(GatewayValidatorTest, EventWithoutKindIsServerError) {
  Rig rig({B::kEmptyEvent});
  relay::RelayOutcome out = rig.Run();
  EXPECT_EQ(out.close.code, 1011);
  EXPECT_EQ(out.close.reason, "SERVER_ERROR");
}

TEST(GatewayValidatorTest, TheStreamCarriesTheSessionDeadline) {
  Rig rig({B::kAccessControlFailed});
  auto before = std::chrono::system_clock::now();
  rig.Run();
  // session_timeout is 20 s from the upgrade, close_timeout 5 s: the validator sees the hard end.
  auto ahead = rig.validator.deadline_seen() - before;
  EXPECT_GT(ahead, std::chrono::seconds(20));
  EXPECT_LE(ahead, std::chrono::seconds(26));
}

TEST(GatewayValidatorTest, ValidatorOverItsCapIsTryAgainLater) {
  Rig rig({B::kResourceExhausted});
  relay::RelayOutcome out = rig.Run();
  EXPECT_EQ(rig.validator.calls(), 1);  // not retried: the cap is no lost replica
  EXPECT_EQ(out.close.code, 1013);
  EXPECT_EQ(out.close.reason, "TRY_AGAIN_LATER");
  ASSERT_TRUE(out.close_notice.has_value());
  EXPECT_EQ((*out.close_notice)["close_reason"], "TRY_AGAIN_LATER");
}

TEST(GatewaySessionLimitTest, TheGatewaysTimerDecidesNotTheStreamsDeadline) {
  Rig rig({B::kSilent}, [](GatewayOptions& o) {
    o.session_timeout = absl::Seconds(1);
    o.response_timeout = absl::Seconds(1);
  });
  auto before = std::chrono::system_clock::now();
  relay::RelayOutcome out = rig.Run();
  EXPECT_EQ(out.close.code, 1011);
  EXPECT_EQ(out.close.reason, "MAX_SESSION_TIME_EXCEEDED");
  // The stream's deadline is the hard end (session + close time), after the gateway's own limit.
  EXPECT_GT(rig.validator.deadline_seen() - before, std::chrono::milliseconds(1500));
}

TEST(GatewayDeliveryTest, DeadlineReachedReportIsTheSessionLimit) {
  Rig rig({B::kResult});
  rig.poster.behaviour = FakePoster::Behaviour::kDeadlineReached;
  relay::RelayOutcome out = rig.Run("?return_result=true");
  EXPECT_EQ(out.close.reason, "MAX_SESSION_TIME_EXCEEDED");  // from the report, long before the limit
  EXPECT_FALSE(out.result.has_value());
}

TEST(GatewayDeliveryTest, DeliveredResultReachesThePhone) {
  Rig rig({B::kResult});
  relay::RelayOutcome out = rig.Run("?return_result=true");
  EXPECT_EQ(out.close.code, 1000);
  EXPECT_TRUE(out.result.has_value());
}

TEST(GatewayDeliveryTest, ASessionThatEndsWhilePostingCancelsTheDelivery) {
  Rig rig({B::kResult});
  rig.poster.behaviour = FakePoster::Behaviour::kHang;
  std::unique_ptr<relay::WsClient> c = rig.StartAndStopReading();
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(WaitFor([&] { return rig.poster.calls.load() == 1; }, absl::Seconds(10)));
  c->Abort();  // the phone goes away while the result is being posted
  EXPECT_TRUE(WaitFor([&] { return rig.poster.cancelled.load() == 1; }, absl::Seconds(5)));
  EXPECT_TRUE(WaitFor([&] { return rig.gateway->active_sessions() == 0; }, absl::Seconds(5)));
}

// The result frame (about 11 MB) is far more than the socket buffers of a client that does not read.
constexpr size_t kBigFace = 8 << 20;

TEST(GatewaySlowClientTest, AClientThatStopsReadingLosesItsSessionAtTheWriteDeadline) {
  FakeValidator::result_face_bytes = kBigFace;
  Rig rig({B::kResult, B::kAccessControlFailed}, [](GatewayOptions& o) {
    o.write_timeout = absl::Seconds(1);
    o.close_timeout = absl::Seconds(30);  // out of the way: only the write deadline can end it early
    o.max_sessions_per_client = 1;
  });
  absl::Time start = absl::Now();
  std::unique_ptr<relay::WsClient> stuck = rig.StartAndStopReading("?return_result=true");
  ASSERT_NE(stuck, nullptr);
  ASSERT_TRUE(WaitFor([&] { return rig.poster.calls.load() == 1; }, absl::Seconds(10)));
  ASSERT_TRUE(WaitFor([&] { return rig.gateway->active_sessions() == 0; }, absl::Seconds(10)));
  // Well within the 20 s session limit and the 30 s close time: the write deadline ended it.
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  // Its client's slot is free again (max_sessions_per_client is 1).
  relay::RelayOutcome next = rig.Run();
  EXPECT_EQ(next.close.reason, "ACCESS_CONTROL_FAILED");
  FakeValidator::result_face_bytes = 16;
}

TEST(GatewaySlowClientTest, TheSessionLimitClosesTheSocketBehindAStuckWrite) {
  FakeValidator::result_face_bytes = kBigFace;
  // The command APDU is stuck in its write, the gateway waits for its response: only the session
  // limit can end this session.
  Rig rig({B::kBigCommand, B::kAccessControlFailed}, [](GatewayOptions& o) {
    o.write_timeout = absl::Seconds(60);  // out of the way
    o.response_timeout = absl::Seconds(60);
    o.session_timeout = absl::Seconds(2);
    o.close_timeout = absl::Seconds(1);
    o.max_sessions_per_client = 1;
  });
  absl::Time start = absl::Now();
  std::unique_ptr<relay::WsClient> stuck = rig.StartAndStopReading();
  ASSERT_NE(stuck, nullptr);
  ASSERT_TRUE(WaitFor([&] { return rig.gateway->active_sessions() == 1; }, absl::Seconds(5)));
  ASSERT_TRUE(WaitFor([&] { return rig.gateway->active_sessions() == 0; }, absl::Seconds(10)));
  absl::Duration took = absl::Now() - start;
  EXPECT_GE(took, absl::Milliseconds(1900));
  EXPECT_LT(took, absl::Seconds(3) + absl::Milliseconds(900));  // session limit + close time, and a margin
  relay::RelayOutcome next = rig.Run();
  EXPECT_EQ(next.close.reason, "ACCESS_CONTROL_FAILED");
  FakeValidator::result_face_bytes = 16;
}

TEST(GatewayClientCapTest, APlaceIsFreeAtTheSessionLimitWhileTheConnectionLingers) {
  Rig rig({B::kBigCommand, B::kAccessControlFailed}, [](GatewayOptions& o) {
    o.write_timeout = absl::Seconds(60);
    o.response_timeout = absl::Seconds(60);
    o.session_timeout = absl::Seconds(1);
    o.close_timeout = absl::Seconds(30);  // the stuck connection stays open long after the limit
    o.max_sessions_per_client = 1;
  });
  std::unique_ptr<relay::WsClient> stuck = rig.StartAndStopReading();
  ASSERT_NE(stuck, nullptr);
  ASSERT_TRUE(WaitFor([&] { return rig.validator.calls() == 1; }, absl::Seconds(5)));
  EXPECT_EQ(rig.Run().close.reason, "TRY_AGAIN_LATER");  // the client's one place is taken
  // From the session limit on, the place is free again although the connection is still open.
  absl::Time start = absl::Now();
  EXPECT_TRUE(WaitFor([&] { return rig.Run().close.reason == "ACCESS_CONTROL_FAILED"; }, absl::Seconds(5)));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  // The stuck session still holds its connection (the others end as their close handshakes finish).
  EXPECT_TRUE(WaitFor([&] { return rig.gateway->active_sessions() == 1; }, absl::Seconds(2)));
  EXPECT_EQ(rig.gateway->active_sessions(), 1);
  stuck->Abort();
  EXPECT_TRUE(WaitFor([&] { return rig.gateway->active_sessions() == 0; }, absl::Seconds(5)));
}

// At the end of the drain a session still open gets the close notice and the close frame, 1001
// SERVER_SHUTTING_DOWN, and its validator stream is cancelled; Shutdown returns once it is gone.
TEST(GatewayShutdownTest, SessionsLeftAfterTheGraceCloseWith1001AndTheirStreamsAreCancelled) {
  Rig rig({B::kSilent}, [](GatewayOptions& o) { o.close_timeout = absl::Seconds(2); });
  FakeValidator::silent_cancelled = 0;
  std::unique_ptr<relay::WsClient> c = rig.StartAndStopReading();
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(WaitFor([&] { return rig.validator.calls() == 1; }, absl::Seconds(5)));
  // The phone answers the close handshake, as the SDKs do.
  std::optional<relay::Frame> notice;
  std::thread phone([&] {
    absl::StatusOr<relay::Frame> f = c->Read(absl::Seconds(10));
    if (f.ok()) notice = *f;
    (void)c->Read(absl::Seconds(10));  // the close frame: the client answers it
  });
  absl::Time start = absl::Now();
  rig.gateway->Shutdown(absl::Milliseconds(200));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));  // the close handshake, not close_timeout
  phone.join();
  EXPECT_TRUE(WaitFor([] { return FakeValidator::silent_cancelled.load() == 1; }, absl::Seconds(5)));
  EXPECT_EQ(rig.gateway->active_sessions(), 0);
  ASSERT_TRUE(notice.has_value());
  EXPECT_EQ(notice->data, R"({"close_code":1001,"close_reason":"SERVER_SHUTTING_DOWN"})");
  EXPECT_EQ(c->close_info().code, 1001);
  EXPECT_EQ(c->close_info().reason, "SERVER_SHUTTING_DOWN");
}

// A client that does not answer the close handshake is dropped close_timeout after the drain.
TEST(GatewayShutdownTest, AClientThatDoesNotAnswerTheCloseIsDroppedAtTheCloseTimeout) {
  Rig rig({B::kSilent}, [](GatewayOptions& o) { o.close_timeout = absl::Seconds(1); });
  FakeValidator::silent_cancelled = 0;
  std::unique_ptr<relay::WsClient> c = rig.StartAndStopReading();
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(WaitFor([&] { return rig.validator.calls() == 1; }, absl::Seconds(5)));
  absl::Time start = absl::Now();
  rig.gateway->Shutdown(absl::Milliseconds(200));
  const absl::Duration took = absl::Now() - start;
  EXPECT_GE(took, absl::Milliseconds(1100));  // grace + close_timeout
  EXPECT_LT(took, absl::Seconds(4));
  EXPECT_TRUE(WaitFor([] { return FakeValidator::silent_cancelled.load() == 1; }, absl::Seconds(5)));
  EXPECT_EQ(rig.gateway->active_sessions(), 0);
}

// Raw TCP against the HTTP side.
struct RawConnection {
  explicit RawConnection(int port) : socket(ioc) {
    boost::asio::ip::tcp::endpoint ep(boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port));
    socket.connect(ep);
  }
  void Send(const std::string& bytes) { boost::asio::write(socket, boost::asio::buffer(bytes)); }
  // Everything until the server closes (blocking; the server's own limits end it).
  std::string ReadToClose() {
    std::string out;
    boost::system::error_code ec;
    char buf[4096];
    for (;;) {
      size_t n = socket.read_some(boost::asio::buffer(buf), ec);
      out.append(buf, n);
      if (ec) return out;
    }
  }
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket;
};

// Through the grace the listener stays open: /readyz answers 503 "draining" rather than refusing the
// connection, a new session is told TRY_AGAIN_LATER, and the open session goes on until it ends.
TEST(GatewayShutdownTest, DuringTheGraceReadinessAnswers503AndNewSessionsAreToldToTryLater) {
  Rig rig({B::kSilent});
  std::unique_ptr<relay::WsClient> c = rig.StartAndStopReading();
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(WaitFor([&] { return rig.validator.calls() == 1; }, absl::Seconds(5)));
  auto readyz = [&]() -> std::string {
    try {
      RawConnection r(rig.gateway->port());
      r.Send("GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      return r.ReadToClose();
    } catch (const std::exception& e) {
      return absl::StrCat("connection failed: ", e.what());
    }
  };
  EXPECT_THAT(readyz(), ::testing::StartsWith("HTTP/1.1 200"));
  std::thread drain([&] { rig.gateway->Shutdown(absl::Seconds(30)); });
  std::string during;
  EXPECT_TRUE(WaitFor(
      [&] {
        during = readyz();
        return during.find("HTTP/1.1 200") != 0;
      },
      absl::Seconds(5)));
  EXPECT_THAT(during, ::testing::StartsWith("HTTP/1.1 503"));
  EXPECT_THAT(during, ::testing::HasSubstr("draining"));
  EXPECT_EQ(rig.Run().close.reason, "TRY_AGAIN_LATER");
  // The refused session's close handshake ends; the open session is still served.
  EXPECT_TRUE(WaitFor([&] { return rig.gateway->active_sessions() == 1; }, absl::Seconds(5)));
  c->Abort();  // it ends: the drain is over before its grace
  EXPECT_TRUE(WaitFor([&] { return rig.gateway->active_sessions() == 0; }, absl::Seconds(5)))
      << rig.gateway->active_sessions();
  drain.join();
  EXPECT_THAT(readyz(), ::testing::StartsWith("connection failed"));
}

TEST(GatewayHttpLimitsTest, AnIncompleteRequestIsDroppedAtTheRequestDeadline) {
  Rig rig({}, [](GatewayOptions& o) { o.http_request_timeout = absl::Milliseconds(500); });
  RawConnection c(rig.gateway->port());
  absl::Time start = absl::Now();
  c.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n");  // the header never ends
  EXPECT_EQ(c.ReadToClose(), "");
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(400));
}

TEST(GatewayHttpLimitsTest, AnIdleKeptAliveConnectionIsClosed) {
  Rig rig({}, [](GatewayOptions& o) { o.http_keep_alive_timeout = absl::Milliseconds(500); });
  RawConnection c(rig.gateway->port());
  absl::Time start = absl::Now();
  c.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string all = c.ReadToClose();
  EXPECT_THAT(all, testing::StartsWith("HTTP/1.1 200"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

TEST(GatewayHttpLimitsTest, ABodyWhereTheRouteReadsNoneIsTooLarge) {
  Rig rig({});
  RawConnection c(rig.gateway->port());
  c.Send("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789");
  EXPECT_THAT(c.ReadToClose(), testing::StartsWith("HTTP/1.1 413"));
}

TEST(GatewayHttpLimitsTest, ConnectionsOverTheCapAreClosedAtOnce) {
  Rig rig({}, [](GatewayOptions& o) { o.max_connections = 1; });
  RawConnection first(rig.gateway->port());
  first.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n");  // holds its place
  RawConnection second(rig.gateway->port());
  second.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(second.ReadToClose(), "");  // no answer, closed
  first.Send("\r\n");
  first.socket.shutdown(boost::asio::ip::tcp::socket::shutdown_send);
  EXPECT_THAT(first.ReadToClose(), testing::StartsWith("HTTP/1.1 200"));
  // Its place is given back: a third connection is served.
  ASSERT_TRUE(WaitFor(
      [&] {
        RawConnection third(rig.gateway->port());
        third.Send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        return absl::StartsWith(third.ReadToClose(), "HTTP/1.1 200");
      },
      absl::Seconds(5)));
}

// How many delays the I/O probe has recorded (docval_gateway_io_delay_seconds).
uint64_t IoDelaySamples(prometheus::Registry& registry) {
  for (const prometheus::MetricFamily& f : registry.Collect()) {
    if (f.name == "docval_gateway_io_delay_seconds" && !f.metric.empty()) return f.metric[0].histogram.sample_count;
  }
  return 0;
}

// The probe keeps measuring while the gateway runs, and stops with it.
TEST(GatewayIoDelayTest, TheProbeRecordsWhileRunningAndStopsAtShutdown) {
  Rig rig({});
  ASSERT_TRUE(WaitFor([&] { return IoDelaySamples(rig.registry) >= 3; }, absl::Seconds(10)));
  rig.gateway->Shutdown(absl::ZeroDuration());
  const uint64_t at_stop = IoDelaySamples(rig.registry);
  absl::SleepFor(absl::Milliseconds(600));  // more than two probe intervals
  EXPECT_EQ(IoDelaySamples(rig.registry), at_stop);
}

// POST /v4/validate: a good request reaches the validator's VerifyFiles with its files; the
// validator's status becomes the HTTP answer (busy or draining 503, another error 500); a refused
// request never reaches the validator.
TEST(GatewayV4Test, TheValidatorsAnswerBecomesTheStatus) {
  Rig rig({});
  const std::string body =
      "--b\r\nContent-Disposition: form-data; name=\"client_id\"\r\n\r\nc1\r\n"
      "--b\r\nContent-Disposition: form-data; name=\"sod\"; filename=\"sod\"\r\n\r\nSOD-BYTES\r\n--b--\r\n";
  auto post = [&](const std::string& b) {
    RawConnection c(rig.gateway->port());
    c.Send(absl::StrCat("POST /v4/validate HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                        "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: ",
                        b.size(), "\r\n\r\n", b));
    return c.ReadToClose();
  };
  const std::pair<grpc::StatusCode, std::string> cases[] = {
      {grpc::StatusCode::OK, "HTTP/1.1 200"},
      {grpc::StatusCode::RESOURCE_EXHAUSTED, "HTTP/1.1 503"},
      {grpc::StatusCode::UNAVAILABLE, "HTTP/1.1 503"},
      {grpc::StatusCode::INTERNAL, "HTTP/1.1 500"},
  };
  int calls = 0;
  for (const auto& [code, status] : cases) {
    FakeValidator::verify_status = code;
    std::string answer = post(body);
    EXPECT_THAT(answer, testing::StartsWith(status)) << answer;
    EXPECT_THAT(answer, testing::HasSubstr("application/json"));
    EXPECT_EQ(rig.validator.verify_calls(), ++calls);
    EXPECT_EQ(rig.validator.last_verify_sod(), "SOD-BYTES");
  }
  FakeValidator::verify_status = grpc::StatusCode::OK;
  EXPECT_THAT(post(body), testing::HasSubstr("{\"emrtd_passport\":{"));
  ++calls;
  // An unknown client is answered by the gateway alone.
  std::string refused = post(absl::StrReplaceAll(body, {{"\r\nc1\r\n", "\r\nc2\r\n"}}));
  EXPECT_THAT(refused, testing::StartsWith("HTTP/1.1 401"));
  EXPECT_EQ(rig.validator.verify_calls(), calls);
}

}  // namespace
}  // namespace docval::gateway
