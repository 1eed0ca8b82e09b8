// The gateway's calls wait for a peer that is not reachable yet (wait_for_ready), up to their deadline
// and no longer than until they are cancelled.
#include "gateway/upstream/upstream_call.h"

#include <chrono>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gateway/upstream/poster_client.h"
#include "gateway/upstream/test_port.h"
#include "gateway/upstream/v2_verify_call.h"
#include "gateway/upstream/verify_files_call.h"
#include "gtest/gtest.h"

namespace docval::gateway {
namespace {

class FakePoster final : public v1::Poster::Service {
  grpc::Status Deliver(grpc::ServerContext*, const v1::DeliveryRequest* request, v1::DeliveryReport* report) override {
    report->set_delivered(true);
    report->set_error(request->session_id());
    return grpc::Status::OK;
  }
};

class FakeVerifier final : public v1::V2FileVerifier::Service {
  grpc::Status Verify(grpc::ServerContext*, const v1::V2VerifyRequest* request,
                      v1::V2VerifyResponse* response) override {
    response->set_detail(request->session_id());
    return grpc::Status::OK;
  }
};

class FakeValidator final : public v1::Validator::Service {
  grpc::Status VerifyFiles(grpc::ServerContext*, const v1::VerifyFilesRequest* request,
                           v1::EmrtdResult* result) override {
    result->set_passive_authentication(request->sod() == "sod");
    return grpc::Status::OK;
  }
};

// One channel to a port where nothing listens yet, as the gateway's channel to a poster or validator
// that restarts.
class UpstreamCallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    address_ = absl::StrCat("127.0.0.1:", FreeLoopbackPort());
    channel_ = grpc::CreateChannel(address_, grpc::InsecureChannelCredentials());
  }
  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::system_clock::now());
    KeepForTheProcess(channel_);
  }

  // Until the channel has failed to connect: a call without wait_for_ready would fail at once now.
  void WaitForTransientFailure() {
    const auto until = std::chrono::system_clock::now() + std::chrono::seconds(30);
    grpc_connectivity_state s = channel_->GetState(/*try_to_connect=*/true);
    while (s != GRPC_CHANNEL_TRANSIENT_FAILURE) {
      ASSERT_TRUE(channel_->WaitForStateChange(s, until)) << "the channel never failed to connect";
      s = channel_->GetState(/*try_to_connect=*/true);
    }
  }

  void StartServer() {
    grpc::ServerBuilder b;
    b.AddListeningPort(address_, grpc::InsecureServerCredentials());
    b.RegisterService(&poster_);
    b.RegisterService(&verifier_);
    b.RegisterService(&validator_);
    server_ = b.BuildAndStart();
    ASSERT_NE(server_, nullptr);
  }

  static std::chrono::system_clock::time_point In(absl::Duration d) { return absl::ToChronoTime(absl::Now() + d); }

  std::string address_;
  std::shared_ptr<grpc::Channel> channel_;
  FakePoster poster_;
  FakeVerifier verifier_;
  FakeValidator validator_;
  std::unique_ptr<grpc::Server> server_;
};

template <typename Response>
struct Outcome {
  absl::Notification done;
  grpc::Status status;
  Response response;
  auto Callback() {
    return [this](grpc::Status s, Response r) {
      status = std::move(s);
      response = std::move(r);
      done.Notify();
    };
  }
};

TEST_F(UpstreamCallTest, CallsMadeWhileThePeerIsDownGoThroughOnceItListens) {
  WaitForTransientFailure();
  auto poster = v1::Poster::NewStub(channel_);
  auto verifier = v1::V2FileVerifier::NewStub(channel_);
  auto validator = v1::Validator::NewStub(channel_);
  Outcome<v1::DeliveryReport> delivered;
  Outcome<v1::V2VerifyResponse> verified;
  Outcome<v1::EmrtdResult> files;
  v1::DeliveryRequest d;
  d.set_session_id("s-deliver");
  std::shared_ptr<DeliveryCall> deliver = DeliverAsync(*poster, d, In(absl::Seconds(60)), delivered.Callback());
  v1::V2VerifyRequest v;
  v.set_session_id("s-verify");
  std::shared_ptr<V2VerifyCall> verify = V2VerifyAsync(*verifier, v, In(absl::Seconds(60)), verified.Callback());
  v1::VerifyFilesRequest f;
  f.set_sod("sod");
  VerifyFilesAsync(*validator, f, In(absl::Seconds(60)), files.Callback());

  StartServer();
  ASSERT_TRUE(delivered.done.WaitForNotificationWithTimeout(absl::Seconds(60)));
  EXPECT_TRUE(delivered.status.ok()) << delivered.status.error_message();
  EXPECT_TRUE(delivered.response.delivered());
  EXPECT_EQ(delivered.response.error(), "s-deliver");
  ASSERT_TRUE(verified.done.WaitForNotificationWithTimeout(absl::Seconds(60)));
  EXPECT_TRUE(verified.status.ok()) << verified.status.error_message();
  EXPECT_EQ(verified.response.detail(), "s-verify");
  ASSERT_TRUE(files.done.WaitForNotificationWithTimeout(absl::Seconds(60)));
  EXPECT_TRUE(files.status.ok()) << files.status.error_message();
  EXPECT_TRUE(files.response.passive_authentication());
}

TEST_F(UpstreamCallTest, TheWaitEndsAtTheDeadline) {
  WaitForTransientFailure();
  auto poster = v1::Poster::NewStub(channel_);
  Outcome<v1::DeliveryReport> out;
  std::shared_ptr<DeliveryCall> call = DeliverAsync(*poster, {}, In(absl::Milliseconds(300)), out.Callback());
  ASSERT_TRUE(out.done.WaitForNotificationWithTimeout(absl::Seconds(30)));
  // Waited for the peer until the deadline: not UNAVAILABLE, which a call that does not wait gets.
  EXPECT_EQ(out.status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << out.status.error_message();
}

TEST_F(UpstreamCallTest, ASessionThatEndsCancelsTheWait) {
  WaitForTransientFailure();
  auto verifier = v1::V2FileVerifier::NewStub(channel_);
  Outcome<v1::V2VerifyResponse> out;
  std::shared_ptr<V2VerifyCall> call = V2VerifyAsync(*verifier, {}, In(absl::Seconds(600)), out.Callback());
  call->Cancel();
  ASSERT_TRUE(out.done.WaitForNotificationWithTimeout(absl::Seconds(30)));
  EXPECT_EQ(out.status.error_code(), grpc::StatusCode::CANCELLED) << out.status.error_message();
}

}  // namespace
}  // namespace docval::gateway
