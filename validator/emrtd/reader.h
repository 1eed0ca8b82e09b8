// The reading dialog: given the start parameters, it yields command APDUs and consumes responses
// until it yields the result (docs/architecture.md). Pure: the driver supplies the transport
// (CardLink), randomness and the validation time.
//
// Contract of the outcome: an EmrtdResult when the dialog reached PASSIVE_AUTHENTICATION (a PA, CA or
// AA failure is a result, not an error); a DialogFailure with the close reason otherwise. A chip over
// the session's budget (ReaderConfig::limits) is EMRTD_PASSPORT_READER_ERROR with the limit's name in
// the detail, at whatever step it happens (docs/limits.md). Progress
// steps are emitted on the link as each step starts (docs/protocol.md §1.4).
#ifndef DOCVAL_VALIDATOR_EMRTD_READER_H_
#define DOCVAL_VALIDATOR_EMRTD_READER_H_

#include <cstdint>
#include <string>

#include "validator/emrtd/card_link.h"
#include "validator/emrtd/crypto/group_cache.h"
#include "validator/emrtd/crypto/key_cache.h"
#include "validator/emrtd/crypto/random.h"
#include "validator/emrtd/crypto/secure_bytes.h"
#include "validator/emrtd/limits.h"
#include "validator/emrtd/result.h"
#include "validator/emrtd/task.h"

namespace docval::emrtd {

class TrustStore;

// The user's secret: a CAN, MRZ fields, or both. ASCII, already validated for form by the gateway
// (docs/protocol.md §1.2) and checked again here.
struct AccessKey {
  SecureBytes can;              // 6 digits, or empty
  SecureBytes document_number;  // upper-case A-Z 0-9 <, or empty
  SecureBytes date_of_birth;    // yyMMdd, or empty
  SecureBytes date_of_expiry;   // yyMMdd, or empty

  bool has_can() const { return !can.empty(); }
  bool has_mrz() const { return !document_number.empty() && !date_of_birth.empty() && !date_of_expiry.empty(); }
};

// Deployment-wide and immutable; shared by every session.
struct ReaderConfig {
  // Fall back to BAC when PACE fails (off: a downgrade is a security hole; opt-in per deployment).
  bool allow_bac_fallback = false;
  // Trusted CSCAs and CRLs. Null: Passive Authentication reports the chain as not verifiable.
  const TrustStore* trust_store = nullptr;
  // The budget of one session against what the chip chooses (limits.h, docs/limits.md). A chip over
  // it ends the session with EMRTD_PASSPORT_READER_ERROR.
  SessionLimits limits;
  // Verdicts on explicit DH groups shared by every session (crypto/group_cache.h; a thread-safe
  // bounded one is validator/cache/group_cache.h). Null: each session validates for itself.
  GroupValidationCache* group_cache = nullptr;
  // Document Signer keys shared by every session (crypto/key_cache.h; a thread-safe bounded one is
  // validator/cache/key_cache.h). Null: each session loads the keys it verifies with.
  VerificationKeyCache* signer_key_cache = nullptr;
};

struct SessionParams {
  AccessKey access_key;
  LinkLimits limits;
  bool include_files_binary = false;
  bool diagnostics = false;
  std::string platform;          // "android", "ios", ...
  int64_t now_unix_seconds = 0;  // validation time for certificates and CRLs
};

Task<DialogOutcome> ReadDocument(CardLink& link, const SessionParams& params, const ReaderConfig& config,
                                 RandomSource& rng);

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_READER_H_
