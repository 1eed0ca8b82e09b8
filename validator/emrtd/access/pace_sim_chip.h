// Test helper: the chip's side of PACE (ICAO 9303-11 §4.4), written from the standard with the
// crypto/ primitives, for tests of the reader's PACE and access control on every variant the worked
// examples do not cover (3DES, AES-192/256, IM, CAM, DH-2048, faults). Not used by the reader; not an
// independent implementation (OpenPACE plays that role in pace_openpace_test.cc).
//
// Use as the chip of RunDialog(): it answers MSE:Set AT and the four GENERAL AUTHENTICATE commands,
// then unwraps every further command with the PACE session keys and answers it through `after_pace`
// (default: an empty 9000), wrapped.
#ifndef DOCVAL_VALIDATOR_EMRTD_ACCESS_PACE_SIM_CHIP_H_
#define DOCVAL_VALIDATOR_EMRTD_ACCESS_PACE_SIM_CHIP_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "validator/emrtd/access/chip_side_sm.h"
#include "validator/emrtd/access/pace.h"
#include "validator/emrtd/apdu.h"
#include "validator/emrtd/crypto/random.h"

namespace docval::emrtd::testing {

struct PaceSimChipConfig {
  // What the chip expects in MSE:Set AT (the OID, the parameter id when set) and runs.
  PaceParameters params;
  // The chip's password; MSE:Set AT must name the same type.
  PacePassword password;
  // The chip's randomness: "chip.nonce", "chip.mapping_key", "chip.ephemeral_key".
  RandomSource* rng = nullptr;
  // PACE-CAM: the chip's static private key (on params.domain).
  SecureBytes cam_static_private;
  // Nonce length in bytes; 0: one block (GM/CAM), or the IM rule (smallest multiple >= key size).
  size_t nonce_length = 0;
  // Status word of MSE:Set AT (9000, or e.g. 63C3 / 6A80 to test the reader).
  uint16_t mse_status = 0x9000;
  // Require DO'84' in MSE:Set AT (chips in the field do).
  bool require_parameter_id = true;
  // Faults.
  bool corrupt_chip_token = false;       // T_IC with one bit flipped
  bool echo_terminal_ephemeral = false;  // return the terminal's own ephemeral key in 84
  bool omit_cam_data = false;            // no 8A under CAM
  // Certification authority references to return in 87 (and 88).
  std::vector<Bytes> cars;
  // Answers commands after PACE (already unwrapped); the result is wrapped.
  std::function<ResponseApdu(const CommandApdu&)> after_pace;
};

class PaceSimChip {
 public:
  explicit PaceSimChip(PaceSimChipConfig config) : config_(std::move(config)) {}

  // Raw command in, raw response out (data || SW). Errors only for broken test set-ups.
  absl::StatusOr<Bytes> operator()(ByteSpan command);

  // Set once PACE succeeded on the chip's side.
  const std::optional<SessionKeys>& keys() const { return keys_; }
  // The chip's values, for assertions.
  const SecureBytes& nonce() const { return nonce_; }
  const Bytes& chip_mapping_public() const { return chip_mapping_public_; }
  size_t commands_after_pace() const { return commands_after_pace_; }
  // What the chip objected to last (empty when nothing).
  const std::string& complaint() const { return complaint_; }

 private:
  absl::StatusOr<ResponseApdu> Handle(const CommandApdu& command);
  ResponseApdu Refuse(uint16_t sw, std::string why);

  PaceSimChipConfig config_;
  int step_ = 0;  // 0: expecting MSE; 1..4: expecting GA step n; 5: done
  SecureBytes nonce_;
  SecureBytes mapping_private_;
  Bytes chip_mapping_public_;
  std::optional<KeyAgreementGroup> mapped_;
  SecureBytes ephemeral_private_;
  Bytes ephemeral_public_;
  Bytes terminal_ephemeral_public_;
  SecureBytes ks_enc_, ks_mac_;
  std::optional<SessionKeys> keys_;
  std::optional<ChipSideSm> sm_;
  size_t commands_after_pace_ = 0;
  std::string complaint_;
};

}  // namespace docval::emrtd::testing

#endif  // DOCVAL_VALIDATOR_EMRTD_ACCESS_PACE_SIM_CHIP_H_
