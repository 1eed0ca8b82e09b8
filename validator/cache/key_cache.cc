#include "validator/cache/key_cache.h"

#include <algorithm>
#include <utility>

namespace docval::cache {
namespace {

// What an entry costs beyond its key: the fingerprint twice (list and index) and the nodes.
size_t EntryBytes(const emrtd::Bytes& fingerprint, const emrtd::VerificationKey& key) {
  return key.memory_bytes() + 2 * fingerprint.size() + 128;
}

}  // namespace

BoundedKeyCache::BoundedKeyCache(size_t max_entries, size_t max_bytes)
    : max_entries_(std::max<size_t>(max_entries, 1)), max_bytes_(std::max<size_t>(max_bytes, 1)) {}

std::shared_ptr<const emrtd::VerificationKey> BoundedKeyCache::Lookup(const emrtd::Bytes& fingerprint) {
  absl::MutexLock lock(&mu_);
  auto it = index_.find(fingerprint);
  if (it == index_.end()) return nullptr;
  // splice keeps the iterator valid, and the index with it.
  List::iterator e = it->second;
  if (e->is_protected) {
    protected_.splice(protected_.begin(), protected_, e);
  } else {
    e->is_protected = true;
    protected_bytes_ += e->bytes;
    protected_.splice(protected_.begin(), probation_, e);
    DemoteLocked();
  }
  return e->key;
}

void BoundedKeyCache::Store(const emrtd::Bytes& fingerprint, std::shared_ptr<const emrtd::VerificationKey> key) {
  if (key == nullptr) return;
  const size_t bytes = EntryBytes(fingerprint, *key);
  if (bytes > max_bytes_ / 8) return;
  absl::MutexLock lock(&mu_);
  if (index_.contains(fingerprint)) return;  // the same certificate: the same key
  probation_.push_front(Entry{fingerprint, std::move(key), bytes, false});
  index_[fingerprint] = probation_.begin();
  bytes_ += bytes;
  EvictLocked();
}

void BoundedKeyCache::DemoteLocked() {
  const size_t max_entries = std::max<size_t>(max_entries_ * 4 / 5, 1);
  const size_t max_bytes = max_bytes_ / 5 * 4;
  while (!protected_.empty() && (protected_.size() > max_entries || protected_bytes_ > max_bytes)) {
    List::iterator last = std::prev(protected_.end());
    last->is_protected = false;
    protected_bytes_ -= last->bytes;
    probation_.splice(probation_.begin(), protected_, last);
  }
}

void BoundedKeyCache::EvictLocked() {
  while (index_.size() > max_entries_ || bytes_ > max_bytes_) {
    List& from = probation_.empty() ? protected_ : probation_;
    if (from.empty()) return;
    const Entry& last = from.back();
    bytes_ -= last.bytes;
    if (last.is_protected) protected_bytes_ -= last.bytes;
    index_.erase(last.fingerprint);
    from.pop_back();
  }
}

BoundedKeyCache::Stats BoundedKeyCache::stats() const {
  absl::MutexLock lock(&mu_);
  return Stats{.entries = index_.size(), .bytes = bytes_, .protected_entries = protected_.size()};
}

bool BoundedKeyCache::Contains(const emrtd::Bytes& fingerprint) const {
  absl::MutexLock lock(&mu_);
  return index_.contains(fingerprint);
}

}  // namespace docval::cache
