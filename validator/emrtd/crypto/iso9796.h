// ISO/IEC 9796-2 digital signature scheme 1 with partial message recovery, as Active Authentication
// uses it with RSA (ICAO 9303-11 §6.1, Appendix F): the chip signs M = M1 || M2 where M2 is the
// terminal's challenge and M1 its own nonce, recoverable from the signature.
//
//   F = sig^e mod n  (k = |n| bytes)
//   F = 0x6A || M1 || H || T          partial recovery (the form AA uses)
//   F = 0x4B || BB..BB BA || M1 || H || T   full-recovery header with padding (accepted as well)
//   T = 0xBC (the hash is implicit: SHA-1, or the hash the caller names) or hash-id || 0xCC with the
//       ISO/IEC 10118-3 identifiers 0x33 SHA-1, 0x34 SHA-256, 0x35 SHA-512, 0x36 SHA-384, 0x38 SHA-224.
//   Valid when H == Hash(M1 || M2).
#ifndef DOCVAL_VALIDATOR_EMRTD_CRYPTO_ISO9796_H_
#define DOCVAL_VALIDATOR_EMRTD_CRYPTO_ISO9796_H_

#include <optional>

#include "absl/status/statusor.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/crypto/hash.h"

namespace docval::emrtd {

struct Iso9796Recovery {
  Bytes m1;                // the recovered part of the message
  Bytes hash;              // H as found in the representative
  HashAlgorithm hash_algorithm = HashAlgorithm::kSha1;
  bool explicit_trailer = false;  // hash-id || 0xCC rather than 0xBC
};

// Parses a message representative F (the RSA public operation's output). `implicit_hash` is used for
// the 0xBC trailer (SHA-1 when not given). kInvalidArgument when F is not a scheme-1 representative.
absl::StatusOr<Iso9796Recovery> ParseIso9796Representative(ByteSpan f, std::optional<HashAlgorithm> implicit_hash);

// Verifies an RSA scheme-1 signature over M1 || `m2` with the key in `spki`. Returns the recovery
// when the hash matches; kPermissionDenied when the representative is well formed but H differs;
// kInvalidArgument when the key is not RSA or F is not a scheme-1 representative.
absl::StatusOr<Iso9796Recovery> VerifyIso9796Scheme1(ByteSpan spki, ByteSpan signature, ByteSpan m2,
                                                     std::optional<HashAlgorithm> implicit_hash);

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_CRYPTO_ISO9796_H_
