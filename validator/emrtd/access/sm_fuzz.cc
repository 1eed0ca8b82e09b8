// Fuzz target: secure messaging Unwrap on arbitrary bytes, and the virtual passport's side of it
// (tools/vchip: its APDU parser and ChipSecureChannel::Unwrap, which the reader's tests talk to).
// Besides the raw input (which almost never carries a valid MAC), the input is also given a valid
// DO'8E' for the current SSC, so the code after the MAC check — DO'87'/'85' decryption, padding,
// DO'99' — sees arbitrary data too.
#include <cstddef>
#include <cstdint>

#include "tools/vchip/chip_apdu.h"
#include "tools/vchip/chip_crypto.h"
#include "tools/vchip/chip_sm.h"
#include "validator/emrtd/access/secure_messaging.h"
#include "validator/emrtd/crypto/cipher.h"
#include "validator/emrtd/crypto/mac.h"
#include "validator/emrtd/tlv.h"

namespace {

using namespace docval::emrtd;  // NOLINT: a fuzz target

SessionKeys Keys(bool aes) {
  if (aes) {
    // gmrtd's AES-256 trace (testdata/vectors/gmrtd-sm-aes256-read-trace.json).
    return SessionKeys{.cipher = SmCipher::kAes,
                       .ks_enc = ToSecure(HexOrDie("74B94F408BBB2CD92571FD5B6370A94CCE7A2FA42AE3EB4DA47B97CE6EAA24C6")),
                       .ks_mac = ToSecure(HexOrDie("9E28D5D9FF1D979BE752E8926BF0E1D35A440FC0AEFC4AA3BC5610055AC8B113")),
                       .ssc = ToSecure(HexOrDie("00000000000000000000000000000020"))};
  }
  // ICAO 9303-11 App. D.4.
  return SessionKeys{.cipher = SmCipher::k3Des,
                     .ks_enc = ToSecure(HexOrDie("979EC13B1CBFE9DCD01AB0FED307EAE5")),
                     .ks_mac = ToSecure(HexOrDie("F1CB1F1FB5ADF208806B89DC579DC1F8")),
                     .ssc = ToSecure(HexOrDie("887022120C06C226"))};
}

void Increment(SecureBytes& ssc) {
  for (size_t i = ssc.size(); i > 0 && ++ssc[i - 1] == 0; --i) {
  }
}

void One(ByteSpan input, bool aes) {
  // The raw input as a response.
  {
    SecureMessaging sm = *SecureMessaging::Create(Keys(aes));
    (void)sm.Wrap(CommandApdu{.ins = 0xB0, .ne = 4});
    absl::StatusOr<ResponseApdu> r = ResponseApdu::Parse(input);
    if (r.ok()) (void)sm.Unwrap(*r);
  }
  // The input as the data objects of a response, with a valid MAC appended.
  {
    SessionKeys keys = Keys(aes);
    SecureMessaging sm = *SecureMessaging::Create(keys);
    (void)sm.Wrap(CommandApdu{.ins = 0xB0, .ne = 4});
    SecureBytes ssc = keys.ssc;
    Increment(ssc);
    Increment(ssc);
    const size_t bs = BlockSize(keys.cipher);
    absl::StatusOr<Bytes> mac = Mac8(keys.cipher, keys.ks_mac, PadIso9797M2(Concat({ssc, input}), bs));
    if (mac.ok()) {
      Bytes data = Concat({input, EncodeTlv(0x8E, *mac)});
      absl::StatusOr<ResponseApdu> r = sm.Unwrap(ResponseApdu{.data = data, .sw = 0x9000});
      if (r.ok() && sm.spent()) __builtin_trap();
    }
  }
  // The input as a protected command on the chip side: raw (a bad MAC, almost always), and as the
  // data objects of a command with a valid DO'8E' for the chip's SSC.
  {
    const SessionKeys keys = Keys(aes);
    const docval::vchip::Cipher cipher = aes ? docval::vchip::Cipher::kAes256 : docval::vchip::Cipher::kTdes;
    auto chip = [&] {
      return docval::vchip::ChipSecureChannel(cipher, FromSecure(keys.ks_enc), FromSecure(keys.ks_mac),
                                              FromSecure(keys.ssc));
    };
    absl::StatusOr<docval::vchip::ChipCommand> c = docval::vchip::ParseChipCommand(input);
    if (c.ok()) (void)chip().Unwrap(*c);
    SecureBytes ssc = keys.ssc;
    Increment(ssc);
    const size_t bs = BlockSize(keys.cipher);
    const Bytes header = {0x0C, 0xB0, 0x00, 0x00};
    absl::StatusOr<Bytes> mac =
        Mac8(keys.cipher, keys.ks_mac, PadIso9797M2(Concat({ssc, PadIso9797M2(header, bs), input}), bs));
    if (mac.ok()) {
      docval::vchip::ChipCommand protected_cmd{
          .cla = 0x0C, .ins = 0xB0, .data = Concat({input, EncodeTlv(0x8E, *mac)})};
      (void)chip().Unwrap(protected_cmd);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the cipher.
  One(ByteSpan(data + 1, size - 1), (data[0] & 1) != 0);
  return 0;
}
