#include "gateway/protocol/v2.h"

#include <utility>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace docval::gateway::ws2 {
namespace {

using Json = nlohmann::json;

constexpr size_t kMinResponseApduBytes = 2;
constexpr size_t kMaxResponseApduBytes = 65538;
constexpr int kMaxTransceiveLength = 65544;
constexpr int kMaxBlockSize = 65536;
const emrtd::SessionLimits kLimits;

// The name SessionLimits::MaxFileBytes knows a file by.
std::string CoreFileName(int sfi) {
  if (sfi == kSfiSod) return "EF.SOD";
  if (sfi == kSfiCom) return "EF.COM";
  return absl::StrCat("DG", sfi);
}

void WipeString(std::string& s) {
  volatile char* p = s.data();
  for (size_t i = 0; i < s.size(); ++i) p[i] = 0;
  s.clear();
}

TextParse Refuse(std::string detail, Closing closing = Closing::ProtocolError()) {
  TextParse r;
  r.closing = closing;
  r.detail = std::move(detail);
  return r;
}

// Strict base64 (with padding, no whitespace): what the SDKs send.
bool DecodeBase64(const Json& v, std::string* out) {
  if (!v.is_string()) return false;
  const std::string& s = v.get_ref<const std::string&>();
  if (s.size() % 4 != 0) return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/' && c != '=') return false;
  }
  return absl::Base64Unescape(s, out);
}

bool KeyLengthFits(SecureMessagingInfo::Algorithm a, size_t n) {
  if (a == SecureMessagingInfo::Algorithm::kAes) return n == 16 || n == 24 || n == 32;
  return n == 16 || n == 24;
}

TextParse ParseStart(const Json& j) {
  const CloseReason bad = CloseReason::kInvalidStartMessage;
  StartMessage m;
  for (const char* key : {"validationId", "clientId", "platform"}) {
    auto it = j.find(key);
    if (it == j.end()) return Refuse(absl::StrCat(key, " missing"), Closing::Of(bad));
    if (!it->is_string()) return Refuse(absl::StrCat(key, " is not a string"), Closing::Of(bad));
  }
  m.validation_id = j["validationId"].get<std::string>();
  m.client_id = j["clientId"].get<std::string>();
  m.platform = absl::AsciiStrToLower(j["platform"].get<std::string>());
  if (m.validation_id.empty() || m.client_id.empty()) return Refuse("empty id", Closing::Of(bad));
  if (m.platform != "android" && m.platform != "ios") return Refuse("platform unknown", Closing::Of(bad));
  auto ext = j.find("nfcAdapterSupportsExtendedLength");
  if (ext == j.end() || !ext->is_boolean()) {
    return Refuse("nfcAdapterSupportsExtendedLength missing or not a bool", Closing::Of(bad));
  }
  m.nfc_adapter_supports_extended_length = ext->get<bool>();
  auto diag = j.find("enableDiagnostics");
  if (diag != j.end() && !diag->is_null()) {
    if (!diag->is_boolean()) return Refuse("enableDiagnostics is not a bool", Closing::Of(bad));
    m.enable_diagnostics = diag->get<bool>();
  }
  TextParse r;
  r.message = std::move(m);
  return r;
}

bool IntIn(const Json& j, const char* key, int lo, int hi, int* out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return false;
  if (it->is_number_unsigned()) {
    uint64_t v = it->get<uint64_t>();
    if (v < static_cast<uint64_t>(lo) || v > static_cast<uint64_t>(hi)) return false;
    *out = static_cast<int>(v);
    return true;
  }
  int64_t v = it->get<int64_t>();
  if (v < lo || v > hi) return false;
  *out = static_cast<int>(v);
  return true;
}

