#include "validator/emrtd/crypto/key_cache.h"

namespace docval::emrtd {

absl::StatusOr<std::shared_ptr<const VerificationKey>> KeyOfCertificate(const x509::Certificate& cert,
                                                                        VerificationKeyCache* cache, bool* from_cache) {
  *from_cache = false;
  if (cache != nullptr) {
    std::shared_ptr<const VerificationKey> key = cache->Lookup(cert.fingerprint());
    if (key != nullptr && key->spki() == cert.spki()) {
      *from_cache = true;
      return key;
    }
  }
  return VerificationKey::Load(cert.spki());
}

}  // namespace docval::emrtd
