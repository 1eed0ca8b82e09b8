#include "tools/pcsc/reader_limits.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "validator/emrtd/apdu.h"

namespace docval::pcsc {
namespace {

constexpr size_t kShortCommandBytes = 4 + 1 + emrtd::kMaxShortNc + 1;  // 261
constexpr size_t kShortResponseBytes = emrtd::kMaxShortNe + 2;         // 258
// Case 4 extended: header, Lc (3 bytes), data, Le (2 bytes).
size_t ExtendedCommandBytes(size_t max_data) { return 4 + 3 + std::min(max_data, emrtd::kMaxExtendedNc) + 2; }
size_t ExtendedResponseBytes(size_t max_data) { return std::min(max_data, emrtd::kMaxExtendedNe) + 2; }

// The historical bytes of an ATR (ISO/IEC 7816-3 §8.2.2-8.2.3), or nullopt when the ATR is cut short.
// `type_b_pseudo_atr` is set for PC/SC part 3's pseudo-ATR of a type B contactless card.
std::optional<ByteSpan> HistoricalBytes(ByteSpan atr, bool* type_b_pseudo_atr) {
  *type_b_pseudo_atr = false;
  if (atr.size() < 2 || (atr[0] != 0x3B && atr[0] != 0x3F)) return std::nullopt;
  const size_t k = atr[1] & 0x0F;
  uint8_t y = atr[1] >> 4;
  size_t i = 2;
  std::vector<uint8_t> tds;
  while (true) {
    for (uint8_t bit : {0x1, 0x2, 0x4}) {
      if (y & bit) ++i;
    }
    if (!(y & 0x8)) break;
    if (i >= atr.size()) return std::nullopt;
    const uint8_t td = atr[i++];
    tds.push_back(td);
    y = td >> 4;
    if (tds.size() > 16) return std::nullopt;  // more TDs than any ATR of at most 33 bytes holds
  }
  if (i + k > atr.size()) return std::nullopt;
  *type_b_pseudo_atr = atr[1] == 0x88 && tds.size() == 2 && tds[0] == 0x80 && tds[1] == 0x01;
  return atr.subspan(i, k);
}

}  // namespace

std::optional<uint32_t> FindFeature(ByteSpan features, uint8_t feature) {
  for (size_t i = 0; i + 2 <= features.size();) {
    const uint8_t tag = features[i];
    const size_t len = features[i + 1];
    if (i + 2 + len > features.size()) return std::nullopt;
    if (tag == feature && len == 4) {
      const uint8_t* v = &features[i + 2];
      return (uint32_t{v[0]} << 24) | (uint32_t{v[1]} << 16) | (uint32_t{v[2]} << 8) | v[3];
    }
    i += 2 + len;
  }
  return std::nullopt;
}

std::optional<uint32_t> MaxApduDataSize(ByteSpan properties) {
  for (size_t i = 0; i + 2 <= properties.size();) {
    const uint8_t tag = properties[i];
    const size_t len = properties[i + 1];
    if (i + 2 + len > properties.size()) return std::nullopt;
    if (tag == kPropertyMaxApduDataSize) {
      if (len != 1 && len != 2 && len != 4) return std::nullopt;
      uint32_t v = 0;
      for (size_t b = 0; b < len; ++b) v |= uint32_t{properties[i + 2 + b]} << (8 * b);
      return v;
    }
    i += 2 + len;
  }
  return std::nullopt;
}

std::optional<bool> AtrSaysExtendedLength(ByteSpan atr) {
  bool type_b = false;
  std::optional<ByteSpan> hist = HistoricalBytes(atr, &type_b);
  if (!hist.has_value() || type_b || hist->empty()) return std::nullopt;
  ByteSpan tlvs;
  if ((*hist)[0] == 0x80) {
    tlvs = hist->subspan(1);  // compact-TLV objects, a status indicator (tag 8) among them if any
  } else if ((*hist)[0] == 0x00 && hist->size() >= 4) {
    tlvs = hist->subspan(1, hist->size() - 4);  // the last three bytes are the status indicator
  } else {
    return std::nullopt;  // proprietary, or a DIR data reference (0x10)
  }
  for (size_t i = 0; i < tlvs.size();) {
    const uint8_t tag = tlvs[i] >> 4;
    const size_t len = tlvs[i] & 0x0F;
    if (i + 1 + len > tlvs.size()) return std::nullopt;
    if (tag == 0x7) {
      if (len < 3) return std::nullopt;  // no third software function byte
      return (tlvs[i + 3] & 0x40) != 0;
    }
    i += 1 + len;
  }
  return std::nullopt;
}

DecidedLimits DecideLimits(const LimitsInput& in) {
  DecidedLimits out;
  std::optional<size_t> reader_data;  // extended with this many data bytes; nullopt: unknown
  bool reader_short = false;
  std::string reader_says = "the reader does not report its APDU limit";
  if (in.reader_max_apdu_data.has_value()) {
    const uint32_t n = *in.reader_max_apdu_data;
    reader_says = absl::StrCat("the reader reports dwMaxAPDUDataSize ", n);
    if (n < 256) {
      reader_short = true;
    } else {
      reader_data = n;
    }
  }
  std::string card_says = !in.card_extended.has_value() ? "the ATR does not say whether the card takes extended APDUs"
                          : *in.card_extended           ? "the ATR says the card takes extended APDUs"
                                                        : "the ATR says the card takes short APDUs only";
  bool extended = false;
  if (in.forced_extended.has_value()) {
    extended = *in.forced_extended;
    out.reason =
        absl::StrCat("--extended-length ", extended ? "true" : "false", " (", reader_says, "; ", card_says, ")");
  } else {
    if (reader_short || in.card_extended == false) {
      extended = false;
    } else if (reader_data.has_value() || in.card_extended == true) {
      extended = true;
    }
    out.reason = absl::StrCat(reader_says, "; ", card_says);
    if (!extended && !reader_short && in.card_extended != false) {
      absl::StrAppend(&out.reason, ": short APDUs, which every reader carries");
    }
  }
  out.limits.extended_length = extended;
  if (extended) {
    const size_t data = reader_data.value_or(emrtd::kMaxExtendedNe);
    out.limits.max_command_bytes = ExtendedCommandBytes(data);
    out.limits.max_response_bytes = ExtendedResponseBytes(data);
  } else {
    out.limits.max_command_bytes = kShortCommandBytes;
    out.limits.max_response_bytes = kShortResponseBytes;
  }
  return out;
}

}  // namespace docval::pcsc
