// Chip Authentication v1 (ICAO 9303-11 §6.2): an ephemeral key agreement with the chip's static key
// from DG14 gives new secure-messaging keys; a chip without the private key (a clone) cannot follow.
//
// Choice of key and protocol from DG14's SecurityInfos:
// - ChipAuthenticationPublicKeyInfo (id-PK-ECDH / id-PK-DH, domain parameters in the key's
//   AlgorithmIdentifier: standardized id, named curve, explicit ECParameters, X9.42 or PKCS#3 DH);
// - ChipAuthenticationInfo (id-CA-{ECDH,DH}-{3DES-CBC-CBC,AES-CBC-CMAC-128/192/256}, optional keyId)
//   picks the key by keyId; the first usable pair wins. Without any ChipAuthenticationInfo the
//   protocol is id-CA-ECDH-3DES-CBC-CBC or id-CA-DH-3DES-CBC-CBC after the key's type, as ICAO allows.
// Commands (under the current secure messaging):
// - 3DES: MSE:Set KAT  00 22 41 A6 { 91 ephemeral public key, [84 keyId] }
// - AES:  MSE:Set AT   00 22 41 A4 { 80 protocol OID, [84 keyId] }, then
//         GENERAL AUTHENTICATE 00 86 00 00 { 7C { 80 ephemeral public key } } Le 00 -> 7C 00
// The ephemeral key is drawn with RandomSource purpose "ca.ephemeral_key". Shared secret K: ECDH x,
// DH value; KS_enc = KDF(K, 1), KS_mac = KDF(K, 2) for the protocol's cipher; SSC = 0. On success the
// channel continues under the new keys (kKeysSwitched). The keys are proven only by the next protected
// exchange: the caller marks CA done when that response unwraps (a clone fails its MAC).
//
// A chip error status to the commands, or a key DG14 offers that is malformed: FAILED (the old keys
// stay). No usable key in DG14 (kChipAuthKeyUnusable): UNAVAILABLE. A transport or secure-messaging
// failure, or an answer in 61xx parts beyond 65536 bytes (kAnswerTooLong), is an error status (the
// dialog must end); so is our own failure (randomness).
// SUCCESS requires the keys proven and DG14 bound by Passive Authentication: ChipAuthenticationResult().
#ifndef DOCVAL_VALIDATOR_EMRTD_AUTH_CHIP_AUTH_H_
#define DOCVAL_VALIDATOR_EMRTD_AUTH_CHIP_AUTH_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "validator/emrtd/access/chip_channel.h"
#include "validator/emrtd/crypto/key_agreement.h"
#include "validator/emrtd/crypto/random.h"
#include "validator/emrtd/lds/security_infos.h"
#include "validator/emrtd/result.h"
#include "validator/emrtd/task.h"

namespace docval::emrtd {

// What DG14 offers for Chip Authentication v1.
struct ChipAuthParameters {
  std::string protocol;  // id-CA-* OID (the default one when DG14 has no ChipAuthenticationInfo)
  CaProtocol ca;         // agreement and cipher of `protocol`
  std::optional<int64_t> key_id;
  KeyAgreementGroup group;
  Bytes chip_public_key;  // canonical encoding for the group (point or padded DH value)
};

// The budget of the choice (the reader passes its SessionLimits).
struct ChipAuthOptions {
  // Keys resolved (domain parameters decoded, explicit groups validated, the public key checked):
  // more than this to find a usable pair is LimitExceeded("max_chip_auth_keys") (limits.h), which
  // bounds the ChipAuthenticationInfo x ChipAuthenticationPublicKeyInfo loop.
  size_t max_keys = 4;
  // Explicit DH groups: size cap (LimitExceeded("max_dh_bits")) and verdict cache.
  DhGroupOptions dh;
};

// Picks key and protocol (see above). What DG14 offers is the chip's, so its failures are ChipErrors
// (chip_error.h): kChipAuthKeyUnusable (kNotFound) when DG14 has no Chip Authentication key this core
// can use (none, no known protocol, unsupported domain parameters); kChipAuthKeyMalformed
// (kInvalidArgument) for a key whose parameters do not decode, that does not fit its protocol or is
// not a valid public key; LimitExceeded over `options`.
absl::StatusOr<ChipAuthParameters> SelectChipAuthentication(const SecurityInfos& dg14,
                                                            const ChipAuthOptions& options = {});

struct ChipAuthOutcome {
  enum class Status { kKeysSwitched, kFailed, kUnavailable };
  Status status = Status::kUnavailable;
  std::string detail;
  std::string protocol;
};

// Runs CA v1 over `channel` (secure messaging established) and, on success, switches the channel to
// the new keys. A chip over `options` is an error status (LimitExceeded), not an outcome.
Task<absl::StatusOr<ChipAuthOutcome>> PerformChipAuthentication(ChipChannel& channel, SecurityInfos dg14,
                                                                RandomSource& rng, ChipAuthOptions options = {});

// The session keys of CA v1 from the shared secret (exposed for tests and the v2 API).
SessionKeys ChipAuthSessionKeys(KeyAlgorithm cipher, ByteSpan shared_secret);

// SUCCESS only when the new keys were proven by a protected exchange and PA bound DG14.
CheckResult ChipAuthenticationResult(const ChipAuthOutcome& outcome, bool keys_proven, bool dg14_bound_by_passive_auth);

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_AUTH_CHIP_AUTH_H_
