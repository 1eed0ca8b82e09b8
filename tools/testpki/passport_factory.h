// Personalization of virtual passports: from a PassportSpec (document data, protocols, keys to make,
// which Document Signer signs, faults) and the test PKI to a ready vchip::ChipProfile — the LDS built
// with vchip's LDS builder, chip keys generated (deterministically per spec), DG14/DG15/EF.CardAccess/
// EF.CardSecurity filled in, the SOD signed, then the faults applied:
//   clone_ca / clone_aa   the chip holds another key than DG14 / DG15 announce (a cloned chip)
//   tamper_dg             one byte of that data group changed after the SOD was signed
//   signer                which DS signs (expired, untrusted CSCA, revoked in the CRL)
//   wrong_access_key      the start message carries a different date of birth / CAN
//   quirks, faults        copied to the profile (the chip shows them at run time)
// `expect` states what the reader must conclude (docs/protocol.md result / close codes).
#ifndef DOCVAL_TOOLS_TESTPKI_PASSPORT_FACTORY_H_
#define DOCVAL_TOOLS_TESTPKI_PASSPORT_FACTORY_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/testpki/test_pki.h"
#include "tools/vchip/chip_profile.h"
#include "tools/vchip/lds_builder.h"

namespace docval::testpki {

enum class DocumentSigner { kRsa, kRsaPss, kEcdsa, kBrainpool, kExpired, kUntrusted, kRevoked };
enum class AaKey { kNone, kRsa1024, kRsa2048, kEcdsaBrainpool256 };

struct PassportSpec {
  std::string name;
  std::string description;
  vchip::MrzFields mrz;
  std::string can;  // empty: no CAN
  bool bac = true;
  struct Pace {
    std::string protocol;
    int parameter_id = 13;
  };
  std::vector<Pace> pace;
  struct Ca {
    std::string protocol;  // id-CA-... OID
    int parameter_id = 13;  // domain parameters of the key (standardized id)
    std::optional<int> key_id;
  };
  std::vector<Ca> chip_auth;
  AaKey active_auth = AaKey::kNone;
  std::string aa_hash = "SHA-1";
  vchip::EcdsaFormat aa_format = vchip::EcdsaFormat::kPlain;
  vchip::ImageFormat face_format = vchip::ImageFormat::kJpeg;
  vchip::FaceEncoding face_encoding = vchip::FaceEncoding::kIso19794_5;
  bool dg7 = false, dg11 = false, dg12 = false;
  DocumentSigner signer = DocumentSigner::kRsa;
  HashAlgorithm sod_hash = HashAlgorithm::kSha256;
  // EF.SOD's eContentType (and signed content-type attribute); empty: id-icao-mrtd-security-
  // ldsSecurityObject. kOidData: id-data around the LDSSecurityObject, as some issuing states do.
  std::string sod_econtent_type;
  bool use_can = false;  // the phone sends the CAN (else the MRZ fields)
  // Faults.
  bool clone_ca = false;
  bool clone_aa = false;
  int tamper_dg = 0;
  bool wrong_access_key = false;
  vchip::ChipQuirks quirks;
  vchip::ChipFaults faults;
  vchip::Expectation expect;
  std::string cvca_reference;
  uint64_t key_seed = 0;  // 0: derived from the name
};

absl::StatusOr<vchip::ChipProfile> Personalize(const PassportSpec& spec, const TestPki& pki);

// The named profiles `docval testpki` writes: a BAC-only passport, a PACE-GM ECDH passport with CA and
// AA, a PACE-IM DH ID card read with the CAN, a PACE-CAM card, others for cipher and format coverage,
// and one profile per fault and quirk set (see the .cc for the list and each expectation).
std::vector<PassportSpec> StandardPassportSpecs();

}  // namespace docval::testpki

#endif  // DOCVAL_TOOLS_TESTPKI_PASSPORT_FACTORY_H_
