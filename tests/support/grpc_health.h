// A grpc.health.v1 Check client for tests, without generated code: the request is the serialized
// HealthCheckRequest{service}, the answer HealthCheckResponse{status} decoded by hand.
#ifndef DOCVAL_TESTS_SUPPORT_GRPC_HEALTH_H_
#define DOCVAL_TESTS_SUPPORT_GRPC_HEALTH_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace grpc {
class Channel;
}  // namespace grpc

namespace docval::testsupport {

// HealthCheckResponse.ServingStatus values.
inline constexpr int kServing = 1;
inline constexpr int kNotServing = 2;

// Calls `method` (default Health/Check) on `channel`: the serving status, or the call's gRPC error
// as an absl::Status with the same code and message.
absl::StatusOr<int> HealthCheck(const std::shared_ptr<grpc::Channel>& channel, const std::string& service = "",
                                absl::Duration timeout = absl::Seconds(10),
                                const std::string& method = "/grpc.health.v1.Health/Check");

}  // namespace docval::testsupport

#endif  // DOCVAL_TESTS_SUPPORT_GRPC_HEALTH_H_
