// Fuzz target: what a v1 client controls before the dialog, the handshake's query and the start
// message (docs/protocol.md §1.1-§1.2).
//
// Input: one selector byte ('q': the rest is a request target, anything else: a start message's
// text). A start message the parser accepts must satisfy the rules it claims to have applied; a
// broken rule aborts (a finding).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "gateway/protocol/v1.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace docval::gateway::ws1;  // NOLINT: a fuzz target
  if (size < 1) return 0;
  const absl::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] == 'q') {
    (void)ParseHandshakeQuery(text);
    return 0;
  }
  StartMessageResult r = ParseStartMessage(text);
  if (!r.message) return 0;
  const AccessKeyFields& k = r.message->access_key;
  if (!k.has_can() && !k.has_mrz()) abort();
  if (k.has_can() && !IsValidCan(k.can)) abort();
  if (k.has_mrz() && (!IsValidDocumentNumber(k.document_number) || !IsValidMrzDate(k.date_of_birth) ||
                      !IsValidMrzDate(k.date_of_expiry))) {
    abort();
  }
  if (r.message->max_command_bytes && (*r.message->max_command_bytes < kMinApduLimit ||
                                       *r.message->max_command_bytes > kMaxCommandLimit)) {
    abort();
  }
  r.message->access_key.Wipe();
  return 0;
}
