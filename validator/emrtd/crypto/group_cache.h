// Verdicts on explicit (proprietary) domain parameters, remembered across sessions. Validating a DH
// group chosen by the chip costs primality tests of p and q (tens of milliseconds for 2048 bits); a
// chip that presents the same group in every session, or the same group behind several PACEInfos,
// pays that once per process when the reader is given a cache (ReaderConfig::group_cache).
//
// The core stays pure: this is only the interface. validator/cache/ holds the thread-safe bounded
// implementation a server shares between sessions; without one (nullptr, the default) nothing is
// remembered. Keys are GroupCacheKey() digests: SHA-256 over the kind and the length-prefixed
// parameters, so two groups share a verdict only when all their parameters are equal.
#ifndef DOCVAL_VALIDATOR_EMRTD_CRYPTO_GROUP_CACHE_H_
#define DOCVAL_VALIDATOR_EMRTD_CRYPTO_GROUP_CACHE_H_

#include <initializer_list>
#include <map>
#include <optional>

#include "absl/strings/string_view.h"
#include "validator/emrtd/bytes.h"

namespace docval::emrtd {

class GroupValidationCache {
 public:
  virtual ~GroupValidationCache() = default;
  // The verdict stored for `key`: true = the parameters passed every check, false = they failed one.
  virtual std::optional<bool> Lookup(const Bytes& key) = 0;
  // Remembers a verdict; an implementation may forget entries (it is bounded).
  virtual void Store(const Bytes& key, bool valid) = 0;
};

// One session's verdicts in front of the process's cache (`next`, may be null): several PACEInfos or
// keys naming one group validate it once per session even without a process cache.
class SessionGroupCache : public GroupValidationCache {
 public:
  explicit SessionGroupCache(GroupValidationCache* next) : next_(next) {}
  std::optional<bool> Lookup(const Bytes& key) override;
  void Store(const Bytes& key, bool valid) override;

 private:
  GroupValidationCache* next_;
  std::map<Bytes, bool> seen_;
};

// SHA-256 of `kind` and each part prefixed by its length (4 bytes, big-endian).
Bytes GroupCacheKey(absl::string_view kind, std::initializer_list<ByteSpan> parts);

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_CRYPTO_GROUP_CACHE_H_
