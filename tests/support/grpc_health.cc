#include "tests/support/grpc_health.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"

namespace docval::testsupport {

absl::StatusOr<int> HealthCheck(const std::shared_ptr<grpc::Channel>& channel, const std::string& service,
                                absl::Duration timeout, const std::string& method) {
  if (service.size() > 127) return absl::InvalidArgumentError("service name too long for this client");
  std::string req;
  if (!service.empty())
    req = absl::StrCat(std::string(1, '\x0a'), std::string(1, static_cast<char>(service.size())), service);
  grpc::Slice slice(req);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  grpc::GenericStub stub(channel);
  absl::Notification done;
  grpc::Status status;
  stub.UnaryCall(&ctx, method, grpc::StubOptions(), &request, &response, [&](grpc::Status s) {
    status = std::move(s);
    done.Notify();
  });
  done.WaitForNotification();
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  }
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return absl::InternalError("unreadable response");
  std::string bytes;
  for (const grpc::Slice& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  if (bytes.empty()) return 0;  // status UNKNOWN (the default value) is not serialized
  if (bytes.size() != 2 || bytes[0] != '\x08') return absl::InternalError("unexpected HealthCheckResponse bytes");
  return static_cast<int>(bytes[1]);
}

}  // namespace docval::testsupport
