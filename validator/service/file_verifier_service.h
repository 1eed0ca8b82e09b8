// The gRPC `V2FileVerifier` service (proto/docval/v1/validator.proto): WebSocket API v2's verdict on
// the files a phone read (docs/protocol.md §3.6) around the pure VerifyV2Files (v2_files.h).
//
// Bounded as a chip dialog is (docs/limits.md): the files are measured against the session's byte
// caps (SessionLimits, `validator.limits`) on the request itself, before anything is copied; the
// verdict runs through `Admission` (ValidatorService::RunAdmitted in the validator: counted against
// validator.max_sessions, computed on the dialog's worker pool), the gRPC thread only waiting for it.
//
// Status: INVALID_ARGUMENT for a request the gateway should never send (a data group outside 1..16);
// the admission's refusal (RESOURCE_EXHAUSTED at the session limit or with the workers' queue full,
// UNAVAILABLE while draining); otherwise OK with either the result or a refusal naming the close
// reason.
//
// Traces: a `docval.verify` span under the gateway's session span (dialog_trace.h, FilesVerified):
// the files with their sizes, PASSIVE_AUTHENTICATION, ACTIVE_AUTHENTICATION and CHIP_AUTHENTICATION
// with their verdicts, the outcome (`result` or the refusal).
#ifndef DOCVAL_VALIDATOR_SERVICE_FILE_VERIFIER_SERVICE_H_
#define DOCVAL_VALIDATOR_SERVICE_FILE_VERIFIER_SERVICE_H_

#include <functional>
#include <memory>

#include "docval/v1/validator.grpc.pb.h"
#include "validator/emrtd/auth/trust_store.h"
#include "validator/emrtd/crypto/key_cache.h"
#include "validator/emrtd/limits.h"
#include "validator/service/dialog_trace.h"

namespace docval::validator {

class FileVerifierService final : public v1::V2FileVerifier::Service {
 public:
  using TrustProvider = std::function<std::shared_ptr<const emrtd::TrustStore>()>;
  using Clock = std::function<int64_t()>;  // Unix seconds; tests pin it
  // Runs the work somewhere or refuses it (then the work never runs); nullptr: on the calling thread.
  using Admission = std::function<grpc::Status(std::function<void()> work)>;

  // `signer_keys` (may be null, must outlive the service): Document Signer keys shared with the
  // validator's dialogs (ValidatorService::signer_keys()), so a v2 verdict does not load a key the
  // dialogs already hold.
  FileVerifierService(TrustProvider trust, emrtd::SessionLimits limits = {}, Clock now = nullptr,
                      Admission admission = nullptr, emrtd::VerificationKeyCache* signer_keys = nullptr);

  grpc::Status Verify(grpc::ServerContext* context, const v1::V2VerifyRequest* request,
                      v1::V2VerifyResponse* response) override;

 private:
  grpc::Status Compute(const v1::V2VerifyRequest* request, v1::V2VerifyResponse* response, DialogTrace& trace);

  const TrustProvider trust_;
  const emrtd::SessionLimits limits_;
  const Clock now_;
  const Admission admission_;
  emrtd::VerificationKeyCache* const signer_keys_;
};

}  // namespace docval::validator

#endif  // DOCVAL_VALIDATOR_SERVICE_FILE_VERIFIER_SERVICE_H_