TextParse ParseHandover(const Json& j) {
  CaHandover h;
  if (!IntIn(j, "maxTransceiveLengthForSecureMessaging", 1, kMaxTransceiveLength, &h.max_transceive_length)) {
    return Refuse("maxTransceiveLengthForSecureMessaging missing or out of range");
  }
  if (!IntIn(j, "maxBlockSize", 1, kMaxBlockSize, &h.max_block_size)) {
    return Refuse("maxBlockSize missing or out of range");
  }
  auto sm = j.find("secureMessagingInfo");
  if (sm == j.end() || !sm->is_object()) return Refuse("secureMessagingInfo missing");
  auto alg = sm->find("algorithm");
  if (alg == sm->end() || !alg->is_string()) return Refuse("secureMessagingInfo.algorithm missing");
  SecureMessagingInfo& info = h.secure_messaging;
  if (*alg == "AES") {
    info.algorithm = SecureMessagingInfo::Algorithm::kAes;
  } else if (*alg == "DESede") {
    info.algorithm = SecureMessagingInfo::Algorithm::kDesede;
  } else {
    return Refuse("secureMessagingInfo.algorithm unknown");
  }
  auto enc = sm->find("encKey");
  auto mac = sm->find("macKey");
  if (enc == sm->end() || !DecodeBase64(*enc, &info.enc_key) || !KeyLengthFits(info.algorithm, info.enc_key.size())) {
    info.Wipe();
    return Refuse("secureMessagingInfo.encKey missing, not base64 or of a wrong length");
  }
  if (mac == sm->end() || !DecodeBase64(*mac, &info.mac_key) || !KeyLengthFits(info.algorithm, info.mac_key.size())) {
    info.Wipe();
    return Refuse("secureMessagingInfo.macKey missing, not base64 or of a wrong length");
  }
  auto ssc = sm->find("ssc");
  if (ssc == sm->end() || !ssc->is_number_integer() || (!ssc->is_number_unsigned() && ssc->get<int64_t>() < 0)) {
    info.Wipe();
    return Refuse("secureMessagingInfo.ssc missing or not a non-negative integer");
  }
  info.ssc = ssc->get<uint64_t>();
  TextParse r;
  r.message = std::move(h);
  return r;
}

TextParse ParseFinish(const Json& j) {
  FinishMessage f;
  auto send = j.find("sendResult");
  if (send == j.end() || !send->is_boolean()) return Refuse("sendResult missing or not a bool");
  f.send_result = send->get<bool>();
  auto sig = j.find("activeAuthenticationSignature");
  if (sig != j.end() && !sig->is_null()) {
    std::string raw;
    if (!DecodeBase64(*sig, &raw)) return Refuse("activeAuthenticationSignature is not base64");
    if (raw.empty() || raw.size() > kMaxAaSignatureBytes) {
      return Refuse("activeAuthenticationSignature empty or too long");
    }
    f.aa_signature = std::move(raw);
  }
  TextParse r;
  r.message = std::move(f);
  return r;
}

TextParse ParseMonitoring(const Json& j) {
  auto msg = j.find("message");
  if (msg == j.end() || !msg->is_string()) return Refuse("message missing or not a string");
  if (msg->get_ref<const std::string&>().size() > kMaxMonitoringBytes) return Refuse("message too long");
  TextParse r;
  r.message = MonitoringMessage{msg->get<std::string>()};
  return r;
}

}  // namespace

std::optional<int> FileSfi(absl::string_view name) {
  if (name == "sod") return kSfiSod;
  if (name == "com") return kSfiCom;
  if (name.size() < 3 || name.size() > 4 || name.substr(0, 2) != "dg") return std::nullopt;
  absl::string_view digits = name.substr(2);
  if (digits[0] == '0') return std::nullopt;  // "dg01" is not a spelling we accept
  for (char c : digits) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  int n = 0;
  if (!absl::SimpleAtoi(digits, &n)) return std::nullopt;
  if (n < 1 || n > 16) return std::nullopt;
  return n;
}

std::string FileName(int sfi) {
  if (sfi == kSfiSod) return "sod";
  if (sfi == kSfiCom) return "com";
  if (sfi >= 1 && sfi <= 16) return absl::StrCat("dg", sfi);
  return "";
}

uint16_t Closing::code() const { return reason ? CloseCode(*reason) : 1008; }

absl::string_view Closing::name() const { return reason ? CloseReasonName(*reason) : "PROTOCOL_ERROR"; }

std::string Closing::label() const { return reason ? CloseReasonLabel(*reason) : "protocol_error"; }

void SecureMessagingInfo::Wipe() {
  WipeString(enc_key);
  WipeString(mac_key);
  ssc = 0;
}

