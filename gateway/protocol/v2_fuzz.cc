// Fuzz target: a v2 session fed any sequence of frames. The input is split into frames
// (1 byte kind: even = text, odd = binary; 2 bytes big-endian length; the bytes). Whatever arrives,
// the dialog never crashes, never holds more than the session's file limit or more files than there
// are names, and once it reported a violation it reports nothing else.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "absl/strings/string_view.h"
#include "gateway/protocol/v2.h"

using docval::gateway::ws2::Dialog;
using docval::gateway::ws2::Event;
using docval::gateway::ws2::Violation;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Dialog dialog;
  bool violated = false;
  size_t pos = 0;
  // A valid START first half of the time, so the fuzzer reaches the later phases.
  if (size > 0 && (data[0] & 0x80) != 0) {
    dialog.OnText(R"({"type":"START","validationId":"v","clientId":"c","platform":"android",)"
                  R"("nfcAdapterSupportsExtendedLength":true,"enableDiagnostics":true})");
    pos = 1;
  }
  while (pos + 3 <= size) {
    const uint8_t kind = data[pos];
    const size_t len = (static_cast<size_t>(data[pos + 1]) << 8) | data[pos + 2];
    pos += 3;
    const size_t n = len < size - pos ? len : size - pos;
    absl::string_view frame(reinterpret_cast<const char*>(data + pos), n);
    pos += n;
    Event e;
    if (kind == 0xF0) {
      dialog.CommandSent();
      continue;
    }
    if (kind == 0xF1 || kind == 0xF2) {  // the server ends CA, with or without the DG1 it read
      dialog.HandbackSent(kind == 0xF1 ? std::optional<std::string>(std::string(frame)) : std::nullopt);
      continue;
    }
    e = (kind & 1) ? dialog.OnBinary(frame) : dialog.OnText(frame);
    const bool is_violation = std::holds_alternative<Violation>(e);
    if (violated && !is_violation) __builtin_trap();
    violated = violated || is_violation;
    if (dialog.files().size() > 18) __builtin_trap();
  }
  // Only HandbackSent's DG1 (server-read, at most one frame) may go past the phone's limit.
  if (dialog.file_bytes() > docval::gateway::ws2::kMaxSessionFileBytes + 65536) __builtin_trap();
  dialog.WipeFiles();
  if (!dialog.files().empty()) __builtin_trap();
  return 0;
}
