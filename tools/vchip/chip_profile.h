// ChipProfile: everything a virtual chip is made of — its files, its secrets and keys, the protocols
// it answers, and the real-chip quirks and faults it shows. A profile is plain data; the test PKI
// (tools/testpki) personalizes one (builds the LDS, signs the SOD) and writes it as JSON, the chip CLI
// and the tests load it by name.
//
// JSON form (ChipProfileToJson / ChipProfileFromJson): binary values are base64 (files, PKCS#8 keys);
// enums are lower-case strings; absent optional fields take the defaults below. Unknown fields are
// ignored so that profiles can carry notes.
//
// What the chip does with a profile (see virtual_chip.h for the command set):
// - `files`: the EFs. `in_mf` files (EF.CardAccess 011C, EF.CardSecurity 011D, EF.ATR/INFO 2F01,
//   EF.DIR 2F00) live in the master file; the others in the eMRTD application (AID A0000002471001).
//   `read` is the access condition: kAlways, kAfterAccessControl (BAC or PACE done, SM active), or
//   kAfterPace (EF.CardSecurity).
// - `secrets`: the MRZ fields (BAC and PACE-MRZ keys) and the CAN (PACE-CAN) the chip was issued with.
// - `bac`: whether BAC is answered at all (PACE-only ID cards refuse it).
// - `pace`: the PACE protocols and domain parameters the chip accepts in MSE:Set AT (its EF.CardAccess
//   should announce the same; the chip does not parse its own files).
// - `chip_auth`: CA private keys (PKCS#8) with the CA protocol OID and the key id (absent: no key id).
//   For PACE-CAM the first ECDH key is the chip's static key. A key that does not match DG14 is the
//   "cloned chip" fault, made by the personalizer.
// - `active_auth`: the AA private key (RSA: ISO/IEC 9796-2 scheme 1; EC: ECDSA) and its options.
// - `quirks`, `faults`: behaviour of real chips, each off by default unless noted.
// - `client_access_key`: what a phone sends in the start message (may differ from the secrets: the
//   wrong-MRZ / wrong-CAN fault), and `expect`: the documented outcome, for end-to-end tests.
#ifndef DOCVAL_TOOLS_VCHIP_CHIP_PROFILE_H_
#define DOCVAL_TOOLS_VCHIP_CHIP_PROFILE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "validator/emrtd/bytes.h"

namespace docval::vchip {

using emrtd::Bytes;
using emrtd::ByteSpan;

enum class AccessRule { kAlways, kAfterAccessControl, kAfterPace };

struct ChipFile {
  std::string name;  // "EF.COM", "DG1", "EF.SOD", "EF.CardAccess", ... (faults and logs use it)
  uint16_t fid = 0;
  uint8_t sfi = 0;  // 0: no short EF identifier
  bool in_mf = false;
  AccessRule read = AccessRule::kAfterAccessControl;
  Bytes content;
};

struct ChipSecrets {
  std::string document_number;  // as in the MRZ, without check digit; '<' fillers allowed
  std::string date_of_birth;    // yyMMdd
  std::string date_of_expiry;   // yyMMdd
  std::string can;              // empty: the chip has no CAN
};

struct PaceSetting {
  std::string protocol;  // dotted id-PACE-... OID
  int parameter_id = 13;
};

struct ChipAuthKey {
  std::string protocol;          // dotted id-CA-... OID
  std::optional<int> key_id;     // sent by the terminal as DO'84' when present
  Bytes private_key_pkcs8;       // ECDH/ECDSA or DH private key, DER PKCS#8
};

enum class EcdsaFormat { kPlain, kDer };

struct ActiveAuthKey {
  Bytes private_key_pkcs8;               // RSA or EC, DER PKCS#8
  std::string hash = "SHA-1";            // RSA: the 9796-2 hash (SHA-1 -> trailer BC, else 2-byte trailer);
                                         // EC: the ECDSA hash (DG14 ActiveAuthenticationInfo)
  EcdsaFormat ecdsa_format = EcdsaFormat::kPlain;  // plain r||s (BSI TR-03111) or DER (seen in the field)
};

struct ChipQuirks {
  bool short_file_ids = true;        // READ BINARY with an SFI in P1
  bool odd_ins_read_binary = true;   // INS B1 with DO'54' offset
  bool extended_length = true;       // extended APDUs accepted (else 6700)
  size_t max_le = 0;                 // largest READ BINARY answer; 0: no limit but the APDU's
  bool max_le_error = false;         // Le above max_le: true -> 6700, false -> answer max_le bytes
  bool eof_warning = true;           // fewer bytes than Le left: true -> 6282, false -> 9000
  bool pace_requires_parameter_id = false;  // MSE:Set AT for PACE without DO'84' -> 6A80 (many chips)
};

struct ChipFaults {
  int64_t stop_after_commands = -1;  // answer this many commands, then nothing (card left the field)
  int64_t delay_ms = 0;              // per-command delay a relay should wait (a slow chip)
  // PACE: MSE:Set AT answered with this status word instead of 9000 (0: no fault). 63Cx (a retry
  // counter, 63C0 a blocked password) still starts PACE; any other word refuses it.
  uint16_t pace_mse_sw = 0;
  bool pace_corrupt_chip_token = false;  // T_IC with one bit flipped (the terminal must refuse it)
  bool pace_echo_terminal_key = false;   // DO'84' carries the terminal's own ephemeral key
  bool pace_omit_cam_data = false;       // PACE-CAM without DO'8A' (the chip authentication data)
  // Chip Authentication: MSE:Set AT / Set KAT and CA's GENERAL AUTHENTICATE answered with this status
  // word, no keys changed (0: no fault).
  uint16_t ca_refusal_sw = 0;
};

struct ClientAccessKey {
  std::string document_number, date_of_birth, date_of_expiry;  // MRZ key (all three or none)
  std::string can;                                             // CAN key
};

struct Expectation {
  int close_code = 1000;
  std::string close_reason;  // "" on success
  std::optional<bool> passive_authentication;
  std::string chip_authentication;    // "SUCCESS" | "FAILED" | "UNAVAILABLE" | "" (not checked)
  std::string active_authentication;  // same
  std::string note;
};

struct ChipProfile {
  std::string name;
  std::string description;
  ChipSecrets secrets;
  bool bac = true;
  std::vector<PaceSetting> pace;
  // Certification authority reference(s) the chip names in the last PACE answer (DO'87'), as chips with
  // Extended Access Control do; empty: none.
  std::string cvca_reference;
  std::vector<ChipAuthKey> chip_auth;
  std::optional<ActiveAuthKey> active_auth;
  std::vector<ChipFile> files;
  ChipQuirks quirks;
  ChipFaults faults;
  ClientAccessKey client_access_key;
  Expectation expect;

  const ChipFile* FindFile(absl::string_view name) const;
  ChipFile* FindFile(absl::string_view name);
};

std::string ChipProfileToJson(const ChipProfile& profile);
absl::StatusOr<ChipProfile> ChipProfileFromJson(absl::string_view json);
absl::StatusOr<ChipProfile> LoadChipProfile(const std::string& path);

}  // namespace docval::vchip

#endif  // DOCVAL_TOOLS_VCHIP_CHIP_PROFILE_H_
