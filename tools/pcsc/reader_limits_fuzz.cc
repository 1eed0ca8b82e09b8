// Fuzz target: the parsers of what a PC/SC reader and a card say about APDU sizes (part 10 feature
// list and TLV properties, the ATR's historical bytes) and the limits decided from them.
#include <cstddef>
#include <cstdint>

#include "tools/pcsc/reader_limits.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  docval::emrtd::ByteSpan in(data, size);
  std::optional<uint32_t> code = docval::pcsc::FindFeature(in, docval::pcsc::kFeatureGetTlvProperties);
  std::optional<uint32_t> max_data = docval::pcsc::MaxApduDataSize(in);
  std::optional<bool> card = docval::pcsc::AtrSaysExtendedLength(in);
  (void)code;
  for (int forced = 0; forced < 3; ++forced) {
    docval::pcsc::LimitsInput li{max_data, card, forced == 0 ? std::nullopt : std::optional<bool>(forced == 1)};
    docval::pcsc::DecidedLimits d = docval::pcsc::DecideLimits(li);
    // Never more than an extended APDU, never an extended claim beyond a short-only reader unless forced.
    if (d.limits.CommandBytes() > 65544 || d.limits.ResponseBytes() > 65538) __builtin_trap();
    if (d.limits.CommandBytes() < 261 || d.limits.ResponseBytes() < 258) __builtin_trap();
    if (forced == 0 && max_data.has_value() && *max_data < 256 && d.limits.extended_length) __builtin_trap();
    if (forced == 0 && card == false && d.limits.extended_length) __builtin_trap();
  }
  return 0;
}
