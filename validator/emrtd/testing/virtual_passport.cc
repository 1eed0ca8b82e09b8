#include "validator/emrtd/testing/virtual_passport.h"

#include <utility>

#include "absl/status/status.h"
#include "base/check.h"

namespace docval::emrtd::testing {

vchip::ChipSessionKeys ToChipKeys(const SessionKeys& keys) {
  vchip::Cipher cipher = vchip::Cipher::kTdes;
  if (keys.cipher == SmCipher::kAes) {
    cipher = keys.ks_enc.size() == 32   ? vchip::Cipher::kAes256
             : keys.ks_enc.size() == 24 ? vchip::Cipher::kAes192
                                        : vchip::Cipher::kAes128;
  }
  return vchip::ChipSessionKeys{cipher, FromSecure(keys.ks_enc), FromSecure(keys.ks_mac), FromSecure(keys.ssc)};
}

SessionKeys FromChipKeys(const vchip::ChipSessionKeys& keys) {
  return SessionKeys{.cipher = vchip::IsAes(keys.cipher) ? SmCipher::kAes : SmCipher::k3Des,
                     .ks_enc = ToSecure(keys.ks_enc),
                     .ks_mac = ToSecure(keys.ks_mac),
                     .ssc = ToSecure(keys.ssc)};
}

VirtualPassport::VirtualPassport(vchip::ChipProfile profile, std::unique_ptr<vchip::ChipRandom> rng) {
  if (rng == nullptr) rng = vchip::NewSystemRandom();
  absl::StatusOr<std::unique_ptr<vchip::VirtualChip>> chip =
      vchip::VirtualChip::Create(std::move(profile), std::move(rng));
  DOCVAL_CHECK_OK(chip.status());
  chip_ = *std::move(chip);
  chip_->set_command_observer([this](const vchip::ChipCommand& c) { commands_.push_back(c); });
}

absl::StatusOr<Bytes> VirtualPassport::operator()(ByteSpan command) {
  std::optional<Bytes> r = chip_->Process(command);
  exchanges_.push_back(Exchange{Bytes(command.begin(), command.end()), r.value_or(Bytes{})});
  if (!r.has_value()) return absl::DeadlineExceededError("the virtual passport stayed silent");
  return *std::move(r);
}

void VirtualPassport::OpenSession(const SessionKeys& keys, vchip::ChipAccess access) {
  chip_->OpenSessionForTest(access, ToChipKeys(keys));
}

std::optional<SessionKeys> VirtualPassport::keys() const {
  std::optional<vchip::ChipSessionKeys> k = chip_->session_keys();
  if (!k.has_value()) return std::nullopt;
  return FromChipKeys(*k);
}

std::vector<Bytes> VirtualPassport::ResponsesTo(uint8_t ins) const {
  std::vector<Bytes> out;
  for (const Exchange& e : exchanges_) {
    if (e.command.size() >= 4 && e.command[1] == ins) out.push_back(e.response);
  }
  return out;
}

}  // namespace docval::emrtd::testing
