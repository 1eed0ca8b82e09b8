#include "validator/service/validator_service.h"

#include <grpcpp/grpcpp.h>
#include <prometheus/registry.h>

#include "common/metrics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace docval::validator {
namespace {

class ValidatorServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    service_ = std::make_unique<ValidatorService>(ValidatorServiceOptions{}, nullptr, registry_);
    grpc::ServerBuilder b;
    b.RegisterService(service_.get());
    server_ = b.BuildAndStart();
    stub_ = v1::Validator::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
  }
  void TearDown() override { server_->Shutdown(); }

  v1::SessionRequest Start() {
    v1::SessionRequest r;
    r.mutable_start()->set_session_id("t1");
    r.mutable_start()->mutable_access_key()->set_can("123456");
    r.mutable_start()->set_extended_length(false);
    return r;
  }

  prometheus::Registry registry_;
  std::unique_ptr<ValidatorService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::Validator::Stub> stub_;
};

// A chip that knows nothing: every command gets 6A82 (file or application not found). Whatever the
// dialog tries, it must end with a failure event and an OK stream.
TEST_F(ValidatorServiceTest, DialogAgainstAnEmptyChipEndsWithAFailureEvent) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  auto stream = stub_->Session(&ctx);
  ASSERT_TRUE(stream->Write(Start()));
  v1::SessionEvent e;
  int commands = 0;
  bool failure = false;
  while (stream->Read(&e)) {
    if (e.has_command_apdu()) {
      ++commands;
      ASSERT_GE(e.command_apdu().size(), 4u);
      v1::SessionRequest r;
      r.set_response_apdu(std::string("\x6A\x82", 2));
      ASSERT_TRUE(stream->Write(r));
    } else if (e.has_failure()) {
      failure = true;
      EXPECT_NE(e.failure().reason(), v1::FAILURE_REASON_UNSPECIFIED);
      EXPECT_FALSE(e.failure().detail().empty());
    } else if (e.has_result()) {
      ADD_FAILURE() << "an empty chip cannot give a result";
    }
  }
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_TRUE(failure);
  EXPECT_GE(commands, 1);
  EXPECT_THAT(SerializeMetrics(registry_), testing::HasSubstr("docval_validator_sessions_total{outcome="));
}

TEST_F(ValidatorServiceTest, ResponseBeforeStartIsAProtocolError) {
  grpc::ClientContext ctx;
  auto stream = stub_->Session(&ctx);
  v1::SessionRequest r;
  r.set_response_apdu("\x90\x00");
  stream->Write(r);
  stream->WritesDone();
  v1::SessionEvent e;
  EXPECT_FALSE(stream->Read(&e));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ValidatorServiceTest, SecondStartIsAProtocolError) {
  grpc::ClientContext ctx;
  auto stream = stub_->Session(&ctx);
  ASSERT_TRUE(stream->Write(Start()));
  v1::SessionEvent e;
  // Wait for the first command, then send a start instead of a response.
  while (stream->Read(&e) && !e.has_command_apdu()) {
  }
  stream->Write(Start());
  while (stream->Read(&e)) {
  }
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ValidatorServiceTest, GatewayHangingUpEndsTheDialog) {
  grpc::ClientContext ctx;
  auto stream = stub_->Session(&ctx);
  ASSERT_TRUE(stream->Write(Start()));
  v1::SessionEvent e;
  while (stream->Read(&e) && !e.has_command_apdu()) {
  }
  ctx.TryCancel();
  while (stream->Read(&e)) {
  }
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
  // The reactor is gone: the active gauge is back to zero (the server accounts for it).
  for (int i = 0; i < 100 && SerializeMetrics(registry_).find("docval_validator_sessions_active 0") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_THAT(SerializeMetrics(registry_), testing::HasSubstr("docval_validator_sessions_active 0"));
}

}  // namespace
}  // namespace docval::validator
