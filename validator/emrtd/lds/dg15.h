// DG15 (ICAO 9303-10 §4.7.15): the Active Authentication public key, '6F' { SubjectPublicKeyInfo }
// (RSA, or id-ecPublicKey with named or explicit curve parameters).
#ifndef DOCVAL_VALIDATOR_EMRTD_LDS_DG15_H_
#define DOCVAL_VALIDATOR_EMRTD_LDS_DG15_H_

#include "absl/status/statusor.h"
#include "validator/emrtd/bytes.h"

namespace docval::emrtd {

// The DER SubjectPublicKeyInfo (checked for framing only; crypto/signature.h decodes the key).
absl::StatusOr<Bytes> ParseDg15(ByteSpan dg15);

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_LDS_DG15_H_
