// The cryptography one reading session cannot avoid, done with Botan directly (no DocVal code), for
// comparing with the CPU time of whole sessions (crypto_floor_bench.cc).
//
// For a session profile the floor runs the protocol's mathematics between a terminal and a chip,
// both written straight on Botan 2, and times each side apart (thread CPU):
//   access   BAC (SHA-1 KDF, 3DES, retail MAC), or PACE-GM / PACE-CAM ECDH with AES-128:
//            K_pi and s = D(K_pi, z); per side a mapping key pair ([k]G), H = [k]PK_map (with the
//            peer's point decoded and checked on the curve), G~ = [s]G + H, an ephemeral key pair
//            on G~, K = [k~]PK~ ; KS_enc, KS_mac; both tokens (AES-CMAC). Botan's blinded
//            multiplications, as its own ECDH uses.
//   ca       Chip Authentication ECDH: terminal key pair, K with the chip's static key; the chip's K.
//   cam      PACE-CAM: the chip's CA_IC = SK_map * SK_IC^-1 mod n encrypted under KS_enc; the
//            terminal decrypts it and checks [CA_IC]PK_IC = PK_map,IC.
//   aa       Active Authentication: the chip signs (RSA ISO 9796-2 as a raw RSA private operation,
//            or ECDSA), the terminal loads the chip's public key (DG15's SubjectPublicKeyInfo: a
//            new key every session) and verifies (raw RSA public operation + SHA-1, or ECDSA).
//   pa       per signed object (EF.SOD; EF.CardSecurity for CAM): the digest of its content, its
//            signature over the signed attributes with the Document Signer key, and the Document
//            Signer certificate's signature with the CSCA key (Botan's X509_Object::check_signature).
//            The signatures and certificates are the profile's own (parsed once, outside the timing),
//            their keys loaded once (FloorTimes::key_load_ns is what loading them costs).
//   hash     the data groups read, with the SOD's algorithm (SHA-256).
//   sm       secure messaging of every protected exchange of the session (as the extended-length
//            link reads every file in one response): IV, CBC of the data, MAC of command and response,
//            on both sides.
// The chip's side has no pa/hash. Keys of the same type and size as the profile's (AA, CA, CAM
// static keys) are generated once, outside the timing.
#ifndef DOCVAL_BENCH_CRYPTO_FLOOR_H_
#define DOCVAL_BENCH_CRYPTO_FLOOR_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "bench/sessions.h"

namespace docval::bench {

enum class FloorPart { kAccess, kCa, kCam, kAa, kPa, kHash, kSm };
inline constexpr size_t kFloorParts = 7;
const char* FloorPartName(FloorPart part);

struct FloorTimes {
  std::array<int64_t, kFloorParts> terminal_ns{};  // per part
  std::array<int64_t, kFloorParts> chip_ns{};
  // Not in the floor: loading the Document Signer and CSCA public keys of the signed objects with
  // Botan (X509::load_key), which a server can do once per key instead of once per session.
  int64_t key_load_ns = 0;
  int64_t terminal_total() const;
  int64_t chip_total() const;
};

class CryptoFloor {
 public:
  // Profiles: bac-passport, pace-gm-ecdh-ca-aa, pace-gm-ecdh-ca-aa-large-dg2, pace-cam-idcard.
  // kUnimplemented for others.
  static absl::StatusOr<std::unique_ptr<CryptoFloor>> ForCase(const Case& c, const World& world);
  virtual ~CryptoFloor() = default;

  // One session's floor; adds the times to `times`. Checks its own results (both sides agree on
  // every key, every signature verifies) and crashes when they do not: a floor that skips work
  // would be no floor.
  virtual void Run(FloorTimes& times) = 0;
  // What the floor covers, for the report.
  virtual std::string Describe() const = 0;
};

}  // namespace docval::bench

#endif  // DOCVAL_BENCH_CRYPTO_FLOOR_H_
