// PACE — Password Authenticated Connection Establishment (ICAO 9303-11 §4.4, BSI TR-03110-2 §3.2)
// as a dialog coroutine over a ChipChannel: Generic, Integrated and Chip Authentication Mapping,
// ECDH and DH, 3DES and AES-128/192/256.
//
//   MSE:Set AT    00 22 C1 A4  80 <protocol OID> 83 <password ref> [84 <parameter id>]   (no Le)
//   GA step 1     10 86 00 00  7C{}                       -> 7C{80 encrypted nonce z}
//   GA step 2     10 86 00 00  7C{81 mapping data}        -> 7C{82 mapping data}
//   GA step 3     10 86 00 00  7C{83 ephemeral public}    -> 7C{84 ephemeral public}
//   GA step 4     00 86 00 00  7C{85 T_IFD}               -> 7C{86 T_IC [87 CAR] [88 CAR] [8A A_IC]}
//
// - DO'84' (parameter id) is always sent when known: chips in the field refuse PACE without it.
// - GENERAL AUTHENTICATE goes with Le; steps 1-3 use command chaining (CLA 0x10), the last one
//   CLA 0x00. A step whose data or answer does not fit a short APDU (2048-bit DH values) goes as one
//   extended APDU when the link allows extended length (and the command fits its limit), else as
//   short APDUs: ISO/IEC 7816-4 command chaining with parts sized from the link, Le within the
//   link's response limit, and GET RESPONSE after 61xx (TransmitShortChained() below).
// - K_pi = KDF(f(pi), 3): f(pi) = SHA-1(MRZ_information) for the MRZ, the CAN digits as they are.
//   s = D(K_pi, z) in CBC mode with a zero IV.
// - Mapping (crypto/pace_mapping.h): GM/CAM send the terminal's mapping public key in 81 and get the
//   chip's in 82; IM sends the nonce t (key-size bytes, drawn as "pace.im_nonce_t") in 81 and gets an
//   empty 82 (an absent 82 is tolerated).
// - Key agreement on the mapped group: PK~_IC is validated and must differ from PK~_IFD;
//   K = x-coordinate / DH value, left-padded; KS_enc = KDF(K, 1), KS_mac = KDF(K, 2).
// - Tokens: T_IFD = MAC(KS_mac, 7F49{06 OID, 86|84 PK~_IC}), T_IC over 7F49{06 OID, 86|84 PK~_IFD};
//   AES-CMAC/8 for AES, retail MAC over method-2 padded input for 3DES. T_IC is compared in constant
//   time.
// - CAM: A_IC (8A) is decrypted with AES-CBC under KS_enc with IV = E(KS_enc, 1^128) and unpadded
//   (method 2) into CA_IC. It proves nothing until VerifyCamBinding() checks it against the chip's
//   static key from EF.CardSecurity, after that file passed Passive Authentication.
// - On success secure messaging is started on the channel with KS_enc/KS_mac and SSC = 0.
//
// Randomness (RandomSource purposes, so traces replay): "pace.mapping_key" (GM/CAM mapping key pair),
// "pace.im_nonce_t" (IM nonce t), "pace.ephemeral_key" (the key-agreement key pair). Private keys are
// drawn as Scalar() bounded by the group order.
//
// Errors: every status RunPace() creates is a ChipError of a kPace* kind (chip_error.h), which
// PaceFailureOf() names; any other status is the channel's own (transport failure, an answer in 61xx
// parts beyond 65536 bytes, or an SM failure when PACE runs inside an existing SM channel) and passes
// through unchanged (kTransport).
#ifndef DOCVAL_VALIDATOR_EMRTD_ACCESS_PACE_H_
#define DOCVAL_VALIDATOR_EMRTD_ACCESS_PACE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "validator/emrtd/access/chip_channel.h"
#include "validator/emrtd/access/secure_messaging.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/crypto/cipher.h"
#include "validator/emrtd/crypto/key_agreement.h"
#include "validator/emrtd/crypto/random.h"
#include "validator/emrtd/crypto/secure_bytes.h"
#include "validator/emrtd/lds/security_infos.h"
#include "validator/emrtd/task.h"

