// Internal to crypto/: the primality test for numbers a chip chooses (p and q of an explicit DH group,
// p and the order of an explicit EC group). Not for use outside validator/emrtd/crypto/ (it includes
// Botan).
//
// The test is Baillie-PSW: trial division by the odd primes below 256, a strong probable-prime test
// (Miller-Rabin) to base 2, `kRandomBases` more to random bases, and an extra strong Lucas
// probable-prime test (Q = 1, P the least integer from 3 with Jacobi((P^2 - 4) / n) = -1; Baillie,
// Fiori and Wagstaff, "Strengthening the Baillie-PSW primality test", 2021). No composite passing
// both the base-2 and the Lucas test is known, and the two are built to fail on different numbers;
// it is what "Prime and Prejudice" (Albrecht et al., CCS 2018) recommends for numbers chosen by an
// adversary, where a fixed number of random Miller-Rabin rounds is the weaker choice.
//
// Why not Botan::is_prime(n, rng, 64): for a number it did not generate it runs 32 Miller-Rabin
// rounds and a Lucas test on Barrett reductions: about 0.1 s of CPU for a 2048-bit p, 37 times an
// honest session (bench/session_cost_bench), paid by a server for a group a chip made up. This test
// costs one modular exponentiation per base and a Lucas ladder of two Montgomery multiplications
// per bit of n.
#ifndef DOCVAL_VALIDATOR_EMRTD_CRYPTO_PRIMALITY_H_
#define DOCVAL_VALIDATOR_EMRTD_CRYPTO_PRIMALITY_H_

#include <cstddef>

#include <botan/bigint.h>
#include <botan/rng.h>

namespace docval::emrtd::crypto_internal {

// Miller-Rabin rounds to random bases on top of base 2 (a composite passes one with probability at
// most 1/4, whoever chose it).
inline constexpr size_t kRandomBases = 1;

// Whether n is a (Baillie-PSW) probable prime. Any n: negative, 0 and 1 are not prime, 2 is.
bool IsProbablePrime(const Botan::BigInt& n, Botan::RandomNumberGenerator& rng);

// The two halves, exposed for tests. Both require an odd n > 3 (and base in [2, n-2]).
// Strong probable prime to `base`: n-1 = 2^s d with d odd, base^d = 1 or base^(2^r d) = -1 for some
// r < s (mod n).
bool IsStrongProbablePrime(const Botan::BigInt& n, const Botan::BigInt& base);
// Extra strong Lucas probable prime with the parameters above (n+1 = 2^s d with d odd: U_d = 0 and
// V_d = +-2, or V_(2^r d) = 0 for some r < s-1). False for a perfect square (no P exists).
bool IsExtraStrongLucasProbablePrime(const Botan::BigInt& n);

}  // namespace docval::emrtd::crypto_internal

#endif  // DOCVAL_VALIDATOR_EMRTD_CRYPTO_PRIMALITY_H_
