#include "tools/pcsc/pcsc_options.h"

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gateway/protocol/v1.h"

namespace docval::pcsc {

const char kPcscUsage[] =
    "usage: docval pcsc --url WS_URL --client-id ID\n"
    "         (--document-number N --date-of-birth YYMMDD --date-of-expiry YYMMDD | --can CAN)\n"
    "         [--reader NAME] [--validation-id V] [--platform android|ios] [--extended-length true|false]\n"
    "         [--wait SECONDS] [--timeout SECONDS] [--authorization VALUE] [--ca-file PEM]\n"
    "       docval pcsc --list\n"
    "Reads the passport or ID card in a PC/SC reader (pcscd) and relays it to a DocVal server as the\n"
    "mobile SDKs do. --reader picks a reader by name or part of it (default: the first with a card).\n"
    "Exit: 0 when the server closed with 1000; 1 any other end (close code, card removed, network);\n"
    "2 bad arguments; 3 no PC/SC service, reader or card within --wait (default 120 s).\n";

absl::StatusOr<PcscOptions> ParsePcscOptions(int argc, char** argv) {
  PcscOptions o;
  for (int i = 1; i < argc; ++i) {
    std::string name = argv[i];
    std::string value;
    bool has_inline = false;
    if (size_t eq = name.find('='); absl::StartsWith(name, "--") && eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_inline = true;
    }
    auto next = [&]() -> absl::StatusOr<std::string> {
      if (has_inline) return value;
      if (i + 1 >= argc) return absl::InvalidArgumentError(absl::StrCat(name, " needs a value"));
      return std::string(argv[++i]);
    };
    auto seconds = [&](absl::Duration* out) -> absl::Status {
      absl::StatusOr<std::string> v = next();
      if (!v.ok()) return v.status();
      int n = 0;
      if (!absl::SimpleAtoi(*v, &n) || n <= 0 || n > 24 * 3600) {
        return absl::InvalidArgumentError(absl::StrCat(name, " takes a number of seconds (1 to 86400)"));
      }
      *out = absl::Seconds(n);
      return absl::OkStatus();
    };
    std::string* text = nullptr;
    if (name == "--url") text = &o.url;
    if (name == "--client-id") text = &o.client_id;
    if (name == "--validation-id") text = &o.validation_id;
    if (name == "--document-number") text = &o.document_number;
    if (name == "--date-of-birth") text = &o.date_of_birth;
    if (name == "--date-of-expiry") text = &o.date_of_expiry;
    if (name == "--can") text = &o.can;
    if (name == "--reader") text = &o.reader;
    if (name == "--platform") text = &o.platform;
    if (name == "--authorization") text = &o.authorization;
    if (name == "--ca-file") text = &o.ca_file;
    if (text != nullptr) {
      absl::StatusOr<std::string> v = next();
      if (!v.ok()) return v.status();
      *text = *v;
    } else if (name == "--extended-length") {
      absl::StatusOr<std::string> v = next();
      if (!v.ok()) return v.status();
      if (*v != "true" && *v != "false") return absl::InvalidArgumentError("--extended-length takes true or false");
      o.extended_length = *v == "true";
    } else if (name == "--wait") {
      if (absl::Status s = seconds(&o.wait); !s.ok()) return s;
    } else if (name == "--timeout") {
      if (absl::Status s = seconds(&o.timeout); !s.ok()) return s;
    } else if (name == "--list" && !has_inline) {
      o.list = true;
    } else if ((name == "--help" || name == "-h") && !has_inline) {
      o.help = true;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown argument ", name));
    }
  }
  if (o.help || o.list) return o;
  if (o.url.empty() || o.client_id.empty()) return absl::InvalidArgumentError("--url and --client-id are required");
  o.document_number = absl::AsciiStrToUpper(o.document_number);
  const int mrz_fields = !o.document_number.empty() + !o.date_of_birth.empty() + !o.date_of_expiry.empty();
  if (mrz_fields != 0 && mrz_fields != 3) {
    return absl::InvalidArgumentError("--document-number, --date-of-birth and --date-of-expiry go together");
  }
  if (mrz_fields == 0 && o.can.empty()) {
    return absl::InvalidArgumentError("an access key is required: the three MRZ fields or --can");
  }
  if (!o.can.empty() && !gateway::ws1::IsValidCan(o.can)) return absl::InvalidArgumentError("--can takes 6 digits");
  if (mrz_fields == 3) {
    if (!gateway::ws1::IsValidDocumentNumber(o.document_number)) {
      return absl::InvalidArgumentError("--document-number takes 1 to 22 characters of A-Z, 0-9 and <");
    }
    if (!gateway::ws1::IsValidMrzDate(o.date_of_birth)) {
      return absl::InvalidArgumentError("--date-of-birth takes a date as YYMMDD");
    }
    if (!gateway::ws1::IsValidMrzDate(o.date_of_expiry)) {
      return absl::InvalidArgumentError("--date-of-expiry takes a date as YYMMDD");
    }
  }
  return o;
}

std::optional<std::string> ChooseReader(const std::vector<ReaderState>& readers, const std::string& wanted,
                                        std::string* waiting_for) {
  std::vector<const ReaderState*> candidates;
  for (const ReaderState& r : readers) {
    if (r.name == wanted) candidates.push_back(&r);
  }
  if (candidates.empty()) {
    const std::string lower_wanted = absl::AsciiStrToLower(wanted);
    for (const ReaderState& r : readers) {
      if (absl::StrContains(absl::AsciiStrToLower(r.name), lower_wanted)) candidates.push_back(&r);
    }
  }
  if (candidates.empty()) {
    *waiting_for = wanted.empty() ? "a reader" : absl::StrCat("a reader matching '", wanted, "'");
    return std::nullopt;
  }
  std::string busy;
  for (const ReaderState* r : candidates) {
    if (!r->card_present) continue;
    if (r->mute) {
      busy = absl::StrCat("the card in ", r->name, " does not answer (mute): put it on the reader again");
      continue;
    }
    if (r->card_in_use) {
      busy = absl::StrCat("the card in ", r->name, " is held by another program");
      continue;
    }
    return r->name;
  }
  if (!busy.empty()) {
    *waiting_for = busy;
  } else if (candidates.size() == 1) {
    *waiting_for = absl::StrCat("a card on ", candidates[0]->name);
  } else {
    *waiting_for = absl::StrCat("a card on one of ", candidates.size(), " readers");
  }
  return std::nullopt;
}

std::string BuildStartMessage(const PcscOptions& o, const emrtd::LinkLimits& limits) {
  nlohmann::ordered_json key = nlohmann::ordered_json::object();
  if (!o.can.empty()) key["can"] = o.can;
  if (!o.document_number.empty()) {
    key["document_number"] = o.document_number;
    key["date_of_birth"] = o.date_of_birth;
    key["date_of_expiry"] = o.date_of_expiry;
  }
  nlohmann::ordered_json start;
  start["client_id"] = o.client_id;
  start["validation_id"] = o.validation_id;
  start["access_key"] = std::move(key);
  start["nfc_adapter_supports_extended_length"] = limits.extended_length;
  start["max_command_bytes"] = limits.CommandBytes();
  start["max_response_bytes"] = limits.ResponseBytes();
  start["platform"] = o.platform;
  start["enable_diagnostics"] = false;
  return start.dump();
}

}  // namespace docval::pcsc
