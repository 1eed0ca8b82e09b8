// EF.CardSecurity (BSI TR-03110-3 A.1.2, ICAO 9303-11 §9.2.2): a CMS SignedData, signed by a Document
// Signer of the document PKI, whose eContent (type bsi-de id-SecurityObject 0.4.0.127.0.7.3.2.1) is a
// SecurityInfos SET — for PACE-CAM the ChipAuthenticationPublicKeyInfo that the chip's PACE answer
// is checked against. Parsing checks structure only; the signature and chain are checked like the
// SOD's (auth/passive_auth.h VerifySignedObject).
#ifndef DOCVAL_VALIDATOR_EMRTD_LDS_CARD_SECURITY_H_
#define DOCVAL_VALIDATOR_EMRTD_LDS_CARD_SECURITY_H_

#include "absl/status/statusor.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/crypto/cms.h"
#include "validator/emrtd/lds/security_infos.h"

namespace docval::emrtd {

inline constexpr char kIdSecurityObject[] = "0.4.0.127.0.7.3.2.1";

struct CardSecurity {
  cms::SignedData signed_data;
  SecurityInfos infos;
};

// More than `max_infos` SecurityInfos: LimitExceeded (limits.h), passed through as it is.
absl::StatusOr<CardSecurity> ParseCardSecurity(ByteSpan ef_card_security,
                                               size_t max_infos = kDefaultMaxSecurityInfos);

}  // namespace docval::emrtd

#endif  // DOCVAL_VALIDATOR_EMRTD_LDS_CARD_SECURITY_H_
