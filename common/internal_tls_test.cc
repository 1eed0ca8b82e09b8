#include "common/internal_tls.h"


#include <fstream>

#include <gmock/gmock.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "tests/support/grpc_health.h"
#include "tests/support/test_certs.h"

namespace docval {
namespace {

using testing::HasSubstr;
using testsupport::HealthCheck;
using testsupport::kServing;

constexpr char kGatewayUri[] = "spiffe://docval.test/gateway";

InternalTlsConfig TlsConfig(const std::string& cert, const std::string& key, const std::string& ca) {
  InternalTlsConfig c;
  c.certificate_file = cert;
  c.private_key_file = key;
  c.ca_file = ca;
  return c;
}

// A CA with a server certificate for localhost and leaves for the callers of the tests below.
class InternalTlsTest : public testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<testsupport::TestCerts> certs =
        testsupport::MakeTestCerts("DNS:localhost,IP:127.0.0.1,URI:spiffe://docval.test/validator");
    ASSERT_TRUE(certs.ok()) << certs.status();
    certs_ = *certs;
    auto leaf = [&](const char* name, const char* san, bool other_ca = false) {
      absl::StatusOr<testsupport::LeafCert> l = testsupport::MakeLeafCert(certs_, name, san, other_ca);
      EXPECT_TRUE(l.ok()) << l.status();
      return l.ok() ? *l : testsupport::LeafCert{};
    };
    gateway_ = leaf("gateway", "URI:spiffe://docval.test/gateway");
    gateway_dns_ = leaf("gateway_dns", "DNS:docval-gateway.docval.svc");
    poster_ = leaf("poster", "DNS:docval-poster,URI:spiffe://docval.test/poster");
    foreign_gateway_ = leaf("foreign_gateway", "URI:spiffe://docval.test/gateway", /*other_ca=*/true);
    wrong_host_ = leaf("wrong_host", "DNS:docval-validator");
  }

  // A gRPC server on 127.0.0.1 with only the default health service, TLS from `server`.
  std::unique_ptr<grpc::Server> StartServer(const InternalTls& server, std::vector<std::string> allowed, int* port) {
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder b;
    b.RegisterCallbackGenericService(&unimplemented_);  // a server needs one service besides health
    b.AddListeningPort("127.0.0.1:0", server.ServerCredentials(std::move(allowed)), port);
    return b.BuildAndStart();
  }

  static std::shared_ptr<grpc::Channel> Channel(int port, std::shared_ptr<grpc::ChannelCredentials> creds) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a fresh connection (and handshake) per channel
    // The host name the certificates are checked against, without a DNS lookup.
    args.SetSslTargetNameOverride("localhost");
    return grpc::CreateCustomChannel(absl::StrCat("ipv4:127.0.0.1:", port), std::move(creds), args);
  }

  std::unique_ptr<InternalTls> Load(const testsupport::LeafCert& leaf, absl::Duration refresh = absl::Seconds(60)) {
    absl::StatusOr<std::unique_ptr<InternalTls>> tls =
        InternalTls::Load(TlsConfig(leaf.cert, leaf.key, certs_.ca_cert), refresh);
    EXPECT_TRUE(tls.ok()) << tls.status();
    return tls.ok() ? *std::move(tls) : nullptr;
  }

  grpc::CallbackGenericService unimplemented_;
  testsupport::TestCerts certs_;
  testsupport::LeafCert gateway_, gateway_dns_, poster_, foreign_gateway_, wrong_host_;
};

TEST_F(InternalTlsTest, OffMeansPlaintext) {
  absl::StatusOr<std::unique_ptr<InternalTls>> tls = InternalTls::Load(InternalTlsConfig());
  ASSERT_TRUE(tls.ok());
  EXPECT_EQ(*tls, nullptr);
  EXPECT_NE(InternalServerCredentials(nullptr, {}), nullptr);
  EXPECT_NE(InternalChannelCredentials(nullptr), nullptr);
}

