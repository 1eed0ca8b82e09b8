// The outcome of a chip dialog, in the core's own types. Mirrors proto/docval/v1/result.proto and
// docs/protocol.md §2 field by field; validator/result_json/result_proto.h converts (the core knows no
// protobuf) and its test proves, with the defaulted operator== below, that no field is lost.
// std::nullopt is JSON null.
#ifndef DOCVAL_VALIDATOR_EMRTD_RESULT_H_
#define DOCVAL_VALIDATOR_EMRTD_RESULT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "validator/emrtd/bytes.h"

namespace docval::emrtd {

struct SodInfo {
  std::string hash_algorithm;                      // "SHA-256", ...
  std::vector<std::pair<int, Bytes>> hash_for_data_group;  // ascending data-group number

  bool operator==(const SodInfo&) const = default;
};

enum class Gender { kUnspecified, kMale, kFemale };

struct MrzInfo {
  std::string document_type;  // "TD1" | "TD2" | "TD3"
  std::string document_code;
  std::string issuing_state;
  std::string primary_identifier;
  std::vector<std::string> secondary_identifier;
  std::string nationality;
  std::string document_number;
  std::string date_of_birth;  // yyMMdd
  Gender gender = Gender::kUnspecified;
  std::string date_of_expiry;  // yyMMdd
  std::string optional_data1;
  std::optional<std::string> optional_data2;

  bool operator==(const MrzInfo&) const = default;
};

struct AdditionalPersonalDetails {  // DG11
  std::optional<std::string> full_name_of_holder;
  std::optional<std::vector<std::string>> other_names;
  std::optional<std::string> personal_number;
  std::optional<std::string> full_date_of_birth;
  std::optional<std::string> place_of_birth;
  std::optional<std::vector<std::string>> permanent_address;
  std::optional<std::string> telephone;
  std::optional<std::string> profession;
  std::optional<std::string> title;
  std::optional<std::string> personal_summary;
  std::optional<Bytes> proof_of_citizenship_image;
  std::optional<std::vector<std::string>> other_valid_travel_document_numbers;
  std::optional<std::string> custody_information;

  bool operator==(const AdditionalPersonalDetails&) const = default;
};

struct AdditionalDocumentDetails {  // DG12
  std::optional<std::string> issuing_authority;
  std::optional<std::string> date_of_issue;
  std::optional<std::string> names_of_other_persons;
  std::optional<std::string> endorsements_and_observations;
  std::optional<std::string> tax_or_exit_requirements;
  std::optional<Bytes> image_of_front;
  std::optional<Bytes> image_of_rear;
  std::optional<std::string> date_and_time_of_personalization;
  std::optional<std::string> personalization_system_serial_number;

  bool operator==(const AdditionalDocumentDetails&) const = default;
};

struct PassiveAuthenticationDetails {
  bool sod_signature_valid = false;
  bool document_certificate_valid = false;
  std::vector<int> data_groups_checked;
  std::vector<int> data_groups_with_valid_hash;
  std::optional<std::string> error;
  bool all_hashes_valid = false;
  // What the verdict tolerated or an operator should know beside it (an EF.SOD with eContentType
  // id-data, a CRL past its nextUpdate under trust.crl_expired: warn); empty when nothing.
  std::vector<std::string> notes;

  bool operator==(const PassiveAuthenticationDetails&) const = default;
};

enum class CheckResult { kSuccess, kFailed, kUnavailable };
// "SUCCESS", "FAILED", "UNAVAILABLE": the values of chip_/active_authentication_result (docs/protocol.md §2).
const char* CheckResultName(CheckResult result);

struct EmrtdResult {
  std::optional<SodInfo> sod_info;
  std::optional<MrzInfo> mrz_info;
  std::optional<Bytes> face_photo;
  std::optional<std::vector<Bytes>> signature_photos;
  std::optional<AdditionalPersonalDetails> additional_personal_details;
  std::optional<AdditionalDocumentDetails> additional_document_details;
  bool passive_authentication = false;
  PassiveAuthenticationDetails passive_authentication_details;
  CheckResult chip_authentication_result = CheckResult::kUnavailable;
  CheckResult active_authentication_result = CheckResult::kUnavailable;
  std::vector<std::string> errors;
  // Only when the deployment enables it; {"sod", bytes}, {"dg1", bytes}, ... in read order.
  std::vector<std::pair<std::string, Bytes>> files_binary;

  bool operator==(const EmrtdResult&) const = default;
};

// Close reasons the dialog can end with (docs/protocol.md §1.6).
enum class FailureReason {
  kAccessControlFailed,        // 4403
  kEmrtdPassportReaderError,   // 1011
  kFileReadError,              // 1011: a mandatory file (SOD, DG1) could not be read
  kInvalidAccessKeyValues,     // 1008
  kServerError,                // 1011
};
const char* FailureReasonName(FailureReason reason);

struct DialogFailure {
  FailureReason reason = FailureReason::kEmrtdPassportReaderError;
  std::string detail;  // for logs: never personal data
};

using DialogOutcome = std::variant<EmrtdResult, DialogFailure>;

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_RESULT_H_
