#include "validator/emrtd/crypto/hash.h"

#include <botan/hash.h>

#include "base/check.h"

namespace docval::emrtd {

const char* BotanHashName(HashAlgorithm alg) {
  switch (alg) {
    case HashAlgorithm::kSha1: return "SHA-160";
    case HashAlgorithm::kSha224: return "SHA-224";
    case HashAlgorithm::kSha256: return "SHA-256";
    case HashAlgorithm::kSha384: return "SHA-384";
    case HashAlgorithm::kSha512: return "SHA-512";
  }
  return "SHA-256";
}

absl::string_view HashName(HashAlgorithm alg) {
  switch (alg) {
    case HashAlgorithm::kSha1: return "SHA-1";
    case HashAlgorithm::kSha224: return "SHA-224";
    case HashAlgorithm::kSha256: return "SHA-256";
    case HashAlgorithm::kSha384: return "SHA-384";
    case HashAlgorithm::kSha512: return "SHA-512";
  }
  return "SHA-256";
}

size_t HashSize(HashAlgorithm alg) {
  switch (alg) {
    case HashAlgorithm::kSha1: return 20;
    case HashAlgorithm::kSha224: return 28;
    case HashAlgorithm::kSha256: return 32;
    case HashAlgorithm::kSha384: return 48;
    case HashAlgorithm::kSha512: return 64;
  }
  return 32;
}

absl::string_view HashOid(HashAlgorithm alg) {
  switch (alg) {
    case HashAlgorithm::kSha1: return "1.3.14.3.2.26";
    case HashAlgorithm::kSha224: return "2.16.840.1.101.3.4.2.4";
    case HashAlgorithm::kSha256: return "2.16.840.1.101.3.4.2.1";
    case HashAlgorithm::kSha384: return "2.16.840.1.101.3.4.2.2";
    case HashAlgorithm::kSha512: return "2.16.840.1.101.3.4.2.3";
  }
  return "";
}

std::optional<HashAlgorithm> HashFromOid(absl::string_view oid) {
  for (HashAlgorithm a : {HashAlgorithm::kSha1, HashAlgorithm::kSha224, HashAlgorithm::kSha256,
                          HashAlgorithm::kSha384, HashAlgorithm::kSha512}) {
    if (HashOid(a) == oid) return a;
  }
  return std::nullopt;
}

Bytes Hash(HashAlgorithm alg, ByteSpan data) { return Hash(alg, {data}); }

Bytes Hash(HashAlgorithm alg, std::initializer_list<ByteSpan> parts) {
  std::unique_ptr<Botan::HashFunction> h = Botan::HashFunction::create(BotanHashName(alg));
  DOCVAL_CHECK(h != nullptr);  // all five are built into Debian's Botan
  for (ByteSpan p : parts) h->update(p.data(), p.size());
  Bytes out(h->output_length());
  h->final(out.data());
  return out;
}

}  // namespace docval::emrtd
