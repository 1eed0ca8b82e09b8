// Mutual TLS between the roles with one certificate per role, as deploy/kubernetes ships it: the
// gateway's calls work; a workload with another certificate of the same CA, or with none, is refused
// by the poster and the validator; Kubernetes-style probes reach the plaintext health port.
#include <signal.h>

#include <fstream>
#include <tuple>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "docval/v1/poster.grpc.pb.h"
#include "docval/v1/validator.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/harness.h"
#include "tests/support/grpc_health.h"
#include "tests/support/test_certs.h"

namespace docval::e2e {
namespace {

constexpr char kGatewayIdentity[] = "spiffe://docval.test/gateway";

std::string TlsYaml(const std::string& cert, const std::string& key, const std::string& ca) {
  return absl::StrCat("internal_tls: {certificate_file: ", cert, ", private_key_file: ", key, ", ca_file: ", ca,
                      ", gateway_identities: [\"", kGatewayIdentity, "\"]}\n");
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A caller's credentials: `leaf` (may be empty: no client certificate) trusting `ca`.
std::shared_ptr<grpc::ChannelCredentials> Caller(const testsupport::LeafCert& leaf, const std::string& ca) {
  grpc::SslCredentialsOptions o;
  o.pem_root_certs = ReadAll(ca);
  if (!leaf.cert.empty()) {
    o.pem_cert_chain = ReadAll(leaf.cert);
    o.pem_private_key = ReadAll(leaf.key);
  }
  return grpc::SslCredentials(o);
}

std::shared_ptr<grpc::Channel> Dial(int port, std::shared_ptr<grpc::ChannelCredentials> creds) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // its own connection and handshake
  return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port), std::move(creds), args);
}

// Poster.Deliver and Validator.Session as an intruder would call them: the gRPC status of each.
grpc::Status CallDeliver(const std::shared_ptr<grpc::Channel>& ch) {
  std::unique_ptr<v1::Poster::Stub> stub = v1::Poster::NewStub(ch);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::DeliveryRequest req;
  req.set_session_id("intruder");
  req.set_client_id(kClientId);
  v1::DeliveryReport report;
  return stub->Deliver(&ctx, req, &report);
}

grpc::Status CallSession(const std::shared_ptr<grpc::Channel>& ch) {
  std::unique_ptr<v1::Validator::Stub> stub = v1::Validator::NewStub(ch);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  std::unique_ptr<grpc::ClientReaderWriter<v1::SessionRequest, v1::SessionEvent>> stream = stub->Session(&ctx);
  stream->WritesDone();
  v1::SessionEvent event;
  while (stream->Read(&event)) {
  }
  return stream->Finish();
}

class InternalTlsE2eTest : public testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<testsupport::TestCerts> certs = testsupport::MakeTestCerts("DNS:localhost,IP:127.0.0.1");
    ASSERT_TRUE(certs.ok()) << certs.status();
    certs_ = *certs;
    for (auto [name, san, out] : std::vector<std::tuple<const char*, std::string, testsupport::LeafCert*>>{
             {"gateway", absl::StrCat("URI:", kGatewayIdentity), &gateway_},
             {"validator", "DNS:localhost,IP:127.0.0.1,URI:spiffe://docval.test/validator", &validator_},
             {"poster", "DNS:localhost,IP:127.0.0.1,URI:spiffe://docval.test/poster", &poster_}}) {
      absl::StatusOr<testsupport::LeafCert> leaf = testsupport::MakeLeafCert(certs_, name, san);
      ASSERT_TRUE(leaf.ok()) << leaf.status();
      *out = *leaf;
    }
    DeploymentOptions o;
    o.separate_roles = true;
    o.extra_yaml = "timeouts: {session_s: 20}\n";
    o.role_yaml["gateway"] = TlsYaml(gateway_.cert, gateway_.key, certs_.ca_cert);
    o.role_yaml["validator"] = TlsYaml(validator_.cert, validator_.key, certs_.ca_cert);
    o.role_yaml["poster"] = TlsYaml(poster_.cert, poster_.key, certs_.ca_cert);
    absl::StatusOr<std::unique_ptr<Deployment>> d = Deployment::Start(std::move(o));
    ASSERT_TRUE(d.ok()) << d.status();
    d_ = *std::move(d);
    absl::StatusOr<int> vport = d_->validator(0)->WaitForPort("validator");
    absl::StatusOr<int> pport = d_->poster()->WaitForPort("poster");
    ASSERT_TRUE(vport.ok() && pport.ok());
    validator_port_ = *vport;
    poster_port_ = *pport;
  }
  void TearDown() override {
    if (d_) {
      EXPECT_TRUE(d_->Stop()) << d_->AllOutput();
    }
  }

  testsupport::TestCerts certs_;
  testsupport::LeafCert gateway_, validator_, poster_;
  std::unique_ptr<Deployment> d_;
  int validator_port_ = 0;
  int poster_port_ = 0;
};

