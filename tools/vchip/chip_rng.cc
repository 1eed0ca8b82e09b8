#include "tools/vchip/chip_rng.h"

#include <botan/chacha_rng.h>
#include <botan/system_rng.h>

namespace docval::vchip {
namespace {

class BotanRandom : public ChipRandom {
 public:
  explicit BotanRandom(std::unique_ptr<Botan::RandomNumberGenerator> rng) : rng_(std::move(rng)) {}
  Bytes Draw(absl::string_view, size_t n) override {
    Bytes out(n);
    rng_->randomize(out.data(), out.size());
    return out;
  }
  Botan::BigInt Scalar(absl::string_view, const Botan::BigInt& bound) override {
    return Botan::BigInt::random_integer(*rng_, 1, bound);
  }
  Botan::RandomNumberGenerator& rng() override { return *rng_; }

 private:
  std::unique_ptr<Botan::RandomNumberGenerator> rng_;
};

}  // namespace

std::unique_ptr<ChipRandom> NewSeededRandom(uint64_t seed) {
  Botan::secure_vector<uint8_t> key(32, 0);
  for (int i = 0; i < 8; ++i) key[i] = static_cast<uint8_t>(seed >> (8 * i));
  key[31] = 0x5C;  // domain separation from other seeded uses of ChaCha in the project
  return std::make_unique<BotanRandom>(std::make_unique<Botan::ChaCha_RNG>(key));
}

std::unique_ptr<ChipRandom> NewSystemRandom() {
  return std::make_unique<BotanRandom>(std::make_unique<Botan::System_RNG>());
}

ScriptedRandom::ScriptedRandom(uint64_t fallback_seed) : fallback_(NewSeededRandom(fallback_seed)) {}
ScriptedRandom::~ScriptedRandom() = default;

void ScriptedRandom::Add(std::string purpose, Bytes value) {
  values_[std::move(purpose)].push_back(std::move(value));
}

bool ScriptedRandom::Take(absl::string_view purpose, Bytes* out) {
  auto it = values_.find(purpose);
  if (it == values_.end() || it->second.empty()) return false;
  *out = std::move(it->second.front());
  it->second.erase(it->second.begin());
  return true;
}

Bytes ScriptedRandom::Draw(absl::string_view purpose, size_t n) {
  Bytes v;
  if (Take(purpose, &v)) {
    v.resize(n, 0);
    return v;
  }
  return fallback_->Draw(purpose, n);
}

Botan::BigInt ScriptedRandom::Scalar(absl::string_view purpose, const Botan::BigInt& bound) {
  Bytes v;
  if (Take(purpose, &v)) return Botan::BigInt(v.data(), v.size());
  return fallback_->Scalar(purpose, bound);
}

Botan::RandomNumberGenerator& ScriptedRandom::rng() { return fallback_->rng(); }

size_t ScriptedRandom::Remaining() const {
  size_t n = 0;
  for (const auto& [k, v] : values_) n += v.size();
  return n;
}

}  // namespace docval::vchip
