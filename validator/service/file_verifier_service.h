// The gRPC `V2FileVerifier` service (proto/docval/v1/validator.proto): WebSocket API v2's verdict on
// the files a phone read (docs/protocol.md §3.6) around the pure VerifyV2Files (v2_files.h).
// Synchronous: each call runs on gRPC's sync thread pool, bounded by its message size (the gateway
// caps a session's files at 3 MiB) and the core's SessionLimits.
//
// Status: INVALID_ARGUMENT for a request the gateway should never send (a data group outside 1..16);
// otherwise OK with either the result or a refusal naming the close reason.
#ifndef DOCVAL_VALIDATOR_SERVICE_FILE_VERIFIER_SERVICE_H_
#define DOCVAL_VALIDATOR_SERVICE_FILE_VERIFIER_SERVICE_H_

#include <functional>
#include <memory>

#include "docval/v1/validator.grpc.pb.h"
#include "validator/emrtd/auth/trust_store.h"
#include "validator/emrtd/limits.h"

namespace docval::validator {

class FileVerifierService final : public v1::V2FileVerifier::Service {
 public:
  using TrustProvider = std::function<std::shared_ptr<const emrtd::TrustStore>()>;
  using Clock = std::function<int64_t()>;  // Unix seconds; tests pin it

  FileVerifierService(TrustProvider trust, emrtd::SessionLimits limits = {}, Clock now = nullptr);

  grpc::Status Verify(grpc::ServerContext* context, const v1::V2VerifyRequest* request,
                      v1::V2VerifyResponse* response) override;

 private:
  const TrustProvider trust_;
  const emrtd::SessionLimits limits_;
  const Clock now_;
};

}  // namespace docval::validator

#endif  // DOCVAL_VALIDATOR_SERVICE_FILE_VERIFIER_SERVICE_H_
