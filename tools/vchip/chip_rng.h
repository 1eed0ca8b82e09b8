// Chip-side randomness, injectable so that tests (and recorded demos) are deterministic.
//
// Every random value the virtual chip draws names its purpose, so a test can pin exactly the values of
// a worked example (the ICAO 9303-11 Appendix D RND.IC and K.IC, the Appendix G nonce and keys) and let
// everything else come from a seeded generator. Purposes in use:
//   "bac.rnd_icc" (8 bytes), "bac.k_icc" (16 bytes), "pace.nonce" (GM/CAM: one cipher block; IM: 16 bytes for 3DES and
//   AES-128, 32 for AES-192/256), "pace.mapping_key" and "pace.ephemeral_key" (scalars below the group order; DH: below
//   q), "aa.m1" (the ISO/IEC 9796-2 M1 of an RSA Active Authentication signature), "challenge" (GET CHALLENGE outside
//   BAC).
// Botan operations that need a generator for blinding or key generation use rng().
//
// Not thread-safe: one source per chip, one chip per session.
#ifndef DOCVAL_TOOLS_VCHIP_CHIP_RNG_H_
#define DOCVAL_TOOLS_VCHIP_CHIP_RNG_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <botan/bigint.h>
#include <botan/rng.h>

#include "absl/strings/string_view.h"
#include "validator/emrtd/bytes.h"

namespace docval::vchip {

using emrtd::Bytes;
using emrtd::ByteSpan;

class ChipRandom {
 public:
  virtual ~ChipRandom() = default;
  // `n` random bytes for `purpose`.
  virtual Bytes Draw(absl::string_view purpose, size_t n) = 0;
  // A uniformly random integer in [1, bound - 1] for `purpose` (bound > 2).
  virtual Botan::BigInt Scalar(absl::string_view purpose, const Botan::BigInt& bound) = 0;
  // A generator for Botan (blinding, RSA/EC key generation by the test PKI).
  virtual Botan::RandomNumberGenerator& rng() = 0;
};

// ChaCha20-based, fully determined by `seed`: the same seed yields the same chip answers.
std::unique_ptr<ChipRandom> NewSeededRandom(uint64_t seed);
// The operating system's CSPRNG (for the demo and load tests).
std::unique_ptr<ChipRandom> NewSystemRandom();

// Returns the values given for a purpose, in order; once a purpose has no value left (or never had
// one) it falls back to a seeded generator. A scripted scalar is returned as given (a test that injects
// a value not below the bound gets it anyway: the chip under test must cope).
class ScriptedRandom : public ChipRandom {
 public:
  explicit ScriptedRandom(uint64_t fallback_seed = 0);
  ~ScriptedRandom() override;
  void Add(std::string purpose, Bytes value);

  Bytes Draw(absl::string_view purpose, size_t n) override;
  Botan::BigInt Scalar(absl::string_view purpose, const Botan::BigInt& bound) override;
  Botan::RandomNumberGenerator& rng() override;

  // How many scripted values are left (tests assert that the chip drew all of them).
  size_t Remaining() const;

 private:
  bool Take(absl::string_view purpose, Bytes* out);
  std::map<std::string, std::vector<Bytes>, std::less<>> values_;
  std::unique_ptr<ChipRandom> fallback_;
};

}  // namespace docval::vchip

#endif  // DOCVAL_TOOLS_VCHIP_CHIP_RNG_H_
