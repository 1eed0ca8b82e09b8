#include "tools/replay/replay.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace docval::replay {
namespace {

using emrtd::Bytes;

absl::Status Bad(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("trace: \"", field, "\" ", why));
}

absl::StatusOr<Bytes> HexField(const nlohmann::json& j, absl::string_view field) {
  if (!j.is_string()) return Bad(field, "must be a hex string");
  absl::StatusOr<Bytes> b = emrtd::FromHex(j.get<std::string>());
  if (!b.ok()) return Bad(field, b.status().message());
  return b;
}

absl::StatusOr<std::optional<Bytes>> OptionalHex(const nlohmann::json& t, const char* field) {
  if (!t.contains(field) || t[field].is_null()) return std::optional<Bytes>();
  absl::StatusOr<Bytes> b = HexField(t[field], field);
  if (!b.ok()) return b.status();
  return std::optional<Bytes>(*std::move(b));
}

emrtd::SecureBytes Secure(const std::string& s) { return emrtd::SecureBytes(s.begin(), s.end()); }

absl::StatusOr<emrtd::AccessKey> ParseAccessKey(const nlohmann::json& j) {
  if (!j.is_object()) return Bad("access_key", "must be an object");
  emrtd::AccessKey key;
  auto text = [&j](const char* name, emrtd::SecureBytes& out, bool upper) -> absl::Status {
    if (!j.contains(name)) return absl::OkStatus();
    if (!j[name].is_string()) return Bad(absl::StrCat("access_key.", name), "must be a string");
    std::string v = j[name].get<std::string>();
    if (upper) std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::toupper(c); });
    out = Secure(v);
    return absl::OkStatus();
  };
  absl::Status s = text("can", key.can, false);
  if (s.ok()) s = text("document_number", key.document_number, true);
  if (s.ok()) s = text("date_of_birth", key.date_of_birth, false);
  if (s.ok()) s = text("date_of_expiry", key.date_of_expiry, false);
  if (!s.ok()) return s;
  if (!key.has_can() && !key.has_mrz()) return Bad("access_key", "needs a CAN or the three MRZ fields");
  return key;
}

absl::StatusOr<emrtd::SessionKeys> ParseSm(const nlohmann::json& j) {
  if (!j.is_object()) return Bad("sm", "must be an object");
  emrtd::SessionKeys keys;
  const std::string cipher = j.value("cipher", "");
  if (cipher == "3DES") {
    keys.cipher = emrtd::SmCipher::k3Des;
  } else if (cipher == "AES") {
    keys.cipher = emrtd::SmCipher::kAes;
  } else {
    return Bad("sm.cipher", "must be \"3DES\" or \"AES\"");
  }
  for (const char* f : {"ks_enc", "ks_mac", "ssc"}) {
    if (!j.contains(f)) return Bad(absl::StrCat("sm.", f), "is missing");
  }
  absl::StatusOr<Bytes> enc = HexField(j["ks_enc"], "sm.ks_enc");
  if (!enc.ok()) return enc.status();
  absl::StatusOr<Bytes> mac = HexField(j["ks_mac"], "sm.ks_mac");
  if (!mac.ok()) return mac.status();
  absl::StatusOr<Bytes> ssc = HexField(j["ssc"], "sm.ssc");
  if (!ssc.ok()) return ssc.status();
  keys.ks_enc = emrtd::ToSecure(*enc);
  keys.ks_mac = emrtd::ToSecure(*mac);
  keys.ssc = emrtd::ToSecure(*ssc);
  absl::Status valid = emrtd::SecureMessaging::Create(keys).status();
  if (!valid.ok()) return Bad("sm", valid.message());
  return keys;
}

absl::StatusOr<size_t> Size(const nlohmann::json& j, const char* field) {
  if (!j.contains(field)) return size_t{0};
  if (!j[field].is_number_unsigned()) return Bad(field, "must be a non-negative integer");
  return j[field].get<size_t>();
}

// A chip that answers from the recording and notes the first divergence.
class RecordedChip {
 public:
  explicit RecordedChip(const std::vector<RecordedExchange>& exchanges) : exchanges_(exchanges) {}

