#include "common/internal_tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/logging.h"

namespace docval {
namespace {

// PEM files of a certificate, a key and a CA bundle are a few KiB; this only bounds a wrong path.
constexpr std::streamsize kMaxPemBytes = 1 << 20;

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct StoreFree {
  void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};
struct StoreCtxFree {
  void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
};
struct StackFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

absl::Status KeyError(const char* key, const std::string& path, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("internal_tls.", key, ": ", path, ": ", what));
}

absl::StatusOr<std::string> ReadPem(const char* key, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return KeyError(key, path, "cannot read the file");
  std::string data(kMaxPemBytes + 1, '\0');
  in.read(data.data(), kMaxPemBytes + 1);
  data.resize(in.gcount());
  if (static_cast<std::streamsize>(data.size()) > kMaxPemBytes) return KeyError(key, path, "larger than 1 MiB");
  return data;
}

std::vector<X509Ptr> ParseCertificates(const std::string& pem) {
  std::vector<X509Ptr> out;
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) out.emplace_back(x);
  ERR_clear_error();  // the loop ends on "no start line"
  return out;
}

std::vector<std::string> SubjectAltNames(X509* cert) {
  std::vector<std::string> names;
  auto* gens = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (gens == nullptr) return names;
  for (int i = 0; i < sk_GENERAL_NAME_num(gens); ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(gens, i);
    if (g->type != GEN_DNS && g->type != GEN_URI) continue;
    const ASN1_IA5STRING* s = g->type == GEN_DNS ? g->d.dNSName : g->d.uniformResourceIdentifier;
    names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), ASN1_STRING_length(s));
  }
  GENERAL_NAMES_free(gens);
  return names;
}

// Refuses, during the handshake, a client certificate that names none of the allowed identities.
// gRPC has already verified the chain against the CA when this runs.
class ClientIdentityVerifier : public grpc::experimental::ExternalCertificateVerifier {
 public:
  explicit ClientIdentityVerifier(std::vector<std::string> allowed) : allowed_(allowed.begin(), allowed.end()) {}

  bool Verify(grpc::experimental::TlsCustomVerificationCheckRequest* request,
              std::function<void(grpc::Status)> /*callback*/, grpc::Status* sync_status) override {
    std::vector<std::string> seen;
    for (const std::vector<grpc::string_ref>& names : {request->uri_names(), request->dns_names()}) {
      for (const grpc::string_ref& n : names) {
        std::string name(n.data(), n.size());
        if (allowed_.count(name)) {
          *sync_status = grpc::Status::OK;
          return true;
        }
        seen.push_back(std::move(name));
      }
    }
    // Internal service names, not personal data: they tell the operator which workload knocked.
    LogWarning("internal TLS: client certificate refused, it carries no allowed identity",
               {{"peer_identities", absl::StrJoin(seen, ",")}, {"allowed", absl::StrJoin(allowed_, ",")}});
    *sync_status = grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "client certificate carries no allowed identity");
    return true;  // answered synchronously
  }

  void Cancel(grpc::experimental::TlsCustomVerificationCheckRequest* /*request*/) override {}

 private:
  std::set<std::string> allowed_;
};

std::shared_ptr<grpc::experimental::FileWatcherCertificateProvider> Provider(const InternalTlsConfig& c,
                                                                             unsigned refresh_seconds) {
  return std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(c.private_key_file, c.certificate_file,
                                                                              c.ca_file, refresh_seconds);
}

}  // namespace