BinaryParse ParseBinaryFrame(absl::string_view frame) {
  BinaryParse r;
  if (frame.empty()) {
    r.detail = "empty binary frame";
    return r;
  }
  const uint8_t type = static_cast<uint8_t>(frame[0]);
  if (type == kApduFrameType) {
    absl::string_view raw = frame.substr(1);
    if (raw.size() < kMinResponseApduBytes || raw.size() > kMaxResponseApduBytes) {
      r.detail = "APDU frame length out of range";
      return r;
    }
    r.frame = ApduFrame{std::string(raw)};
    return r;
  }
  if (type != kFileFrameType) {
    r.detail = "unknown binary frame type";
    return r;
  }
  if (frame.size() < 2) {
    r.detail = "FILE frame without a name length";
    return r;
  }
  const size_t name_len = static_cast<uint8_t>(frame[1]);
  if (name_len == 0 || frame.size() < 2 + name_len) {
    r.detail = "FILE frame name length does not fit";
    return r;
  }
  std::optional<int> sfi = FileSfi(frame.substr(2, name_len));
  if (!sfi) {
    r.detail = "FILE frame names an unknown file";
    return r;
  }
  absl::string_view bytes = frame.substr(2 + name_len);
  if (bytes.empty()) {
    r.detail = absl::StrCat("FILE ", FileName(*sfi), " empty");
    return r;
  }
  r.frame = FileFrame{*sfi, std::string(bytes)};
  return r;
}

std::string FileFrameBytes(int sfi, absl::string_view bytes) {
  const std::string name = FileName(sfi);
  std::string out;
  out.reserve(2 + name.size() + bytes.size());
  out.push_back(static_cast<char>(kFileFrameType));
  out.push_back(static_cast<char>(name.size()));
  out.append(name);
  out.append(bytes.data(), bytes.size());
  return out;
}

std::string ApduFrameBytes(absl::string_view raw) {
  std::string out(1, static_cast<char>(kApduFrameType));
  out.append(raw.data(), raw.size());
  return out;
}

TextParse ParseTextMessage(absl::string_view text) {
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Refuse("not a JSON object");
  auto type = j.find("type");
  if (type == j.end() || !type->is_string()) return Refuse("type missing or not a string");
  const std::string& t = type->get_ref<const std::string&>();
  if (t == "START") return ParseStart(j);
  if (t == "CA_HANDOVER") return ParseHandover(j);
  if (t == "FINISH") return ParseFinish(j);
  if (t == "MONITORING") return ParseMonitoring(j);
  return Refuse("unknown type");
}

std::string AcceptFrame(absl::string_view challenge) {
  return Json{{"type", "ACCEPT"}, {"activeAuthenticationChallenge", absl::Base64Escape(challenge)}}.dump();
}

absl::string_view CaCheckResultName(CaCheckResult r) {
  switch (r) {
    case CaCheckResult::kSuccess: return "SUCCESS";
    case CaCheckResult::kFailed: return "FAILED";
    case CaCheckResult::kUnavailable: return "UNAVAILABLE";
  }
  return "UNAVAILABLE";
}

std::string CaHandbackFrame(CaCheckResult result, const SecureMessagingInfo* sm) {
  Json j{{"type", "CA_HANDBACK"}, {"checkResult", std::string(CaCheckResultName(result))}};
  if (sm != nullptr) {
    j["secureMessagingInfo"] = Json{
        {"algorithm", sm->algorithm == SecureMessagingInfo::Algorithm::kAes ? "AES" : "DESede"},
        {"encKey", absl::Base64Escape(sm->enc_key)},
        {"macKey", absl::Base64Escape(sm->mac_key)},
        {"ssc", sm->ssc}};
  }
  return j.dump();
}

std::string ResultFrame(absl::string_view passport_json) {
  return absl::StrCat(R"({"type":"RESULT","passport":)", passport_json, "}");
}

std::string CloseFrame(const Closing& closing) {
  return Json{{"type", "CLOSE"}, {"code", closing.code()}, {"reason", std::string(closing.name())}}.dump();
}

// ---- Dialog ----

Dialog::~Dialog() { WipeFiles(); }

void Dialog::WipeFiles() {
  for (auto& [sfi, bytes] : files_) WipeString(bytes);
  files_.clear();
}

Event Dialog::Fail(Closing closing, std::string detail) {
  phase_ = Phase::kClosed;
  last_violation_ = Violation{closing, std::move(detail)};
  return last_violation_;
}

