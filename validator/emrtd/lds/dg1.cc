#include "validator/emrtd/lds/dg1.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "validator/emrtd/tlv.h"

namespace docval::emrtd {
namespace {

absl::Status Bad(absl::string_view why) { return absl::InvalidArgumentError(absl::StrCat("DG1: ", why)); }

std::string StripFiller(absl::string_view s) {
  while (!s.empty() && s.back() == '<') s.remove_suffix(1);
  return std::string(s);
}

std::string Spaces(absl::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '<') c = ' ';
  }
  return out;
}

void ParseName(absl::string_view name, MrzInfo& info) {
  size_t sep = name.find("<<");
  absl::string_view primary = sep == absl::string_view::npos ? name : name.substr(0, sep);
  info.primary_identifier = Spaces(StripFiller(primary));
  info.secondary_identifier.clear();
  if (sep == absl::string_view::npos) return;
  for (absl::string_view part : absl::StrSplit(name.substr(sep + 2), '<', absl::SkipEmpty())) {
    info.secondary_identifier.emplace_back(part);
  }
}

Gender GenderOf(char c) {
  if (c == 'M') return Gender::kMale;
  if (c == 'F') return Gender::kFemale;
  return Gender::kUnspecified;
}

// Document number with ICAO overflow: returns the number and how many characters of `optional`
// the overflow used (number part + check digit + terminating '<' if any).
struct DocNumber {
  std::string number;
  char check = '<';
  size_t optional_used = 0;
};

DocNumber JoinDocNumber(absl::string_view number9, char check, absl::string_view optional) {
  DocNumber d;
  if (check != '<' || optional.empty() || optional[0] == '<') {
    d.number = StripFiller(number9);
    d.check = check;
    return d;
  }
  size_t end = optional.find('<');
  if (end == absl::string_view::npos) end = optional.size();
  absl::string_view tail = optional.substr(0, end);  // rest of the number + its check digit
  d.number = absl::StrCat(number9, tail.substr(0, tail.size() - 1));
  d.check = tail.back();
  d.optional_used = end;
  return d;
}

bool IsMrzChar(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '<'; }

int DigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  if (c == '<') return 0;
  return -1;
}

bool CheckOk(absl::string_view field, char check) {
  int d = MrzCheckDigit(field);
  if (d < 0) return false;
  if (check == '<') return false;
  return check == static_cast<char>('0' + d);
}

}  // namespace

int MrzCheckDigit(absl::string_view field) {
  static constexpr int kWeights[3] = {7, 3, 1};
  int sum = 0;
  for (size_t i = 0; i < field.size(); ++i) {
    int v = DigitValue(field[i]);
    if (v < 0) return -1;
    sum += v * kWeights[i % 3];
  }
  return sum % 10;
}

