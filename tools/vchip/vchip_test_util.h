// Test helpers of the virtual chip's own tests: loading the ICAO/BSI worked examples.
#ifndef DOCVAL_TOOLS_VCHIP_VCHIP_TEST_UTIL_H_
#define DOCVAL_TOOLS_VCHIP_VCHIP_TEST_UTIL_H_

#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tools/vchip/chip_apdu.h"
#include "tools/vchip/chip_crypto.h"
#include "tools/vchip/chip_tlv.h"
#include "validator/emrtd/bytes.h"

namespace docval::vchip::testing {

inline nlohmann::json LoadVector(const std::string& name) {
  std::ifstream in(std::string(DOCVAL_VECTORS_DIR) + "/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

inline emrtd::Bytes H(const nlohmann::json& j) { return emrtd::HexOrDie(j.get<std::string>()); }
inline emrtd::Bytes H(const char* s) { return emrtd::HexOrDie(s); }

// The terminal side of secure messaging, written for the chip's tests separately from the chip's
// ChipSecureChannel (only the primitives are shared). Wrap() protects a plain command, Unwrap()
// checks and opens a protected response.
class TerminalSm {
 public:
  TerminalSm(Cipher c, Bytes ks_enc, Bytes ks_mac, Bytes ssc)
      : c_(c), enc_(std::move(ks_enc)), mac_(std::move(ks_mac)), ssc_(std::move(ssc)) {}

  Bytes Wrap(uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2, const Bytes& data, size_t ne) {
    Step();
    const size_t bs = BlockBytes(c_);
    Bytes header = {static_cast<uint8_t>(cla | 0x0C), ins, p1, p2};
    Bytes dos;
    if (!data.empty()) {
      Bytes cg = CbcEncrypt(c_, enc_, Iv(), Pad(data, bs));
      if (ins & 1) {
        dos = Tlv(0x85, cg);
      } else {
        cg.insert(cg.begin(), 0x01);
        dos = Tlv(0x87, cg);
      }
    }
    if (ne > 0) {
      Bytes le = ne > 256 ? Bytes{static_cast<uint8_t>((ne >> 8) & 0xFF), static_cast<uint8_t>(ne & 0xFF)}
                          : Bytes{static_cast<uint8_t>(ne & 0xFF)};
      Bytes do97 = Tlv(0x97, le);
      dos.insert(dos.end(), do97.begin(), do97.end());
    }
    Bytes n = ssc_;
    Bytes ph = Pad(header, bs);
    n.insert(n.end(), ph.begin(), ph.end());
    n.insert(n.end(), dos.begin(), dos.end());
    Bytes mac = Tlv(0x8E, Mac8(c_, mac_, Pad(n, bs)));
    dos.insert(dos.end(), mac.begin(), mac.end());
    ChipCommand cmd;
    cmd.cla = header[0];
    cmd.ins = ins;
    cmd.p1 = p1;
    cmd.p2 = p2;
    cmd.data = dos;
    cmd.has_le = true;
    cmd.ne = dos.size() > 255 ? 65536 : 256;
    return EncodeChipCommand(cmd);
  }

  // Returns data || SW of the protected response, or an empty vector when the MAC or the structure
  // is wrong (tests assert on that).
  Bytes Unwrap(const Bytes& rsp) {
    Step();
    if (rsp.size() < 2) return {};
    ByteSpan body(rsp.data(), rsp.size() - 2);
    auto list = ParseTlvList(body);
    if (!list.ok() || list->empty() || list->back().tag != 0x8E) return {};
    Bytes n = ssc_;
    for (size_t i = 0; i + 1 < list->size(); ++i) {
      n.insert(n.end(), (*list)[i].encoded.begin(), (*list)[i].encoded.end());
    }
    Bytes mac = Mac8(c_, mac_, Pad(n, BlockBytes(c_)));
    if (Bytes(list->back().value.begin(), list->back().value.end()) != mac) return {};
    Bytes data;
    Bytes sw;
    for (const TlvObject& o : *list) {
      if (o.tag == 0x87 || o.tag == 0x85) {
        ByteSpan cg = o.value;
        if (o.tag == 0x87) cg.remove_prefix(1);
        auto plain = CbcDecrypt(c_, enc_, Iv(), cg);
        if (!plain.has_value()) return {};
        auto unp = Unpad(*plain, BlockBytes(c_));
        if (!unp.has_value()) return {};
        data = *unp;
      } else if (o.tag == 0x99) {
        sw.assign(o.value.begin(), o.value.end());
      }
    }
    if (sw.size() != 2 || sw[0] != rsp[rsp.size() - 2] || sw[1] != rsp[rsp.size() - 1]) return {};
    data.insert(data.end(), sw.begin(), sw.end());
    return data;
  }

  const Bytes& ssc() const { return ssc_; }

 private:
  void Step() {
    for (size_t i = ssc_.size(); i > 0; --i) {
      if (++ssc_[i - 1] != 0) break;
    }
  }
  Bytes Iv() const { return IsAes(c_) ? EncryptBlock(c_, enc_, ssc_) : Bytes(8, 0); }

  Cipher c_;
  Bytes enc_, mac_, ssc_;
};

}  // namespace docval::vchip::testing

#endif  // DOCVAL_TOOLS_VCHIP_VCHIP_TEST_UTIL_H_
