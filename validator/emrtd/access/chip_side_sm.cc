#include "validator/emrtd/access/chip_side_sm.h"

#include <optional>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "base/status_macros.h"
#include "validator/emrtd/crypto/mac.h"
#include "validator/emrtd/tlv.h"

namespace docval::emrtd {

absl::StatusOr<ChipSideSm> ChipSideSm::Create(SessionKeys keys) {
  // Reuse the reader side's checks.
  RETURN_IF_ERROR(SecureMessaging::Create(keys).status());
  return ChipSideSm(std::move(keys));
}

void ChipSideSm::IncrementSsc() {
  for (size_t i = keys_.ssc.size(); i > 0; --i) {
    if (++keys_.ssc[i - 1] != 0) break;
  }
}

absl::StatusOr<Bytes> ChipSideSm::Iv() {
  if (keys_.cipher == SmCipher::k3Des) return Bytes(8, 0);
  return EncryptBlock(SmCipher::kAes, keys_.ks_enc, keys_.ssc);
}

absl::StatusOr<CommandApdu> ChipSideSm::UnwrapCommand(const CommandApdu& c) {
  IncrementSsc();
  const size_t bs = BlockSize(keys_.cipher);
  if ((c.cla & 0x0C) != 0x0C) return absl::DataLossError("chip SM: CLA without SM bits");
  std::optional<Tlv> enc, do97, do8e;
  bool odd = false;
  size_t covered = 0;
  TlvReader reader(c.data);
  while (!reader.AtEnd()) {
    size_t offset = c.data.size() - reader.rest().size();
    ASSIGN_OR_RETURN(Tlv t, reader.Next());
    if (do8e.has_value()) return absl::DataLossError("chip SM: data after DO'8E'");
    if (t.tag == 0x87 || t.tag == 0x85) {
      odd = t.tag == 0x85;
      enc = t;
    } else if (t.tag == 0x97) {
      do97 = t;
    } else if (t.tag == 0x8E) {
      do8e = t;
      covered = offset;
    } else {
      return absl::DataLossError(absl::StrFormat("chip SM: unexpected DO %X", t.tag));
    }
  }
  if (!do8e.has_value()) return absl::DataLossError("chip SM: no DO'8E'");
  const uint8_t header[4] = {c.cla, c.ins, c.p1, c.p2};
  Bytes n = PadIso9797M2(Concat({keys_.ssc, PadIso9797M2(header, bs), ByteSpan(c.data).subspan(0, covered)}), bs);
  ASSIGN_OR_RETURN(Bytes mac, Mac8(keys_.cipher, keys_.ks_mac, n));
  if (!ConstantTimeEqual(mac, do8e->value)) return absl::DataLossError("chip SM: command MAC does not verify");

  CommandApdu out;
  out.cla = c.cla & ~0x0C;
  out.ins = c.ins;
  out.p1 = c.p1;
  out.p2 = c.p2;
  out.extended = c.IsExtended();
  if (enc.has_value()) {
    ByteSpan cryptogram = enc->value;
    if (!odd) {
      if (cryptogram.empty() || cryptogram[0] != 0x01) return absl::DataLossError("chip SM: DO'87' indicator");
      cryptogram = cryptogram.subspan(1);
    }
    ASSIGN_OR_RETURN(Bytes iv, Iv());
    ASSIGN_OR_RETURN(SecureBytes plain, CbcDecrypt(keys_.cipher, keys_.ks_enc, iv, cryptogram));
    ASSIGN_OR_RETURN(size_t len, UnpaddedLength(plain, bs));
    out.data.assign(plain.begin(), plain.begin() + static_cast<long>(len));
  }
  if (do97.has_value()) {
    ByteSpan le = do97->value;
    if (le.size() == 1) {
      out.ne = le[0] == 0 ? kMaxShortNe : le[0];
    } else if (le.size() == 2) {
      size_t v = (size_t{le[0]} << 8) | le[1];
      out.ne = v == 0 ? kMaxExtendedNe : v;
    } else {
      return absl::DataLossError("chip SM: DO'97' length");
    }
  }
  return out;
}

absl::StatusOr<ResponseApdu> ChipSideSm::WrapResponse(const ResponseApdu& plain, bool odd_ins) {
  IncrementSsc();
  const size_t bs = BlockSize(keys_.cipher);
  Bytes dos;
  if (!plain.data.empty()) {
    ASSIGN_OR_RETURN(Bytes iv, Iv());
    ASSIGN_OR_RETURN(Bytes enc, CbcEncrypt(keys_.cipher, keys_.ks_enc, iv, PadIso9797M2(plain.data, bs)));
    if (odd_ins) {
      dos = EncodeTlv(0x85, enc);
    } else {
      Bytes v = {0x01};
      v.insert(v.end(), enc.begin(), enc.end());
      dos = EncodeTlv(0x87, v);
    }
  }
  Bytes sw = {plain.sw1(), plain.sw2()};
  Bytes do99 = EncodeTlv(0x99, sw);
  dos.insert(dos.end(), do99.begin(), do99.end());
  ASSIGN_OR_RETURN(Bytes mac, Mac8(keys_.cipher, keys_.ks_mac, PadIso9797M2(Concat({keys_.ssc, dos}), bs)));
  Bytes do8e = EncodeTlv(0x8E, mac);
  dos.insert(dos.end(), do8e.begin(), do8e.end());
  return ResponseApdu{.data = std::move(dos), .sw = plain.sw};
}

}  // namespace docval::emrtd
