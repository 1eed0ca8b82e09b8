// Records steps of our reader against the virtual passport (tools/vchip) as replay traces in the
// format of replay.h, for `docval replay` and the committed testdata/traces/vchip-*.json. Test-only.
//
// A recorder holds one virtual chip and the link limits. Setup dialogs (SELECT, reading a file) run
// our reader's code against the chip without being recorded; the secure-messaging state
// they leave is the "sm" of the next recorded step. Record() then runs one registered replay step
// (bac, pace, read, ca, aa: the same code `docval replay` runs) against the chip with a ScriptedRandom
// holding the trace's fixed "randomness" (each value must be used), and writes the exchanges. The
// step's own SM state carries on to what follows. Everything is deterministic: the chip draws from a
// seeded generator, the terminal from fixed values, so recording twice gives the same bytes.
#ifndef DOCVAL_TOOLS_REPLAY_VCHIP_RECORDER_H_
#define DOCVAL_TOOLS_REPLAY_VCHIP_RECORDER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "tools/vchip/chip_profile.h"
#include "tools/vchip/virtual_chip.h"
#include "validator/emrtd/access/secure_messaging.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/card_link.h"
#include "validator/emrtd/reader.h"

namespace docval::replay {

// `n` bytes that depend only on `label` (SHA-256 in counter mode): the recorder's "random" values.
emrtd::Bytes FixedBytes(absl::string_view label, size_t n);
// A private key below any bound of `bound_bytes` bytes: `bound_bytes - 1` fixed bytes, the first one
// non-zero (so it is never zero and always below the group order).
emrtd::Bytes FixedScalar(absl::string_view label, size_t bound_bytes);

class VchipRecorder {
 public:
  // kInvalidArgument when the chip cannot be made from `profile`.
  static absl::StatusOr<std::unique_ptr<VchipRecorder>> Create(vchip::ChipProfile profile, uint64_t chip_seed,
                                                               emrtd::LinkLimits limits);
  ~VchipRecorder();
  VchipRecorder(const VchipRecorder&) = delete;
  VchipRecorder& operator=(const VchipRecorder&) = delete;

  // ---- Setup, not recorded ----
  absl::Status SelectApplication();
  // A file by name ("EF.CardAccess", "DG14", ...), read with the reader's FileReader.
  absl::StatusOr<emrtd::Bytes> ReadFile(const std::string& name);

  // ---- Recording ----
  // `trace` holds "step", the fixed "randomness" and what the step needs ("access_key",
  // "card_access", "dg14", "dg15", "file", a "note", ...). The recorder adds "limits", "sm" (the
  // state before the step, when secure), "exchanges", and, from an in-process replay of the result,
  // "expected_result" and "expected_sm_after". For step "ca" the next protected read (of
  // "proof_file", default EF.COM) is recorded too: the replay step reads it to prove the new keys.
  absl::StatusOr<nlohmann::json> Record(nlohmann::json trace);

  const std::optional<emrtd::SessionKeys>& sm() const { return sm_; }

 private:
  VchipRecorder(std::unique_ptr<vchip::VirtualChip> chip, emrtd::LinkLimits limits);
  absl::StatusOr<emrtd::Bytes> Answer(emrtd::ByteSpan command);

  std::unique_ptr<vchip::VirtualChip> chip_;
  emrtd::LinkLimits limits_;
  std::optional<emrtd::SessionKeys> sm_;
  nlohmann::json* recording_ = nullptr;  // exchanges array while a step is recorded
};

// The text of a trace file: keys in a fixed, readable order (note, step, what the step needs, sm,
// limits, randomness, expectations, exchanges), indent 1, final newline.
std::string TraceText(const nlohmann::json& trace);

// The traces committed as testdata/traces/<file>: BAC and a DG1 read after it, PACE GM ECDH AES,
// PACE GM DH, PACE IM, PACE CAM, CA (ECDH AES-128 with key id; DH 2048 3DES, chained on short APDUs),
// AA (RSA ISO/IEC 9796-2; ECDSA plain), recorded from passports of a test PKI made from a fixed seed.
struct VchipTrace {
  std::string file;  // "vchip-bac.json", ...
  nlohmann::json trace;
};
absl::StatusOr<std::vector<VchipTrace>> RecordVchipTraces();

}  // namespace docval::replay

#endif  // DOCVAL_TOOLS_REPLAY_VCHIP_RECORDER_H_
