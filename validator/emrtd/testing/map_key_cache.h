// A VerificationKeyCache for tests (crypto/key_cache.h): keys per fingerprint in a map, counting its
// calls; with `poison` set it answers every lookup with that key (a colliding or broken cache).
#ifndef DOCVAL_VALIDATOR_EMRTD_TESTING_MAP_KEY_CACHE_H_
#define DOCVAL_VALIDATOR_EMRTD_TESTING_MAP_KEY_CACHE_H_

#include <map>
#include <memory>
#include <utility>

#include "validator/emrtd/bytes.h"
#include "validator/emrtd/crypto/key_cache.h"

namespace docval::emrtd::testing {

class MapKeyCache : public VerificationKeyCache {
 public:
  std::shared_ptr<const VerificationKey> Lookup(const Bytes& fingerprint) override {
    ++lookups;
    if (poison) return poison;
    auto it = keys.find(fingerprint);
    return it == keys.end() ? nullptr : it->second;
  }
  void Store(const Bytes& fingerprint, std::shared_ptr<const VerificationKey> key) override {
    ++stores;
    keys[fingerprint] = std::move(key);
  }

  std::map<Bytes, std::shared_ptr<const VerificationKey>> keys;
  std::shared_ptr<const VerificationKey> poison;
  int lookups = 0;
  int stores = 0;
};

}  // namespace docval::emrtd::testing

#endif  // DOCVAL_VALIDATOR_EMRTD_TESTING_MAP_KEY_CACHE_H_
