// Secure messaging, chip side (ICAO 9303-11 §9.8; ISO/IEC 7816-4 §10).
//
// A protected command has CLA bits b4b3 = 11 ('0C') and a body of data objects in this order:
//   DO'87' (01 || E(KS_enc, pad(data))) for an even INS, or DO'85' (E(KS_enc, pad(data))) for an odd
//   INS, when the plain command has data; DO'97' (Le: 1 or 2 bytes, 00 / 0000 = maximum) when it has
//   Le; DO'8E' (8-byte MAC) always.
// The MAC covers SSC || pad(CLA INS P1 P2) || DO'87'/'85' || DO'97', padded (method 2) as a whole;
// the chip increments SSC before checking a command and again before protecting its answer. The
// encryption IV is zero for 3DES and E(KS_enc, SSC) for AES (SSC already incremented).
// A protected response is [DO'87'/'85' with the data] || DO'99' (SW) || DO'8E' (MAC over SSC || DO'87'
// || DO'99', padded) followed by the same SW in clear: errors are protected too.
//
// Unwrap() failures leave the SSC advanced; the caller (the chip) aborts the session on any failure.
#ifndef DOCVAL_TOOLS_VCHIP_CHIP_SM_H_
#define DOCVAL_TOOLS_VCHIP_CHIP_SM_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "tools/vchip/chip_apdu.h"
#include "tools/vchip/chip_crypto.h"

namespace docval::vchip {

class ChipSecureChannel {
 public:
  // `ssc` has the cipher's block length (8 bytes for 3DES, 16 for AES).
  ChipSecureChannel(Cipher cipher, Bytes ks_enc, Bytes ks_mac, Bytes ssc);

  // Checks and decrypts a protected command. The result has CLA with the SM bits cleared, the plain
  // data, and Le from DO'97'. kInvalidArgument for missing / misordered data objects (6987 class) and
  // kPermissionDenied for a wrong MAC or bad padding (6988 class).
  absl::StatusOr<ChipCommand> Unwrap(const ChipCommand& protected_cmd);

  // Protects a plain answer. `odd_ins` selects DO'85' instead of DO'87'.
  Bytes Wrap(ByteSpan data, uint16_t sw, bool odd_ins);

  Cipher cipher() const { return cipher_; }
  const Bytes& ssc() const { return ssc_; }
  const Bytes& ks_enc() const { return ks_enc_; }
  const Bytes& ks_mac() const { return ks_mac_; }

 private:
  void IncrementSsc();
  Bytes Iv() const;

  Cipher cipher_;
  Bytes ks_enc_;
  Bytes ks_mac_;
  Bytes ssc_;
};

}  // namespace docval::vchip

#endif  // DOCVAL_TOOLS_VCHIP_CHIP_SM_H_
