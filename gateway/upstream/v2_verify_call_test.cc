#include "gateway/upstream/v2_verify_call.h"

#include <chrono>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace docval::gateway {
namespace {

// A FileVerifier that answers from what it received, or holds the call until released.
class FakeVerifier final : public v1::V2FileVerifier::Service {
 public:
  grpc::Status Verify(grpc::ServerContext* context, const v1::V2VerifyRequest* request,
                      v1::V2VerifyResponse* response) override {
    if (request->session_id() == "hold") {
      while (!context->IsCancelled() && !release_.WaitForNotificationWithTimeout(absl::Milliseconds(10))) {
      }
      return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
    }
    response->set_refusal(request->data_groups().contains(16) ? v1::V2_REFUSAL_PROTOCOL_ERROR : v1::V2_REFUSAL_NONE);
    response->set_detail(absl::StrCat(request->sod().size(), " ", request->aa_challenge()));
    return grpc::Status::OK;
  }
  absl::Notification release_;
};

class V2VerifyCallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder b;
    b.RegisterService(&service_);
    server_ = b.BuildAndStart();
    stub_ = v1::V2FileVerifier::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
  }
  void TearDown() override {
    service_.release_.Notify();
    server_->Shutdown();
  }

  struct Outcome {
    absl::Notification done;
    grpc::Status status;
    v1::V2VerifyResponse response;
  };
  std::shared_ptr<V2VerifyCall> Call(v1::V2VerifyRequest request, Outcome& out) {
    return V2VerifyAsync(*stub_, std::move(request), std::chrono::system_clock::now() + std::chrono::seconds(10),
                            [&out](grpc::Status s, v1::V2VerifyResponse r) {
                              out.status = s;
                              out.response = std::move(r);
                              out.done.Notify();
                            });
  }

  FakeVerifier service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::V2FileVerifier::Stub> stub_;
};

TEST_F(V2VerifyCallTest, TheRequestArrivesAndTheResponseComesBack) {
  v1::V2VerifyRequest req;
  req.set_sod(std::string(300, 's'));
  req.set_aa_challenge("12345678");
  Outcome out;
  auto call = Call(req, out);
  ASSERT_TRUE(out.done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  ASSERT_TRUE(out.status.ok()) << out.status.error_message();
  EXPECT_EQ(out.response.refusal(), v1::V2_REFUSAL_NONE);
  EXPECT_EQ(out.response.detail(), "300 12345678");

  (*req.mutable_data_groups())[16] = std::string("x");
  Outcome refused;
  auto call2 = Call(req, refused);
  ASSERT_TRUE(refused.done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(refused.response.refusal(), v1::V2_REFUSAL_PROTOCOL_ERROR);
}

TEST_F(V2VerifyCallTest, CancelEndsTheCallOnce) {
  v1::V2VerifyRequest req;
  req.set_session_id("hold");
  Outcome out;
  auto call = Call(req, out);
  EXPECT_FALSE(out.done.HasBeenNotified());
  call->Cancel();
  ASSERT_TRUE(out.done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(out.status.error_code(), grpc::StatusCode::CANCELLED);
  call->Cancel();  // after the end: nothing happens
}

}  // namespace
}  // namespace docval::gateway
