#include "validator/emrtd/crypto/random.h"

#include <botan/bigint.h>
#include <botan/system_rng.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace docval::emrtd {
namespace {

class SystemRandom : public RandomSource {
 public:
  absl::StatusOr<SecureBytes> Bytes(absl::string_view, size_t n) override {
    SecureBytes out(n);
    rng_.randomize(out.data(), out.size());
    return out;
  }

  absl::StatusOr<SecureBytes> Scalar(absl::string_view, ByteSpan bound) override {
    Botan::BigInt b(bound.data(), bound.size());
    if (b <= 2) return absl::InvalidArgumentError("random scalar: bound must exceed 2");
    Botan::BigInt x = Botan::BigInt::random_integer(rng_, 1, b);
    return Botan::BigInt::encode_1363(x, bound.size());
  }

 private:
  Botan::System_RNG rng_;
};

}  // namespace

std::unique_ptr<RandomSource> NewSystemRandom() { return std::make_unique<SystemRandom>(); }

absl::StatusOr<SecureBytes> FixedRandom::Bytes(absl::string_view, size_t n) { return SecureBytes(n, fill_); }

absl::StatusOr<SecureBytes> FixedRandom::Scalar(absl::string_view, ByteSpan bound) {
  SecureBytes s(bound.size(), 0x00);
  if (!s.empty()) s.back() = 0x05;
  return s;
}

void ScriptedRandom::Add(std::string purpose, docval::emrtd::Bytes value) {
  values_[std::move(purpose)].push_back(std::move(value));
}

absl::StatusOr<docval::emrtd::Bytes> ScriptedRandom::Take(absl::string_view purpose) {
  auto it = values_.find(purpose);
  if (it == values_.end() || it->second.empty()) {
    return absl::NotFoundError(absl::StrCat("no recorded randomness for \"", purpose, "\""));
  }
  docval::emrtd::Bytes v = std::move(it->second.front());
  it->second.erase(it->second.begin());
  return v;
}

absl::StatusOr<SecureBytes> ScriptedRandom::Bytes(absl::string_view purpose, size_t n) {
  absl::StatusOr<docval::emrtd::Bytes> v = Take(purpose);
  if (!v.ok()) return v.status();
  if (v->size() != n) {
    return absl::InvalidArgumentError(
        absl::StrCat("recorded \"", purpose, "\" has ", v->size(), " bytes; the dialog needs ", n));
  }
  return ToSecure(*v);
}

absl::StatusOr<SecureBytes> ScriptedRandom::Scalar(absl::string_view purpose, ByteSpan bound) {
  absl::StatusOr<docval::emrtd::Bytes> v = Take(purpose);
  if (!v.ok()) return v.status();
  Botan::BigInt x(v->data(), v->size());
  Botan::BigInt b(bound.data(), bound.size());
  if (x.is_zero() || x >= b) {
    return absl::InvalidArgumentError(absl::StrCat("recorded \"", purpose, "\" is not in [1, bound)"));
  }
  return Botan::BigInt::encode_1363(x, bound.size());
}

std::map<std::string, size_t> ScriptedRandom::Remaining() const {
  std::map<std::string, size_t> out;
  for (const auto& [k, v] : values_) out[k] = v.size();
  return out;
}

}  // namespace docval::emrtd
