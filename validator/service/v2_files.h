// WebSocket API v2 on the validator side (docs/protocol.md §3.6): the verdict on a document from the
// files the phone read and the proofs the server holds. Pure: no gRPC, no clock (the caller passes
// `now`); it composes the same core functions as `docval verify` and the chip dialog (LDS parsers,
// Passive Authentication, the AA signature check), so there is no second implementation of any.
//
// What the phone does not decide:
//  - the files: every data group it sends must be listed in EF.SOD (and in EF.COM when it sends
//    one); Passive Authentication is recomputed from the bytes received;
//  - Active Authentication: the signature is checked against DG15's key and the server's own
//    challenge; a DG15 that EF.SOD lists must be sent, and with it a signature (a phone that
//    withholds either gets AA FAILED, since a clone could hide its missing key that way);
//  - Chip Authentication: its result comes from the server's own run (`V2Proofs::chip_authentication`).
#ifndef DOCVAL_VALIDATOR_SERVICE_V2_FILES_H_
#define DOCVAL_VALIDATOR_SERVICE_V2_FILES_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "validator/emrtd/auth/trust_store.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/crypto/key_cache.h"
#include "validator/emrtd/limits.h"
#include "validator/emrtd/result.h"

namespace docval::validator {

struct V2Files {
  emrtd::Bytes sod;
  std::optional<emrtd::Bytes> com;
  std::map<int, emrtd::Bytes> data_groups;  // 1..16
};

struct V2Proofs {
  emrtd::Bytes aa_challenge;                  // the challenge the server sent in ACCEPT
  std::optional<emrtd::Bytes> aa_signature;   // FINISH's activeAuthenticationSignature
  emrtd::CheckResult chip_authentication = emrtd::CheckResult::kUnavailable;  // the server's own CA run
};

struct V2Outcome {
  enum class Refusal {
    kNone,
    kProtocolError,          // PROTOCOL_ERROR: a file not listed, a signature without DG15
    kFileReadError,          // FILE_READ_ERROR: EF.SOD does not parse or does not list DG1, DG1 missing
    kReaderError,            // EMRTD_PASSPORT_READER_ERROR: a file or key over a SessionLimits cap
  };
  Refusal refusal = Refusal::kNone;
  std::string detail;  // why refused (no personal data)
  emrtd::EmrtdResult result;  // meaningful when refusal == kNone
};

// The sizes of the files, for CheckV2FileSizes before they are copied.
struct V2FileSizes {
  size_t sod = 0;
  std::optional<size_t> com;
  std::map<int, size_t> data_groups;
};

// The files against the session's byte caps (the same as a chip read by the server: each file's
// MaxFileBytes and max_total_bytes): a kReaderError refusal naming the file, or nullopt. VerifyV2Files
// runs it first too.
std::optional<V2Outcome> CheckV2FileSizes(const V2FileSizes& sizes, const emrtd::SessionLimits& limits);

// `signer_keys` (may be null): Document Signer keys kept across calls (emrtd/crypto/key_cache.h); the
// verdict is the same without.
V2Outcome VerifyV2Files(const V2Files& files, const V2Proofs& proofs, const emrtd::TrustStore* trust_store,
                        int64_t now_unix_seconds, const emrtd::SessionLimits& limits = {},
                        bool include_files_binary = false, emrtd::VerificationKeyCache* signer_keys = nullptr);

}  // namespace docval::validator

#endif  // DOCVAL_VALIDATOR_SERVICE_V2_FILES_H_
