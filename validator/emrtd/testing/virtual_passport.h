// Test support: the virtual passport (tools/vchip) as the chip of the reader's tests. The virtual
// passport is written from ICAO 9303 and BSI TR-03110 on the primitives only — its own TLV, APDU
// parsing, secure messaging, BAC, PACE and Chip Authentication — so a reader test against it cannot
// pass by sharing a misreading of the standard with the reader. Faults and quirks are profile fields
// (tools/vchip/chip_profile.h, tools/vchip/README.md).
//
//   testing::VirtualPassport chip(profile);
//   absl::StatusOr<PaceResult> r = RunDialog(task, link, std::ref(chip));
//
// The passport records what crossed the link and, through the chip's observer, every command as the
// chip understood it (unwrapped, reassembled from chained parts).
#ifndef DOCVAL_VALIDATOR_EMRTD_TESTING_VIRTUAL_PASSPORT_H_
#define DOCVAL_VALIDATOR_EMRTD_TESTING_VIRTUAL_PASSPORT_H_

#include <memory>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/vchip/chip_apdu.h"
#include "tools/vchip/chip_profile.h"
#include "tools/vchip/chip_rng.h"
#include "tools/vchip/virtual_chip.h"
#include "validator/emrtd/access/secure_messaging.h"
#include "validator/emrtd/bytes.h"

namespace docval::emrtd::testing {

// The chip's view of the reader's session keys and back (the AES key length picks AES-128/192/256).
vchip::ChipSessionKeys ToChipKeys(const SessionKeys& keys);
SessionKeys FromChipKeys(const vchip::ChipSessionKeys& keys);

class VirtualPassport {
 public:
  struct Exchange {
    Bytes command;
    Bytes response;  // empty when the chip stayed silent
  };

  // A profile that makes no chip is a broken test set-up (DOCVAL_CHECK). Without `rng` the chip draws
  // from the operating system, so repeated runs cover the rare paths of random keys.
  explicit VirtualPassport(vchip::ChipProfile profile, std::unique_ptr<vchip::ChipRandom> rng = nullptr);
  VirtualPassport(const VirtualPassport&) = delete;  // the chip's observer points here
  VirtualPassport& operator=(const VirtualPassport&) = delete;

  // For RunDialog(): the chip's answer, kDeadlineExceeded when it stays silent.
  absl::StatusOr<Bytes> operator()(ByteSpan command);

  // As if BAC (or PACE) had just succeeded with `keys`, the eMRTD application selected.
  void OpenSession(const SessionKeys& keys, vchip::ChipAccess access = vchip::ChipAccess::kBac);
  // The chip's secure-messaging keys in force (the SSC as it stands); nullopt without a session.
  std::optional<SessionKeys> keys() const;

  vchip::VirtualChip& chip() { return *chip_; }
  const std::vector<Exchange>& exchanges() const { return exchanges_; }
  // Every command as the chip understood it, in order.
  const std::vector<vchip::ChipCommand>& commands() const { return commands_; }
  // The raw answers to commands with instruction `ins`, in order (PACE's steps are plain).
  std::vector<Bytes> ResponsesTo(uint8_t ins) const;

 private:
  std::unique_ptr<vchip::VirtualChip> chip_;
  std::vector<Exchange> exchanges_;
  std::vector<vchip::ChipCommand> commands_;
};

}  // namespace docval::emrtd::testing

#endif  // DOCVAL_VALIDATOR_EMRTD_TESTING_VIRTUAL_PASSPORT_H_