TEST_F(InternalTlsTest, LoadReadsIdentities) {
  std::unique_ptr<InternalTls> tls = Load(poster_);
  ASSERT_NE(tls, nullptr);
  EXPECT_THAT(tls->identities(), testing::UnorderedElementsAre("docval-poster", "spiffe://docval.test/poster"));
  EXPECT_TRUE(tls->HasIdentity({"x", "spiffe://docval.test/poster"}));
  EXPECT_FALSE(tls->HasIdentity({kGatewayUri}));
}

TEST_F(InternalTlsTest, LoadNamesTheBadKeyAndFile) {
  auto error = [&](const InternalTlsConfig& c) {
    absl::StatusOr<std::unique_ptr<InternalTls>> tls = InternalTls::Load(c);
    EXPECT_FALSE(tls.ok());
    return std::string(tls.status().message());
  };
  EXPECT_THAT(error(TlsConfig(certs_.dir + "/missing.pem", gateway_.key, certs_.ca_cert)),
              HasSubstr("internal_tls.certificate_file: " + certs_.dir + "/missing.pem: cannot read"));
  EXPECT_THAT(error(TlsConfig(gateway_.key, gateway_.key, certs_.ca_cert)),
              HasSubstr("internal_tls.certificate_file: " + gateway_.key + ": no PEM certificate"));
  EXPECT_THAT(error(TlsConfig(gateway_.cert, gateway_.cert, certs_.ca_cert)),
              HasSubstr("internal_tls.private_key_file: " + gateway_.cert + ": no unencrypted PEM private key"));
  EXPECT_THAT(error(TlsConfig(gateway_.cert, gateway_.key, gateway_.key)), HasSubstr("internal_tls.ca_file"));
  EXPECT_THAT(error(TlsConfig(gateway_.cert, poster_.key, certs_.ca_cert)),
              HasSubstr("internal_tls.private_key_file: " + poster_.key + ": is not the key of " + gateway_.cert));
  EXPECT_THAT(error(TlsConfig(foreign_gateway_.cert, foreign_gateway_.key, certs_.ca_cert)),
              HasSubstr("does not verify against internal_tls.ca_file"));
}

// The point of the identities: a certificate of the same CA is not enough to call a validator or a
// poster; it must be the gateway's. No certificate, or one of another CA, fails the handshake too.
TEST_F(InternalTlsTest, ServerAcceptsOnlyTheAllowedIdentities) {
  std::unique_ptr<InternalTls> server = Load(testsupport::LeafCert{certs_.server_cert, certs_.server_key});
  ASSERT_NE(server, nullptr);
  int port = 0;
  std::unique_ptr<grpc::Server> s = StartServer(*server, {kGatewayUri, "docval-gateway.docval.svc"}, &port);
  ASSERT_NE(s, nullptr);

  std::unique_ptr<InternalTls> gateway = Load(gateway_);
  std::unique_ptr<InternalTls> gateway_dns = Load(gateway_dns_);
  std::unique_ptr<InternalTls> poster = Load(poster_);
  ASSERT_TRUE(gateway && gateway_dns && poster);
  EXPECT_EQ(HealthCheck(Channel(port, gateway->ChannelCredentials())).value_or(-1), kServing);
  EXPECT_EQ(HealthCheck(Channel(port, gateway_dns->ChannelCredentials())).value_or(-1), kServing);

  absl::StatusOr<int> refused = HealthCheck(Channel(port, poster->ChannelCredentials()));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable) << refused.status();

  std::ifstream ca_in(certs_.ca_cert);
  std::string ca_pem((std::istreambuf_iterator<char>(ca_in)), std::istreambuf_iterator<char>());
  grpc::SslCredentialsOptions no_cert;
  no_cert.pem_root_certs = ca_pem;
  refused = HealthCheck(Channel(port, grpc::SslCredentials(no_cert)));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable) << refused.status();

  // The gateway's identity, but signed by another CA (its own CA file trusts that CA and ours).
  std::string both = certs_.dir + "/both_cas.pem";
  ASSERT_TRUE(testsupport::RunShell(absl::StrCat("cat ", certs_.ca_cert, " ", certs_.other_ca_cert, " > ", both)).ok());
  absl::StatusOr<std::unique_ptr<InternalTls>> foreign =
      InternalTls::Load(TlsConfig(foreign_gateway_.cert, foreign_gateway_.key, both));
  ASSERT_TRUE(foreign.ok()) << foreign.status();
  refused = HealthCheck(Channel(port, (*foreign)->ChannelCredentials()));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable) << refused.status();

  // Plaintext.
  refused = HealthCheck(Channel(port, grpc::InsecureChannelCredentials()));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable) << refused.status();
  s->Shutdown();
}

