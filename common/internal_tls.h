// Mutual TLS for gRPC between the roles (gateway -> validator, gateway -> poster), see
// docs/operations.md "Encryption in transit" and docs/configuration.md `internal_tls`.
//
// Contract:
// - Load() reads the three PEM files once and checks them (each parses, the key belongs to the
//   certificate, the certificate chains to `ca_file` and is within its validity period); a problem is
//   an InvalidArgument error that names the key and the file. Off (`internal_tls` not configured):
//   nullptr, and the credential functions below give plaintext gRPC.
// - The credentials themselves watch the files: gRPC re-reads them every `refresh` (default 60 s), so
//   certificates rotated in place (a Kubernetes Secret volume, cert-manager) are used for new
//   connections without a restart. The files must change atomically (Secret volumes do: one symlink
//   swap); a rotated pair that does not match is refused by gRPC and the previous pair kept.
// - Servers require a client certificate signed by the CA, and refuse it during the handshake unless
//   one of its subjectAltName DNS names or URIs equals one of `allowed_clients` (exact, case-sensitive
//   comparison). Clients verify the server certificate against the CA and the target's host name.
#ifndef DOCVAL_COMMON_INTERNAL_TLS_H_
#define DOCVAL_COMMON_INTERNAL_TLS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/config.h"

namespace grpc {
class ChannelCredentials;
class ServerCredentials;
}  // namespace grpc

namespace docval {

class InternalTls {
 public:
  // nullptr when `config` leaves internal TLS off.
  static absl::StatusOr<std::unique_ptr<InternalTls>> Load(const InternalTlsConfig& config,
                                                           absl::Duration refresh = absl::Seconds(60));

  // The subjectAltName DNS names and URIs of this process's certificate (as loaded at start).
  const std::vector<std::string>& identities() const { return identities_; }
  // True when the certificate carries one of `names` (DNS name or URI).
  bool HasIdentity(const std::vector<std::string>& names) const;

  std::shared_ptr<grpc::ServerCredentials> ServerCredentials(std::vector<std::string> allowed_clients) const;
  std::shared_ptr<grpc::ChannelCredentials> ChannelCredentials() const;

 private:
  InternalTls() = default;
  InternalTlsConfig config_;
  unsigned refresh_seconds_ = 60;
  std::vector<std::string> identities_;
};

// Plaintext when `tls` is null, otherwise tls->ServerCredentials / ChannelCredentials.
std::shared_ptr<grpc::ServerCredentials> InternalServerCredentials(const InternalTls* tls,
                                                                   std::vector<std::string> allowed_clients);
std::shared_ptr<grpc::ChannelCredentials> InternalChannelCredentials(const InternalTls* tls);

}  // namespace docval

#endif  // DOCVAL_COMMON_INTERNAL_TLS_H_
