#include "validator/emrtd/crypto/kdf.h"

#include <memory>

#include <botan/hash.h>

#include "base/check.h"

namespace docval::emrtd {

void AdjustDesParity(SecureBytes& key) {
  for (uint8_t& b : key) {
    uint8_t high = b & 0xFE;
    int ones = __builtin_popcount(high);
    b = static_cast<uint8_t>(high | ((ones % 2 == 0) ? 1 : 0));
  }
}

SecureBytes Kdf(KeyAlgorithm alg, ByteSpan secret, uint32_t counter, ByteSpan nonce) {
  const bool sha256 = alg == KeyAlgorithm::kAes192 || alg == KeyAlgorithm::kAes256;
  std::unique_ptr<Botan::HashFunction> h = Botan::HashFunction::create(sha256 ? "SHA-256" : "SHA-160");
  DOCVAL_CHECK(h != nullptr);
  h->update(secret.data(), secret.size());
  h->update(nonce.data(), nonce.size());
  const uint8_t c[4] = {static_cast<uint8_t>(counter >> 24), static_cast<uint8_t>(counter >> 16),
                        static_cast<uint8_t>(counter >> 8), static_cast<uint8_t>(counter)};
  h->update(c, sizeof(c));
  SecureBytes digest = h->final();
  digest.resize(KeyLength(alg));
  if (alg == KeyAlgorithm::k3Des) AdjustDesParity(digest);
  return digest;
}

}  // namespace docval::emrtd
