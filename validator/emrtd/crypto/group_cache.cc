#include "validator/emrtd/crypto/group_cache.h"

#include "validator/emrtd/crypto/hash.h"

namespace docval::emrtd {

std::optional<bool> SessionGroupCache::Lookup(const Bytes& key) {
  auto it = seen_.find(key);
  if (it != seen_.end()) return it->second;
  std::optional<bool> v = next_ != nullptr ? next_->Lookup(key) : std::nullopt;
  if (v.has_value()) seen_[key] = *v;
  return v;
}

void SessionGroupCache::Store(const Bytes& key, bool valid) {
  seen_[key] = valid;
  if (next_ != nullptr) next_->Store(key, valid);
}

Bytes GroupCacheKey(absl::string_view kind, std::initializer_list<ByteSpan> parts) {
  Bytes input(kind.begin(), kind.end());
  for (ByteSpan part : parts) {
    const size_t n = part.size();
    for (int shift = 24; shift >= 0; shift -= 8) input.push_back(static_cast<uint8_t>(n >> shift));
    input.insert(input.end(), part.begin(), part.end());
  }
  return Hash(HashAlgorithm::kSha256, input);
}

}  // namespace docval::emrtd
