// The one way from the domain parameters a SecurityInfo names (security_infos.h DomainParameters) to
// a key agreement group: PACE (PACEDomainParameterInfo, access/pace.h) and Chip Authentication (the
// key of a ChipAuthenticationPublicKeyInfo, auth/chip_auth.h) both call it.
//
// SecurityInfos keeps explicit parameters as DER and decodes only the standardized id; the DER is read
// here, once, by the crypto layer's readers: EcGroup::FromDer (X9.62 ECParameters, strict DER) and
// DhGroup::FromX942Der / FromPkcs3Der (their INTEGERs read as asn1::ParameterIntegerOf: a missing
// leading 00 is tolerated). The validation this costs (DH: primality tests) runs under the session's
// budget given in DomainGroupOptions::dh, never inside the SecurityInfos parser.
#ifndef DOCVAL_VALIDATOR_EMRTD_LDS_DOMAIN_GROUP_H_
#define DOCVAL_VALIDATOR_EMRTD_LDS_DOMAIN_GROUP_H_

#include <cstdint>
#include <functional>

#include "absl/status/statusor.h"
#include "validator/emrtd/crypto/dh.h"
#include "validator/emrtd/crypto/key_agreement.h"
#include "validator/emrtd/lds/security_infos.h"

namespace docval::emrtd {

// What differs between the protocols that ask for a group.
struct DomainGroupOptions {
  // Explicit DH parameters: the session's budget (max_p_bits, the validation cache and count).
  DhGroupOptions dh;
  // The group of a BSI standardized parameter id; empty: KeyAgreementGroup::FromParameterId (an id
  // that does not fit an int is kNotFound without asking).
  std::function<absl::StatusOr<KeyAgreementGroup>(int64_t)> group_for_id;
  // PKCS #3 dhKeyAgreement parameters carry no subgroup order q: kUnimplemented when set (PACE's DH
  // mappings need q), before the group is validated.
  bool dh_needs_q = false;
  // An algorithm OID other than id-ecPublicKey and the DH ones whose parameters are a SEQUENCE is
  // read as X9.62 ECParameters (some German test cards name 0.4.0.127.0.7.1.1.5.2.2.2 in their
  // PACEDomainParameterInfo); when they are not ECParameters, kUnimplemented. Unset: such an OID is
  // kUnimplemented.
  bool ec_under_other_oids = false;
};

// The group `alg` names: a standardized id (group_for_id), id-ecPublicKey (EcGroup::FromDer),
// dhpublicnumber (DhGroup::FromX942Der), dhKeyAgreement (DhGroup::FromPkcs3Der), or ECParameters under
// another OID (ec_under_other_oids). Errors: those of the readers (kInvalidArgument: malformed or
// invalid parameters; kNotFound: an unknown named curve or id; LimitExceeded: the DH budget), and
// kUnimplemented for an algorithm it does not know ("unsupported domain parameter algorithm <oid>").
absl::StatusOr<KeyAgreementGroup> DomainGroupOf(const DomainParameters& alg, const DomainGroupOptions& options);

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_LDS_DOMAIN_GROUP_H_
