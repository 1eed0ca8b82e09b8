#include "tools/vchip/chip_sm.h"

#include <botan/mem_ops.h>

#include "absl/status/status.h"
#include "base/check.h"
#include "tools/vchip/chip_tlv.h"

namespace docval::vchip {

ChipSecureChannel::ChipSecureChannel(Cipher cipher, Bytes ks_enc, Bytes ks_mac, Bytes ssc)
    : cipher_(cipher), ks_enc_(std::move(ks_enc)), ks_mac_(std::move(ks_mac)), ssc_(std::move(ssc)) {
  DOCVAL_CHECK(ssc_.size() == BlockBytes(cipher_));
}

void ChipSecureChannel::IncrementSsc() {
  for (size_t i = ssc_.size(); i > 0; --i) {
    if (++ssc_[i - 1] != 0) break;
  }
}

Bytes ChipSecureChannel::Iv() const {
  if (!IsAes(cipher_)) return Bytes(8, 0);
  return EncryptBlock(cipher_, ks_enc_, ssc_);
}

absl::StatusOr<ChipCommand> ChipSecureChannel::Unwrap(const ChipCommand& in) {
  IncrementSsc();
  if ((in.cla & 0x0C) != 0x0C) return absl::InvalidArgumentError("SM: command not protected");
  absl::StatusOr<std::vector<TlvObject>> dos = ParseTlvList(in.data);
  if (!dos.ok()) return absl::InvalidArgumentError("SM: malformed data objects");
  std::optional<TlvObject> crypto, le, mac;
  size_t idx = 0;
  const std::vector<TlvObject>& v = *dos;
  if (idx < v.size() && (v[idx].tag == 0x87 || v[idx].tag == 0x85)) crypto = v[idx++];
  if (idx < v.size() && v[idx].tag == 0x97) le = v[idx++];
  if (idx < v.size() && v[idx].tag == 0x8E) mac = v[idx++];
  if (idx != v.size() || !mac.has_value()) {
    return absl::InvalidArgumentError("SM: missing or unexpected data objects");
  }
  bool odd = (in.ins & 1) != 0;
  if (crypto.has_value() && (crypto->tag == 0x85) != odd) {
    return absl::InvalidArgumentError("SM: DO'85'/'87' does not match the INS parity");
  }
  Bytes header = {in.cla, in.ins, in.p1, in.p2};
  Bytes mac_input = ssc_;
  Bytes padded_header = Pad(header, BlockBytes(cipher_));
  mac_input.insert(mac_input.end(), padded_header.begin(), padded_header.end());
  if (crypto.has_value()) mac_input.insert(mac_input.end(), crypto->encoded.begin(), crypto->encoded.end());
  if (le.has_value()) mac_input.insert(mac_input.end(), le->encoded.begin(), le->encoded.end());
  Bytes expected = Mac8(cipher_, ks_mac_, Pad(mac_input, BlockBytes(cipher_)));
  if (mac->value.size() != 8 || !Botan::constant_time_compare(expected.data(), mac->value.data(), 8)) {
    return absl::PermissionDeniedError("SM: wrong MAC");
  }
  ChipCommand out;
  out.cla = static_cast<uint8_t>(in.cla & ~0x0C);
  out.ins = in.ins;
  out.p1 = in.p1;
  out.p2 = in.p2;
  out.extended = in.extended;
  if (crypto.has_value()) {
    ByteSpan cg = crypto->value;
    if (crypto->tag == 0x87) {
      if (cg.empty() || cg[0] != 0x01) return absl::PermissionDeniedError("SM: bad padding indicator");
      cg.remove_prefix(1);
    }
    std::optional<Bytes> plain = CbcDecrypt(cipher_, ks_enc_, Iv(), cg);
    if (!plain.has_value()) return absl::PermissionDeniedError("SM: cryptogram not whole blocks");
    std::optional<Bytes> data = Unpad(*plain, BlockBytes(cipher_));
    if (!data.has_value()) return absl::PermissionDeniedError("SM: bad padding");
    out.data = std::move(*data);
  }
  if (le.has_value()) {
    if (le->value.size() == 1) {
      out.ne = le->value[0] == 0 ? 256 : le->value[0];
    } else if (le->value.size() == 2) {
      size_t n = (size_t{le->value[0]} << 8) | le->value[1];
      out.ne = n == 0 ? 65536 : n;
    } else {
      return absl::InvalidArgumentError("SM: DO'97' of wrong length");
    }
    out.has_le = true;
  }
  return out;
}

Bytes ChipSecureChannel::Wrap(ByteSpan data, uint16_t sw, bool odd_ins) {
  IncrementSsc();
  Bytes body;
  if (!data.empty()) {
    Bytes cg = CbcEncrypt(cipher_, ks_enc_, Iv(), Pad(data, BlockBytes(cipher_)));
    if (odd_ins) {
      body = Tlv(0x85, cg);
    } else {
      cg.insert(cg.begin(), 0x01);
      body = Tlv(0x87, cg);
    }
  }
  const uint8_t swb[2] = {static_cast<uint8_t>(sw >> 8), static_cast<uint8_t>(sw)};
  Bytes do99 = Tlv(0x99, ByteSpan(swb, 2));
  body.insert(body.end(), do99.begin(), do99.end());
  Bytes mac_input = ssc_;
  mac_input.insert(mac_input.end(), body.begin(), body.end());
  Bytes mac = Mac8(cipher_, ks_mac_, Pad(mac_input, BlockBytes(cipher_)));
  Bytes do8e = Tlv(0x8E, mac);
  body.insert(body.end(), do8e.begin(), do8e.end());
  return ResponseApdu(body, sw);
}

}  // namespace docval::vchip
