// Message digests used by ICAO 9303 (SOD hashes, BAC/PACE key derivation, AA).
#ifndef DOCVAL_VALIDATOR_EMRTD_CRYPTO_HASH_H_
#define DOCVAL_VALIDATOR_EMRTD_CRYPTO_HASH_H_

#include <optional>
#include "absl/strings/string_view.h"

#include "validator/emrtd/bytes.h"

namespace docval::emrtd {

enum class HashAlgorithm { kSha1, kSha224, kSha256, kSha384, kSha512 };

// "SHA-1", "SHA-224", ... (the names of the result JSON, docs/protocol.md §2).
absl::string_view HashName(HashAlgorithm alg);
size_t HashSize(HashAlgorithm alg);
// From a dotted OID (id-sha1 1.3.14.3.2.26, id-sha256 2.16.840.1.101.3.4.2.1, ...).
std::optional<HashAlgorithm> HashFromOid(absl::string_view dotted_oid);
absl::string_view HashOid(HashAlgorithm alg);
// The name Botan gives `alg` ("SHA-160" for SHA-1, otherwise as HashName), for the code that builds
// Botan objects: validator/emrtd/crypto and the test PKI.
const char* BotanHashName(HashAlgorithm alg);

Bytes Hash(HashAlgorithm alg, ByteSpan data);
// Hash of the concatenation of `parts`.
Bytes Hash(HashAlgorithm alg, std::initializer_list<ByteSpan> parts);

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_CRYPTO_HASH_H_
