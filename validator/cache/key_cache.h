// A thread-safe bounded VerificationKeyCache (validator/emrtd/crypto/key_cache.h) for a server: one
// instance shared by every session of the process, so the key of a Document Signer certificate is
// loaded (for RSA: the constant-time division of its Montgomery parameters) once while it stays
// cached, instead of once per session.
//
// Bounds: at most `max_entries` keys and `max_bytes` of them (VerificationKey::memory_bytes() plus the
// fingerprint and the bookkeeping); a key larger than max_bytes / 8 is not kept.
//
// Eviction is a segmented LRU, so that certificates seen once cannot push out those in steady use:
// a new key enters the probationary segment; a key looked up again while there moves to the protected
// segment, which holds at most 4/5 of both bounds (its least recently used keys fall back to
// probation). Keys are evicted from the probationary segment's least recently used end first, from
// the protected segment only when probation is empty. A stream of new certificates (the core only
// offers keys of certificates that chained to the trust store and verified their object) therefore
// only replaces keys that were never used twice.
//
// Wiring: ReaderConfig::signer_key_cache = &cache (the cache must outlive every session using it).
// Keys are immutable and shared: an evicted key stays valid for a session still holding it.
#ifndef DOCVAL_VALIDATOR_CACHE_KEY_CACHE_H_
#define DOCVAL_VALIDATOR_CACHE_KEY_CACHE_H_

#include <cstddef>
#include <list>
#include <map>
#include <memory>

#include "absl/synchronization/mutex.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/crypto/key_cache.h"

namespace docval::cache {

class BoundedKeyCache : public emrtd::VerificationKeyCache {
 public:
  static constexpr size_t kDefaultMaxEntries = 1024;
  static constexpr size_t kDefaultMaxBytes = 4 << 20;  // RSA-2048 keys take about 2.3 KB each
  // Both bounds >= 1.
  explicit BoundedKeyCache(size_t max_entries = kDefaultMaxEntries, size_t max_bytes = kDefaultMaxBytes);

  std::shared_ptr<const emrtd::VerificationKey> Lookup(const emrtd::Bytes& fingerprint) override;
  void Store(const emrtd::Bytes& fingerprint, std::shared_ptr<const emrtd::VerificationKey> key) override;

  struct Stats {
    size_t entries = 0;
    size_t bytes = 0;
    size_t protected_entries = 0;
  };
  Stats stats() const;
  // Whether `fingerprint` is cached, without counting as a use.
  bool Contains(const emrtd::Bytes& fingerprint) const;
  size_t max_entries() const { return max_entries_; }
  size_t max_bytes() const { return max_bytes_; }

 private:
  struct Entry {
    emrtd::Bytes fingerprint;
    std::shared_ptr<const emrtd::VerificationKey> key;
    size_t bytes = 0;
    bool is_protected = false;
  };
  using List = std::list<Entry>;

  void DemoteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void EvictLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t max_entries_;
  const size_t max_bytes_;
  mutable absl::Mutex mu_;
  List probation_ ABSL_GUARDED_BY(mu_);  // most recently used first
  List protected_ ABSL_GUARDED_BY(mu_);  // most recently used first
  std::map<emrtd::Bytes, List::iterator> index_ ABSL_GUARDED_BY(mu_);
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
  size_t protected_bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace docval::cache

#endif  // DOCVAL_VALIDATOR_CACHE_KEY_CACHE_H_
