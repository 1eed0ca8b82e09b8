// Builds the files of an eMRTD's Logical Data Structure (ICAO 9303-10) from plain values, for the test
// PKI's personalization of virtual chips: EF.COM, DG1 (TD1/TD2/TD3 MRZ), DG2 (ISO/IEC 19794-5 or
// ISO/IEC 39794-5 face image, JPEG or JPEG 2000), DG7, DG11, DG12, DG14, DG15, EF.CardAccess,
// EF.ATR/INFO, and the SecurityInfo structures of 9303-11 §9.2 that DG14 / CardAccess / CardSecurity
// hold. The SOD and EF.CardSecurity signatures are the test PKI's job (tools/testpki).
//
// All inputs are trusted (profiles written by us); a value that cannot be encoded (an MRZ field too long
// for its document format, a character outside A-Z 0-9 <) is kInvalidArgument.
#ifndef DOCVAL_TOOLS_VCHIP_LDS_BUILDER_H_
#define DOCVAL_TOOLS_VCHIP_LDS_BUILDER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "validator/emrtd/bytes.h"

namespace docval::vchip {

using emrtd::Bytes;
using emrtd::ByteSpan;

enum class DocumentFormat { kTd1, kTd2, kTd3 };

struct MrzFields {
  DocumentFormat format = DocumentFormat::kTd3;
  std::string document_code = "P";     // "P", "ID", "I", "AC", ...
  std::string issuing_state = "UTO";
  std::string primary_identifier;      // surname(s), spaces allowed (become '<')
  std::string secondary_identifier;    // given names, spaces allowed
  std::string document_number;         // up to 9 characters
  std::string nationality = "UTO";
  std::string date_of_birth;           // yyMMdd
  std::string sex = "<";               // "M", "F", "<"
  std::string date_of_expiry;          // yyMMdd
  std::string optional_data1;          // TD3: personal number (14); TD1: line 1 (15); TD2: (7)
  std::string optional_data2;          // TD1 only: line 2 (11)
};

// The MRZ as one string: 3x30 (TD1), 2x36 (TD2) or 2x44 (TD3) characters, lines concatenated, with
// check digits (ICAO 9303-3 §4.9).
absl::StatusOr<std::string> BuildMrz(const MrzFields& f);
// DG1: 61 { 5F1F MRZ }.
absl::StatusOr<Bytes> BuildDg1(const MrzFields& f);

enum class ImageFormat { kJpeg, kJpeg2000 };
// ISO/IEC 19794-5:2005 (version 010), ISO/IEC 19794-5:2011 (version 030: one quality block and the
// two eye centres as landmark points, to exercise the variable parts), ISO/IEC 39794-5.
enum class FaceEncoding { kIso19794_5, kIso19794_5_2011, kIso39794_5 };

struct FaceImage {
  Bytes image;  // the encoded JPEG / JPEG 2000 file
  ImageFormat format = ImageFormat::kJpeg;
  uint16_t width = 0;
  uint16_t height = 0;
  char sex = 'U';  // for the 19794-5 facial information block: 'M', 'F', 'U'
};

// DG2: 75 { 7F61 { 02 01 01, 7F60 { A1 {BHT}, 5F2E (19794-5 record) | 7F2E (39794-5 block) } } }.
Bytes BuildDg2(const FaceImage& face, FaceEncoding encoding);
// DG7: 67 { 02 01 n, 5F43 image ... }.
Bytes BuildDg7(const std::vector<Bytes>& images);

struct Dg11Fields {
  std::string full_name;            // 5F0E
  std::vector<std::string> other_names;  // A0 { 02 n, 0F... }
  std::string personal_number;      // 5F10
  std::string full_date_of_birth;   // 5F2B yyyyMMdd
  std::string place_of_birth;       // 5F11
  std::string permanent_address;    // 5F42
  std::string telephone;            // 5F12
  std::string profession;           // 5F13
  std::string title;                // 5F14
  std::string personal_summary;     // 5F15
  std::string custody_information;  // 5F18
};
Bytes BuildDg11(const Dg11Fields& f);

struct Dg12Fields {
  std::string issuing_authority;              // 5F19
  std::string date_of_issue;                  // 5F26 yyyyMMdd
  std::string endorsements_and_observations;  // 5F1B
  std::string tax_or_exit_requirements;       // 5F1C
  std::string date_and_time_of_personalization;  // 5F55 yyyyMMddhhmmss
  std::string personalization_system_serial_number;  // 5F56
};
Bytes BuildDg12(const Dg12Fields& f);

// EF.COM: 60 { 5F01 "0107", 5F36 "040000", 5C tag list } for the data groups present (1..16).
Bytes BuildCom(const std::vector<int>& data_groups);

// SecurityInfo encodings (DER SEQUENCEs).
Bytes PaceInfo(const std::string& protocol_oid, int parameter_id);
Bytes ChipAuthenticationInfo(const std::string& protocol_oid, std::optional<int> key_id);
Bytes ChipAuthenticationPublicKeyInfo(const std::string& pk_oid, ByteSpan subject_public_key_info,
                                      std::optional<int> key_id);
Bytes ActiveAuthenticationInfo(const std::string& signature_algorithm_oid);
Bytes TerminalAuthenticationInfo();
// SET OF SecurityInfo (DER: elements sorted).
Bytes SecurityInfos(std::vector<Bytes> infos);

// DG14: 6E { SecurityInfos }. DG15: 6F { SubjectPublicKeyInfo }. EF.CardAccess: the SET itself.
Bytes BuildDg14(std::vector<Bytes> infos);
Bytes BuildDg15(ByteSpan subject_public_key_info);
Bytes BuildCardAccess(std::vector<Bytes> infos);
// EF.ATR/INFO with the extended length information DO'7F66' (max command / response bytes).
Bytes BuildAtrInfo(size_t max_command_bytes, size_t max_response_bytes);

// The LDS tag of data group n (1 -> 0x61, 2 -> 0x75, ... 16 -> 0x70) and its file id 0x0100 + n.
uint8_t DataGroupTag(int n);

// DER helpers shared with the test PKI.
Bytes DerInteger(uint64_t v);
Bytes DerOid(const std::string& dotted);

}  // namespace docval::vchip

#endif  // DOCVAL_TOOLS_VCHIP_LDS_BUILDER_H_
