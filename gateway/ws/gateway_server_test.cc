// The gateway against fake validator and poster services (in-process gRPC), for behaviours that the
// real services cannot be made to show on demand: a validator stream that fails before its first
// event is retried once; one that fails after it is SERVER_ERROR; an unknown event kind is
// SERVER_ERROR; the session deadline reaches the validator.
#include "gateway/ws/gateway_server.h"

#include <atomic>

#include <grpcpp/grpcpp.h>
#include <prometheus/registry.h>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/relay/relay_session.h"
#include "tools/relay/ws_client.h"

namespace docval::gateway {
namespace {

// Each Session call runs the script of its number (1-based); the default answers ACCESS_CONTROL_FAILED.
class FakeValidator final : public v1::Validator::CallbackService {
 public:
  enum class Behaviour { kUnavailableAtOnce, kCommandThenUnavailable, kEmptyEvent, kAccessControlFailed };

  explicit FakeValidator(std::vector<Behaviour> script) : script_(std::move(script)) {}

  grpc::ServerBidiReactor<v1::SessionRequest, v1::SessionEvent>* Session(grpc::CallbackServerContext* ctx) override {
    int n = calls_.fetch_add(1);
    deadline_seen_ = ctx->deadline();
    Behaviour b = n < static_cast<int>(script_.size()) ? script_[n] : Behaviour::kAccessControlFailed;
    return new Reactor(b);
  }
  int calls() const { return calls_.load(); }
  std::chrono::system_clock::time_point deadline_seen() const { return deadline_seen_; }

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
        case Behaviour::kEmptyEvent:
          return StartWrite(&ev_);
        case Behaviour::kAccessControlFailed:
          ev_.mutable_failure()->set_reason(v1::ACCESS_CONTROL_FAILED);
          ev_.mutable_failure()->set_detail("fake");
          return StartWrite(&ev_);
      }
    }
    void OnWriteDone(bool) override {
      if (b_ == Behaviour::kCommandThenUnavailable) {
        Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "replica died"));
      } else {
        Finish(grpc::Status::OK);
      }
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

class NoPoster final : public v1::Poster::CallbackService {};

struct Rig {
  explicit Rig(std::vector<FakeValidator::Behaviour> script) : validator(std::move(script)) {
    grpc::ServerBuilder b;
    b.RegisterService(&validator);
    b.RegisterService(&poster);
    server = b.BuildAndStart();
    auto channel = server->InProcessChannel(grpc::ChannelArguments());
    GatewayOptions o;
    o.listen = "127.0.0.1:0";
    o.client_ids = {"c1"};
    o.session_timeout = absl::Seconds(20);
    gateway = std::make_unique<GatewayServer>(o, v1::Validator::NewStub(channel), v1::Poster::NewStub(channel), registry,
                                              nullptr);
    EXPECT_TRUE(gateway->Start().ok());
  }
  ~Rig() {
    gateway->Shutdown(absl::Seconds(5));
    server->Shutdown();
  }
  relay::RelayOutcome Run() {
    absl::StatusOr<std::unique_ptr<relay::WsClient>> c =
        relay::WsClient::Connect(absl::StrCat("ws://127.0.0.1:", gateway->port(), "/ws1/validate"));
    EXPECT_TRUE(c.ok()) << c.status();
    std::string start = R"({"client_id":"c1","validation_id":"v","platform":"android",
      "nfc_adapter_supports_extended_length":true,"access_key":{"can":"123456"}})";
    absl::StatusOr<relay::RelayOutcome> out = relay::RunRelaySession(
        **c, start, [](const std::string&) -> std::optional<std::string> { return std::string("\x90\x00", 2); });
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? *out : relay::RelayOutcome{};
  }

  prometheus::Registry registry;
  FakeValidator validator;
  NoPoster poster;
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
  // session_timeout is 20 s from the upgrade: the validator sees a deadline about that far away.
  auto ahead = rig.validator.deadline_seen() - before;
  EXPECT_GT(ahead, std::chrono::seconds(15));
  EXPECT_LE(ahead, std::chrono::seconds(21));
}

}  // namespace
}  // namespace docval::gateway
