// A thread-safe bounded GroupValidationCache (validator/emrtd/crypto/group_cache.h) for a server:
// one instance shared by every session of the process, so an explicit DH group a chip presents is
// validated (primality tests of p and q) at most once per process while it stays among the
// `capacity` most recently used. Least recently used verdicts are forgotten first; memory is bounded
// by capacity x (32-byte key + a few pointers).
//
// Wiring: ReaderConfig::group_cache = &cache (the cache must outlive every session using it).
#ifndef DOCVAL_VALIDATOR_CACHE_GROUP_CACHE_H_
#define DOCVAL_VALIDATOR_CACHE_GROUP_CACHE_H_

#include <cstddef>
#include <list>
#include <map>
#include <optional>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/crypto/group_cache.h"

namespace docval::cache {

class BoundedGroupCache : public emrtd::GroupValidationCache {
 public:
  static constexpr size_t kDefaultCapacity = 1024;
  // `capacity` >= 1.
  explicit BoundedGroupCache(size_t capacity = kDefaultCapacity);

  std::optional<bool> Lookup(const emrtd::Bytes& key) override;
  void Store(const emrtd::Bytes& key, bool valid) override;

  size_t size() const;
  size_t capacity() const { return capacity_; }

 private:
  using Entry = std::pair<emrtd::Bytes, bool>;
  const size_t capacity_;
  mutable absl::Mutex mu_;
  std::list<Entry> order_ ABSL_GUARDED_BY(mu_);  // most recently used first
  std::map<emrtd::Bytes, std::list<Entry>::iterator> index_ ABSL_GUARDED_BY(mu_);
};

}  // namespace docval::cache

#endif  // DOCVAL_VALIDATOR_CACHE_GROUP_CACHE_H_
