#include "validator/emrtd/apdu.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/check.h"

namespace docval::emrtd {

size_t CommandApdu::EncodedSize() const {
  const bool ext = IsExtended();
  size_t n = 4;
  if (!data.empty()) n += (ext ? 3 : 1) + data.size();
  if (ne > 0) n += ext ? (data.empty() ? 3 : 2) : 1;
  return n;
}

Bytes CommandApdu::Encode() const {
  DOCVAL_CHECK(data.size() <= kMaxExtendedNc);
  DOCVAL_CHECK(ne <= kMaxExtendedNe);
  const bool ext = IsExtended();
  Bytes out;
  out.reserve(EncodedSize());
  out.insert(out.end(), {cla, ins, p1, p2});
  if (!data.empty()) {
    if (ext) {
      out.push_back(0x00);
      out.push_back(static_cast<uint8_t>(data.size() >> 8));
      out.push_back(static_cast<uint8_t>(data.size()));
    } else {
      out.push_back(static_cast<uint8_t>(data.size()));
    }
    out.insert(out.end(), data.begin(), data.end());
  }
  if (ne > 0) {
    if (ext) {
      if (data.empty()) out.push_back(0x00);
      const size_t le = ne == kMaxExtendedNe ? 0 : ne;
      out.push_back(static_cast<uint8_t>(le >> 8));
      out.push_back(static_cast<uint8_t>(le));
    } else {
      out.push_back(static_cast<uint8_t>(ne == kMaxShortNe ? 0 : ne));
    }
  }
  return out;
}

absl::StatusOr<CommandApdu> CommandApdu::Parse(ByteSpan raw) {
  if (raw.size() < 4) return absl::InvalidArgumentError("command APDU shorter than 4 bytes");
  CommandApdu c;
  c.cla = raw[0];
  c.ins = raw[1];
  c.p1 = raw[2];
  c.p2 = raw[3];
  ByteSpan body = raw.subspan(4);
  if (body.empty()) return c;  // case 1
  if (body.size() == 1) {      // case 2 short
    c.ne = body[0] == 0 ? kMaxShortNe : body[0];
    return c;
  }
  if (body[0] != 0) {  // short case 3 or 4
    size_t nc = body[0];
    if (body.size() == 1 + nc) {
      c.data.assign(body.begin() + 1, body.end());
      return c;
    }
    if (body.size() == 2 + nc) {
      c.data.assign(body.begin() + 1, body.begin() + 1 + nc);
      c.ne = body[1 + nc] == 0 ? kMaxShortNe : body[1 + nc];
      return c;
    }
    return absl::InvalidArgumentError(
        absl::StrCat("command APDU: Lc ", nc, " does not match ", body.size() - 1, " bytes"));
  }
  // Extended: body[0] == 0.
  c.extended = true;
  if (body.size() == 3) {  // case 2 extended
    size_t le = (size_t{body[1]} << 8) | body[2];
    c.ne = le == 0 ? kMaxExtendedNe : le;
    return c;
  }
  if (body.size() < 3) return absl::InvalidArgumentError("command APDU: truncated extended length");
  size_t nc = (size_t{body[1]} << 8) | body[2];
  if (nc == 0) return absl::InvalidArgumentError("command APDU: extended Lc of 0");
  if (body.size() == 3 + nc) {
    c.data.assign(body.begin() + 3, body.end());
    return c;
  }
  if (body.size() == 5 + nc) {
    c.data.assign(body.begin() + 3, body.begin() + 3 + nc);
    size_t le = (size_t{body[3 + nc]} << 8) | body[4 + nc];
    c.ne = le == 0 ? kMaxExtendedNe : le;
    return c;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("command APDU: extended Lc ", nc, " does not match ", body.size() - 3, " bytes"));
}

Bytes ResponseApdu::Encode() const {
  Bytes out = data;
  out.push_back(sw1());
  out.push_back(sw2());
  return out;
}

absl::StatusOr<ResponseApdu> ResponseApdu::Parse(ByteSpan raw) {
  if (raw.size() < 2) return absl::InvalidArgumentError("response APDU shorter than its 2 status bytes");
  ResponseApdu r;
  r.data.assign(raw.begin(), raw.end() - 2);
  r.sw = static_cast<uint16_t>((raw[raw.size() - 2] << 8) | raw[raw.size() - 1]);
  return r;
}

absl::StatusOr<ResponseApdu> ResponseApdu::ParseOwned(Bytes raw) {
  if (raw.size() < 2) return absl::InvalidArgumentError("response APDU shorter than its 2 status bytes");
  ResponseApdu r;
  r.sw = static_cast<uint16_t>((raw[raw.size() - 2] << 8) | raw[raw.size() - 1]);
  raw.resize(raw.size() - 2);
  r.data = std::move(raw);
  return r;
}

}  // namespace docval::emrtd
