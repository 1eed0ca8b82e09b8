// Fuzz target: the EF.ATR/INFO parser and the link limits derived from it.
#include <cstddef>
#include <cstdint>

#include "validator/emrtd/files/atr_info.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::StatusOr<docval::emrtd::AtrInfo> info = docval::emrtd::ParseAtrInfo(docval::emrtd::ByteSpan(data, size));
  if (!info.ok()) return 0;
  for (bool client_extended : {false, true}) {
    docval::emrtd::LinkLimits client{.extended_length = client_extended};
    docval::emrtd::LinkLimits l = docval::emrtd::ApplyAtrInfo(client, *info);
    // Never more than the client offered; never extended unless the client offered it.
    if (l.extended_length && !client_extended) __builtin_trap();
    if (!l.extended_length && (l.ResponseBytes() > 258 || l.CommandBytes() > 261)) __builtin_trap();
  }
  return 0;
}
