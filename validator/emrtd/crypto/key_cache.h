// Document Signer keys kept loaded across sessions. Loading an RSA key for verification costs a
// constant-time division (signature.h VerificationKey); every passport of a country signed by one
// Document Signer presents the same certificate, so a server pays it once per certificate while the
// key stays cached (bench/README.md, crypto floor finding 3).
//
// The core stays pure: this is only the interface and the rule of its use. validator/cache/ holds the
// thread-safe bounded implementation a server shares between sessions; without one (nullptr, the
// default) every session loads its keys.
//
// Entries are keyed by the certificate's fingerprint (SHA-256 of its DER). A cached key never decides
// anything: it is the key the certificate's SPKI would load (checked byte for byte on every use), and
// every check of the session (the signature, the chain, validity, CRLs) runs as without a cache. The
// core offers a key only after the certificate it came from chained to the trust store and the signed
// object verified with it, so a chip cannot fill the cache with certificates of its own making.
#ifndef DOCVAL_VALIDATOR_EMRTD_CRYPTO_KEY_CACHE_H_
#define DOCVAL_VALIDATOR_EMRTD_CRYPTO_KEY_CACHE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/crypto/signature.h"
#include "validator/emrtd/crypto/x509.h"

namespace docval::emrtd {

class VerificationKeyCache {
 public:
  virtual ~VerificationKeyCache() = default;
  // The key stored for the certificate with this fingerprint, or null.
  virtual std::shared_ptr<const VerificationKey> Lookup(const Bytes& fingerprint) = 0;
  // Offers the key of a trusted certificate; the cache may decline it or forget it later (bounded).
  virtual void Store(const Bytes& fingerprint, std::shared_ptr<const VerificationKey> key) = 0;
};

// The key of `cert` from `cache` (may be null) when it holds one for the certificate's fingerprint
// with the certificate's SPKI, otherwise loaded from the SPKI (VerificationKey::Load's errors);
// `*from_cache` says which.
absl::StatusOr<std::shared_ptr<const VerificationKey>> KeyOfCertificate(const x509::Certificate& cert,
                                                                        VerificationKeyCache* cache, bool* from_cache);

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_CRYPTO_KEY_CACHE_H_
