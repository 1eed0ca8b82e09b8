#include "tools/vchip/chip_apdu.h"

#include "absl/status/status.h"

namespace docval::vchip {

absl::StatusOr<ChipCommand> ParseChipCommand(ByteSpan apdu) {
  if (apdu.size() < 4) return absl::InvalidArgumentError("APDU shorter than its header");
  ChipCommand c;
  c.cla = apdu[0];
  c.ins = apdu[1];
  c.p1 = apdu[2];
  c.p2 = apdu[3];
  ByteSpan body = apdu.subspan(4);
  if (body.empty()) return c;  // case 1
  if (body.size() == 1) {      // case 2S
    c.has_le = true;
    c.ne = body[0] == 0 ? 256 : body[0];
    return c;
  }
  if (body[0] != 0) {  // short with Lc
    size_t lc = body[0];
    if (body.size() == 1 + lc) {
      c.data.assign(body.begin() + 1, body.end());
      return c;
    }
    if (body.size() == 2 + lc) {
      c.data.assign(body.begin() + 1, body.begin() + 1 + lc);
      c.has_le = true;
      c.ne = body.back() == 0 ? 256 : body.back();
      return c;
    }
    return absl::InvalidArgumentError("APDU: Lc does not match the body");
  }
  // Extended.
  if (body.size() < 3) return absl::InvalidArgumentError("APDU: truncated extended length");
  c.extended = true;
  size_t l = (size_t{body[1]} << 8) | body[2];
  if (body.size() == 3) {  // case 2E
    c.has_le = true;
    c.ne = l == 0 ? 65536 : l;
    return c;
  }
  if (l == 0) return absl::InvalidArgumentError("APDU: extended Lc of zero");
  if (body.size() == 3 + l) {
    c.data.assign(body.begin() + 3, body.end());
    return c;
  }
  if (body.size() == 5 + l) {
    c.data.assign(body.begin() + 3, body.begin() + 3 + l);
    size_t le = (size_t{body[3 + l]} << 8) | body[4 + l];
    c.has_le = true;
    c.ne = le == 0 ? 65536 : le;
    return c;
  }
  return absl::InvalidArgumentError("APDU: extended Lc does not match the body");
}

Bytes EncodeChipCommand(const ChipCommand& cmd) {
  Bytes out = {cmd.cla, cmd.ins, cmd.p1, cmd.p2};
  bool ext = cmd.extended || cmd.data.size() > 255 || (cmd.has_le && cmd.ne > 256);
  if (!ext) {
    if (!cmd.data.empty()) {
      out.push_back(static_cast<uint8_t>(cmd.data.size()));
      out.insert(out.end(), cmd.data.begin(), cmd.data.end());
    }
    if (cmd.has_le) out.push_back(static_cast<uint8_t>(cmd.ne == 256 ? 0 : cmd.ne));
    return out;
  }
  out.push_back(0);
  if (!cmd.data.empty()) {
    out.push_back(static_cast<uint8_t>(cmd.data.size() >> 8));
    out.push_back(static_cast<uint8_t>(cmd.data.size()));
    out.insert(out.end(), cmd.data.begin(), cmd.data.end());
  }
  if (cmd.has_le) {
    size_t le = cmd.ne == 65536 ? 0 : cmd.ne;
    out.push_back(static_cast<uint8_t>(le >> 8));
    out.push_back(static_cast<uint8_t>(le));
  }
  return out;
}

Bytes ResponseApdu(ByteSpan data, uint16_t sw) {
  Bytes out(data.begin(), data.end());
  out.push_back(static_cast<uint8_t>(sw >> 8));
  out.push_back(static_cast<uint8_t>(sw));
  return out;
}

}  // namespace docval::vchip
