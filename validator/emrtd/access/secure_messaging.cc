#include "validator/emrtd/access/secure_messaging.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/check.h"
#include "base/status_macros.h"
#include "validator/emrtd/chip_error.h"
#include "validator/emrtd/tlv.h"

namespace docval::emrtd {
namespace {

absl::Status PlainResponseError(uint16_t sw) {
  const bool sm_error =
      sw == sw::kSecurityStatusNotSatisfied || sw == sw::kSmDataObjectsMissing || sw == sw::kSmDataObjectsIncorrect;
  const std::string hex = absl::StrFormat("%04X", sw);
  if (sm_error) {
    return MakeChipError(ChipErrorKind::kSecureMessagingEndedByChip,
                         absl::StrCat("secure messaging: the chip ended secure messaging with a plain SW ", hex,
                                      " (it rejected our MAC or protection)"),
                         hex);
  }
  return MakeChipError(ChipErrorKind::kSecureMessagingBroken,
                       absl::StrCat("secure messaging: plain response SW ", hex, " where a protected one was due"),
                       hex);
}

absl::Status Malformed(absl::string_view what) {
  return MakeChipError(ChipErrorKind::kSecureMessagingBroken,
                       absl::StrCat("secure messaging: malformed protected response: ", what));
}

// Size of the TLV of a DO'87' that carries `plain_size` bytes padded to `bs`.
size_t Do87Size(size_t plain_size, size_t bs, bool with_indicator) {
  size_t padded = (plain_size / bs + 1) * bs;
  size_t len = padded + (with_indicator ? 1 : 0);
  return 1 + LengthFieldSize(len) + len;
}

}  // namespace

std::optional<uint16_t> PlainStatusWordOf(const absl::Status& status) {
  std::optional<ChipError> e = ChipErrorOf(status);
  if (!e.has_value() || e->detail.empty() ||
      (e->kind != ChipErrorKind::kSecureMessagingBroken && e->kind != ChipErrorKind::kSecureMessagingEndedByChip)) {
    return std::nullopt;
  }
  absl::StatusOr<Bytes> b = FromHex(e->detail);
  if (!b.ok() || b->size() != 2) return std::nullopt;
  return static_cast<uint16_t>(((*b)[0] << 8) | (*b)[1]);
}

absl::StatusOr<SecureMessaging> SecureMessaging::Create(SessionKeys keys) {
  if (keys.cipher == SmCipher::k3Des) {
    if (keys.ks_enc.size() != 16 || keys.ks_mac.size() != 16 || keys.ssc.size() != 8) {
      return absl::InvalidArgumentError("secure messaging: 3DES needs 16-byte keys and an 8-byte SSC");
    }
  } else {
    const size_t n = keys.ks_enc.size();
    if ((n != 16 && n != 24 && n != 32) || keys.ks_mac.size() != n || keys.ssc.size() != 16) {
      return absl::InvalidArgumentError(
          "secure messaging: AES needs two 16-, 24- or 32-byte keys of equal length and a 16-byte SSC");
    }
  }
  absl::StatusOr<CbcCipher> cipher = CbcCipher::Create(keys.cipher, keys.ks_enc);
  if (!cipher.ok()) return cipher.status();
  absl::StatusOr<ChannelMac> mac = ChannelMac::Create(keys.cipher, keys.ks_mac);
  if (!mac.ok()) return mac.status();
  return SecureMessaging(std::move(keys), *std::move(cipher), *std::move(mac));
}

void SecureMessaging::IncrementSsc() {
  for (size_t i = keys_.ssc.size(); i > 0; --i) {
    if (++keys_.ssc[i - 1] != 0) break;
  }
}

absl::StatusOr<Bytes> SecureMessaging::Iv() {
  if (keys_.cipher == SmCipher::k3Des) return Bytes(8, 0);
  return cipher_.EncryptBlock(keys_.ssc);
}

absl::Status SecureMessaging::Fail(absl::Status status) {
  spent_ = true;
  return status;
}

absl::StatusOr<CommandApdu> SecureMessaging::Wrap(const CommandApdu& plain, SmCommandTrace* trace) {
  if (spent_) return absl::FailedPreconditionError("secure messaging: session already ended");
  const size_t bs = BlockSize(keys_.cipher);
  if (plain.data.size() > kMaxExtendedNc - 64 || plain.ne > kMaxExtendedNe) {
    return absl::InvalidArgumentError("secure messaging: command too long to protect");
  }
  IncrementSsc();

  CommandApdu out;
  out.cla = plain.cla | 0x0C;
  out.ins = plain.ins;
  out.p1 = plain.p1;
  out.p2 = plain.p2;

  Bytes dos;  // DO'87'/'85' || DO'97'
  if (!plain.data.empty()) {
    ASSIGN_OR_RETURN(Bytes iv, Iv());
    ASSIGN_OR_RETURN(Bytes enc, cipher_.Encrypt(iv, PadIso9797M2(plain.data, bs)));
    const bool odd = (plain.ins & 1) != 0;
    if (odd) {
      dos = EncodeTlv(0x85, enc);
    } else {
      Bytes v;
      v.reserve(enc.size() + 1);
      v.push_back(0x01);
      v.insert(v.end(), enc.begin(), enc.end());
      dos = EncodeTlv(0x87, v);
    }
  }
  const bool long_le = plain.ne > kMaxShortNe || (plain.extended && plain.ne > 0);
  if (plain.ne > 0) {
    Bytes le;
    if (long_le) {
      const size_t v = plain.ne == kMaxExtendedNe ? 0 : plain.ne;
      le = {static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
    } else {
      le = {static_cast<uint8_t>(plain.ne == kMaxShortNe ? 0 : plain.ne)};
    }
    Bytes do97 = EncodeTlv(0x97, le);
    dos.insert(dos.end(), do97.begin(), do97.end());
  }

  const uint8_t header[4] = {out.cla, out.ins, out.p1, out.p2};
  Bytes m = Concat({PadIso9797M2(header, bs), dos});
  Bytes n = PadIso9797M2(Concat({keys_.ssc, m}), bs);
  ASSIGN_OR_RETURN(Bytes mac, mac_.Mac8(n));
  if (trace != nullptr) {
    *trace = SmCommandTrace{};
    trace->ssc = FromSecure(keys_.ssc);
    trace->masked_header.assign(header, header + 4);
    size_t do87_size = plain.data.empty() ? 0 : dos.size() - (plain.ne > 0 ? (long_le ? 4 : 3) : 0);
    trace->do87.assign(dos.begin(), dos.begin() + static_cast<long>(do87_size));
    trace->do97.assign(dos.begin() + static_cast<long>(do87_size), dos.end());
    trace->m = m;
    trace->n = n;
    trace->cc = mac;
    trace->do8e = EncodeTlv(0x8E, mac);
  }

  out.data = std::move(dos);
  Bytes do8e = EncodeTlv(0x8E, mac);
  out.data.insert(out.data.end(), do8e.begin(), do8e.end());
  out.extended = plain.IsExtended() || long_le || out.data.size() > kMaxShortNc;
  out.ne = out.extended ? kMaxExtendedNe : kMaxShortNe;
  return out;
}

absl::StatusOr<ResponseApdu> SecureMessaging::Unwrap(const ResponseApdu& r, SmResponseTrace* trace) {
  if (spent_) return absl::FailedPreconditionError("secure messaging: session already ended");
  IncrementSsc();
  if (r.data.empty()) return Fail(PlainResponseError(r.sw));

  const size_t bs = BlockSize(keys_.cipher);
  std::optional<Tlv> do87, do85, do99, do8e;
  size_t mac_covered = 0;  // bytes of the data field before DO'8E'
  TlvReader reader(r.data);
  while (!reader.AtEnd()) {
    if (do8e.has_value()) return Fail(Malformed("data after DO'8E'"));
    const size_t offset = r.data.size() - reader.rest().size();
    absl::StatusOr<Tlv> t = reader.Next();
    if (!t.ok()) return Fail(Malformed(t.status().message()));
    std::optional<Tlv>* slot = nullptr;
    switch (t->tag) {
      case 0x87: slot = &do87; break;
      case 0x85: slot = &do85; break;
      case 0x99: slot = &do99; break;
      case 0x8E:
        slot = &do8e;
        mac_covered = offset;
        break;
      default: return Fail(Malformed(absl::StrFormat("unexpected data object %X", t->tag)));
    }
    if (slot->has_value()) return Fail(Malformed(absl::StrFormat("data object %X twice", t->tag)));
    *slot = *t;
  }
  if (!do8e.has_value()) {
    return Fail(
        MakeChipError(ChipErrorKind::kSecureMessagingBroken, "secure messaging: response without DO'8E' (no MAC)"));
  }
  if (do8e->value.size() != kSmMacSize) return Fail(Malformed("DO'8E' is not 8 bytes"));
  if (do87.has_value() && do85.has_value()) return Fail(Malformed("both DO'87' and DO'85'"));

  ByteSpan covered = ByteSpan(r.data).subspan(0, mac_covered);
  // The MAC's input is built only for a trace: a 64 KiB response is not copied to be MACed.
  absl::StatusOr<Bytes> mac = mac_.Mac8Padded({keys_.ssc, covered});
  if (!mac.ok()) return Fail(mac.status());
  if (trace != nullptr) {
    *trace = SmResponseTrace{};
    trace->ssc = FromSecure(keys_.ssc);
    if (do87.has_value()) trace->do87.assign(do87->raw.begin(), do87->raw.end());
    if (do85.has_value()) trace->do87.assign(do85->raw.begin(), do85->raw.end());
    if (do99.has_value()) trace->do99.assign(do99->raw.begin(), do99->raw.end());
    trace->do8e.assign(do8e->raw.begin(), do8e->raw.end());
    trace->k = PadIso9797M2(Concat({keys_.ssc, covered}), bs);
    trace->cc = *mac;
  }
  if (!ConstantTimeEqual(*mac, do8e->value)) {
    return Fail(MakeChipError(ChipErrorKind::kSecureMessagingBroken, "secure messaging: response MAC does not verify"));
  }

  ResponseApdu out;
  if (do99.has_value()) {
    if (do99->value.size() != 2) return Fail(Malformed("DO'99' is not 2 bytes"));
    out.sw = static_cast<uint16_t>((do99->value[0] << 8) | do99->value[1]);
  } else {
    out.sw = r.sw;
  }
  std::optional<Tlv> enc = do87.has_value() ? do87 : do85;
  if (enc.has_value()) {
    ByteSpan cryptogram = enc->value;
    if (do87.has_value()) {
      if (cryptogram.empty() || cryptogram[0] != 0x01) return Fail(Malformed("DO'87' without padding indicator 01"));
      cryptogram = cryptogram.subspan(1);
    }
    if (cryptogram.empty() || cryptogram.size() % bs != 0) {
      return Fail(Malformed("cryptogram is not a whole number of blocks"));
    }
    absl::StatusOr<Bytes> iv = Iv();
    if (!iv.ok()) return Fail(iv.status());
    absl::StatusOr<SecureBytes> plain = cipher_.Decrypt(*iv, cryptogram);
    if (!plain.ok()) return Fail(plain.status());
    absl::StatusOr<size_t> n = UnpaddedLength(*plain, bs);
    if (!n.ok()) return Fail(Malformed("bad padding in the decrypted data"));
    out.data.assign(plain->begin(), plain->begin() + static_cast<long>(*n));
  }
  return out;
}

size_t SecureMessaging::CommandOverhead(size_t data_size, bool extended) const {
  const size_t bs = BlockSize(keys_.cipher);
  size_t n = 0;
  if (data_size > 0) n += Do87Size(data_size, bs, true) - data_size;
  n += extended ? 4 : 3;  // DO'97'
  n += 2 + kSmMacSize;    // DO'8E'
  return n;
}

size_t SecureMessaging::ResponseOverhead(size_t data_size) const {
  const size_t bs = BlockSize(keys_.cipher);
  size_t n = 4 + 2 + kSmMacSize;  // DO'99', DO'8E'
  if (data_size > 0) n += Do87Size(data_size, bs, true) - data_size;
  return n;
}

size_t SecureMessaging::MaxPlainResponse(size_t max_protected_data) const {
  // n + ResponseOverhead(n) never decreases as n grows: binary search for the largest fit.
  if (ResponseOverhead(0) > max_protected_data) return 0;
  size_t lo = 0, hi = max_protected_data;  // lo fits; the answer is in [lo, hi]
  while (lo < hi) {
    size_t mid = lo + (hi - lo + 1) / 2;
    if (mid + ResponseOverhead(mid) <= max_protected_data) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

}  // namespace docval::emrtd
