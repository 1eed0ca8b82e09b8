// Randomness for the dialog, drawn through an interface that names its purpose so that a recorded
// dialog can be replayed byte for byte (`docval replay`, support traces).
//
// Purposes in use: "bac.rnd_ifd", "bac.k_ifd", "pace.mapping_key", "pace.ephemeral_key",
// "ca.ephemeral_key", "aa.challenge". Private keys are drawn as Scalar(): the big-endian integer
// itself (ECDH scalar or DH exponent), so a trace can state it directly.
#ifndef DOCVAL_VALIDATOR_EMRTD_CRYPTO_RANDOM_H_
#define DOCVAL_VALIDATOR_EMRTD_CRYPTO_RANDOM_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/crypto/secure_bytes.h"

namespace docval::emrtd {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // `n` random bytes.
  virtual absl::StatusOr<SecureBytes> Bytes(absl::string_view purpose, size_t n) = 0;
  // A uniformly random integer in [1, bound - 1] (bound > 2, big-endian, no sign byte), returned
  // big-endian with the byte length of `bound`.
  virtual absl::StatusOr<SecureBytes> Scalar(absl::string_view purpose, ByteSpan bound) = 0;
};

// The system's CSPRNG (Botan's System_RNG). Thread-safe; one per process is enough.
std::unique_ptr<RandomSource> NewSystemRandom();

// The same bytes every time: `fill` repeated for Bytes(), and 5 (left-padded to the bound's length)
// for Scalar(). For fuzz targets, whose runs must repeat; never for a session.
class FixedRandom : public RandomSource {
 public:
  explicit FixedRandom(uint8_t fill = 0x42) : fill_(fill) {}
  absl::StatusOr<SecureBytes> Bytes(absl::string_view purpose, size_t n) override;
  absl::StatusOr<SecureBytes> Scalar(absl::string_view purpose, ByteSpan bound) override;

 private:
  uint8_t fill_;
};

// Answers each purpose with the values given for it, in order (replay and tests). A purpose with
// no value left is an error (the trace does not match the dialog). Scalars are returned as given,
// left-padded to the bound's length; a value not below the bound is an error.
class ScriptedRandom : public RandomSource {
 public:
  ScriptedRandom() = default;
  void Add(std::string purpose, docval::emrtd::Bytes value);

  absl::StatusOr<SecureBytes> Bytes(absl::string_view purpose, size_t n) override;
  absl::StatusOr<SecureBytes> Scalar(absl::string_view purpose, ByteSpan bound) override;

  // Purposes and how many values each still holds.
  std::map<std::string, size_t> Remaining() const;

 private:
  absl::StatusOr<docval::emrtd::Bytes> Take(absl::string_view purpose);
  std::map<std::string, std::vector<docval::emrtd::Bytes>, std::less<>> values_;
};

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_CRYPTO_RANDOM_H_
