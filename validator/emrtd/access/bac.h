// Basic Access Control (ICAO 9303-11 §4.3, App. D.3) as a dialog step:
//
//   GET CHALLENGE (00 84 00 00 08)                       -> RND.IC
//   EXTERNAL AUTHENTICATE (00 82 00 00 28 E.IFD||M.IFD 28) -> E.IC || M.IC
//
// with E.IFD = 3DES(K_enc, RND.IFD || RND.IC || K.IFD), M.IFD = retail MAC(K_mac, pad(E.IFD)); the
// chip's M.IC is verified (constant time) before E.IC is decrypted, then RND.IC and RND.IFD are
// checked in the decrypted R = RND.IC || RND.IFD || K.IC. Session keys: K_seed = K.IFD xor K.IC,
// KS_enc/KS_mac = KDF(K_seed, 1/2) (3DES), SSC = RND.IC[4..8] || RND.IFD[4..8].
//
// Randomness comes from `rng` with the purposes "bac.rnd_ifd" (8 bytes) and "bac.k_ifd" (16 bytes),
// so a recorded dialog replays byte for byte. The commands go through `channel`, which must be plain
// (BAC starts before secure messaging); the caller starts SM with the returned keys. `channel` and
// `rng` must outlive the task (it starts lazily); the key is taken by value for that reason.
//
// Errors: what the chip answered is a ChipError of a BAC kind (chip_error.h), which access control
// (access_control.h) turns into its verdict:
// - kBacKeyRefused (kPermissionDenied): the chip refused EXTERNAL AUTHENTICATE with 6300 or 6982
//   (wrong MRZ), or its answer does not verify (bad MAC, wrong nonces): the MRZ does not match the
//   chip.
// - kBacNotSupported (kFailedPrecondition; detail: the SW): the chip does not do BAC (GET CHALLENGE
//   or EXTERNAL AUTHENTICATE refused with another status word).
// - kBacMalformedChipData (kDataLoss): an answer of the wrong length.
// Not the chip's, without a kind: kInvalidArgument when the access key has no usable MRZ (access
// control checks that before it runs BAC), kFailedPrecondition when the channel is already secure.
// Transport errors and randomness errors pass through.
#ifndef DOCVAL_VALIDATOR_EMRTD_ACCESS_BAC_H_
#define DOCVAL_VALIDATOR_EMRTD_ACCESS_BAC_H_

#include "absl/status/statusor.h"
#include "validator/emrtd/access/chip_channel.h"
#include "validator/emrtd/access/secure_messaging.h"
#include "validator/emrtd/crypto/random.h"
#include "validator/emrtd/reader.h"
#include "validator/emrtd/task.h"

namespace docval::emrtd {

Task<absl::StatusOr<SessionKeys>> PerformBac(ChipChannel& channel, AccessKey key, RandomSource& rng);

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_ACCESS_BAC_H_
