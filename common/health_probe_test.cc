#include "common/health_probe.h"

#include <gmock/gmock.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "tests/support/grpc_health.h"

namespace docval {
namespace {

using testsupport::HealthCheck;

// The probe port answers what the main server's health service says, and nothing else.
TEST(HealthProbeServerTest, ForwardsCheckToTheMainServerOnly) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::CallbackGenericService unimplemented;  // a server needs one service besides health
  grpc::ServerBuilder b;
  b.RegisterCallbackGenericService(&unimplemented);
  std::unique_ptr<grpc::Server> main = b.BuildAndStart();  // no port: reached in-process only
  ASSERT_NE(main, nullptr);
  main->GetHealthCheckService()->SetServingStatus("docval.v1.Validator", true);

  absl::StatusOr<std::unique_ptr<HealthProbeServer>> probe =
      HealthProbeServer::Start("127.0.0.1:0", main->InProcessChannel(grpc::ChannelArguments()));
  ASSERT_TRUE(probe.ok()) << probe.status();
  std::shared_ptr<grpc::Channel> ch =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*probe)->port()), grpc::InsecureChannelCredentials());

  EXPECT_EQ(HealthCheck(ch).value_or(-1), testsupport::kServing);
  EXPECT_EQ(HealthCheck(ch, "docval.v1.Validator").value_or(-1), testsupport::kServing);
  EXPECT_EQ(HealthCheck(ch, "no.such.Service").status().code(), absl::StatusCode::kNotFound);

  // Other methods are not forwarded: not Watch, not the services of the main server.
  EXPECT_EQ(HealthCheck(ch, "", absl::Seconds(10), "/grpc.health.v1.Health/Watch").status().code(),
            absl::StatusCode::kUnimplemented);
  EXPECT_EQ(HealthCheck(ch, "", absl::Seconds(10), "/docval.v1.Poster/Deliver").status().code(),
            absl::StatusCode::kUnimplemented);

  // Draining: the main server turns NOT_SERVING, and so does the probe port.
  main->GetHealthCheckService()->Shutdown();
  EXPECT_EQ(HealthCheck(ch).value_or(-1), testsupport::kNotServing);
  EXPECT_EQ(HealthCheck(ch, "docval.v1.Validator").value_or(-1), testsupport::kNotServing);
  probe->reset();
  main->Shutdown();
}

TEST(HealthProbeServerTest, BadListenAddressIsNamed) {
  grpc::CallbackGenericService unimplemented;
  grpc::ServerBuilder b;
  b.RegisterCallbackGenericService(&unimplemented);
  std::unique_ptr<grpc::Server> main = b.BuildAndStart();
  absl::StatusOr<std::unique_ptr<HealthProbeServer>> probe =
      HealthProbeServer::Start("nowhere", main->InProcessChannel(grpc::ChannelArguments()));
  EXPECT_THAT(std::string(probe.status().message()), testing::HasSubstr("health_listen"));
  main->Shutdown();
}

}  // namespace
}  // namespace docval
