#include "validator/service/file_verifier_service.h"

#include <optional>
#include <utility>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "validator/result_json/result_proto.h"
#include "validator/service/dialog_trace.h"
#include "validator/service/v2_files.h"

namespace docval::validator {
namespace {

emrtd::Bytes ToBytes(const std::string& s) { return emrtd::Bytes(s.begin(), s.end()); }

v1::V2Refusal ToProtoRefusal(V2Outcome::Refusal r) {
  switch (r) {
    case V2Outcome::Refusal::kNone: return v1::V2_REFUSAL_NONE;
    case V2Outcome::Refusal::kProtocolError: return v1::V2_REFUSAL_PROTOCOL_ERROR;
    case V2Outcome::Refusal::kFileReadError: return v1::V2_REFUSAL_FILE_READ_ERROR;
    case V2Outcome::Refusal::kReaderError: return v1::V2_REFUSAL_READER_ERROR;
  }
  return v1::V2_REFUSAL_READER_ERROR;
}

// The outcome in the verification's span: `result`, or the refusal's close reason in lower case.
const char* RefusalLabel(v1::V2Refusal r) {
  switch (r) {
    case v1::V2_REFUSAL_NONE: return "result";
    case v1::V2_REFUSAL_PROTOCOL_ERROR: return "protocol_error";
    case v1::V2_REFUSAL_FILE_READ_ERROR: return "file_read_error";
    default: return "emrtd_passport_reader_error";
  }
}

}  // namespace

FileVerifierService::FileVerifierService(TrustProvider trust, emrtd::SessionLimits limits, Clock now,
                                         Admission admission, emrtd::VerificationKeyCache* signer_keys)
    : trust_(std::move(trust)),
      limits_(limits),
      now_(std::move(now)),
      admission_(std::move(admission)),
      signer_keys_(signer_keys) {}

grpc::Status FileVerifierService::Verify(grpc::ServerContext* context, const v1::V2VerifyRequest* request,
                                         v1::V2VerifyResponse* response) {
  DialogTrace trace(context != nullptr ? TraceparentOf(context->client_metadata()) : "", absl::Now(), "docval.verify");
  // The caps first, on the message: files over them are refused before they are copied or queued.
  V2FileSizes sizes{.sod = request->sod().size()};
  if (request->has_com()) sizes.com = request->com().size();
  for (const auto& [dg, bytes] : request->data_groups()) {
    if (dg < 1 || dg > 16) {
      trace.End("invalid_argument");
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "data group outside 1..16");
    }
    sizes.data_groups[static_cast<int>(dg)] = bytes.size();
  }
  if (std::optional<V2Outcome> over = CheckV2FileSizes(sizes, limits_)) {
    response->set_refusal(ToProtoRefusal(over->refusal));
    response->set_detail(over->detail);
    trace.FilesVerified(VerifiedFilesOf(*request), {}, absl::Now(), absl::Now(), nullptr);
    trace.End(RefusalLabel(response->refusal()));
    return grpc::Status::OK;
  }
  grpc::Status status;
  if (!admission_) {
    status = Compute(request, response, trace);
  } else {
    absl::Notification done;
    grpc::Status admitted = admission_([&] {
      status = Compute(request, response, trace);
      done.Notify();
    });
    if (!admitted.ok()) {
      trace.End(admitted.error_code() == grpc::StatusCode::UNAVAILABLE ? "shutting_down" : "over_capacity");
      return admitted;
    }
    done.WaitForNotification();
  }
  trace.End(status.ok() ? RefusalLabel(response->refusal()) : "invalid_argument");
  return status;
}

grpc::Status FileVerifierService::Compute(const v1::V2VerifyRequest* request, v1::V2VerifyResponse* response,
                                          DialogTrace& trace) {
  const absl::Time start = absl::Now();
  V2Files files;
  files.sod = ToBytes(request->sod());
  if (request->has_com()) files.com = ToBytes(request->com());
  for (const auto& [dg, bytes] : request->data_groups()) {
    if (dg < 1 || dg > 16) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "data group outside 1..16");
    files.data_groups[static_cast<int>(dg)] = ToBytes(bytes);
  }
  V2Proofs proofs;
  proofs.aa_challenge = ToBytes(request->aa_challenge());
  if (request->has_aa_signature()) proofs.aa_signature = ToBytes(request->aa_signature());
  proofs.chip_authentication = FromProto(request->chip_authentication_result());
  const std::shared_ptr<const emrtd::TrustStore> store = trust_ ? trust_() : nullptr;
  const int64_t now = now_ ? now_() : absl::ToUnixSeconds(absl::Now());
  V2Outcome o = VerifyV2Files(files, proofs, store.get(), now, limits_, request->include_files_binary(), signer_keys_);
  const bool refused = o.refusal != V2Outcome::Refusal::kNone;
  trace.FilesVerified(
      VerifiedFilesOf(*request),
      {emrtd::Step::kPassiveAuthentication, emrtd::Step::kActiveAuthentication, emrtd::Step::kChipAuthentication},
      start, absl::Now(), refused ? nullptr : &o.result);
  response->set_refusal(ToProtoRefusal(o.refusal));
  if (o.refusal == V2Outcome::Refusal::kNone) {
    ToProto(o.result, response->mutable_result());
  } else {
    response->set_detail(o.detail);
  }
  return grpc::Status::OK;
}

}  // namespace docval::validator
