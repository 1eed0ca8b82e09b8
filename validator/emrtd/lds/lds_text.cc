#include "validator/emrtd/lds/lds_text.h"

#include "absl/strings/str_split.h"

namespace docval::emrtd {

std::string SanitizeUtf8(ByteSpan b) {
  static constexpr char kReplacement[] = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(b.size());
  size_t i = 0;
  while (i < b.size()) {
    uint8_t c = b[i];
    size_t n = 0;
    uint32_t cp = 0;
    if (c >= 0x01 && c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 4;
      cp = c & 0x07;
    }
    bool ok = n != 0 && i + n <= b.size();
    for (size_t k = 1; ok && k < n; ++k) {
      if ((b[i + k] & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (b[i + k] & 0x3F);
    }
    // Reject overlong forms, surrogates and values beyond U+10FFFF.
    if (ok) {
      static constexpr uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
      if (cp < kMin[n] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) ok = false;
    }
    if (!ok) {
      out += kReplacement;
      ++i;
      continue;
    }
    out.append(reinterpret_cast<const char*>(b.data() + i), n);
    i += n;
  }
  return out;
}

std::vector<std::string> SplitFiller(const std::string& text) {
  return absl::StrSplit(text, '<', absl::SkipEmpty());
}

std::string DigitsOrBcd(ByteSpan b) {
  bool ascii = true;
  for (uint8_t c : b) {
    if (c < '0' || c > '9') ascii = false;
  }
  if (ascii) return std::string(b.begin(), b.end());
  std::string out;
  for (uint8_t c : b) {
    uint8_t hi = c >> 4, lo = c & 0x0F;
    if (hi > 9 || lo > 9) return SanitizeUtf8(b);  // neither digits nor BCD: keep the text
    out.push_back(static_cast<char>('0' + hi));
    out.push_back(static_cast<char>('0' + lo));
  }
  return out;
}

}  // namespace docval::emrtd
