// Secret byte strings (keys, access keys, shared secrets, nonces) live in Botan::secure_vector,
// which zeroes its memory on release. This header is part of the crypto boundary: it is the only
// Botan header that code outside crypto/ sees.
#ifndef DOCVAL_VALIDATOR_EMRTD_CRYPTO_SECURE_BYTES_H_
#define DOCVAL_VALIDATOR_EMRTD_CRYPTO_SECURE_BYTES_H_

#include <cstdint>

#include <botan/secmem.h>

#include "validator/emrtd/bytes.h"

namespace docval::emrtd {

using SecureBytes = Botan::secure_vector<uint8_t>;

inline SecureBytes ToSecure(ByteSpan b) { return SecureBytes(b.begin(), b.end()); }
inline Bytes FromSecure(const SecureBytes& b) { return Bytes(b.begin(), b.end()); }

// Constant-time equality for secrets and MACs (length is not secret).
bool ConstantTimeEqual(ByteSpan a, ByteSpan b);

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_CRYPTO_SECURE_BYTES_H_
