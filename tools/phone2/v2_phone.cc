#include "tools/phone2/v2_phone.h"

#include <algorithm>
#include <map>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "tools/vchip/chip_crypto.h"
#include "tools/vchip/test_terminal.h"
#include "validator/emrtd/crypto/hash.h"

namespace docval::phone2 {
namespace {

using Json = nlohmann::json;
using emrtd::Bytes;

std::string Str(const Bytes& b) { return std::string(b.begin(), b.end()); }
Bytes BytesOf(absl::string_view s) { return Bytes(s.begin(), s.end()); }

// EF.COM (ICAO 9303-10 §4.6.1): 60 { 5F01 .. 5F36 .. 5C <data-group tags> }. The data groups listed.
std::vector<int> DataGroupsOfCom(const Bytes& com) {
  static const std::map<uint8_t, int> kTagToDg = {{0x61, 1},  {0x75, 2},  {0x63, 3},  {0x76, 4},
                                                  {0x65, 5},  {0x66, 6},  {0x67, 7},  {0x68, 8},
                                                  {0x69, 9},  {0x6A, 10}, {0x6B, 11}, {0x6C, 12},
                                                  {0x6D, 13}, {0x6E, 14}, {0x6F, 15}, {0x70, 16}};
  std::vector<int> out;
  size_t i = 0;
  auto length = [&](size_t* pos) -> size_t {
    if (*pos >= com.size()) return 0;
    uint8_t l = com[(*pos)++];
    if (l < 0x80) return l;
    size_t n = l & 0x7F, v = 0;
    for (size_t k = 0; k < n && *pos < com.size(); ++k) v = (v << 8) | com[(*pos)++];
    return v;
  };
  if (com.empty() || com[0] != 0x60) return out;
  i = 1;
  length(&i);
  while (i < com.size()) {
    uint16_t tag = com[i++];
    if ((tag & 0x1F) == 0x1F && i < com.size()) tag = static_cast<uint16_t>((tag << 8) | com[i++]);
    const size_t len = length(&i);
    if (tag == 0x5C) {
      for (size_t k = i; k < i + len && k < com.size(); ++k) {
        auto it = kTagToDg.find(com[k]);
        if (it != kTagToDg.end()) out.push_back(it->second);
      }
    }
    i += len;
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string TypeOf(const Json& j) {
  auto t = j.find("type");
  return t != j.end() && t->is_string() ? t->get<std::string>() : "";
}

// Reads one message. nullopt: the server closed (its close frame is in said.close). APDU frames are
// answered by `chip` (when given); everything else is recorded in `said`.
absl::StatusOr<std::optional<std::string>> Receive(relay::WsClient& client, ServerSaid& said, PhoneChip* chip,
                                                   absl::Duration timeout) {
  absl::StatusOr<relay::Frame> f = client.Read(timeout);
  if (!f.ok()) {
    if (absl::IsAborted(f.status())) {
      said.close = client.close_info();
      return std::optional<std::string>();
    }
    return f.status();
  }
  if (!f->text) {
    const std::string& d = f->data;
    if (!d.empty() && d[0] == '\x02' && chip != nullptr) {
      absl::StatusOr<std::string> rsp = chip->Transmit(d.substr(1));
      if (!rsp.ok()) return rsp.status();
      if (absl::Status s = client.SendBinary(ApduFrame(*rsp)); !s.ok()) return s;
      return std::optional<std::string>("APDU");
    }
    if (d.size() >= 2 && d[0] == '\x01' && d.size() >= 2u + static_cast<uint8_t>(d[1])) {
      said.server_files.push_back(d.substr(2, static_cast<uint8_t>(d[1])));
      return std::optional<std::string>("FILE");
    }
    said.other.push_back(absl::StrCat("binary frame of ", d.size(), " bytes"));
    return std::optional<std::string>("");
  }
  Json j = Json::parse(f->data, nullptr, false);
  const std::string type = j.is_object() ? TypeOf(j) : "";
  if (type == "ACCEPT") {
    said.accept = j;
    if (j.contains("activeAuthenticationChallenge") && j["activeAuthenticationChallenge"].is_string()) {
      absl::Base64Unescape(j["activeAuthenticationChallenge"].get<std::string>(), &said.challenge);
    }
  } else if (type == "CA_HANDBACK") {
    said.handback = j;
  } else if (type == "RESULT") {
    said.result = j;
  } else if (type == "CLOSE") {
    said.close_message = j;
  } else {
    said.other.push_back(f->data.substr(0, 200));
  }
  return std::optional<std::string>(type);
}

// Reads until a message of `type`; false when the server closed first.
absl::StatusOr<bool> WaitFor(relay::WsClient& client, ServerSaid& said, PhoneChip* chip, const std::string& type,
                             absl::Duration timeout) {
  while (true) {
    absl::StatusOr<std::optional<std::string>> got = Receive(client, said, chip, timeout);
    if (!got.ok()) return got.status();
    if (!got->has_value()) return false;
    if (**got == type) return true;
  }
}

}  // namespace

std::string FileFrame(absl::string_view name, absl::string_view bytes) {
  std::string f(1, '\x01');
  f.push_back(static_cast<char>(name.size()));
  f.append(name.data(), name.size());
  f.append(bytes.data(), bytes.size());
  return f;
}

std::string ApduFrame(absl::string_view raw) { return absl::StrCat(std::string(1, '\x02'), raw); }

Json StartMessage(const std::string& client_id, const std::string& validation_id, const std::string& platform,
                  bool extended_length) {
  return Json{{"type", "START"},
              {"validationId", validation_id},
              {"clientId", client_id},
              {"platform", platform},
              {"nfcAdapterSupportsExtendedLength", extended_length},
              {"enableDiagnostics", false}};
}

Json FinishMessage(bool send_result, const std::optional<std::string>& aa_signature) {
  Json j{{"type", "FINISH"}, {"sendResult", send_result}};
  j["activeAuthenticationSignature"] = aa_signature ? Json(absl::Base64Escape(*aa_signature)) : Json(nullptr);
  return j;
}

std::string* Document::Find(absl::string_view name) {
  for (auto& [n, b] : files) {
    if (n == name) return &b;
  }
  return nullptr;
}
const std::string* Document::Find(absl::string_view name) const {
  return const_cast<Document*>(this)->Find(name);
}
void Document::Remove(absl::string_view name) {
  files.erase(std::remove_if(files.begin(), files.end(), [&](const auto& f) { return f.first == name; }), files.end());
}

struct PhoneChip::State {
  vchip::VirtualChip* chip = nullptr;
  vchip::ChipProfile profile;
  bool prefer_pace = true;
  std::optional<vchip::testing::TerminalSm> sm;
  int transmitted = 0;
};

namespace {

absl::Status OpenChip(PhoneChip::State& st);

}  // namespace

PhoneChip::PhoneChip(std::unique_ptr<State> s) : s_(std::move(s)) {}
PhoneChip::~PhoneChip() = default;

absl::StatusOr<std::unique_ptr<PhoneChip>> PhoneChip::Open(vchip::VirtualChip& chip, const vchip::ChipProfile& profile,
                                                           bool prefer_pace) {
  auto s = std::make_unique<State>();
  s->chip = &chip;
  s->profile = profile;
  s->prefer_pace = prefer_pace;
  if (absl::Status st = OpenChip(*s); !st.ok()) return st;
  return std::unique_ptr<PhoneChip>(new PhoneChip(std::move(s)));
}

absl::Status PhoneChip::Reopen() { return OpenChip(*s_); }

int PhoneChip::transmitted() const { return s_->transmitted; }

namespace {

absl::Status OpenChip(PhoneChip::State& st) {
  vchip::VirtualChip& chip = *st.chip;
  const vchip::ChipProfile& profile = st.profile;
  const bool prefer_pace = st.prefer_pace;
  std::optional<vchip::testing::TerminalSm>* sm_out = &st.sm;
  const vchip::ClientAccessKey& key = profile.client_access_key;
  const bool has_key = !key.can.empty() || !key.document_number.empty();
  const std::string can = has_key ? key.can : profile.secrets.can;
  const std::string mrz_info =
      has_key && !key.document_number.empty()
          ? vchip::MrzKeyInformation(key.document_number, key.date_of_birth, key.date_of_expiry)
          : vchip::MrzKeyInformation(profile.secrets.document_number, profile.secrets.date_of_birth,
                                     profile.secrets.date_of_expiry);
  const Bytes aid = emrtd::HexOrDie("A0000002471001");
  if (!profile.pace.empty() && (prefer_pace || !profile.bac)) {
    const vchip::PaceSetting& pace = profile.pace.front();
    const bool with_can = !can.empty() && (!has_key || !key.can.empty());
    const Bytes password = with_can ? BytesOf(can) : emrtd::Hash(emrtd::HashAlgorithm::kSha1, emrtd::AsSpan(mrz_info));
    absl::StatusOr<vchip::testing::PaceOutcome> out =
        vchip::testing::TerminalPace(chip, pace.protocol, pace.parameter_id, with_can ? 2 : 1, password, 7);
    if (!out.ok()) return out.status();
    if (!out->sm) return absl::PermissionDeniedError(absl::StrCat("PACE refused: SW ", out->failed_sw));
    *sm_out = std::move(out->sm);
    absl::StatusOr<Bytes> sel = vchip::testing::SecureExchange(chip, **sm_out, 0xA4, 0x04, 0x0C, aid, 0);
    if (!sel.ok()) return sel.status();
    if (vchip::testing::SwOf(*sel) != 0x9000) return absl::FailedPreconditionError("SELECT eMRTD application refused");
  } else {
    Bytes select = emrtd::HexOrDie("00A4040C07");
    select.insert(select.end(), aid.begin(), aid.end());
    absl::StatusOr<Bytes> sel = vchip::testing::Exchange(chip, select);
    if (!sel.ok()) return sel.status();
    if (vchip::testing::SwOf(*sel) != 0x9000) return absl::FailedPreconditionError("SELECT eMRTD application refused");
    absl::StatusOr<vchip::testing::TerminalSm> sm = vchip::testing::TerminalBac(chip, mrz_info);
    if (!sm.ok()) return sm.status();
    *sm_out = *std::move(sm);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Document> PhoneChip::ReadFiles() {
  Document doc;
  absl::StatusOr<Bytes> com = vchip::testing::ReadFile(*s_->chip, *s_->sm, 0x011E);
  if (!com.ok()) return com.status();
  doc.files.emplace_back("com", Str(*com));
  absl::StatusOr<Bytes> sod = vchip::testing::ReadFile(*s_->chip, *s_->sm, 0x011D);
  if (!sod.ok()) return sod.status();
  doc.files.emplace_back("sod", Str(*sod));
  for (int dg : DataGroupsOfCom(*com)) {
    absl::StatusOr<Bytes> f = vchip::testing::ReadFile(*s_->chip, *s_->sm, static_cast<uint16_t>(0x0100 + dg));
    if (!f.ok()) return absl::Status(f.status().code(), absl::StrCat("DG", dg, ": ", f.status().message()));
    doc.files.emplace_back(absl::StrCat("dg", dg), Str(*f));
  }
  return doc;
}

absl::StatusOr<std::string> PhoneChip::InternalAuthenticate(const std::string& challenge) {
  absl::StatusOr<Bytes> r = vchip::testing::SecureExchange(*s_->chip, *s_->sm, 0x88, 0, 0, BytesOf(challenge), 256);
  if (!r.ok()) return r.status();
  if (vchip::testing::SwOf(*r) != 0x9000) return absl::FailedPreconditionError("INTERNAL AUTHENTICATE refused");
  return std::string(r->begin(), r->end() - 2);
}

Json PhoneChip::SecureMessagingInfo() const {
  const vchip::testing::TerminalSm& sm = *s_->sm;
  uint64_t ssc = 0;
  const Bytes& b = sm.ssc();
  for (size_t i = b.size() > 8 ? b.size() - 8 : 0; i < b.size(); ++i) ssc = (ssc << 8) | b[i];
  return Json{{"algorithm", sm.cipher() == vchip::Cipher::kTdes ? "DESede" : "AES"},
              {"encKey", absl::Base64Escape(Str(sm.ks_enc()))},
              {"macKey", absl::Base64Escape(Str(sm.ks_mac()))},
              {"ssc", ssc}};
}

absl::Status PhoneChip::TakeSecureMessaging(const Json& info) {
  std::string enc, mac;
  if (!info.is_object() || !info.contains("encKey") || !info.contains("macKey") || !info.contains("ssc") ||
      !absl::Base64Unescape(info["encKey"].get<std::string>(), &enc) ||
      !absl::Base64Unescape(info["macKey"].get<std::string>(), &mac)) {
    return absl::InvalidArgumentError("secureMessagingInfo malformed");
  }
  vchip::Cipher c = vchip::Cipher::kTdes;
  if (info.value("algorithm", "") == "AES") {
    c = enc.size() == 32 ? vchip::Cipher::kAes256 : enc.size() == 24 ? vchip::Cipher::kAes192 : vchip::Cipher::kAes128;
  }
  Bytes ssc(vchip::BlockBytes(c), 0);
  uint64_t v = info["ssc"].get<uint64_t>();
  for (size_t i = 0; i < 8 && i < ssc.size(); ++i) ssc[ssc.size() - 1 - i] = static_cast<uint8_t>(v >> (8 * i));
  s_->sm.emplace(c, BytesOf(enc), BytesOf(mac), ssc);
  return absl::OkStatus();
}

absl::StatusOr<std::string> PhoneChip::Transmit(const std::string& command) {
  ++s_->transmitted;
  absl::StatusOr<Bytes> r = vchip::testing::Exchange(*s_->chip, BytesOf(command));
  if (!r.ok()) return r.status();
  return Str(*r);
}

absl::Status ReadUntilClose(relay::WsClient& client, ServerSaid& said, absl::Duration timeout) {
  while (true) {
    absl::StatusOr<std::optional<std::string>> got = Receive(client, said, nullptr, timeout);
    if (!got.ok()) return got.status();
    if (!got->has_value()) return absl::OkStatus();
  }
}

absl::StatusOr<Session> RunSession(relay::WsClient& client, PhoneChip& chip, Document document, const Script& script) {
  Session out;
  ServerSaid& said = out.said;
  // Once a send fails (the server closed), what it said until its close frame is the outcome.
  auto closed = [&]() -> absl::StatusOr<Session> {
    absl::Status s = ReadUntilClose(client, said, script.timeout);
    if (!s.ok()) return s;
    return out;
  };
  if (script.tamper) script.tamper(document);
  if (!client.SendText(StartMessage(script.client_id, script.validation_id, script.platform).dump()).ok()) {
    return closed();
  }
  absl::StatusOr<bool> open = WaitFor(client, said, &chip, "ACCEPT", script.timeout);
  if (!open.ok()) return open.status();
  if (!*open) return out;

  const bool hand_over = script.hand_over && document.Find("dg14") != nullptr;
  std::vector<std::pair<std::string, std::string>> first, rest;
  for (auto& file : document.files) {
    if (file.first == "com" && !script.send_com) continue;
    const bool before_ca = file.first == "com" || file.first == "sod" || file.first == "dg14";
    (hand_over && before_ca ? first : rest).push_back(file);
  }
  for (const auto& [name, bytes] : first) {
    if (!client.SendBinary(FileFrame(name, bytes)).ok()) return closed();
  }
  if (hand_over) {
    Json handover{{"type", "CA_HANDOVER"},
                  {"maxTransceiveLengthForSecureMessaging", 65535},
                  {"maxBlockSize", 65536},
                  {"secureMessagingInfo", chip.SecureMessagingInfo()}};
    if (script.edit_handover) script.edit_handover(handover);
    const int relayed_before = chip.transmitted();
    if (!client.SendText(handover.dump()).ok()) return closed();
    absl::StatusOr<bool> back = WaitFor(client, said, &chip, "CA_HANDBACK", script.timeout);
    if (!back.ok()) return back.status();
    if (!*back) return out;
    if (said.handback->contains("secureMessagingInfo")) {
      if (absl::Status s = chip.TakeSecureMessaging((*said.handback)["secureMessagingInfo"]); !s.ok()) return s;
    } else if (chip.transmitted() != relayed_before) {
      if (absl::Status s = chip.Reopen(); !s.ok()) return s;  // the server's run left no usable keys
    }
    if (std::find(said.server_files.begin(), said.server_files.end(), "dg1") != said.server_files.end()) {
      rest.erase(std::remove_if(rest.begin(), rest.end(), [](const auto& f) { return f.first == "dg1"; }),
                 rest.end());
    }
  }
  for (const auto& [name, bytes] : rest) {
    if (!client.SendBinary(FileFrame(name, bytes)).ok()) return closed();
  }
  if (document.Find("dg15") != nullptr) {
    if (script.replayed_signature) {
      out.sent_signature = script.replayed_signature;
    } else {
      absl::StatusOr<std::string> sig = chip.InternalAuthenticate(said.challenge);
      if (!sig.ok()) return sig.status();
      out.sent_signature = *sig;
    }
  }
  if (!client.SendText(FinishMessage(script.send_result, out.sent_signature).dump()).ok()) return closed();
  return closed();
}

}  // namespace docval::phone2
