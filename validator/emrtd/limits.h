// The budget of one session against what the chip controls (docs/limits.md). Anyone can open a
// session and relay any bytes as "the chip": every count, size and key length the chip chooses is
// capped here, and each cap is checked where the work it bounds is done (reading a file, parsing
// SecurityInfos, loading a key, validating a group, looping over DG14).
//
// A chip over a cap gets LimitExceeded(): a ChipError of kind kLimitExceeded (chip_error.h;
// kResourceExhausted) whose detail names the limit (IsLimitExceeded(), LimitName()). The reader
// ends the session with EMRTD_PASSPORT_READER_ERROR (a chip error, not the server's), whatever step
// it was in: a budget is not an optional file.
//
// The defaults leave headroom over the documents in the field (docs/limits.md has the reasons); a
// deployment may tighten or loosen them through ReaderConfig::limits, which the validator fills from
// its configuration (`validator.limits.<field>`, SetLimit()).
#ifndef DOCVAL_VALIDATOR_EMRTD_LIMITS_H_
#define DOCVAL_VALIDATOR_EMRTD_LIMITS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace docval::emrtd {

inline constexpr size_t kDefaultMaxSecurityInfos = 32;

struct SessionLimits {
  // SecurityInfo entries in one SET (EF.CardAccess, DG14, EF.CardSecurity).
  size_t max_security_infos = kDefaultMaxSecurityInfos;

  // Bytes of one file (the whole TLV), by file (MaxFileBytes()).
  size_t max_atr_info_bytes = 1024;         // EF.ATR/INFO
  size_t max_card_access_bytes = 4096;      // EF.CardAccess
  size_t max_card_security_bytes = 16384;   // EF.CardSecurity: SecurityInfos + a signer certificate
  size_t max_com_bytes = 1024;              // EF.COM
  size_t max_sod_bytes = 32768;             // EF.SOD: hashes + a certificate chain
  size_t max_dg1_bytes = 1024;              // DG1: the MRZ
  size_t max_biometric_dg_bytes = 262144;   // DG2 (face), DG3 (fingerprints), DG4 (iris)
  size_t max_image_dg_bytes = 131072;       // DG5, DG6, DG7, DG11, DG12: may hold images
  size_t max_security_dg_bytes = 16384;     // DG14, DG15
  size_t max_other_dg_bytes = 32768;        // DG8, DG9, DG10, DG13, DG16, anything else
  // Bytes read from the chip in one session, all files together (the session's memory budget).
  size_t max_total_bytes = 1 << 20;

  // Keys of signatures the chip controls (Document Signer in EF.SOD / EF.CardSecurity, DG15).
  size_t max_rsa_bits = 4096;
  // RSA public exponent: odd, at least 3 (checked always), at most this many bits.
  size_t max_rsa_exponent_bits = 256;
  // p of an explicit (proprietary) DH group; the standardized RFC 5114 groups pass whatever this says.
  size_t max_dh_bits = 2048;
  // Explicit DH groups validated from scratch in one session (primality tests of p and q: about
  // 12 ms of CPU for 2048 bits, crypto/primality.h); a group remembered by the session or the
  // process cache is free.
  size_t max_group_validations = 2;

  // PACEInfos resolved in one session (each may validate an explicit group), and runs of PACE
  // (access/access_control.h kMaxPaceAttempts is the other cap).
  size_t max_pace_resolutions = 4;
  // Chip Authentication keys of DG14 (or EF.CardSecurity) resolved in one session: bounds the
  // ChipAuthenticationInfo x ChipAuthenticationPublicKeyInfo loop.
  size_t max_chip_auth_keys = 4;

  // The cap for a file by its name as in files/file_reader.h ("EF.SOD", "DG2", "EF.CardAccess", ...).
  size_t MaxFileBytes(absl::string_view file_name) const;
};

// One limit by its field name ("max_dh_bits"), as configuration sets it. kInvalidArgument naming
// the accepted range when `value` is outside it, or the accepted names when `name` is none of them.
// The ranges keep a limit meaningful: at least what a document in the field needs (a cap below it
// would refuse honest chips) is not enforced, but nothing the code cannot honour is accepted (e.g.
// max_dh_bits from 1024 to 8192, the largest group FromValues takes; a file cap up to 1 MiB, the
// file reader's own cap; max_group_validations may be 0: no explicit group is validated at all).
absl::Status SetLimit(SessionLimits& limits, absl::string_view name, int64_t value);
// Every name SetLimit() takes, in declaration order.
std::vector<std::string> LimitFieldNames();

// The status of a chip over a cap: kResourceExhausted "<limit>: <detail>" with the limit's name as
// payload (`limit` is the SessionLimits field, e.g. "max_rsa_bits").
absl::Status LimitExceeded(absl::string_view limit, absl::string_view detail);
bool IsLimitExceeded(const absl::Status& status);
// The limit's name, or "" when `status` is not LimitExceeded().
std::string LimitName(const absl::Status& status);

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_LIMITS_H_
