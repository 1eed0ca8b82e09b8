#include "gateway/upstream/reachability.h"

#include <chrono>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "docval/v1/poster.grpc.pb.h"
#include "gateway/upstream/test_port.h"
#include "gtest/gtest.h"

namespace docval::gateway {
namespace {

TEST(ReachableTest, OnlyAFailedChannelIsUnreachable) {
  EXPECT_TRUE(Reachable(GRPC_CHANNEL_IDLE));
  EXPECT_TRUE(Reachable(GRPC_CHANNEL_CONNECTING));
  EXPECT_TRUE(Reachable(GRPC_CHANNEL_READY));
  EXPECT_FALSE(Reachable(GRPC_CHANNEL_TRANSIENT_FAILURE));
  EXPECT_FALSE(Reachable(GRPC_CHANNEL_SHUTDOWN));
}

// Channels as the gateway builds them: round robin over every address.
std::shared_ptr<grpc::Channel> RoundRobin(const std::string& target) {
  grpc::ChannelArguments args;
  args.SetLoadBalancingPolicyName("round_robin");
  std::shared_ptr<grpc::Channel> channel = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
  KeepForTheProcess(channel);
  return channel;
}

// Polls `check` every 20 ms until `want` holds for it, at most 30 s.
bool Eventually(const ReachabilityCheck& check, const std::function<bool(UpstreamReachability)>& want) {
  const absl::Time until = absl::Now() + absl::Seconds(30);
  while (!want(check())) {
    if (absl::Now() > until) return false;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return true;
}

class ChannelReachabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder b;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &live_port_);
    b.RegisterService(&service_);  // any service: the channels only connect
    server_ = b.BuildAndStart();
    ASSERT_NE(server_, nullptr);
  }
  void TearDown() override { server_->Shutdown(std::chrono::system_clock::now()); }

  v1::Poster::Service service_;
  std::unique_ptr<grpc::Server> server_;
  int live_port_ = 0;
};

TEST_F(ChannelReachabilityTest, ADeadPosterIsUnreachableAndReachableAgainOnceItListens) {
  const int dead = FreeLoopbackPort();
  std::shared_ptr<grpc::Channel> validators = RoundRobin(absl::StrCat("ipv4:127.0.0.1:", live_port_));
  ReachabilityCheck check = ChannelReachability(validators, RoundRobin(absl::StrCat("ipv4:127.0.0.1:", dead)));
  ASSERT_TRUE(Eventually(check, [](UpstreamReachability r) { return !r.poster; }));
  EXPECT_TRUE(check().validators);

  // The poster comes back on its address: the channel reconnects (the check keeps asking it to).
  grpc::ServerBuilder b;
  b.AddListeningPort(absl::StrCat("127.0.0.1:", dead), grpc::InsecureServerCredentials());
  v1::Poster::Service service;
  b.RegisterService(&service);
  std::unique_ptr<grpc::Server> poster = b.BuildAndStart();
  ASSERT_NE(poster, nullptr);
  EXPECT_TRUE(Eventually(check, [](UpstreamReachability r) { return r.poster && r.validators; }));
  poster->Shutdown(std::chrono::system_clock::now());
}

TEST_F(ChannelReachabilityTest, OneDeadReplicaOfSeveralLeavesTheValidatorsReachable) {
  const int dead = FreeLoopbackPort();
  std::shared_ptr<grpc::Channel> both = RoundRobin(absl::StrCat("ipv4:127.0.0.1:", dead, ",127.0.0.1:", live_port_));
  std::shared_ptr<grpc::Channel> only_dead =
      RoundRobin(absl::StrCat("ipv4:127.0.0.1:", dead, ",127.0.0.1:", FreeLoopbackPort()));
  ReachabilityCheck check = ChannelReachability(both, only_dead);
  // Every address of the poster's channel failed; one of the validators' is up.
  ASSERT_TRUE(Eventually(check, [](UpstreamReachability r) { return !r.poster; }));
  ASSERT_TRUE(both->WaitForConnected(absl::ToChronoTime(absl::Now() + absl::Seconds(30))));
  EXPECT_TRUE(check().validators);
}

}  // namespace
}  // namespace docval::gateway
