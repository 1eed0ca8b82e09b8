#include "validator/cache/group_cache.h"

#include <algorithm>

namespace docval::cache {

BoundedGroupCache::BoundedGroupCache(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {}

std::optional<bool> BoundedGroupCache::Lookup(const emrtd::Bytes& key) {
  absl::MutexLock lock(&mu_);
  auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  order_.splice(order_.begin(), order_, it->second);
  return it->second->second;
}

void BoundedGroupCache::Store(const emrtd::Bytes& key, bool valid) {
  absl::MutexLock lock(&mu_);
  auto it = index_.find(key);
  if (it != index_.end()) {
    it->second->second = valid;
    order_.splice(order_.begin(), order_, it->second);
    return;
  }
  order_.emplace_front(key, valid);
  index_[key] = order_.begin();
  if (order_.size() > capacity_) {
    index_.erase(order_.back().first);
    order_.pop_back();
  }
}

size_t BoundedGroupCache::size() const {
  absl::MutexLock lock(&mu_);
  return order_.size();
}

}  // namespace docval::cache
