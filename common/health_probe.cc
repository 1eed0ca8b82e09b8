#include "common/health_probe.h"

#include <algorithm>
#include <chrono>

#include <grpcpp/ext/health_check_service_server_builder_option.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "common/config.h"

namespace docval {
namespace {

constexpr char kCheckMethod[] = "/grpc.health.v1.Health/Check";
constexpr int kMaxRequestBytes = 1024;
constexpr std::chrono::seconds kMaxForwardWait(5);

// One probe call: reads the request, forwards it to the main server's Health/Check, answers with
// what that returned. Deletes itself when gRPC is done with it.
class CheckReactor : public grpc::ServerGenericBidiReactor {
 public:
  CheckReactor(grpc::GenericCallbackServerContext* ctx, grpc::GenericStub* stub) : stub_(stub) {
    if (ctx->method() != kCheckMethod) {
      Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "this port serves grpc.health.v1.Health/Check only"));
      return;
    }
    client_ctx_.set_deadline(std::min(ctx->deadline(), std::chrono::system_clock::now() + kMaxForwardWait));
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no request message"));
      return;
    }
    stub_->UnaryCall(&client_ctx_, kCheckMethod, grpc::StubOptions(), &request_, &response_,
                     [this](grpc::Status s) {
                       if (!s.ok()) {
                         Finish(s);
                       } else {
                         StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
                       }
                     });
  }

  void OnCancel() override { client_ctx_.TryCancel(); }
  void OnDone() override { delete this; }

 private:
  grpc::GenericStub* stub_;
  grpc::ClientContext client_ctx_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
};

}  // namespace

class HealthProbeServer::Forwarder : public grpc::CallbackGenericService {
 public:
  explicit Forwarder(std::shared_ptr<grpc::Channel> target) : stub_(std::move(target)) {}
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override {
    return new CheckReactor(ctx, &stub_);
  }

 private:
  grpc::GenericStub stub_;
};

absl::StatusOr<std::unique_ptr<HealthProbeServer>> HealthProbeServer::Start(const std::string& listen,
                                                                            std::shared_ptr<grpc::Channel> target) {
  absl::StatusOr<std::pair<std::string, int>> hp = ParseHostPort(listen);
  if (!hp.ok()) return absl::InvalidArgumentError(absl::StrCat("health_listen: ", hp.status().message()));
  std::unique_ptr<HealthProbeServer> s(new HealthProbeServer());
  s->forwarder_ = std::make_unique<Forwarder>(std::move(target));
  grpc::ServerBuilder b;
  // This server's own health service would answer instead of the forwarder: none here.
  b.SetOption(std::make_unique<grpc::HealthCheckServiceServerBuilderOption>(nullptr));
  b.SetMaxReceiveMessageSize(kMaxRequestBytes);
  b.RegisterCallbackGenericService(s->forwarder_.get());
  b.AddListeningPort(listen, grpc::InsecureServerCredentials(), &s->port_);
  s->server_ = b.BuildAndStart();
  if (!s->server_ || s->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("health_listen: cannot listen on ", listen));
  }
  return s;
}

HealthProbeServer::~HealthProbeServer() {
  if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
}

}  // namespace docval
