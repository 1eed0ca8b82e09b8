// Verification of a document from its files alone (no chip): `docval verify`, the v4 HTTP API and the
// v2 WebSocket API share it. Parses every data group given into the result (lds_result.h) and runs
// Passive Authentication; Chip and Active Authentication stay UNAVAILABLE (the caller sets them when
// it ran them, e.g. v2's server-side Chip Authentication).
//
// A data group that does not parse is recorded in `errors` ("DG11: ...") and its field stays null;
// an EF.SOD that does not parse leaves sod_info null and passive_authentication false, with the
// reason in passive_authentication_details.error. The result is always complete and well formed.
//
// The files come from whoever sent them, so the Document Signer key they carry is held to the
// session's budget (`limits.max_rsa_bits`, `max_rsa_exponent_bits`; docs/limits.md) before any
// signature is verified with it: over it, passive_authentication is false with the reason and no
// verification runs (an RSA exponent as long as a 16384-bit modulus would cost seconds of CPU).
#ifndef DOCVAL_VALIDATOR_EMRTD_AUTH_VERIFY_FILES_H_
#define DOCVAL_VALIDATOR_EMRTD_AUTH_VERIFY_FILES_H_

#include <cstdint>
#include <map>

#include "validator/emrtd/auth/passive_auth.h"
#include "validator/emrtd/auth/trust_store.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/crypto/key_cache.h"
#include "validator/emrtd/limits.h"
#include "validator/emrtd/result.h"

namespace docval::emrtd {

struct DocumentFiles {
  Bytes sod;                         // EF.SOD
  std::map<int, Bytes> data_groups;  // 1..16 -> file
};

// Copies a Passive Authentication outcome into the result (sod_info, verdict, details).
void ApplyPassiveAuthentication(const PassiveAuthResult& pa, EmrtdResult& result);

struct FileVerificationOptions {
  SessionLimits limits;               // the Document Signer key's budget
  bool include_files_binary = false;  // result.files_binary gets the files
  // Document Signer keys kept across calls (crypto/key_cache.h); the verdict is the same without.
  VerificationKeyCache* signer_keys = nullptr;
};

EmrtdResult VerifyDocumentFiles(const DocumentFiles& files, const TrustStore* trust_store, int64_t now_unix_seconds,
                                const FileVerificationOptions& options = {});

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_AUTH_VERIFY_FILES_H_