// The gateway checks the server's certificate against the host name it dialled.
TEST_F(InternalTlsTest, ClientRefusesAServerCertificateForAnotherHost) {
  std::unique_ptr<InternalTls> server = Load(wrong_host_);
  std::unique_ptr<InternalTls> gateway = Load(gateway_);
  ASSERT_TRUE(server && gateway);
  int port = 0;
  std::unique_ptr<grpc::Server> s = StartServer(*server, {kGatewayUri}, &port);
  ASSERT_NE(s, nullptr);
  absl::StatusOr<int> refused = HealthCheck(Channel(port, gateway->ChannelCredentials()));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable) << refused.status();
  s->Shutdown();
}

// Certificates rotated in place (as a Kubernetes Secret volume does: one symlink swap) are used for
// new connections without a restart: the server first presents a certificate for another host name
// (the gateway refuses it), then, after the swap, one for localhost.
TEST_F(InternalTlsTest, RotatedFilesAreUsedWithoutRestart) {
  const std::string& d = certs_.dir;
  auto version = [&](const std::string& sub, const testsupport::LeafCert& leaf) {
    return testsupport::RunShell(absl::StrCat("mkdir ", d, "/", sub, " && cp ", leaf.cert, " ", d, "/", sub,
                                              "/tls.crt && cp ", leaf.key, " ", d, "/", sub, "/tls.key && cp ",
                                              certs_.ca_cert, " ", d, "/", sub, "/ca.crt"));
  };
  ASSERT_TRUE(version("v1", wrong_host_).ok());
  ASSERT_TRUE(version("v2", testsupport::LeafCert{certs_.server_cert, certs_.server_key}).ok());
  ASSERT_TRUE(testsupport::RunShell(absl::StrCat("ln -s v1 ", d, "/current")).ok());
  absl::StatusOr<std::unique_ptr<InternalTls>> server = InternalTls::Load(
      TlsConfig(d + "/current/tls.crt", d + "/current/tls.key", d + "/current/ca.crt"), absl::Seconds(1));
  ASSERT_TRUE(server.ok()) << server.status();
  std::unique_ptr<InternalTls> gateway = Load(gateway_);
  ASSERT_NE(gateway, nullptr);
  int port = 0;
  std::unique_ptr<grpc::Server> s = StartServer(**server, {kGatewayUri}, &port);
  ASSERT_NE(s, nullptr);

  absl::StatusOr<int> before = HealthCheck(Channel(port, gateway->ChannelCredentials()));
  EXPECT_EQ(before.status().code(), absl::StatusCode::kUnavailable) << before.status();

  ASSERT_TRUE(testsupport::RunShell(absl::StrCat("ln -s v2 ", d, "/next && mv -T ", d, "/next ", d, "/current")).ok());
  absl::StatusOr<int> after = absl::UnknownError("not tried");
  for (absl::Time give_up = absl::Now() + absl::Seconds(60); absl::Now() < give_up;
       absl::SleepFor(absl::Milliseconds(200))) {
    after = HealthCheck(Channel(port, gateway->ChannelCredentials()), "", absl::Seconds(5));
    if (after.ok()) break;
  }
  EXPECT_EQ(after.value_or(-1), kServing) << after.status();
  s->Shutdown();
}

}  // namespace
}  // namespace docval
