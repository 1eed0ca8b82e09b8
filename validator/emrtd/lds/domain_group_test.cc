#include "validator/emrtd/lds/domain_group.h"

#include <cstdint>

#include "gtest/gtest.h"
#include "validator/emrtd/crypto/asn1_util.h"
#include "validator/emrtd/limits.h"
#include "validator/emrtd/tlv.h"

namespace docval::emrtd {
namespace {

// RFC 5114 §2.1 (PACE parameter id 0): p and q have their top bit set.
const DhGroup& Modp1024() {
  static const DhGroup* g = new DhGroup(*DhGroup::FromParameterId(0));
  return *g;
}

// An INTEGER TLV of `magnitude` as given: no 00 is added before a set top bit.
Bytes RawInteger(ByteSpan magnitude) { return EncodeTlv(asn1::kInteger, magnitude); }
Bytes DerInteger(ByteSpan magnitude) {
  return (magnitude[0] & 0x80) ? RawInteger(Concat({Bytes{0x00}, magnitude})) : RawInteger(magnitude);
}

// X9.62 ECParameters of a standardized curve, in DER; `lax`: p and the order without the 00 before
// their set top bit.
Bytes EcParametersDer(int id, bool lax = false) {
  auto integer = lax ? RawInteger : DerInteger;
  const EcDomainParameters c = EcGroup::FromParameterId(id)->parameters();
  const Bytes field = EncodeTlv(asn1::kSequence, Concat({asn1::EncodeOidTlv(oid::kPrimeField), integer(c.p)}));
  const Bytes curve =
      EncodeTlv(asn1::kSequence, Concat({EncodeTlv(asn1::kOctetString, c.a), EncodeTlv(asn1::kOctetString, c.b)}));
  const Bytes g = EncodeTlv(asn1::kOctetString, Concat({Bytes{0x04}, c.g_x, c.g_y}));
  return EncodeTlv(asn1::kSequence,
                   Concat({RawInteger(Bytes{0x01}), field, curve, g, integer(c.order), RawInteger(Bytes{0x01})}));
}

DomainParameters Explicit(absl::string_view algorithm, Bytes parameters) {
  return DomainParameters{.algorithm = std::string(algorithm), .parameters = std::move(parameters)};
}

TEST(DomainGroupTest, StandardizedIdThroughTheResolver) {
  DomainParameters alg{.algorithm = oid::kStandardizedDomainParameters, .standardized_parameter_id = 13};
  absl::StatusOr<KeyAgreementGroup> g = DomainGroupOf(alg, {});
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_TRUE(g->is_ec());
  EXPECT_EQ(g->parameter_id(), 13);

  int64_t asked = -1;
  absl::StatusOr<KeyAgreementGroup> own = DomainGroupOf(alg, {.group_for_id = [&](int64_t id) {
                                                          asked = id;
                                                          return KeyAgreementGroup::FromParameterId(0);
                                                        }});
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_EQ(asked, 13);
  EXPECT_FALSE(own->is_ec());

  // 2^32 + 13 does not wrap to 13.
  alg.standardized_parameter_id = (int64_t{1} << 32) + 13;
  EXPECT_EQ(DomainGroupOf(alg, {}).status().code(), absl::StatusCode::kNotFound);
}

TEST(DomainGroupTest, X942ParametersWithAndWithoutTheLeadingZero) {
  const DhGroup& want = Modp1024();
  ASSERT_TRUE(want.p()[0] & 0x80);
  const Bytes der =
      EncodeTlv(asn1::kSequence, Concat({DerInteger(want.p()), DerInteger(want.g()), DerInteger(want.q())}));
  const Bytes lax =
      EncodeTlv(asn1::kSequence, Concat({RawInteger(want.p()), RawInteger(want.g()), RawInteger(want.q())}));
  for (const Bytes& params : {der, lax}) {
    absl::StatusOr<KeyAgreementGroup> g = DomainGroupOf(Explicit(oid::kDhPublicNumber, params), {.dh_needs_q = true});
    ASSERT_TRUE(g.ok()) << g.status();
    ASSERT_FALSE(g->is_ec());
    EXPECT_TRUE(g->dh() == want);
    EXPECT_EQ(g->parameter_id(), 0);
  }
}

TEST(DomainGroupTest, Pkcs3ParametersHaveNoQ) {
  // RFC 5114's 1024-bit p with generator 2: not a standardized group, so it is validated.
  const DhGroup& modp = Modp1024();
  const DomainParameters alg = Explicit(
      oid::kDhKeyAgreement, EncodeTlv(asn1::kSequence, Concat({RawInteger(modp.p()), RawInteger(Bytes{0x02})})));
  // PACE's rule: refused before any validation, even with no validation left.
  size_t none_left = 0;
  EXPECT_EQ(DomainGroupOf(alg, {.dh = {.validations_left = &none_left}, .dh_needs_q = true}).status().code(),
            absl::StatusCode::kUnimplemented);
  // Chip Authentication's: a group without q, within the budget.
  EXPECT_TRUE(IsLimitExceeded(DomainGroupOf(alg, {.dh = {.validations_left = &none_left}}).status()));
  EXPECT_TRUE(IsLimitExceeded(DomainGroupOf(alg, {.dh = {.max_p_bits = 512}}).status()));
  size_t one_left = 1;
  absl::StatusOr<KeyAgreementGroup> g = DomainGroupOf(alg, {.dh = {.validations_left = &one_left}});
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_FALSE(g->dh().has_q());
  EXPECT_EQ(g->dh().p(), modp.p());
  EXPECT_EQ(one_left, 0u);
}

TEST(DomainGroupTest, EcParametersOnlyUnderTheirOidUnlessAsked) {
  const Bytes params = EcParametersDer(13);
  absl::StatusOr<KeyAgreementGroup> g = DomainGroupOf(Explicit(oid::kEcPublicKey, params), {});
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->parameter_id(), 13);

  const DomainParameters vendor = Explicit("0.4.0.127.0.7.1.1.5.2.2.2", params);
  EXPECT_EQ(DomainGroupOf(vendor, {}).status().code(), absl::StatusCode::kUnimplemented);
  g = DomainGroupOf(vendor, {.ec_under_other_oids = true});
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->parameter_id(), 13);

  // Strict under id-ecPublicKey: EcGroup::FromDer's verdict as it is.
  // Strict under any OID: EcGroup::FromDer's verdict on INTEGERs that DER would read as negative.
  const Bytes lax = EcParametersDer(13, true);
  EXPECT_EQ(DomainGroupOf(Explicit(oid::kEcPublicKey, lax), {}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DomainGroupOf(Explicit("0.4.0.127.0.7.1.1.5.2.2.2", lax), {.ec_under_other_oids = true}).status().code(),
            absl::StatusCode::kUnimplemented);
  EXPECT_EQ(DomainGroupOf(Explicit("1.2.3", {}), {.ec_under_other_oids = true}).status().code(),
            absl::StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace docval::emrtd
