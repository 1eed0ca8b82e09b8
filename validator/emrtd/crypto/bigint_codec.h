// Internal to crypto/: conversions between byte strings and Botan::BigInt, and the conversion of
// Botan exceptions into statuses. Not for use outside validator/emrtd/crypto/ (it includes Botan).
#ifndef DOCVAL_VALIDATOR_EMRTD_CRYPTO_BIGINT_CODEC_H_
#define DOCVAL_VALIDATOR_EMRTD_CRYPTO_BIGINT_CODEC_H_

#include <exception>
#include <string>

#include <botan/bigint.h>
#include <botan/rng.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/crypto/secure_bytes.h"

namespace docval::emrtd::crypto_internal {

inline Botan::BigInt ToBigInt(ByteSpan b) { return Botan::BigInt(b.data(), b.size()); }

// Big-endian, left-padded to `length`. Requires x < 256^length (a broken invariant otherwise).
inline Bytes FixedBytes(const Botan::BigInt& x, size_t length) {
  DOCVAL_CHECK(x.bytes() <= length && !x.is_negative());
  Bytes out(length);
  x.binary_encode(out.data(), out.size());
  return out;
}
inline SecureBytes FixedSecureBytes(const Botan::BigInt& x, size_t length) {
  DOCVAL_CHECK(x.bytes() <= length && !x.is_negative());
  SecureBytes out(length);
  x.binary_encode(out.data(), out.size());
  return out;
}

// An RNG for blinding and primality tests only: it never influences a protocol value, so traces
// still replay byte for byte.
Botan::RandomNumberGenerator& BlindingRng();

inline absl::Status FromBotanException(absl::string_view what, const std::exception& e) {
  return absl::InvalidArgumentError(absl::StrCat(what, ": ", e.what()));
}

}  // namespace docval::emrtd::crypto_internal

#endif  // DOCVAL_VALIDATOR_EMRTD_CRYPTO_BIGINT_CODEC_H_
