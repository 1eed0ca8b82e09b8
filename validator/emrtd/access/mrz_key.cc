#include "validator/emrtd/access/mrz_key.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "validator/emrtd/crypto/hash.h"

namespace docval::emrtd {
namespace {

absl::Status CheckDate(const SecureBytes& date, const char* what) {
  if (date.size() != 6) return absl::InvalidArgumentError(absl::StrCat(what, " must be 6 digits (yyMMdd)"));
  for (uint8_t c : date) {
    if (c < '0' || c > '9') return absl::InvalidArgumentError(absl::StrCat(what, " must be 6 digits (yyMMdd)"));
  }
  return absl::OkStatus();
}

void Scrub(Bytes& b) {
  volatile uint8_t* p = b.data();
  for (size_t i = 0; i < b.size(); ++i) p[i] = 0;
}

}  // namespace

absl::StatusOr<char> MrzCheckDigit(ByteSpan field) {
  static constexpr int kWeights[3] = {7, 3, 1};
  int sum = 0;
  for (size_t i = 0; i < field.size(); ++i) {
    const uint8_t c = field[i];
    int v;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (c >= 'A' && c <= 'Z') {
      v = c - 'A' + 10;
    } else if (c == '<') {
      v = 0;
    } else {
      return absl::InvalidArgumentError("MRZ field with a character outside 0-9 A-Z <");
    }
    sum += v * kWeights[i % 3];
  }
  return static_cast<char>('0' + sum % 10);
}

absl::StatusOr<SecureBytes> MrzInformation(const AccessKey& key) {
  if (!key.has_mrz()) return absl::InvalidArgumentError("access key without MRZ fields");
  if (key.document_number.size() > 22) return absl::InvalidArgumentError("document number longer than 22 characters");
  RETURN_IF_ERROR(CheckDate(key.date_of_birth, "date of birth"));
  RETURN_IF_ERROR(CheckDate(key.date_of_expiry, "date of expiry"));
  SecureBytes out;
  out.reserve(22 + 1 + 7 + 7);
  // Trailing '<' are fillers, never part of the number: "AB123<<<<<<" and "AB123" are the same.
  size_t n = key.document_number.size();
  while (n > 0 && key.document_number[n - 1] == '<') --n;
  if (n == 0) return absl::InvalidArgumentError("document number of fillers only");
  out.insert(out.end(), key.document_number.begin(), key.document_number.begin() + static_cast<long>(n));
  while (out.size() < 9) out.push_back('<');
  ASSIGN_OR_RETURN(char cd_number, MrzCheckDigit(out));
  out.push_back(static_cast<uint8_t>(cd_number));
  ASSIGN_OR_RETURN(char cd_birth, MrzCheckDigit(key.date_of_birth));
  out.insert(out.end(), key.date_of_birth.begin(), key.date_of_birth.end());
  out.push_back(static_cast<uint8_t>(cd_birth));
  ASSIGN_OR_RETURN(char cd_expiry, MrzCheckDigit(key.date_of_expiry));
  out.insert(out.end(), key.date_of_expiry.begin(), key.date_of_expiry.end());
  out.push_back(static_cast<uint8_t>(cd_expiry));
  return out;
}

absl::StatusOr<SecureBytes> MrzPasswordHash(const AccessKey& key) {
  ASSIGN_OR_RETURN(SecureBytes info, MrzInformation(key));
  Bytes h = Hash(HashAlgorithm::kSha1, info);
  SecureBytes out(h.begin(), h.end());
  Scrub(h);
  return out;
}

absl::StatusOr<SecureBytes> BacKeySeed(const AccessKey& key) {
  ASSIGN_OR_RETURN(SecureBytes h, MrzPasswordHash(key));
  h.resize(16);
  return h;
}

}  // namespace docval::emrtd