TEST_F(InternalTlsE2eTest, GatewayWithItsOwnCertificateRunsASession) {
  absl::StatusOr<relay::RelayOutcome> out = RunPassportSession(d_->WsUrl());
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->close.code, 1000) << d_->AllOutput();
  EXPECT_EQ(d_->result_server().request_count(), 1u);
}

// The issue this closes: any pod could call Poster.Deliver and have DocVal sign and deliver a forged
// verdict. Now a valid certificate of the same CA is not enough; it must carry the gateway's identity.
TEST_F(InternalTlsE2eTest, PosterAndValidatorRefuseEveryCallerButTheGateway) {
  for (int port : {validator_port_, poster_port_}) {
    SCOPED_TRACE(port == validator_port_ ? "validator" : "poster");
    // Same CA, not the gateway: the validator's own certificate, and the poster's.
    for (const testsupport::LeafCert* leaf : {&validator_, &poster_}) {
      std::shared_ptr<grpc::Channel> ch = Dial(port, Caller(*leaf, certs_.ca_cert));
      EXPECT_EQ(CallDeliver(ch).error_code(), grpc::StatusCode::UNAVAILABLE);
      EXPECT_EQ(CallSession(ch).error_code(), grpc::StatusCode::UNAVAILABLE);
      EXPECT_EQ(testsupport::HealthCheck(ch).status().code(), absl::StatusCode::kUnavailable);
    }
    // No client certificate at all.
    std::shared_ptr<grpc::Channel> anonymous = Dial(port, Caller({}, certs_.ca_cert));
    EXPECT_EQ(CallDeliver(anonymous).error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_EQ(CallSession(anonymous).error_code(), grpc::StatusCode::UNAVAILABLE);
    // Plaintext.
    EXPECT_EQ(CallDeliver(Dial(port, grpc::InsecureChannelCredentials())).error_code(), grpc::StatusCode::UNAVAILABLE);
    // The gateway's certificate passes the handshake (health answers), so the refusals above are
    // about identity, not a broken setup.
    EXPECT_EQ(testsupport::HealthCheck(Dial(port, Caller(gateway_, certs_.ca_cert))).value_or(-1),
              testsupport::kServing);
  }
  EXPECT_EQ(d_->result_server().request_count(), 0u);
  std::string logs = d_->AllOutput();
  EXPECT_THAT(logs, testing::HasSubstr("client certificate refused"));
  EXPECT_THAT(logs, testing::HasSubstr("spiffe://docval.test/validator"));
}

// Kubernetes' gRPC probes speak plaintext: the health port answers what the main server's health
// service says (common/health_probe_test.cc: NOT_SERVING while draining) and serves nothing else.
TEST_F(InternalTlsE2eTest, HealthPortAnswersPlaintextProbes) {
  for (ChildProcess* p : {d_->validator(0), d_->poster()}) {
    absl::StatusOr<int> hport = p->WaitForPort("health");
    ASSERT_TRUE(hport.ok()) << hport.status();
    std::shared_ptr<grpc::Channel> probe = Dial(*hport, grpc::InsecureChannelCredentials());
    EXPECT_EQ(testsupport::HealthCheck(probe).value_or(-1), testsupport::kServing);
    EXPECT_EQ(CallDeliver(probe).error_code(), grpc::StatusCode::UNIMPLEMENTED);
    EXPECT_EQ(CallSession(probe).error_code(), grpc::StatusCode::UNIMPLEMENTED);
  }
}

// A gateway whose certificate lacks the gateway identity would be refused by every validator and
// poster: it does not start, and says why.
TEST(InternalTlsStartupTest, GatewayWithoutTheGatewayIdentityDoesNotStart) {
  absl::StatusOr<testsupport::TestCerts> certs = testsupport::MakeTestCerts("DNS:localhost");
  ASSERT_TRUE(certs.ok()) << certs.status();
  std::string dir = MakeTempDir();
  WriteFile(dir + "/gw.yaml", absl::StrCat("listen: 127.0.0.1:0\nmetrics_listen: 127.0.0.1:0\n",
                                           TlsYaml(certs->server_cert, certs->server_key, certs->ca_cert)));
  absl::StatusOr<std::unique_ptr<ChildProcess>> gw =
      ChildProcess::Start({DocvalBinary(), "gateway", "--config", dir + "/gw.yaml"});
  ASSERT_TRUE(gw.ok());
  EXPECT_EQ((*gw)->Wait(absl::Seconds(30)), 2);
  EXPECT_THAT((*gw)->AllOutput(), testing::HasSubstr("carries none of internal_tls.gateway_identities"));
}

}  // namespace
}  // namespace docval::e2e