namespace docval::emrtd {

// The password reference of MSE:Set AT (DO'83').
enum class PacePasswordType : uint8_t { kMrz = 1, kCan = 2 };

struct PacePassword {
  PacePasswordType type = PacePasswordType::kMrz;
  // f(pi): SHA-1(MRZ_information) (20 bytes, see access/mrz_key.h) for kMrz; the CAN digits (ASCII)
  // for kCan.
  SecureBytes key;
};

// What to run: one PACEInfo of EF.CardAccess, resolved.
struct PaceParameters {
  std::string protocol_oid;          // dotted id-PACE-* (DO'80' and the tokens)
  PaceProtocol protocol;             // what the OID names (lds/security_infos.h)
  KeyAgreementGroup domain;          // the static domain parameters
  std::optional<int64_t> parameter_id;  // DO'84': the standardized or PACEDomainParameterInfo id
};

// Resolves a PACEInfo (and the PACEDomainParameterInfos of the same file, for proprietary parameter
// ids) into PaceParameters. kUnimplemented when the protocol, the parameter id or the explicit
// parameters are not supported (the caller then looks at the next PACEInfo); kInvalidArgument when
// the explicit parameters are malformed.
// `dh` bounds and caches the validation of an explicit DH group (crypto/dh.h DhGroupOptions: over
// its max_p_bits, LimitExceeded("max_dh_bits")).
absl::StatusOr<PaceParameters> ResolvePaceInfo(const PaceInfo& info,
                                               const std::vector<PaceDomainParameterInfo>& domain_parameters,
                                               const DhGroupOptions& dh = {});

enum class PaceFailure {
  kPasswordRefused,    // 63Cx / 6300 / 6982 / 6983 from the chip, or the chip's token is wrong
  kNotSupported,       // the chip refused the protocol or its parameters (other error status words)
  kMalformedChipData,  // bad TLV, wrong lengths, a public key off the curve or outside the subgroup
  kInternal,           // our side: the random source failed (e.g. a replay trace ran out)
  kTransport,          // not ours: the channel's error, passed through
};
PaceFailure PaceFailureOf(const absl::Status& status);
const char* PaceFailureName(PaceFailure failure);

// Every value of a run, for tests, replay diagnostics and the worked examples. Secrets included:
// never log it outside tests.
struct PaceTrace {
  Bytes mse_set_at;        // the command data of MSE:Set AT
  SecureBytes k_pi;
  Bytes encrypted_nonce;   // z
  SecureBytes nonce;       // s
  SecureBytes terminal_mapping_private;  // GM/CAM
  Bytes terminal_mapping_data;  // 81: PK_map,IFD (GM/CAM) or t (IM)
  Bytes chip_mapping_data;      // 82 as received
  SecureBytes mapping_shared;   // GM/CAM: H (point) or h
  Bytes mapped_generator;       // encoded point (ECDH) or |p| bytes (DH)
  SecureBytes terminal_ephemeral_private;
  Bytes terminal_ephemeral_public;
  Bytes chip_ephemeral_public;
  SecureBytes shared_secret;    // K
  SecureBytes ks_enc, ks_mac;
  Bytes token_input_terminal;   // 7F49 over PK~_IC: what T_IFD authenticates
  Bytes token_input_chip;       // 7F49 over PK~_IFD: what T_IC authenticates
  Bytes token_terminal, token_chip;
  // DH only: runs abandoned before the tokens because K or PK~_IC began with a zero byte, each named
  // "shared secret" or "chip ephemeral key" (see RunPace). The values above are the last run's.
  std::vector<std::string> abandoned_runs;
};

struct PaceResult {
  SessionKeys keys;  // as started on the channel (SSC 0)
  std::string protocol_oid;
  PaceProtocol protocol;
  PacePasswordType password_type = PacePasswordType::kMrz;
  std::optional<int64_t> parameter_id;
  Bytes chip_mapping_public_key;    // PK_map,IC (GM/CAM), canonical encoding; empty for IM
  Bytes chip_ephemeral_public_key;  // PK~_IC, canonical encoding
  std::vector<Bytes> certification_authority_references;  // 87, 88 when present
  // CAM only: A_IC as received and CA_IC decrypted (FE2OS, the order's byte length).
  Bytes encrypted_chip_authentication_data;
  SecureBytes chip_authentication_data;
};

// Runs PACE. `channel`, `rng` and `trace` must outlive the task (the parameters and the password are
// copied into it).
//
// DH and leading zero bytes (docs/pace.md, "DH encodings"): the standard encodes the shared secret K
// with the length of p (PKCS #3) and the public values of the token inputs minimally (ICAO 9303-11
// §9.4.1); implementations built on OpenSSL's DH_compute_key drop K's leading zeros, others pad the
// public values. The encodings differ only when a value begins with a zero byte, so the reader keeps
// every value unambiguous: its ephemeral public value is drawn again until its first byte is not zero,
// and a run whose K or PK~_IC begins with a zero byte is abandoned before any token is sent (no failed
// attempt for the chip to count) and PACE starts again with MSE:Set AT, at most kPaceDhRuns runs in all;
// the last run goes on with the standard's encodings.
inline constexpr int kPaceDhRuns = 3;
Task<absl::StatusOr<PaceResult>> RunPace(ChipChannel& channel, PaceParameters params, PacePassword password,
                                         RandomSource& rng, PaceTrace* trace = nullptr);

// PACE-CAM, ICAO 9303-11 §4.4.3.5.2, once EF.CardSecurity passed Passive Authentication: checks the
// chip's CA data against its static public key `chip_static_public_key` (the EC point of the
// ChipAuthenticationPublicKeyInfo for the PACE domain parameters). `domain` is the PACE static
// domain (PaceParameters::domain). OK: the chip holds the private key. kPermissionDenied: it does not
// (a cloned chip). kFailedPrecondition: `result` is not from PACE-CAM. kInvalidArgument: malformed key.
absl::Status VerifyCamBinding(const PaceResult& result, const KeyAgreementGroup& domain,
                              ByteSpan chip_static_public_key);

// ---- Commands and answers longer than one short APDU (also used by Chip Authentication) -----------

// The most data bytes one short command can carry on `channel`'s link: LinkLimits::CommandBytes()
// less the header, Lc and (when `with_le`) Le; under secure messaging less the protection (DO'87'
// with its padding, DO'97' when `with_le`, DO'8E', and the outer Le every protected command has).
// The (protected) data field never exceeds 255 bytes. 0 when nothing fits.
size_t MaxShortCommandData(ChipChannel& channel, bool with_le);

// The most data bytes one short answer can carry on `channel`'s link: min(ResponseBytes() - 2, 256)
// in plain; under secure messaging the most plain bytes whose protected answer (DO'87' with padding,
// DO'99', DO'8E') fits that. 0 when nothing fits.
size_t MaxShortResponseData(ChipChannel& channel);

// Sends `command` as short APDUs within the link's limits and returns the chip's whole answer:
// - data longer than MaxShortCommandData(channel, ne > 0) goes as an ISO/IEC 7816-4 command chain:
//   parts of that size with CLA b5 (0x10) set and no Le, then the last part with the command's own
//   CLA and Le. A part answered with anything but 9000 ends the chain; that answer is returned.
// - In plain, Ne is lowered to what the link can receive (ResponseBytes() - 2) when that is less;
//   under secure messaging the caller's Ne stands (the protected answer is bigger than Ne anyway).
// - An answer 61xx ("xx more bytes") is followed by GET RESPONSE (00 C0 00 00, Le = xx within
//   MaxShortResponseData(), protected under secure messaging like every command) until the chip
//   answers otherwise; the data of all parts is joined, at most 65536 bytes. Active Authentication
//   collects long signatures so too (auth/active_auth.h).
// PACE's own use of CLA 0x10 (GENERAL AUTHENTICATE steps 1-3) stays on the last part: the chip tells
// the ISO chain from the protocol step by the data object, which is complete only in the last part.
// `command.extended` must be false. Errors: the channel's; kFailedPrecondition (ours, no kind) when
// the link has no room for command data; ChipError kAnswerTooLong (kDataLoss) when the chip's 61xx
// answers exceed 65536 bytes.
Task<absl::StatusOr<ResponseApdu>> TransmitShortChained(ChipChannel& channel, CommandApdu command);

// ---- Building blocks, exposed for tests, the fuzz target and chip simulators ----------------------

// The data objects of a GENERAL AUTHENTICATE response (or command): exactly one '7C' TLV holding
// primitive context-specific one-byte tags 80..8F, each at most once. Bytes after the '7C' are
// malformed. Strict and bounded: untrusted input.
struct DynamicAuthenticationData {
  std::vector<std::pair<uint8_t, Bytes>> objects;
  const Bytes* Find(uint8_t tag) const;
};
absl::StatusOr<DynamicAuthenticationData> ParseDynamicAuthenticationData(ByteSpan data);
Bytes EncodeDynamicAuthenticationData(const std::vector<std::pair<uint8_t, Bytes>>& objects);

// 7F49 { 06 <OID>, <tag> <public key> }: the input of an authentication token. A DH public value
// (tag 84) is an unsigned integer of ICAO 9303-11 §9.4.1: its leading zero bytes are dropped here, so
// the canonical |p|-byte form and the minimal form give the same input. ECDH points (tag 86) are
// taken as given (uncompressed, field length).
absl::StatusOr<Bytes> PublicKeyDataObject(absl::string_view protocol_oid, uint8_t public_key_tag,
                                          ByteSpan public_key);
// MAC(KS_mac, input): AES-CMAC/8, or retail MAC over the method-2 padded input for 3DES.
absl::StatusOr<Bytes> AuthenticationToken(KeyAlgorithm alg, ByteSpan ks_mac, ByteSpan input);
// K_pi = KDF(f(pi), 3).
SecureBytes PacePasswordKey(KeyAlgorithm alg, const PacePassword& password);

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_ACCESS_PACE_H_
