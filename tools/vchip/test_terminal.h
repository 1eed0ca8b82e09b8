// A minimal inspection system for the virtual chip's own tests (and the test PKI's): BAC, PACE (GM, IM,
// CAM), Chip Authentication and file reading, written on the primitives (chip_crypto, the curve
// arithmetic of ChipGroup) separately from the chip's protocol code. It is not the DocVal reader, which
// the chip's tests must not use; the protocol steps here follow ICAO 9303-11 directly, and the worked
// examples (App. D, G, H) pin the primitives both sides share.
#ifndef DOCVAL_TOOLS_VCHIP_TEST_TERMINAL_H_
#define DOCVAL_TOOLS_VCHIP_TEST_TERMINAL_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "tools/vchip/chip_params.h"
#include "tools/vchip/virtual_chip.h"

namespace docval::vchip::testing {

// The terminal side of secure messaging.
class TerminalSm {
 public:
  TerminalSm(Cipher c, Bytes ks_enc, Bytes ks_mac, Bytes ssc);
  // Protects a plain command (Le: ne, 0 for none).
  Bytes Wrap(uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2, const Bytes& data, size_t ne);
  // Checks and opens a protected response: data || SW, or kDataLoss when the MAC or structure is wrong.
  absl::StatusOr<Bytes> Unwrap(const Bytes& rsp);
  const Bytes& ssc() const { return ssc_; }
  Cipher cipher() const { return c_; }
  // The session keys (a v2 phone hands them to the server, docs/protocol.md §3.2 CA_HANDOVER).
  const Bytes& ks_enc() const { return enc_; }
  const Bytes& ks_mac() const { return mac_; }

 private:
  void Step();
  Bytes Iv() const;
  Cipher c_;
  Bytes enc_, mac_, ssc_;
};

// Sends `apdu` and returns the response; the chip staying silent is an error.
absl::StatusOr<Bytes> Exchange(VirtualChip& chip, const Bytes& apdu);
// Sends a plain command in short APDUs only: data over 255 bytes goes in a command chain (CLA b5), and
// 61xx answers are completed with GET RESPONSE. Returns the whole answer (data || SW).
absl::StatusOr<Bytes> ShortExchange(VirtualChip& chip, uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2,
                                    const Bytes& data, size_t ne);
// Sends a command protected by `sm` and returns the opened response (data || SW).
absl::StatusOr<Bytes> SecureExchange(VirtualChip& chip, TerminalSm& sm, uint8_t ins, uint8_t p1, uint8_t p2,
                                     const Bytes& data, size_t ne);
// The last two bytes of a response as an integer.
uint16_t SwOf(const Bytes& rsp);

// BAC with the MRZ information (document number, DOB, DOE with check digits).
absl::StatusOr<TerminalSm> TerminalBac(VirtualChip& chip, const std::string& mrz_information);

struct PaceOutcome {
  std::optional<TerminalSm> sm;  // set when PACE succeeded
  uint16_t failed_sw = 0;        // the status word that ended a failed run
  Bytes chip_pk_map;             // GM/CAM: the chip's mapping public key
  Bytes encrypted_chip_auth_data;  // CAM: DO'8A'
  Bytes ks_enc;
  ChipGroup mapped;
};

// PACE with `password` (f(pi): SHA-1 of the MRZ information, or the CAN) and key reference 01 / 02.
// For CAM the outcome carries A_IC (check it with CheckCam).
absl::StatusOr<PaceOutcome> TerminalPace(VirtualChip& chip, const std::string& protocol_oid, int parameter_id,
                                         uint8_t key_reference, ByteSpan password, uint64_t seed,
                                         bool short_apdus = false);

// PACE-CAM: decrypts A_IC and checks PK_map,IC = CA_IC * PK_IC (the static key of EF.CardSecurity).
bool CheckCam(const PaceOutcome& outcome, const ChipGroup& static_group, ByteSpan static_public_key);

// Chip Authentication (ICAO 9303-11 §6.2) with the chip's static public key `chip_public` (encoded as
// the chip group encodes it): MSE:Set AT + GENERAL AUTHENTICATE for AES, MSE:Set KAT for 3DES.
// Returns the terminal SM under the new keys; the answers before the switch are checked with `sm`.
absl::StatusOr<TerminalSm> TerminalChipAuthentication(VirtualChip& chip, TerminalSm& sm,
                                                      const std::string& ca_oid, std::optional<int> key_id,
                                                      const ChipGroup& group, ByteSpan chip_public,
                                                      uint64_t seed);

// Reads a whole EF (already selected or by SFI when sfi != 0) with READ BINARY under `sm`, `chunk`
// bytes at a time.
absl::StatusOr<Bytes> ReadFile(VirtualChip& chip, TerminalSm& sm, uint16_t fid, size_t chunk = 0xDF);

}  // namespace docval::vchip::testing

#endif  // DOCVAL_TOOLS_VCHIP_TEST_TERMINAL_H_
