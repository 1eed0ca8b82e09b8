// VirtualChip: a configurable ICAO 9303 eMRTD chip that answers command APDUs.
//
// Built from a ChipProfile (chip_profile.h) and a ChipRandom (chip_rng.h). It implements, from ICAO
// 9303-10/-11 and BSI TR-03110 and independently of the reader in validator/emrtd:
//   SELECT (A4)            P1 04 by AID (eMRTD application A0000002471001), P1 00 (MF / FID in the
//                          current DF or the MF), P1 02 (EF in the current DF), P1 08 / 09 (path); no FCI.
//   READ BINARY (B0)       offset in P1-P2, or a short EF identifier in P1 (bit 8 set) with offset P2.
//   READ BINARY (B1)       odd INS: P1-P2 file id / SFI / 0000 (current EF), offset in DO'54', the data
//                          answered in DO'53'.
//   GET CHALLENGE (84)     8 bytes (kept for BAC).
//   EXTERNAL AUTHENTICATE  BAC mutual authentication (ICAO 9303-11 §4.3).
//   MSE (22)               C1A4 Set AT for PACE (DO'80' OID, DO'83' 01 MRZ / 02 CAN, DO'84' parameter
//                          id), 41A4 Set AT for Chip Authentication (AES), 41A6 Set KAT (CA with 3DES).
//   GENERAL AUTHENTICATE   PACE GM / IM / CAM over ECDH and DH (four steps, chaining CLA 10 accepted),
//   (86)                   and Chip Authentication (DO'80' ephemeral key; answer 7C 00).
//   INTERNAL AUTHENTICATE  Active Authentication (RSA ISO/IEC 9796-2 scheme 1, or ECDSA).
//   (88)
// Real-chip behaviour:
// - Application EFs are unreadable (6982) until BAC or PACE succeeded; EF.CardSecurity until PACE.
//   Master-file EFs (EF.CardAccess, EF.ATR/INFO) are always readable.
// - After BAC/PACE every answer is protected (errors too). A protected command with a wrong MAC, bad
//   padding or missing data objects gets a plain 6988 / 6987 and ends the session: keys are dropped
//   and access falls back to none. A plain command during a session also ends it (the chip then
//   answers it as if no access control had happened). CA and the keys it derives replace the session
//   keys after the GENERAL AUTHENTICATE (or MSE:Set KAT) answer, which is protected with the old keys.
// - ISO/IEC 7816-4 command chaining (CLA b5) for data objects longer than one short APDU, and
//   61xx + GET RESPONSE (C0) for plain answers longer than a short Le (PACE with 2048-bit DH groups
//   without extended length). Under SM a short command's answer longer than Ne, or asked for with Le
//   '00' and whose protection would exceed 256 bytes, goes in parts too: each part protected on its own with DO'99'
//   61xx, the rest for a protected GET RESPONSE (RSA-2048 Active Authentication without extended
//   length).
// - Quirks (profile.quirks): SFI support, odd-INS support, extended length, a maximum Le, 6282 at
//   end of file, PACE only with a parameter id. Faults (profile.faults): no answer after N commands, a
//   per-command delay reported as data (the relay sleeps; the library never does), PACE's MSE:Set AT
//   status word, a corrupted chip token, the terminal's own key echoed, PACE-CAM without its data,
//   Chip Authentication refused.
// - A new MSE:Set AT for PACE at any point (also in the middle of a PACE run) starts PACE afresh.
// Malformed commands yield status words, never crashes. Not thread-safe (one chip per session).
#ifndef DOCVAL_TOOLS_VCHIP_VIRTUAL_CHIP_H_
#define DOCVAL_TOOLS_VCHIP_VIRTUAL_CHIP_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "tools/vchip/chip_apdu.h"
#include "tools/vchip/chip_crypto.h"
#include "tools/vchip/chip_profile.h"
#include "tools/vchip/chip_rng.h"

namespace docval::vchip {

struct ChipReply {
  std::optional<Bytes> response;  // nullopt: the chip did not answer (it left the field)
  int64_t delay_ms = 0;           // how long a real chip would have taken; the relay should wait
};

enum class ChipAccess { kNone, kBac, kPace };

// The secure-messaging keys of a session, as the chip holds them (the SSC as it stands).
struct ChipSessionKeys {
  Cipher cipher = Cipher::kTdes;
  Bytes ks_enc, ks_mac, ssc;
};

class VirtualChip {
 public:
  // Checks the profile (protocol OIDs, domain parameters, keys): kInvalidArgument when it cannot work.
  static absl::StatusOr<std::unique_ptr<VirtualChip>> Create(ChipProfile profile,
                                                             std::unique_ptr<ChipRandom> rng);
  ~VirtualChip();
  VirtualChip(const VirtualChip&) = delete;
  VirtualChip& operator=(const VirtualChip&) = delete;

  // Answers one command APDU.
  ChipReply Transceive(ByteSpan command);
  // Transceive() without the delay: the response, or nullopt when the chip stays silent.
  std::optional<Bytes> Process(ByteSpan command) { return Transceive(command).response; }

  // Power cycle (the card re-entered the field): session, selection and protocol state are lost. The
  // command counter of the stop-after-N fault keeps running.
  void Reset();

  ChipAccess access() const;
  bool secure_messaging() const;
  bool chip_authenticated() const;  // CA or PACE-CAM done in this session
  int64_t commands_received() const;
  const ChipProfile& profile() const;

  // --- Test hooks: for tests of terminals (the reader's), never used by the chip CLI ---------------
  // Opens a secure session as if BAC (kBac) or PACE (kPace) had just succeeded with `keys`, the eMRTD
  // application selected: a test that starts from a known session (Chip Authentication, secure
  // messaging) needs no BAC first. `keys.ssc` has the cipher's block length.
  void OpenSessionForTest(ChipAccess access, ChipSessionKeys keys);
  // The keys of the secure session in force; nullopt without one.
  std::optional<ChipSessionKeys> session_keys() const;
  // Called with every command as the chip understood it, before it is answered: unwrapped from secure
  // messaging and reassembled from chained parts (the parts themselves and GET RESPONSE are not
  // reported). Empty: nothing is called.
  void set_command_observer(std::function<void(const ChipCommand&)> observer);

 private:
  struct State;
  VirtualChip(ChipProfile profile, std::unique_ptr<ChipRandom> rng);
  std::unique_ptr<State> s_;
};

// The BAC / PACE-MRZ input: document number (padded with '<' to 9), date of birth, date of expiry,
// each followed by its ICAO check digit.
std::string MrzKeyInformation(absl::string_view document_number, absl::string_view date_of_birth,
                              absl::string_view date_of_expiry);
// The ICAO 9303-3 check digit (weights 7, 3, 1; A-Z = 10..35, '<' = 0).
char MrzCheckDigit(absl::string_view field);

}  // namespace docval::vchip

#endif  // DOCVAL_TOOLS_VCHIP_VIRTUAL_CHIP_H_
