// The MRZ-derived secret of BAC and PACE-MRZ (ICAO 9303-11 §9.7.2 / 4.3, App. D.2).
//
//   MRZ_information = document number || check digit || date of birth || check digit ||
//                     date of expiry || check digit
//   K_seed = SHA-1(MRZ_information)[0..16]        (BAC: K_enc = KDF(K_seed, 1), K_mac = KDF(K_seed, 2))
//   PACE-MRZ password K = SHA-1(MRZ_information)  (PACE: K_pi = KDF(K, 3))
//
// Document numbers: trailing '<' fillers are dropped; then shorter than 9 characters are padded with
// '<' to 9; longer ones (TD1/TD2 cards
// whose number overflows into the optional data field, marked by '<' in the check-digit position)
// are used in full, with the check digit computed over the full number — as ICAO 9303-11 and the
// App. D.2 TD2 example (D23145890734 -> K_seed B366AD85...) specify. Check digits are always
// computed here (ICAO 9303-3 §4.9: weights 7 3 1, digits as values, A-Z = 10..35, '<' = 0), never
// taken from the user.
#ifndef DOCVAL_VALIDATOR_EMRTD_ACCESS_MRZ_KEY_H_
#define DOCVAL_VALIDATOR_EMRTD_ACCESS_MRZ_KEY_H_

#include "absl/status/statusor.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/crypto/secure_bytes.h"
#include "validator/emrtd/reader.h"

namespace docval::emrtd {

// The check digit ('0'..'9') of `field`; kInvalidArgument for a character outside 0-9 A-Z '<'.
absl::StatusOr<char> MrzCheckDigit(ByteSpan field);

// MRZ_information from the access key's MRZ fields. kInvalidArgument when they are absent or of the
// wrong form (document number 1-22 characters of 0-9 A-Z '<' — lower case is not accepted here;
// dates 6 digits).
absl::StatusOr<SecureBytes> MrzInformation(const AccessKey& key);

// SHA-1(MRZ_information): 20 bytes, the PACE password for an MRZ.
absl::StatusOr<SecureBytes> MrzPasswordHash(const AccessKey& key);

// K_seed: the first 16 bytes of SHA-1(MRZ_information).
absl::StatusOr<SecureBytes> BacKeySeed(const AccessKey& key);

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_ACCESS_MRZ_KEY_H_
