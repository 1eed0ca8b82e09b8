// Building blocks of the crypto floor (crypto_floor.h), written straight on Botan 2: the ICAO KDF,
// padding, TLVs, CBC and MACs, and one secure messaging channel side (ICAO 9303-11 §9.8).
#ifndef DOCVAL_BENCH_FLOOR_UTIL_H_
#define DOCVAL_BENCH_FLOOR_UTIL_H_

#include <botan/block_cipher.h>
#include <botan/cipher_mode.h>
#include <botan/hash.h>
#include <botan/mac.h>
#include <botan/rng.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "bench/crypto_floor.h"
#include "bench/sessions.h"

namespace docval::bench {

using Vec = std::vector<uint8_t>;
using SVec = Botan::secure_vector<uint8_t>;

// The system RNG (as the reader's NewSystemRandom()).
Botan::RandomNumberGenerator& Rng();

// Adds the thread CPU time of f() to `acc`.
template <typename F>
void Timed(int64_t& acc, F&& f) {
  const int64_t t0 = ThreadCpuNs();
  f();
  acc += ThreadCpuNs() - t0;
}

inline size_t Index(FloorPart p) { return static_cast<size_t>(p); }

// ICAO 9303-11 §9.7.1 with SHA-1 (3DES and AES-128 keys): SHA-1(k || counter), 16 bytes.
SVec Kdf(Botan::HashFunction& sha1, const uint8_t* k, size_t k_len, uint8_t counter);
// ISO/IEC 9797-1 padding method 2.
Vec Pad(Vec data, size_t block);
// BER-TLV with a one- or two-byte tag.
Vec Tlv(uint16_t tag, const Vec& value);
Vec Cat(std::initializer_list<Vec> parts);
// One CBC pass without padding under a fresh key schedule.
Vec CbcOnce(const std::string& cipher, Botan::Cipher_Dir dir, const SVec& key, const Vec& iv, const Vec& data);
// A MAC truncated to 8 bytes ("CMAC(AES-128)", "X9.19-MAC").
Vec Mac8(const std::string& name, const SVec& key, const Vec& data);

// One side of a secure messaging channel (AES-128 or 3DES), keyed once.
class SmSide {
 public:
  SmSide(bool aes, const SVec& ks_enc, const SVec& ks_mac);
  size_t block_size() const { return block_size_; }
  void Increment();  // the send sequence counter
  // CBC under KS_enc with the IV of the current SSC (E(KS_enc, SSC) for AES, zero for 3DES).
  Vec Encrypt(const Vec& padded);
  Vec Decrypt(const Vec& ciphertext);
  // MAC(KS_mac, SSC || pad(data)), 8 bytes.
  Vec Mac(const Vec& data);

 private:
  Vec Iv();
  bool aes_;
  size_t block_size_;
  std::unique_ptr<Botan::Cipher_Mode> enc_, dec_;
  std::unique_ptr<Botan::BlockCipher> block_;
  std::unique_ptr<Botan::MessageAuthenticationCode> mac_;
  Vec ssc_;
};

// One protected command with `command_bytes` of data (and Le) and its answer with `response_bytes`,
// both sides; the times go to FloorPart::kSm.
void ProtectedExchange(SmSide& terminal, SmSide& chip, size_t command_bytes, size_t response_bytes, FloorTimes& t);

}  // namespace docval::bench

#endif  // DOCVAL_BENCH_FLOOR_UTIL_H_