  absl::StatusOr<Bytes> operator()(emrtd::ByteSpan command) {
    if (next_ >= exchanges_.size() || !std::equal(command.begin(), command.end(), exchanges_[next_].command.begin(),
                                                  exchanges_[next_].command.end())) {
      divergence_ = nlohmann::json{{"index", next_},
                                   {"expected", next_ < exchanges_.size()
                                                    ? nlohmann::json(emrtd::ToHex(exchanges_[next_].command))
                                                    : nlohmann::json(nullptr)},
                                   {"actual", emrtd::ToHex(command)}};
      return absl::AbortedError(absl::StrCat("replay: the step diverged from the recording at exchange ", next_));
    }
    return exchanges_[next_++].response;
  }

  size_t replayed() const { return next_; }
  const std::optional<nlohmann::json>& divergence() const { return divergence_; }

 private:
  const std::vector<RecordedExchange>& exchanges_;
  size_t next_ = 0;
  std::optional<nlohmann::json> divergence_;
};

}  // namespace

StepRegistry& StepRegistry::Global() {
  static StepRegistry* registry = new StepRegistry();
  return *registry;
}

void StepRegistry::Add(const std::string& name, StepFunction fn) { steps_[name] = fn; }

std::optional<StepFunction> StepRegistry::Find(const std::string& name) const {
  auto it = steps_.find(name);
  if (it == steps_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> StepRegistry::Names() const {
  std::vector<std::string> out;
  for (const auto& [name, fn] : steps_) out.push_back(name);
  return out;
}

absl::StatusOr<Trace> ParseTrace(const nlohmann::json& t) {
  if (!t.is_object()) return absl::InvalidArgumentError("trace: not a JSON object");
  Trace out;
  out.raw = t;
  if (!t.contains("step") || !t["step"].is_string()) return Bad("step", "must be a string");
  out.step = t["step"].get<std::string>();
  if (t.contains("access_key") && !t["access_key"].is_null()) {
    absl::StatusOr<emrtd::AccessKey> key = ParseAccessKey(t["access_key"]);
    if (!key.ok()) return key.status();
    out.access_key = *std::move(key);
  }
  for (auto [field, slot] : {std::pair<const char*, std::optional<Bytes>*>{"card_access", &out.card_access},
                             {"dg14", &out.dg14},
                             {"dg15", &out.dg15}}) {
    absl::StatusOr<std::optional<Bytes>> b = OptionalHex(t, field);
    if (!b.ok()) return b.status();
    *slot = *std::move(b);
  }
  if (t.contains("file") && !t["file"].is_null()) {
    if (!t["file"].is_string()) return Bad("file", "must be a string");
    out.file = t["file"].get<std::string>();
  }
  if (t.contains("reader")) {
    const nlohmann::json& r = t["reader"];
    if (!r.is_object()) return Bad("reader", "must be an object");
    if (r.contains("select_by_fid")) {
      if (!r["select_by_fid"].is_boolean()) return Bad("reader.select_by_fid", "must be a boolean");
      out.reader.select_by_fid = r["select_by_fid"].get<bool>();
    }
    absl::StatusOr<size_t> first = Size(r, "first_read");
    if (!first.ok()) return first.status();
    out.reader.first_read = *first;
    absl::StatusOr<size_t> block = Size(r, "max_block");
    if (!block.ok()) return block.status();
    out.reader.max_block = *block;
  }
  if (t.contains("sm") && !t["sm"].is_null()) {
    absl::StatusOr<emrtd::SessionKeys> sm = ParseSm(t["sm"]);
    if (!sm.ok()) return sm.status();
    out.sm = *std::move(sm);
  }
  if (t.contains("limits")) {
    const nlohmann::json& l = t["limits"];
    if (!l.is_object()) return Bad("limits", "must be an object");
    if (l.contains("extended_length")) {
      if (!l["extended_length"].is_boolean()) return Bad("limits.extended_length", "must be a boolean");
      out.limits.extended_length = l["extended_length"].get<bool>();
    }
    absl::StatusOr<size_t> c = Size(l, "max_command_bytes");
    if (!c.ok()) return c.status();
    absl::StatusOr<size_t> r = Size(l, "max_response_bytes");
    if (!r.ok()) return r.status();
    out.limits.max_command_bytes = *c;
    out.limits.max_response_bytes = *r;
  }
  if (t.contains("randomness")) {
    const nlohmann::json& r = t["randomness"];
    if (!r.is_object()) return Bad("randomness", "must be an object");
    for (const auto& [purpose, value] : r.items()) {
      const std::string field = absl::StrCat("randomness.", purpose);
      std::vector<Bytes>& values = out.randomness[purpose];
      if (value.is_array()) {
        for (const nlohmann::json& v : value) {
          absl::StatusOr<Bytes> b = HexField(v, field);
          if (!b.ok()) return b.status();
          values.push_back(*std::move(b));
        }
      } else {
        absl::StatusOr<Bytes> b = HexField(value, field);
        if (!b.ok()) return b.status();
        values.push_back(*std::move(b));
      }
    }
  }
  if (!t.contains("exchanges") || !t["exchanges"].is_array()) return Bad("exchanges", "must be an array");
  for (const nlohmann::json& e : t["exchanges"]) {
    if (!e.is_object() || !e.contains("command") || !e.contains("response")) {
      return Bad("exchanges", "entries need \"command\" and \"response\"");
    }
    absl::StatusOr<Bytes> c = HexField(e["command"], "exchanges[].command");
    if (!c.ok()) return c.status();
    absl::StatusOr<Bytes> r = HexField(e["response"], "exchanges[].response");
    if (!r.ok()) return r.status();
    if (r->size() < 2) return Bad("exchanges[].response", "needs at least SW1 SW2");
    out.exchanges.push_back({*std::move(c), *std::move(r)});
  }
  return out;
}

nlohmann::json SessionKeysToJson(const emrtd::SessionKeys& keys) {
  return nlohmann::json{{"cipher", keys.cipher == emrtd::SmCipher::k3Des ? "3DES" : "AES"},
                        {"ks_enc", emrtd::ToHex(emrtd::FromSecure(keys.ks_enc))},
                        {"ks_mac", emrtd::ToHex(emrtd::FromSecure(keys.ks_mac))},
                        {"ssc", emrtd::ToHex(emrtd::FromSecure(keys.ssc))}};
}

nlohmann::json Replay(const nlohmann::json& trace_json) {
  nlohmann::json out{{"outcome", "failed"}, {"step", nullptr}, {"exchanges_replayed", 0}, {"sm", nullptr}};
  absl::StatusOr<Trace> trace = ParseTrace(trace_json);
  if (!trace.ok()) {
    out["error"] = std::string(trace.status().message());
    return out;
  }
  out["step"] = trace->step;
  std::optional<StepFunction> step = StepRegistry::Global().Find(trace->step);
  if (!step.has_value()) {
    std::string known;
    for (const std::string& n : StepRegistry::Global().Names()) absl::StrAppend(&known, known.empty() ? "" : ", ", n);
    out["error"] = absl::StrCat("unknown step \"", trace->step, "\" (known: ", known, ")");
    return out;
  }

  emrtd::CardLink link(trace->limits);
  emrtd::ChipChannel channel(link);
  if (trace->sm.has_value()) channel.StartSecureMessaging(*trace->sm);
  emrtd::ScriptedRandom rng;
  for (const auto& [purpose, values] : trace->randomness) {
    for (const Bytes& v : values) rng.Add(purpose, v);
  }
  StepContext ctx{*trace, channel, rng};
  RecordedChip chip(trace->exchanges);
  emrtd::Task<absl::StatusOr<nlohmann::json>> task = (*step)(ctx);
  absl::StatusOr<nlohmann::json> result = emrtd::RunDialog(task, link, std::ref(chip));

  out["exchanges_replayed"] = chip.replayed();
  if (channel.sm() != nullptr) out["sm"] = SessionKeysToJson(channel.sm()->keys());
  if (chip.divergence().has_value()) {
    out["outcome"] = "diverged";
    out["divergence"] = *chip.divergence();
    out["error"] = std::string(result.status().message());
  } else if (!result.ok()) {
    out["error"] = std::string(result.status().message());
  } else {
    out["outcome"] = "ok";
    out["result"] = *std::move(result);
  }
  return out;
}

emrtd::FileReaderOptions FileReaderOptionsOf(const ReaderSettings& reader) {
  return emrtd::FileReaderOptions{
      .max_block = reader.max_block, .first_read = reader.first_read, .select_by_fid = reader.select_by_fid};
}

}  // namespace docval::replay