absl::StatusOr<MrzInfo> ParseMrz(absl::string_view mrz) {
  for (char c : mrz) {
    if (!IsMrzChar(c)) return Bad("MRZ holds a character outside A-Z, 0-9 and '<'");
  }
  MrzInfo info;
  if (mrz.size() == 90) {
    absl::string_view l1 = mrz.substr(0, 30), l2 = mrz.substr(30, 30), l3 = mrz.substr(60, 30);
    info.document_type = "TD1";
    info.document_code = StripFiller(l1.substr(0, 2));
    info.issuing_state = StripFiller(l1.substr(2, 3));
    DocNumber dn = JoinDocNumber(l1.substr(5, 9), l1[14], l1.substr(15, 15));
    info.document_number = dn.number;
    info.optional_data1 = StripFiller(l1.substr(15 + dn.optional_used));
    while (!info.optional_data1.empty() && info.optional_data1[0] == '<' && dn.optional_used > 0) {
      info.optional_data1.erase(0, 1);
    }
    info.date_of_birth = std::string(l2.substr(0, 6));
    info.gender = GenderOf(l2[7]);
    info.date_of_expiry = std::string(l2.substr(8, 6));
    info.nationality = StripFiller(l2.substr(15, 3));
    info.optional_data2 = StripFiller(l2.substr(18, 11));
    ParseName(l3, info);
    return info;
  }
  if (mrz.size() == 72 || mrz.size() == 88) {
    const size_t n = mrz.size() / 2;
    absl::string_view l1 = mrz.substr(0, n), l2 = mrz.substr(n, n);
    info.document_type = n == 36 ? "TD2" : "TD3";
    info.document_code = StripFiller(l1.substr(0, 2));
    info.issuing_state = StripFiller(l1.substr(2, 3));
    ParseName(l1.substr(5), info);
    // TD2 optional data: positions 29-35; TD3 personal number: 29-42.
    absl::string_view optional = n == 36 ? l2.substr(28, 7) : l2.substr(28, 14);
    DocNumber dn = n == 36 ? JoinDocNumber(l2.substr(0, 9), l2[9], optional)
                           : DocNumber{StripFiller(l2.substr(0, 9)), l2[9], 0};
    info.document_number = dn.number;
    info.nationality = StripFiller(l2.substr(10, 3));
    info.date_of_birth = std::string(l2.substr(13, 6));
    info.gender = GenderOf(l2[20]);
    info.date_of_expiry = std::string(l2.substr(21, 6));
    absl::string_view rest = optional.substr(dn.optional_used);
    while (dn.optional_used > 0 && !rest.empty() && rest[0] == '<') rest.remove_prefix(1);
    info.optional_data1 = StripFiller(rest);
    info.optional_data2 = std::nullopt;
    return info;
  }
  return Bad(absl::StrCat("MRZ of ", mrz.size(), " characters is neither TD1 (90), TD2 (72) nor TD3 (88)"));
}

absl::StatusOr<std::string> Dg1MrzText(ByteSpan dg1) {
  absl::StatusOr<Tlv> outer = ParseSingleTlv(dg1, 0x61);
  if (!outer.ok()) return Bad(outer.status().message());
  absl::StatusOr<std::optional<Tlv>> mrz = FindChild(outer->value, 0x5F1F);
  if (!mrz.ok()) return Bad(mrz.status().message());
  if (!mrz->has_value()) return Bad("no MRZ ('5F1F')");
  return std::string((*mrz)->value.begin(), (*mrz)->value.end());
}

absl::StatusOr<MrzInfo> ParseDg1(ByteSpan dg1) {
  ASSIGN_OR_RETURN(std::string mrz, Dg1MrzText(dg1));
  return ParseMrz(mrz);
}

absl::StatusOr<bool> MrzCheckDigits(absl::string_view mrz) {
  for (char c : mrz) {
    if (!IsMrzChar(c)) return Bad("MRZ holds a character outside A-Z, 0-9 and '<'");
  }
  if (mrz.size() == 90) {
    absl::string_view l1 = mrz.substr(0, 30), l2 = mrz.substr(30, 30);
    DocNumber dn = JoinDocNumber(l1.substr(5, 9), l1[14], l1.substr(15, 15));
    std::string padded = dn.number;
    if (padded.size() < 9) padded.append(9 - padded.size(), '<');
    bool ok = CheckOk(padded, dn.check) && CheckOk(l2.substr(0, 6), l2[6]) && CheckOk(l2.substr(8, 6), l2[14]);
    std::string composite = absl::StrCat(l1.substr(5, 25), l2.substr(0, 7), l2.substr(8, 7), l2.substr(18, 11));
    return ok && CheckOk(composite, l2[29]);
  }
  if (mrz.size() == 72 || mrz.size() == 88) {
    const size_t n = mrz.size() / 2;
    absl::string_view l2 = mrz.substr(n, n);
    DocNumber dn = n == 36 ? JoinDocNumber(l2.substr(0, 9), l2[9], l2.substr(28, 7))
                           : DocNumber{std::string(l2.substr(0, 9)), l2[9], 0};
    std::string padded = dn.number;
    if (padded.size() < 9) padded.append(9 - padded.size(), '<');
    bool ok = CheckOk(padded, dn.check) && CheckOk(l2.substr(13, 6), l2[19]) && CheckOk(l2.substr(21, 6), l2[27]);
    std::string composite = absl::StrCat(l2.substr(0, 10), l2.substr(13, 7), l2.substr(21, n - 1 - 21));
    return ok && CheckOk(composite, l2[n - 1]);
  }
  return Bad("not an MRZ length");
}

}  // namespace docval::emrtd
