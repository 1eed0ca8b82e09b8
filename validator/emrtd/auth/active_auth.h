// Active Authentication (ICAO 9303-11 §6.1): the chip proves it holds the private key of DG15 by
// signing a fresh 8-byte challenge, so a copied chip without that key is caught.
//
//   INTERNAL AUTHENTICATE: 00 88 00 00 | 08 | challenge (RandomSource purpose "aa.challenge") | Le
//
// The command goes extended with Ne = the expected size when the answer (after secure messaging) does
// not fit a short response and the link takes extended APDUs of that size. Otherwise it goes short
// with Le '00' (on a link whose response limit is below a short response's 258 bytes, with the most
// data whose protected answer fits) through TransmitShortChained() (access/pace.h): an answer the chip
// gives in parts (61xx) is collected with GET RESPONSE under secure messaging, so RSA-2048 AA works
// on links without extended length. AA is UNAVAILABLE only when the chip refuses (below).
// Verification:
// - RSA: ISO/IEC 9796-2 scheme 1 (crypto/iso9796.h): trailer 0xBC with the hash named by DG14's
//   ActiveAuthenticationInfo (SHA-1 when none), or hash-id || 0xCC.
// - ECDSA: over the challenge with the hash of ActiveAuthenticationInfo's signatureAlgorithm; the
//   signature plain r‖s (TR-03111) or DER (seen in the field); without ActiveAuthenticationInfo each
//   SHA-2/SHA-1 hash is tried.
// Chip answers 6A88, 6A81, 6D00 (and 6E00) mean the chip does not offer AA: UNAVAILABLE. Any other
// error status or a wrong signature: FAILED (an outcome: the chip's refusal and its wrong answer are
// verdicts, not errors). An error status means the dialog must end: a transport or secure-messaging
// failure, or an answer in 61xx parts beyond 65536 bytes (ChipError kAnswerTooLong, chip_error.h),
// each with its kind; our own randomness failing, as it is.
//
// The outcome says whether the signature verified with the DG15 key. It becomes SUCCESS only when
// Passive Authentication bound that key (DG15's hash in a valid SOD): ActiveAuthenticationResult().
#ifndef DOCVAL_VALIDATOR_EMRTD_AUTH_ACTIVE_AUTH_H_
#define DOCVAL_VALIDATOR_EMRTD_AUTH_ACTIVE_AUTH_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "validator/emrtd/access/chip_channel.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/crypto/hash.h"
#include "validator/emrtd/crypto/random.h"
#include "validator/emrtd/result.h"
#include "validator/emrtd/task.h"

namespace docval::emrtd {

struct ActiveAuthOutcome {
  enum class Status { kVerified, kFailed, kUnavailable };
  Status status = Status::kUnavailable;
  std::string detail;  // why not verified (no personal data)
  Bytes challenge;
  Bytes signature;
};

// The hash named by an ActiveAuthenticationInfo signatureAlgorithm (ecdsa-plain-SHA*, ecdsa-with-SHA*);
// nullopt for anything else.
std::optional<HashAlgorithm> ActiveAuthHashOf(absl::string_view signature_algorithm_oid);

// Verifies `signature` over `challenge` with the DG15 key (SubjectPublicKeyInfo DER). Shared by the
// chip dialog and v2 (where the phone relays the signature). `aa_signature_algorithm`: the OID of
// DG14's ActiveAuthenticationInfo, empty when absent.
ActiveAuthOutcome VerifyActiveAuthentication(ByteSpan dg15_spki, ByteSpan challenge, ByteSpan signature,
                                             absl::string_view aa_signature_algorithm = "");

// Runs INTERNAL AUTHENTICATE over `channel` (secure messaging already established) and verifies.
Task<absl::StatusOr<ActiveAuthOutcome>> PerformActiveAuthentication(ChipChannel& channel, Bytes dg15_spki,
                                                                    std::string aa_signature_algorithm,
                                                                    RandomSource& rng);

// The result value: SUCCESS only for a verified signature with a key bound by Passive Authentication.
CheckResult ActiveAuthenticationResult(const ActiveAuthOutcome& outcome, bool key_bound_by_passive_auth);

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_AUTH_ACTIVE_AUTH_H_
