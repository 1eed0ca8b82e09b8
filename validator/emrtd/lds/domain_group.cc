#include "validator/emrtd/lds/domain_group.h"

#include <limits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "validator/emrtd/crypto/asn1_util.h"
#include "validator/emrtd/crypto/ecc.h"

namespace docval::emrtd {
namespace {

absl::Status Unsupported(const DomainParameters& alg, absl::string_view why = "") {
  return absl::UnimplementedError(absl::StrCat("unsupported domain parameter algorithm ", alg.algorithm, why));
}

}  // namespace

absl::StatusOr<KeyAgreementGroup> DomainGroupOf(const DomainParameters& alg, const DomainGroupOptions& options) {
  if (alg.standardized_parameter_id.has_value()) {
    const int64_t id = *alg.standardized_parameter_id;
    if (options.group_for_id) return options.group_for_id(id);
    if (id > std::numeric_limits<int>::max()) {
      return absl::NotFoundError(absl::StrCat("unknown standardized domain parameter id ", id));
    }
    return KeyAgreementGroup::FromParameterId(static_cast<int>(id));
  }
  if (alg.algorithm == oid::kDhPublicNumber) {
    ASSIGN_OR_RETURN(DhGroup g, DhGroup::FromX942Der(alg.parameters, options.dh));
    return KeyAgreementGroup(std::move(g));
  }
  if (alg.algorithm == oid::kDhKeyAgreement) {
    if (options.dh_needs_q) {
      return absl::UnimplementedError("DH domain parameters without the subgroup order q (PKCS #3 dhKeyAgreement)");
    }
    ASSIGN_OR_RETURN(DhGroup g, DhGroup::FromPkcs3Der(alg.parameters, options.dh));
    return KeyAgreementGroup(std::move(g));
  }
  if (alg.algorithm == oid::kEcPublicKey) {
    ASSIGN_OR_RETURN(EcGroup g, EcGroup::FromDer(alg.parameters));
    return KeyAgreementGroup(std::move(g));
  }
  if (options.ec_under_other_oids && !alg.parameters.empty() && alg.parameters[0] == asn1::kSequence) {
    absl::StatusOr<EcGroup> g = EcGroup::FromDer(alg.parameters);
    if (!g.ok()) return Unsupported(alg, absl::StrCat(" (parameters: ", g.status().message(), ")"));
    return KeyAgreementGroup(*std::move(g));
  }
  return Unsupported(alg);
}

}  // namespace docval::emrtd
