#include "tools/replay/vchip_recorder.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "tools/replay/replay.h"
#include "tools/testpki/passport_factory.h"
#include "tools/testpki/test_pki.h"
#include "tools/vchip/chip_rng.h"
#include "validator/emrtd/access/chip_channel.h"
#include "validator/emrtd/crypto/hash.h"
#include "validator/emrtd/crypto/random.h"
#include "validator/emrtd/files/file_reader.h"

namespace docval::replay {
namespace {

using emrtd::Bytes;
using emrtd::ByteSpan;

emrtd::Task<absl::Status> SelectTask(emrtd::ChipChannel& channel) {
  emrtd::FileReader reader(channel);
  co_return co_await reader.SelectApplication();
}

emrtd::Task<absl::StatusOr<Bytes>> ReadTask(emrtd::ChipChannel& channel, emrtd::ElementaryFile file) {
  emrtd::FileReader reader(channel);
  co_return co_await reader.Read(file);
}

emrtd::Task<absl::StatusOr<nlohmann::json>> ProvenStep(StepFunction step, StepContext& ctx, emrtd::ElementaryFile proof,
                                                       bool* proof_read) {
  absl::StatusOr<nlohmann::json> r = co_await step(ctx);
  if (!r.ok() || !r->contains("chip_authentication") || (*r)["chip_authentication"] != "KEYS_SWITCHED") co_return r;
  // What the replay step does when the trace holds more exchanges than CA needs: one protected read.
  emrtd::FileReader reader(ctx.channel, FileReaderOptionsOf(ctx.trace.reader));
  absl::StatusOr<Bytes> content = co_await reader.Read(proof);
  if (!content.ok()) co_return content.status();
  *proof_read = true;
  co_return r;
}

nlohmann::json LimitsJson(const emrtd::LinkLimits& l) {
  return nlohmann::json{{"extended_length", l.extended_length},
                        {"max_command_bytes", l.max_command_bytes},
                        {"max_response_bytes", l.max_response_bytes}};
}

}  // namespace

Bytes FixedBytes(absl::string_view label, size_t n) {
  Bytes out;
  for (uint32_t counter = 0; out.size() < n; ++counter) {
    std::string input = absl::StrCat("docval-vchip-trace|", label, "|", counter);
    Bytes block = emrtd::Hash(emrtd::HashAlgorithm::kSha256, emrtd::AsSpan(input));
    out.insert(out.end(), block.begin(), block.end());
  }
  out.resize(n);
  return out;
}

Bytes FixedScalar(absl::string_view label, size_t bound_bytes) {
  Bytes v = FixedBytes(label, bound_bytes > 1 ? bound_bytes - 1 : 1);
  v[0] |= 0x10;
  return v;
}

VchipRecorder::VchipRecorder(std::unique_ptr<vchip::VirtualChip> chip, emrtd::LinkLimits limits)
    : chip_(std::move(chip)), limits_(limits) {}
VchipRecorder::~VchipRecorder() = default;

absl::StatusOr<std::unique_ptr<VchipRecorder>> VchipRecorder::Create(vchip::ChipProfile profile, uint64_t chip_seed,
                                                                     emrtd::LinkLimits limits) {
  ASSIGN_OR_RETURN(std::unique_ptr<vchip::VirtualChip> chip,
                   vchip::VirtualChip::Create(std::move(profile), vchip::NewSeededRandom(chip_seed)));
  return std::unique_ptr<VchipRecorder>(new VchipRecorder(std::move(chip), limits));
}

absl::StatusOr<Bytes> VchipRecorder::Answer(ByteSpan command) {
  std::optional<Bytes> r = chip_->Process(command);
  if (!r.has_value()) return absl::DeadlineExceededError("the virtual chip did not answer");
  if (recording_ != nullptr) {
    recording_->push_back({{"command", emrtd::ToHex(command)}, {"response", emrtd::ToHex(*r)}});
  }
  return *r;
}

absl::Status VchipRecorder::SelectApplication() {
  emrtd::CardLink link(limits_);
  emrtd::ChipChannel channel(link);
  if (sm_) channel.StartSecureMessaging(*sm_);
  emrtd::Task<absl::Status> task = SelectTask(channel);
  absl::Status s = emrtd::RunDialog(task, link, [this](ByteSpan c) { return Answer(c); });
  sm_.reset();
  if (channel.sm() != nullptr) sm_ = channel.sm()->keys();
  return s;
}

absl::StatusOr<Bytes> VchipRecorder::ReadFile(const std::string& name) {
  std::optional<emrtd::ElementaryFile> file = emrtd::FindElementaryFile(name);
  if (!file) return absl::InvalidArgumentError(absl::StrCat("unknown file ", name));
  emrtd::CardLink link(limits_);
  emrtd::ChipChannel channel(link);
  if (sm_) channel.StartSecureMessaging(*sm_);
  emrtd::Task<absl::StatusOr<Bytes>> task = ReadTask(channel, *file);
  absl::StatusOr<Bytes> r = emrtd::RunDialog(task, link, [this](ByteSpan c) { return Answer(c); });
  sm_.reset();
  if (channel.sm() != nullptr) sm_ = channel.sm()->keys();
  return r;
}

absl::StatusOr<nlohmann::json> VchipRecorder::Record(nlohmann::json trace) {
  trace["limits"] = LimitsJson(limits_);
  if (sm_) {
    trace["sm"] = SessionKeysToJson(*sm_);
  } else {
    trace.erase("sm");
  }
  trace["exchanges"] = nlohmann::json::array();
  ASSIGN_OR_RETURN(Trace parsed, ParseTrace(trace));
  std::optional<StepFunction> step = StepRegistry::Global().Find(parsed.step);
  if (!step) return absl::InvalidArgumentError(absl::StrCat("unknown step ", parsed.step));
  emrtd::ScriptedRandom rng;
  for (const auto& [purpose, values] : parsed.randomness) {
    for (const Bytes& v : values) rng.Add(purpose, v);
  }

  emrtd::CardLink link(parsed.limits);
  emrtd::ChipChannel channel(link);
  if (parsed.sm) channel.StartSecureMessaging(*parsed.sm);
  StepContext ctx{parsed, channel, rng};
  nlohmann::json exchanges = nlohmann::json::array();
  recording_ = &exchanges;
  bool proof_read = false;
  absl::StatusOr<nlohmann::json> result;
  if (parsed.step == "ca") {
    std::optional<emrtd::ElementaryFile> proof =
        emrtd::FindElementaryFile(trace.value("proof_file", std::string("EF.COM")));
    if (!proof) {
      recording_ = nullptr;
      return absl::InvalidArgumentError("unknown proof_file");
    }
    emrtd::Task<absl::StatusOr<nlohmann::json>> task = ProvenStep(*step, ctx, *proof, &proof_read);
    result = emrtd::RunDialog(task, link, [this](ByteSpan c) { return Answer(c); });
  } else {
    emrtd::Task<absl::StatusOr<nlohmann::json>> task = (*step)(ctx);
    result = emrtd::RunDialog(task, link, [this](ByteSpan c) { return Answer(c); });
  }
  recording_ = nullptr;
  if (!result.ok())
    return absl::InternalError(absl::StrCat("step ", parsed.step, " failed: ", result.status().message()));
  for (const auto& [purpose, left] : rng.Remaining()) {
    if (left != 0) return absl::InvalidArgumentError(absl::StrCat("randomness \"", purpose, "\" not used by the step"));
  }
  sm_.reset();
  if (channel.sm() != nullptr) sm_ = channel.sm()->keys();
  trace["exchanges"] = std::move(exchanges);

  // What `docval replay` must answer: the same step over the recorded exchanges.
  nlohmann::json replayed = Replay(trace);
  if (replayed["outcome"] != "ok") {
    return absl::InternalError(absl::StrCat("the recording does not replay: ", replayed.dump()));
  }
  if (parsed.step == "ca" && proof_read && replayed["result"].value("proven", false) != true) {
    return absl::InternalError("the replayed CA did not read the proof");
  }
  trace["expected_result"] = replayed["result"];
  trace["expected_sm_after"] = replayed["sm"];
  return trace;
}

std::string TraceText(const nlohmann::json& trace) {
  static const char* const kOrder[] = {"note",   "step",       "file",          "reader",  "pace",    "proof_file",
                                       "aa_signature_algorithm", "access_key",    "card_access", "dg14",
                                       "dg15",   "sm",         "limits",        "randomness", "expected_result",
                                       "expected_sm_after",      "exchanges"};
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const char* key : kOrder) {
    if (trace.contains(key)) out[key] = nlohmann::ordered_json::parse(trace[key].dump());
  }
  for (const auto& [key, value] : trace.items()) {
    if (!out.contains(key)) out[key] = nlohmann::ordered_json::parse(value.dump());
  }
  return out.dump(1) + "\n";
}

