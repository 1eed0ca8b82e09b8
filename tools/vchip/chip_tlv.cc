#include "tools/vchip/chip_tlv.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace docval::vchip {

Bytes EncodeLength(size_t n) {
  if (n < 0x80) return {static_cast<uint8_t>(n)};
  Bytes len;
  for (size_t v = n; v > 0; v >>= 8) len.insert(len.begin(), static_cast<uint8_t>(v & 0xFF));
  len.insert(len.begin(), static_cast<uint8_t>(0x80 | len.size()));
  return len;
}

Bytes EncodeTag(uint32_t tag) {
  Bytes out;
  if (tag > 0xFFFF) out.push_back(static_cast<uint8_t>(tag >> 16));
  if (tag > 0xFF) out.push_back(static_cast<uint8_t>(tag >> 8));
  out.push_back(static_cast<uint8_t>(tag));
  return out;
}

Bytes Tlv(uint32_t tag, ByteSpan value) {
  Bytes out = EncodeTag(tag);
  Bytes len = EncodeLength(value.size());
  out.insert(out.end(), len.begin(), len.end());
  out.insert(out.end(), value.begin(), value.end());
  return out;
}

Bytes TlvOf(uint32_t tag, std::initializer_list<ByteSpan> parts) {
  return Tlv(tag, emrtd::Concat(parts));
}

Bytes MinimalUnsigned(uint64_t v) {
  Bytes out;
  do {
    out.insert(out.begin(), static_cast<uint8_t>(v & 0xFF));
    v >>= 8;
  } while (v > 0);
  return out;
}

absl::StatusOr<TlvObject> ParseTlv(ByteSpan data) {
  size_t pos = 0;
  if (data.empty()) return absl::InvalidArgumentError("TLV: empty input");
  TlvObject obj;
  uint8_t first = data[pos++];
  obj.constructed = (first & 0x20) != 0;
  uint32_t tag = first;
  if ((first & 0x1F) == 0x1F) {
    for (int i = 0;; ++i) {
      if (pos >= data.size()) return absl::InvalidArgumentError("TLV: truncated tag");
      if (i >= 2) return absl::InvalidArgumentError("TLV: tag longer than 3 bytes");
      uint8_t b = data[pos++];
      tag = (tag << 8) | b;
      if ((b & 0x80) == 0) break;
    }
  }
  obj.tag = tag;
  if (pos >= data.size()) return absl::InvalidArgumentError("TLV: missing length");
  uint8_t l0 = data[pos++];
  size_t len = 0;
  if (l0 < 0x80) {
    len = l0;
  } else if (l0 == 0x80) {
    return absl::InvalidArgumentError("TLV: indefinite length");
  } else {
    size_t nbytes = l0 & 0x7F;
    if (nbytes > 4) return absl::InvalidArgumentError("TLV: length field too long");
    if (data.size() - pos < nbytes) return absl::InvalidArgumentError("TLV: truncated length");
    for (size_t i = 0; i < nbytes; ++i) len = (len << 8) | data[pos++];
  }
  if (data.size() - pos < len) {
    return absl::InvalidArgumentError(
        absl::StrCat("TLV: value of tag ", tag, " truncated (", len, " > ", data.size() - pos, ")"));
  }
  obj.value = data.subspan(pos, len);
  obj.encoded = data.subspan(0, pos + len);
  return obj;
}

absl::StatusOr<std::vector<TlvObject>> ParseTlvList(ByteSpan data) {
  std::vector<TlvObject> out;
  while (!data.empty()) {
    absl::StatusOr<TlvObject> obj = ParseTlv(data);
    if (!obj.ok()) return obj.status();
    data.remove_prefix(obj->encoded.size());
    out.push_back(*obj);
  }
  return out;
}

std::optional<TlvObject> FindTlv(const std::vector<TlvObject>& objects, uint32_t tag) {
  for (const TlvObject& o : objects) {
    if (o.tag == tag) return o;
  }
  return std::nullopt;
}

}  // namespace docval::vchip
