// Replaying one step of a recorded chip dialog, byte for byte (`docval replay FILE`).
//
// A trace is one JSON object:
//   {"step": "bac" | "pace" | "ca" | "aa" | "read",
//    "access_key": {"can": "123456"} | {"document_number", "date_of_birth", "date_of_expiry"},
//    "card_access": "hex", "dg14": "hex", "dg15": "hex",       (what the step needs, if not read in it)
//    "file": "EF.COM" | "DG1" | ...,                           (read)
//    "reader": {"select_by_fid": false, "first_read": 0, "max_block": 0},   (read, ca's proof; optional)
//    "sm": {"cipher": "3DES" | "AES", "ks_enc": "hex", "ks_mac": "hex", "ssc": "hex"},  (state before)
//    "limits": {"extended_length": false, "max_command_bytes": 255, "max_response_bytes": 256},
//    "randomness": {"bac.rnd_ifd": "hex" | ["hex", ...], ...},
//    "exchanges": [{"command": "hex", "response": "hex"}, ...]}
// Private keys in "randomness" are the big-endian scalar (ECDH) or exponent (DH). Unknown fields are
// ignored (a trace may carry notes).
//
// The step runs against a scripted chip: each command it produces is checked against the next
// recorded one and answered with the recorded response. The outcome is one JSON object:
//   {"outcome": "ok" | "failed" | "diverged", "step": "...", "exchanges_replayed": n,
//    "divergence": {"index": i, "expected": "hex" | null, "actual": "hex"},   (diverged only)
//    "error": "...",                                                          (failed / diverged)
//    "sm": {"cipher", "ks_enc", "ks_mac", "ssc"} | null,   (secure messaging state after the step)
//    "result": {...}}                                      (the step's own result, when ok)
// "diverged" means the step sent a command other than the recorded one (or more commands than were
// recorded); "failed" means the step (or the trace) failed otherwise. A trace may hold more
// exchanges than the step uses.
//
// Steps register themselves (each in its own .cc of this library):
//   Task<absl::StatusOr<nlohmann::json>> ReplayMyStep(StepContext& ctx) { ... }
//   DOCVAL_REPLAY_STEP("mystep", ReplayMyStep);
// The library is a CMake OBJECT library so that every registration is linked in.
#ifndef DOCVAL_TOOLS_REPLAY_REPLAY_H_
#define DOCVAL_TOOLS_REPLAY_REPLAY_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "validator/emrtd/access/chip_channel.h"
#include "validator/emrtd/access/secure_messaging.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/card_link.h"
#include "validator/emrtd/crypto/random.h"
#include "validator/emrtd/files/file_reader.h"
#include "validator/emrtd/reader.h"
#include "validator/emrtd/task.h"

namespace docval::replay {

struct RecordedExchange {
  emrtd::Bytes command;
  emrtd::Bytes response;
};

struct ReaderSettings {
  bool select_by_fid = false;
  size_t first_read = 0;
  size_t max_block = 0;
};
// The file reader's options for these settings: the "read" step's reads and the "ca" step's proof.
emrtd::FileReaderOptions FileReaderOptionsOf(const ReaderSettings& reader);

// A parsed trace. Hex fields that are absent are std::nullopt.
struct Trace {
  std::string step;
  std::optional<emrtd::AccessKey> access_key;
  std::optional<emrtd::Bytes> card_access;
  std::optional<emrtd::Bytes> dg14;
  std::optional<emrtd::Bytes> dg15;
  std::optional<std::string> file;
  ReaderSettings reader;
  std::optional<emrtd::SessionKeys> sm;
  emrtd::LinkLimits limits;
  std::map<std::string, std::vector<emrtd::Bytes>> randomness;
  std::vector<RecordedExchange> exchanges;
  nlohmann::json raw;  // the whole trace, for steps that need more fields
};

// kInvalidArgument naming the field for anything malformed.
absl::StatusOr<Trace> ParseTrace(const nlohmann::json& json);

// What a step gets: the trace, a channel (secure when the trace gives "sm"), randomness scripted
// from the trace's "randomness".
struct StepContext {
  const Trace& trace;
  emrtd::ChipChannel& channel;
  emrtd::RandomSource& rng;
};

using StepFunction = emrtd::Task<absl::StatusOr<nlohmann::json>> (*)(StepContext&);

// Name -> step. Registration happens during static initialisation, lookups after main() starts.
class StepRegistry {
 public:
  static StepRegistry& Global();
  void Add(const std::string& name, StepFunction fn);
  std::optional<StepFunction> Find(const std::string& name) const;
  std::vector<std::string> Names() const;

 private:
  std::map<std::string, StepFunction> steps_;
};

struct StepRegistrar {
  StepRegistrar(const char* name, StepFunction fn) { StepRegistry::Global().Add(name, fn); }
};

#define DOCVAL_REPLAY_STEP(name, fn) \
  static const ::docval::replay::StepRegistrar docval_replay_step_registrar_##fn(name, fn)

// SM state as trace JSON ({"cipher": "3DES", "ks_enc": hex, ...}).
nlohmann::json SessionKeysToJson(const emrtd::SessionKeys& keys);

// Replays the trace and returns the outcome object described above.
nlohmann::json Replay(const nlohmann::json& trace);

}  // namespace docval::replay

#endif  // DOCVAL_TOOLS_REPLAY_REPLAY_H_
