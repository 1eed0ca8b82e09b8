#include "validator/emrtd/crypto/primality.h"

#include <cstdint>
#include <memory>

#include <botan/monty.h>
#include <botan/numthry.h>
#include <botan/reducer.h>

namespace docval::emrtd::crypto_internal {
namespace {

using Botan::BigInt;
using Botan::Montgomery_Int;
using Botan::Montgomery_Params;

// A Jacobi symbol of -1 is found for P below this for every n that is not a square (the least
// non-residue of a prime is tiny); a chip that makes the search run longer gets "not prime".
constexpr uint32_t kMaxLucasP = 1000;

}  // namespace

bool IsStrongProbablePrime(const BigInt& n, const BigInt& base) {
  const BigInt n_minus_1 = n - 1;
  const size_t s = Botan::low_zero_bits(n_minus_1);
  BigInt x = Botan::power_mod(base, n_minus_1 >> s, n);
  if (x == 1 || x == n_minus_1) return true;
  const Botan::Modular_Reducer mod_n(n);
  for (size_t r = 1; r < s; ++r) {
    x = mod_n.square(x);
    if (x == n_minus_1) return true;
    if (x == 1) return false;  // a non-trivial square root of 1
  }
  return false;
}

bool IsExtraStrongLucasProbablePrime(const BigInt& n) {
  if (!Botan::is_perfect_square(n).is_zero()) return false;
  uint32_t p = 3;
  for (;; ++p) {
    if (p > kMaxLucasP) return false;
    const int32_t j = Botan::jacobi(BigInt(p * p - 4), n);
    if (j == -1) break;
    if (j == 0) return false;  // a factor in common with P^2 - 4 = (P-2)(P+2), and n > P + 2
  }
  // n + 1 = 2^s d, d odd. (V_k, V_k+1) climb the bits of d: V_2k = V_k^2 - 2, V_2k+1 = V_k V_k+1 - P.
  const BigInt n_plus_1 = n + 1;
  const size_t s = Botan::low_zero_bits(n_plus_1);
  const BigInt d = n_plus_1 >> s;
  const auto params = std::make_shared<const Montgomery_Params>(n);
  const Montgomery_Int two(params, BigInt(2)), minus_two(params, n - 2), pm(params, BigInt(p));
  Montgomery_Int v0 = two, v1 = pm;
  for (size_t i = d.bits(); i-- > 0;) {
    if (d.get_bit(i)) {
      v0 = v0 * v1 - pm;
      v1 = v1 * v1 - two;
    } else {
      v1 = v0 * v1 - pm;
      v0 = v0 * v0 - two;
    }
  }
  // D U_d = 2 V_d+1 - P V_d, and D = P^2 - 4 is invertible mod n (its Jacobi symbol is -1).
  if ((v0 == two || v0 == minus_two) && v1 + v1 == pm * v0) return true;
  for (size_t r = 0; r + 1 < s; ++r) {
    if (v0.is_zero()) return true;
    v0 = v0 * v0 - two;
  }
  return false;
}

bool IsProbablePrime(const BigInt& n, Botan::RandomNumberGenerator& rng) {
  if (n.is_negative() || n < 2) return false;
  if (n == 2) return true;
  if (n.is_even()) return false;
  for (size_t i = 0; Botan::PRIMES[i] < 256; ++i) {  // Botan's table starts at 3
    if (n == Botan::PRIMES[i]) return true;
    if (n % Botan::PRIMES[i] == 0) return false;
  }
  if (n < 256 * 256) return true;  // no prime factor below its square root
  if (!IsStrongProbablePrime(n, BigInt(2))) return false;
  for (size_t i = 0; i < kRandomBases; ++i) {
    if (!IsStrongProbablePrime(n, BigInt::random_integer(rng, 2, n - 1))) return false;
  }
  return IsExtraStrongLucasProbablePrime(n);
}

}  // namespace docval::emrtd::crypto_internal