absl::StatusOr<std::unique_ptr<InternalTls>> InternalTls::Load(const InternalTlsConfig& config,
                                                               absl::Duration refresh) {
  if (!config.enabled()) return std::unique_ptr<InternalTls>();
  absl::StatusOr<std::string> cert_pem = ReadPem("certificate_file", config.certificate_file);
  if (!cert_pem.ok()) return cert_pem.status();
  absl::StatusOr<std::string> key_pem = ReadPem("private_key_file", config.private_key_file);
  if (!key_pem.ok()) return key_pem.status();
  absl::StatusOr<std::string> ca_pem = ReadPem("ca_file", config.ca_file);
  if (!ca_pem.ok()) return ca_pem.status();

  std::vector<X509Ptr> chain = ParseCertificates(*cert_pem);
  if (chain.empty()) return KeyError("certificate_file", config.certificate_file, "no PEM certificate in the file");
  std::vector<X509Ptr> cas = ParseCertificates(*ca_pem);
  if (cas.empty()) return KeyError("ca_file", config.ca_file, "no PEM certificate in the file");
  std::unique_ptr<BIO, BioFree> key_bio(BIO_new_mem_buf(key_pem->data(), static_cast<int>(key_pem->size())));
  std::unique_ptr<EVP_PKEY, PkeyFree> key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (!key) return KeyError("private_key_file", config.private_key_file, "no unencrypted PEM private key in the file");
  if (X509_check_private_key(chain.front().get(), key.get()) != 1) {
    ERR_clear_error();
    return KeyError("private_key_file", config.private_key_file,
                    absl::StrCat("is not the key of ", config.certificate_file));
  }

  std::unique_ptr<X509_STORE, StoreFree> store(X509_STORE_new());
  for (const X509Ptr& ca : cas) X509_STORE_add_cert(store.get(), ca.get());
  std::unique_ptr<STACK_OF(X509), StackFree> intermediates(sk_X509_new_null());
  for (size_t i = 1; i < chain.size(); ++i) sk_X509_push(intermediates.get(), chain[i].get());
  std::unique_ptr<X509_STORE_CTX, StoreCtxFree> ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), chain.front().get(), intermediates.get()) != 1) {
    return absl::InternalError("internal_tls: OpenSSL could not set up a certificate check");
  }
  if (X509_verify_cert(ctx.get()) != 1) {
    std::string why = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
    ERR_clear_error();
    return KeyError("certificate_file", config.certificate_file,
                    absl::StrCat("does not verify against internal_tls.ca_file ", config.ca_file, ": ", why));
  }

  std::unique_ptr<InternalTls> tls(new InternalTls());
  tls->config_ = config;
  tls->refresh_seconds_ = static_cast<unsigned>(std::max<int64_t>(1, absl::ToInt64Seconds(refresh)));
  tls->identities_ = SubjectAltNames(chain.front().get());
  return tls;
}

bool InternalTls::HasIdentity(const std::vector<std::string>& names) const {
  for (const std::string& n : names) {
    if (std::find(identities_.begin(), identities_.end(), n) != identities_.end()) return true;
  }
  return false;
}

std::shared_ptr<grpc::ServerCredentials> InternalTls::ServerCredentials(
    std::vector<std::string> allowed_clients) const {
  grpc::experimental::TlsServerCredentialsOptions o(Provider(config_, refresh_seconds_));
  o.watch_root_certs();
  o.watch_identity_key_cert_pairs();
  o.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  o.set_certificate_verifier(
      grpc::experimental::ExternalCertificateVerifier::Create<ClientIdentityVerifier>(std::move(allowed_clients)));
  return grpc::experimental::TlsServerCredentials(o);
}

std::shared_ptr<grpc::ChannelCredentials> InternalTls::ChannelCredentials() const {
  grpc::experimental::TlsChannelCredentialsOptions o;
  o.set_certificate_provider(Provider(config_, refresh_seconds_));
  o.watch_root_certs();
  o.watch_identity_key_cert_pairs();
  o.set_verify_server_certs(true);
  o.set_certificate_verifier(std::make_shared<grpc::experimental::HostNameCertificateVerifier>());
  return grpc::experimental::TlsCredentials(o);
}

std::shared_ptr<grpc::ServerCredentials> InternalServerCredentials(const InternalTls* tls,
                                                                   std::vector<std::string> allowed_clients) {
  if (tls == nullptr) return grpc::InsecureServerCredentials();
  return tls->ServerCredentials(std::move(allowed_clients));
}

std::shared_ptr<grpc::ChannelCredentials> InternalChannelCredentials(const InternalTls* tls) {
  if (tls == nullptr) return grpc::InsecureChannelCredentials();
  return tls->ChannelCredentials();
}

}  // namespace docval