// ---- The committed traces ---------------------------------------------------------------------------

namespace {

constexpr uint64_t kPkiSeed = 9303;

vchip::MrzFields Mrz(const char* document_number) {
  vchip::MrzFields m;
  m.format = vchip::DocumentFormat::kTd3;
  m.document_code = "P";
  m.primary_identifier = "TRACE";
  m.secondary_identifier = "VIRTUAL";
  m.document_number = document_number;
  m.date_of_birth = "850101";
  m.sex = "F";
  m.date_of_expiry = "340630";
  return m;
}

nlohmann::json MrzKey(const vchip::ChipProfile& p) {
  return nlohmann::json{{"document_number", p.secrets.document_number},
                        {"date_of_birth", p.secrets.date_of_birth},
                        {"date_of_expiry", p.secrets.date_of_expiry}};
}

constexpr emrtd::LinkLimits kShortLink{.extended_length = false, .max_command_bytes = 261, .max_response_bytes = 258};
constexpr emrtd::LinkLimits kExtendedLink{
    .extended_length = true, .max_command_bytes = 65544, .max_response_bytes = 65538};

struct Recorded {
  std::vector<VchipTrace>* out;
  absl::Status Add(const std::string& file, absl::StatusOr<nlohmann::json> trace) {
    if (!trace.ok()) return absl::Status(trace.status().code(), absl::StrCat(file, ": ", trace.status().message()));
    out->push_back({file, *std::move(trace)});
    return absl::OkStatus();
  }
};

std::string Hex(const Bytes& b) { return emrtd::ToHex(b); }

}  // namespace