Event Dialog::OnText(absl::string_view text) {
  if (phase_ == Phase::kClosed) return last_violation_;
  if (text.size() > kMaxTextFrameBytes) return Fail(Closing::Of(CloseReason::kMessageTooBig), "text frame too big");
  TextParse p = ParseTextMessage(text);
  if (std::holds_alternative<std::monostate>(p.message)) return Fail(p.closing, std::move(p.detail));
  if (auto* start = std::get_if<StartMessage>(&p.message)) {
    if (phase_ != Phase::kAwaitingStart) return Fail("START twice");
    diagnostics_ = start->enable_diagnostics;
    phase_ = Phase::kFiles;
    return StartReceived{std::move(*start)};
  }
  if (phase_ == Phase::kAwaitingStart) return Fail("a message before START");
  if (phase_ == Phase::kFinished) return Fail("a message after FINISH");
  if (auto* m = std::get_if<MonitoringMessage>(&p.message)) {
    if (!diagnostics_) return Fail("MONITORING outside a diagnostic session");
    return MonitoringReceived{std::move(m->message)};
  }
  if (phase_ == Phase::kChipAuthentication) return Fail("a text message during Chip Authentication");
  if (auto* h = std::get_if<CaHandover>(&p.message)) {
    if (handover_done_) {
      h->secure_messaging.Wipe();
      return Fail("CA_HANDOVER twice");
    }
    if (!files_.contains(14)) {
      h->secure_messaging.Wipe();
      return Fail("CA_HANDOVER without DG14");
    }
    if (files_.contains(1)) {
      h->secure_messaging.Wipe();
      return Fail("CA_HANDOVER after the phone sent DG1");
    }
    handover_done_ = true;
    phase_ = Phase::kChipAuthentication;
    return HandoverReceived{std::move(*h)};
  }
  auto& f = std::get<FinishMessage>(p.message);
  if (!files_.contains(kSfiSod)) return Fail("FINISH without the SOD");
  if (!files_.contains(1)) return Fail("FINISH without DG1");
  if (f.aa_signature && !files_.contains(15)) return Fail("an AA signature without DG15");
  phase_ = Phase::kFinished;
  return FinishReceived{std::move(f)};
}

Event Dialog::OnBinary(absl::string_view frame) {
  if (phase_ == Phase::kClosed) return last_violation_;
  if (frame.size() > kMaxBinaryFrameBytes) {
    return Fail(Closing::Of(CloseReason::kMessageTooBig), "binary frame too big");
  }
  BinaryParse p = ParseBinaryFrame(frame);
  if (std::holds_alternative<std::monostate>(p.frame)) return Fail(std::move(p.detail));
  if (phase_ == Phase::kAwaitingStart) return Fail("a binary frame before START");
  if (phase_ == Phase::kFinished) return Fail("a binary frame after FINISH");
  if (auto* apdu = std::get_if<ApduFrame>(&p.frame)) {
    if (phase_ != Phase::kChipAuthentication || !command_outstanding_) return Fail("an APDU nobody asked for");
    command_outstanding_ = false;
    return ApduResponseReceived{std::move(apdu->raw)};
  }
  auto& file = std::get<FileFrame>(p.frame);
  if (phase_ == Phase::kChipAuthentication) return Fail("a FILE frame during Chip Authentication");
  if (files_.contains(file.sfi)) return Fail(absl::StrCat("FILE ", FileName(file.sfi), " twice"));
  const size_t cap = kLimits.MaxFileBytes(CoreFileName(file.sfi));
  if (file.bytes.size() > cap) {
    return Fail(Closing::Of(CloseReason::kEmrtdPassportReaderError),
                absl::StrCat("FILE ", FileName(file.sfi), " over its cap of ", cap, " bytes"));
  }
  if (file_bytes_ + file.bytes.size() > kMaxSessionFileBytes) {
    return Fail(Closing::Of(CloseReason::kEmrtdPassportReaderError), "the files over the session's byte budget");
  }
  file_bytes_ += file.bytes.size();
  const int sfi = file.sfi;
  files_.emplace(sfi, std::move(file.bytes));
  return FileReceived{sfi};
}

bool Dialog::CommandSent() {
  if (phase_ != Phase::kChipAuthentication || command_outstanding_) return false;
  command_outstanding_ = true;
  return true;
}

bool Dialog::HandbackSent(std::optional<std::string> dg1) {
  if (phase_ != Phase::kChipAuthentication || command_outstanding_) return false;
  if (dg1) {
    file_bytes_ += dg1->size();
    files_[1] = std::move(*dg1);
    dg1_from_server_ = true;
  }
  phase_ = Phase::kFilesAfterCa;
  return true;
}

}  // namespace docval::gateway::ws2
