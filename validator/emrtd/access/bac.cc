#include "validator/emrtd/access/bac.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "base/status_macros.h"
#include "validator/emrtd/access/mrz_key.h"
#include "validator/emrtd/chip_error.h"
#include "validator/emrtd/crypto/cipher.h"
#include "validator/emrtd/crypto/kdf.h"
#include "validator/emrtd/crypto/mac.h"

namespace docval::emrtd {
namespace {

constexpr size_t kNonceSize = 8;
constexpr size_t kKeyMaterialSize = 16;
constexpr size_t kCryptogramSize = 2 * kNonceSize + kKeyMaterialSize;  // 32
constexpr size_t kAnswerSize = kCryptogramSize + kSmMacSize;         // 40

absl::Status AccessDenied(absl::string_view why) {
  return MakeChipError(ChipErrorKind::kBacKeyRefused, absl::StrCat("BAC: access control failed: ", why));
}

absl::Status Refused(absl::string_view command, uint16_t sw) {
  const std::string hex = absl::StrFormat("%04X", sw);
  return MakeChipError(ChipErrorKind::kBacNotSupported, absl::StrCat("BAC: ", command, " refused with SW ", hex), hex);
}

absl::Status Malformed(absl::string_view message) {
  return MakeChipError(ChipErrorKind::kBacMalformedChipData, absl::StrCat("BAC: ", message));
}

}  // namespace

Task<absl::StatusOr<SessionKeys>> PerformBac(ChipChannel& channel, AccessKey key, RandomSource& rng) {
  if (channel.secure()) co_return absl::FailedPreconditionError("BAC: the channel is already secure");
  CO_ASSIGN_OR_RETURN(SecureBytes seed, BacKeySeed(key));
  const SecureBytes k_enc = Kdf(KeyAlgorithm::k3Des, seed, kKdfCounterEnc);
  const SecureBytes k_mac = Kdf(KeyAlgorithm::k3Des, seed, kKdfCounterMac);

  CommandApdu get_challenge{.cla = 0x00, .ins = 0x84, .p1 = 0x00, .p2 = 0x00, .ne = kNonceSize};
  CO_ASSIGN_OR_RETURN(ResponseApdu challenge, co_await channel.Transmit(get_challenge));
  if (!challenge.ok()) co_return Refused("GET CHALLENGE", challenge.sw);
  if (challenge.data.size() != kNonceSize) {
    co_return Malformed(absl::StrFormat("GET CHALLENGE gave %d bytes", challenge.data.size()));
  }
  const Bytes rnd_ic = challenge.data;

  CO_ASSIGN_OR_RETURN(SecureBytes rnd_ifd, rng.Bytes("bac.rnd_ifd", kNonceSize));
  CO_ASSIGN_OR_RETURN(SecureBytes k_ifd, rng.Bytes("bac.k_ifd", kKeyMaterialSize));

  SecureBytes s;
  s.reserve(kCryptogramSize);
  s.insert(s.end(), rnd_ifd.begin(), rnd_ifd.end());
  s.insert(s.end(), rnd_ic.begin(), rnd_ic.end());
  s.insert(s.end(), k_ifd.begin(), k_ifd.end());
  const Bytes zero_iv(8, 0);
  CO_ASSIGN_OR_RETURN(Bytes e_ifd, CbcEncrypt(CipherFamily::k3Des, k_enc, zero_iv, s));
  CO_ASSIGN_OR_RETURN(Bytes m_ifd, RetailMac(k_mac, PadIso9797M2(e_ifd, 8)));

  CommandApdu external_authenticate{.cla = 0x00, .ins = 0x82, .p1 = 0x00, .p2 = 0x00,
                                    .data = Concat({e_ifd, m_ifd}), .ne = kAnswerSize};
  CO_ASSIGN_OR_RETURN(ResponseApdu answer, co_await channel.Transmit(external_authenticate));
  if (answer.sw == 0x6300 || answer.sw == sw::kSecurityStatusNotSatisfied) {
    co_return AccessDenied(absl::StrFormat("the chip refused the MRZ key (SW %04X)", answer.sw));
  }
  if (!answer.ok()) co_return Refused("EXTERNAL AUTHENTICATE", answer.sw);
  if (answer.data.size() != kAnswerSize) {
    co_return Malformed(absl::StrFormat("EXTERNAL AUTHENTICATE gave %d bytes, expected 40", answer.data.size()));
  }
  const ByteSpan e_ic = ByteSpan(answer.data).subspan(0, kCryptogramSize);
  const ByteSpan m_ic = ByteSpan(answer.data).subspan(kCryptogramSize);
  CO_ASSIGN_OR_RETURN(Bytes expected_mac, RetailMac(k_mac, PadIso9797M2(e_ic, 8)));
  if (!ConstantTimeEqual(expected_mac, m_ic)) co_return AccessDenied("the chip's MAC does not verify");
  CO_ASSIGN_OR_RETURN(SecureBytes r, CbcDecrypt(CipherFamily::k3Des, k_enc, zero_iv, e_ic));
  const ByteSpan rs(r);
  if (!ConstantTimeEqual(rs.subspan(0, kNonceSize), rnd_ic) ||
      !ConstantTimeEqual(rs.subspan(kNonceSize, kNonceSize), rnd_ifd)) {
    co_return AccessDenied("the chip's answer does not hold our nonces");
  }
  const ByteSpan k_ic = rs.subspan(2 * kNonceSize, kKeyMaterialSize);
  SecureBytes session_seed(kKeyMaterialSize);
  for (size_t i = 0; i < kKeyMaterialSize; ++i) session_seed[i] = k_ifd[i] ^ k_ic[i];

  SessionKeys keys;
  keys.cipher = SmCipher::k3Des;
  keys.ks_enc = Kdf(KeyAlgorithm::k3Des, session_seed, kKdfCounterEnc);
  keys.ks_mac = Kdf(KeyAlgorithm::k3Des, session_seed, kKdfCounterMac);
  keys.ssc.reserve(8);
  keys.ssc.insert(keys.ssc.end(), rnd_ic.begin() + 4, rnd_ic.end());
  keys.ssc.insert(keys.ssc.end(), rnd_ifd.begin() + 4, rnd_ifd.end());
  co_return keys;
}

}  // namespace docval::emrtd