absl::StatusOr<std::vector<VchipTrace>> RecordVchipTraces() {
  ASSIGN_OR_RETURN(testpki::TestPki pki, testpki::GenerateTestPki(kPkiSeed));
  std::vector<VchipTrace> out;
  Recorded rec{&out};

  // A: BAC-only passport (3DES SM), CA DH 2048/256 3DES without key id, AA RSA-1024 (SHA-1, trailer BC).
  {
    testpki::PassportSpec spec;
    spec.name = "trace-bac-passport";
    spec.mrz = Mrz("T01X00V11");
    spec.chip_auth = {{"0.4.0.127.0.7.2.2.3.1.1", 2, std::nullopt}};
    spec.active_auth = testpki::AaKey::kRsa1024;
    ASSIGN_OR_RETURN(vchip::ChipProfile profile, testpki::Personalize(spec, pki));
    ASSIGN_OR_RETURN(std::unique_ptr<VchipRecorder> r, VchipRecorder::Create(profile, 101, kShortLink));
    RETURN_IF_ERROR(r->SelectApplication());
    RETURN_IF_ERROR(
        rec.Add("vchip-bac.json",
                r->Record({{"note",
                            "Our reader's BAC (GET CHALLENGE, EXTERNAL AUTHENTICATE) against the virtual passport "
                            "(tools/vchip, profile trace-bac-passport), recorded by tools/replay/vchip_recorder; the "
                            "eMRTD application was selected before."},
                           {"step", "bac"},
                           {"access_key", MrzKey(profile)},
                           {"randomness",
                            {{"bac.rnd_ifd", Hex(FixedBytes("bac.rnd_ifd", 8))},
                             {"bac.k_ifd", Hex(FixedBytes("bac.k_ifd", 16))}}}})));
    RETURN_IF_ERROR(rec.Add("vchip-bac-read-dg1.json",
                            r->Record({{"note", "DG1 read by SFI under the 3DES secure messaging of vchip-bac.json "
                                                "(the state right after BAC), short APDUs."},
                                       {"step", "read"},
                                       {"file", "DG1"}})));
    ASSIGN_OR_RETURN(Bytes dg15, r->ReadFile("DG15"));
    ASSIGN_OR_RETURN(Bytes dg14, r->ReadFile("DG14"));
    RETURN_IF_ERROR(rec.Add(
        "vchip-aa-rsa.json",
        r->Record({{"note", "Active Authentication with RSA-1024 (ISO/IEC 9796-2 scheme 1, SHA-1, trailer BC) under "
                            "BAC's 3DES secure messaging, against the virtual passport trace-bac-passport."},
                   {"step", "aa"},
                   {"dg15", Hex(dg15)},
                   {"randomness", {{"aa.challenge", Hex(FixedBytes("aa.challenge rsa", 8))}}}})));
    RETURN_IF_ERROR(rec.Add(
        "vchip-ca-dh-3des.json",
        r->Record({{"note", "Chip Authentication v1, DH 2048/256 (RFC 5114) with 3DES: MSE:Set KAT with a 256-byte "
                            "public key in a command chain of short APDUs, then READ BINARY of EF.COM under the new "
                            "keys (the proof). Virtual passport trace-bac-passport, after BAC."},
                   {"step", "ca"},
                   {"dg14", Hex(dg14)},
                   {"randomness", {{"ca.ephemeral_key", Hex(FixedScalar("ca.ephemeral_key dh", 32))}}}})));
  }

  // B: PACE-GM ECDH brainpoolP256r1 AES-128 with the MRZ, CA ECDH AES-128 key id 1, AA ECDSA (plain).
  {
    testpki::PassportSpec spec;
    spec.name = "trace-pace-gm-ecdh";
    spec.mrz = Mrz("T02X00V22");
    spec.pace = {{"0.4.0.127.0.7.2.2.4.2.2", 13}};
    spec.chip_auth = {{"0.4.0.127.0.7.2.2.3.2.2", 13, 1}};
    spec.active_auth = testpki::AaKey::kEcdsaBrainpool256;
    spec.aa_hash = "SHA-256";
    spec.signer = testpki::DocumentSigner::kEcdsa;
    ASSIGN_OR_RETURN(vchip::ChipProfile profile, testpki::Personalize(spec, pki));
    ASSIGN_OR_RETURN(std::unique_ptr<VchipRecorder> r, VchipRecorder::Create(profile, 102, kExtendedLink));
    ASSIGN_OR_RETURN(Bytes card_access, r->ReadFile("EF.CardAccess"));
    RETURN_IF_ERROR(rec.Add(
        "vchip-pace-gm-ecdh-aes128.json",
        r->Record({{"note", "PACE-GM, ECDH on brainpoolP256r1, AES-128, MRZ password, extended length offered, "
                            "against the virtual passport trace-pace-gm-ecdh."},
                   {"step", "pace"},
                   {"access_key", MrzKey(profile)},
                   {"card_access", Hex(card_access)},
                   {"randomness",
                    {{"pace.mapping_key", Hex(FixedScalar("pace.mapping_key gm-ecdh", 32))},
                     {"pace.ephemeral_key", Hex(FixedScalar("pace.ephemeral_key gm-ecdh", 32))}}}})));
    RETURN_IF_ERROR(r->SelectApplication());
    ASSIGN_OR_RETURN(Bytes dg14, r->ReadFile("DG14"));
    ASSIGN_OR_RETURN(Bytes dg15, r->ReadFile("DG15"));
    RETURN_IF_ERROR(rec.Add(
        "vchip-aa-ecdsa.json",
        r->Record({{"note", "Active Authentication with ECDSA brainpoolP256r1, plain r||s, SHA-256 as DG14's "
                            "ActiveAuthenticationInfo names, under PACE's AES-128 secure messaging "
                            "(trace-pace-gm-ecdh)."},
                   {"step", "aa"},
                   {"dg14", Hex(dg14)},
                   {"dg15", Hex(dg15)},
                   {"randomness", {{"aa.challenge", Hex(FixedBytes("aa.challenge ecdsa", 8))}}}})));
    RETURN_IF_ERROR(rec.Add(
        "vchip-ca-ecdh-aes128.json",
        r->Record({{"note", "Chip Authentication v1, ECDH brainpoolP256r1 with AES-128 and key id 1 (MSE:Set AT, "
                            "GENERAL AUTHENTICATE), then READ BINARY of EF.COM under the new keys (the proof); "
                            "trace-pace-gm-ecdh after PACE."},
                   {"step", "ca"},
                   {"dg14", Hex(dg14)},
                   {"randomness", {{"ca.ephemeral_key", Hex(FixedScalar("ca.ephemeral_key ecdh", 32))}}}})));
  }

  // F: CA proven the way other readers do it: SELECT EF.COM by file identifier, then READ BINARY,
  // under the new keys (the trace's "reader" settings). BAC passport, 3DES, CA ECDH AES-128.
  {
    testpki::PassportSpec spec;
    spec.name = "trace-ca-select-proof";
    spec.mrz = Mrz("T04X00V44");
    spec.chip_auth = {{"0.4.0.127.0.7.2.2.3.2.2", 13, std::nullopt}};
    ASSIGN_OR_RETURN(vchip::ChipProfile profile, testpki::Personalize(spec, pki));
    ASSIGN_OR_RETURN(std::unique_ptr<VchipRecorder> r, VchipRecorder::Create(profile, 106, kShortLink));
    RETURN_IF_ERROR(r->SelectApplication());
    // BAC, not kept as a trace of its own (vchip-bac.json shows BAC): it sets the SM the CA runs under.
    RETURN_IF_ERROR(r->Record({{"step", "bac"},
                               {"access_key", MrzKey(profile)},
                               {"randomness",
                                {{"bac.rnd_ifd", Hex(FixedBytes("bac.rnd_ifd select", 8))},
                                 {"bac.k_ifd", Hex(FixedBytes("bac.k_ifd select", 16))}}}})
                        .status());
    ASSIGN_OR_RETURN(Bytes dg14, r->ReadFile("DG14"));
    RETURN_IF_ERROR(rec.Add(
        "vchip-ca-select-proof.json",
        r->Record({{"note", "Chip Authentication v1, ECDH brainpoolP256r1 with AES-128 after BAC, proven as other "
                            "readers do: SELECT EF.COM by file identifier, then READ BINARY, under the new keys "
                            "(\"reader\": select_by_fid). Virtual passport trace-ca-select-proof."},
                   {"step", "ca"},
                   {"dg14", Hex(dg14)},
                   {"reader", {{"select_by_fid", true}}},
                   {"randomness", {{"ca.ephemeral_key", Hex(FixedScalar("ca.ephemeral_key select", 32))}}}})));
  }

  // C, D, E: PACE alone (GM DH 3DES, IM ECDH AES-256, CAM ECDH AES-128), each with the CAN.
  struct PaceOnly {
    const char* file;
    const char* name;
    const char* oid;
    int parameter_id;
    std::optional<int> cam_key_parameter_id;
    const char* note;
    nlohmann::json randomness;
  } pace_only[] = {
      {"vchip-pace-gm-dh-3des.json", "trace-pace-gm-dh", "0.4.0.127.0.7.2.2.4.1.1", 0, std::nullopt,
       "PACE-GM, DH on the RFC 5114 1024/160 group, 3DES, CAN password, short APDUs, against the virtual ID card "
       "trace-pace-gm-dh.",
       {{"pace.mapping_key", Hex(FixedScalar("pace.mapping_key gm-dh", 20))},
        {"pace.ephemeral_key", Hex(FixedScalar("pace.ephemeral_key gm-dh", 20))}}},
      {"vchip-pace-im-ecdh-aes256.json", "trace-pace-im", "0.4.0.127.0.7.2.2.4.4.4", 13, std::nullopt,
       "PACE-IM, ECDH on brainpoolP256r1, AES-256 (32-byte nonces s and t; R(s,t) with the 256-bit constants), CAN "
       "password, short APDUs, against the virtual ID card trace-pace-im.",
       {{"pace.im_nonce_t", Hex(FixedBytes("pace.im_nonce_t", 32))},
        {"pace.ephemeral_key", Hex(FixedScalar("pace.ephemeral_key im", 32))}}},
      {"vchip-pace-cam-ecdh-aes128.json", "trace-pace-cam", "0.4.0.127.0.7.2.2.4.6.2", 12, 12,
       "PACE-CAM, ECDH on secp256r1, AES-128, CAN password, short APDUs: the chip's last answer carries the "
       "encrypted chip authentication data (8A), against the virtual ID card trace-pace-cam.",
       {{"pace.mapping_key", Hex(FixedScalar("pace.mapping_key cam", 32))},
        {"pace.ephemeral_key", Hex(FixedScalar("pace.ephemeral_key cam", 32))}}},
  };
  uint64_t seed = 103;
  for (const PaceOnly& p : pace_only) {
    testpki::PassportSpec spec;
    spec.name = p.name;
    spec.mrz = Mrz("T03X00V33");
    spec.can = "271828";
    spec.bac = false;
    spec.pace = {{p.oid, p.parameter_id}};
    if (p.cam_key_parameter_id) spec.chip_auth = {{"0.4.0.127.0.7.2.2.3.2.2", *p.cam_key_parameter_id, std::nullopt}};
    ASSIGN_OR_RETURN(vchip::ChipProfile profile, testpki::Personalize(spec, pki));
    ASSIGN_OR_RETURN(std::unique_ptr<VchipRecorder> r, VchipRecorder::Create(profile, seed++, kShortLink));
    ASSIGN_OR_RETURN(Bytes card_access, r->ReadFile("EF.CardAccess"));
    RETURN_IF_ERROR(rec.Add(p.file, r->Record({{"note", p.note},
                                               {"step", "pace"},
                                               {"access_key", {{"can", spec.can}}},
                                               {"card_access", Hex(card_access)},
                                               {"randomness", p.randomness}})));
  }
  return out;
}

}  // namespace docval::replay
