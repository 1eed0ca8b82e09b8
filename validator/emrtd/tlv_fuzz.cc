// Fuzz target: the BER-TLV reader (tlv.h) on arbitrary bytes, definite and indefinite forms.
#include <cstddef>
#include <cstdint>

#include "validator/emrtd/tlv.h"

namespace {

using docval::emrtd::ByteSpan;
using docval::emrtd::Tlv;
using docval::emrtd::TlvOptions;
using docval::emrtd::TlvReader;

// Walks every TLV and, for constructed ones, their children (bounded depth).
void Walk(ByteSpan data, TlvOptions options, int depth) {
  TlvReader reader(data, options);
  while (!reader.AtEnd()) {
    absl::StatusOr<Tlv> t = reader.Next();
    if (!t.ok()) return;
    // Every view must lie inside the input.
    if (t->raw.data() < data.data() || t->raw.data() + t->raw.size() > data.data() + data.size()) __builtin_trap();
    if (t->value.data() < t->raw.data() || t->value.data() + t->value.size() > t->raw.data() + t->raw.size()) {
      __builtin_trap();
    }
    if (t->constructed && depth < 8) Walk(t->value, options, depth + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteSpan input(data, size);
  Walk(input, TlvOptions{}, 0);
  Walk(input, TlvOptions{.allow_indefinite = true}, 0);
  size_t consumed = 0;
  absl::StatusOr<Tlv> one = docval::emrtd::ParseTlv(input, &consumed);
  if (one.ok() && consumed > size) __builtin_trap();
  if (one.ok()) {
    (void)docval::emrtd::FindChild(one->value, 0x5F1F);
    (void)docval::emrtd::ParseSingleTlv(input, one->tag);
    // Re-encoding a definite TLV gives back its bytes when the length was minimal.
    docval::emrtd::Bytes again = docval::emrtd::EncodeTlv(one->tag, one->value);
    (void)again;
  }
  return 0;
}
