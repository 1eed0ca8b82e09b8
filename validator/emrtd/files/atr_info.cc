#include "validator/emrtd/files/atr_info.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "validator/emrtd/apdu.h"
#include "validator/emrtd/tlv.h"

namespace docval::emrtd {
namespace {

constexpr size_t kMinPlausibleCommand = 12;
constexpr size_t kMinPlausibleResponse = 16;

absl::StatusOr<size_t> Integer(const Tlv& t) {
  if (t.tag != 0x02 || t.value.empty() || t.value.size() > 4) {
    return absl::InvalidArgumentError("EF.ATR/INFO: DO'7F66' needs INTEGERs of 1..4 bytes");
  }
  size_t v = 0;
  for (uint8_t b : t.value) v = (v << 8) | b;
  return v;
}

// Reads the data objects in `data` (stopping at 00/FF padding) and fills `out`; `depth` 0 = top.
absl::Status Scan(ByteSpan data, int depth, AtrInfo& out) {
  TlvReader reader(data);
  while (!reader.AtEnd()) {
    const uint8_t next = reader.rest()[0];
    if (next == 0x00 || next == 0xFF) break;
    absl::StatusOr<Tlv> t = reader.Next();
    if (!t.ok()) return absl::InvalidArgumentError(absl::StrCat("EF.ATR/INFO: ", t.status().message()));
    if (t->tag == 0x7F66 && !out.max_command_bytes.has_value()) {
      TlvReader inner(t->value);
      absl::StatusOr<Tlv> c = inner.Next();
      if (!c.ok()) return absl::InvalidArgumentError("EF.ATR/INFO: empty DO'7F66'");
      absl::StatusOr<Tlv> r = inner.Next();
      if (!r.ok()) return absl::InvalidArgumentError("EF.ATR/INFO: DO'7F66' with one value");
      absl::StatusOr<size_t> cv = Integer(*c);
      if (!cv.ok()) return cv.status();
      absl::StatusOr<size_t> rv = Integer(*r);
      if (!rv.ok()) return rv.status();
      out.max_command_bytes = *cv;
      out.max_response_bytes = *rv;
    } else if (t->tag == 0x47 && !out.extended_length.has_value()) {
      if (t->value.size() >= 3) out.extended_length = (t->value[2] & 0x40) != 0;
    } else if (t->constructed && depth == 0) {
      absl::Status s = Scan(t->value, depth + 1, out);
      if (!s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

size_t Narrow(size_t client, size_t chip) {
  if (client == 0) return chip;
  if (chip == 0) return client;
  return std::min(client, chip);
}

}  // namespace

absl::StatusOr<AtrInfo> ParseAtrInfo(ByteSpan file) {
  AtrInfo out;
  absl::Status s = Scan(file, 0, out);
  if (!s.ok()) return s;
  return out;
}

LinkLimits ApplyAtrInfo(const LinkLimits& client, const AtrInfo& chip) {
  size_t chip_command = chip.max_command_bytes.value_or(0);
  size_t chip_response = chip.max_response_bytes.value_or(0);
  if (chip_command < kMinPlausibleCommand) chip_command = 0;
  if (chip_response < kMinPlausibleResponse) chip_response = 0;
  const bool chip_extended = (chip_command > 4 + 1 + kMaxShortNc + 1 || chip_response > kMaxShortNe + 2) &&
                             chip.extended_length.value_or(true);
  LinkLimits out;
  out.extended_length = client.extended_length && chip_extended;
  out.max_command_bytes = Narrow(client.max_command_bytes, chip_command);
  out.max_response_bytes = Narrow(client.max_response_bytes, chip_response);
  if (!out.extended_length) {
    // Short APDUs: never promise more than a short APDU can carry.
    const LinkLimits short_defaults;
    out.max_command_bytes = std::min(out.max_command_bytes == 0 ? short_defaults.CommandBytes() : out.max_command_bytes,
                                     short_defaults.CommandBytes());
    out.max_response_bytes = std::min(
        out.max_response_bytes == 0 ? short_defaults.ResponseBytes() : out.max_response_bytes,
        short_defaults.ResponseBytes());
  }
  return out;
}

}  // namespace docval::emrtd
