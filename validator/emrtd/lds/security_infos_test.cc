#include "validator/emrtd/lds/security_infos.h"

#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "validator/emrtd/crypto/asn1_util.h"
#include "validator/emrtd/lds/domain_group.h"
#include "validator/emrtd/testing/vectors.h"
#include "validator/emrtd/tlv.h"

namespace docval::emrtd {
namespace {

using testing::LoadVector;
using testing::ReadVector;
using testing::HexField;

constexpr char kBrainpoolP256r1P[] = "A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377";
constexpr char kBrainpoolP256r1Order[] = "A9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7";

// The eContent of a CMS SignedData (ContentInfo -> [0] -> SignedData -> encapContentInfo -> [0] ->
// OCTET STRING), found with the TLV reader only: enough to reach the SecurityInfos of a test file.
Bytes EContent(ByteSpan cms) {
  Tlv content_info = *ParseSingleTlv(cms, 0x30);
  TlvReader ci(content_info.value);
  ci.Next().IgnoreError();  // contentType
  Tlv explicit0 = *ci.Next();
  Tlv signed_data = *ParseSingleTlv(explicit0.value, 0x30);
  TlvReader sd(signed_data.value);
  sd.Next().IgnoreError();  // version
  sd.Next().IgnoreError();  // digestAlgorithms
  Tlv encap = *sd.Next();
  TlvReader ec(encap.value);
  ec.Next().IgnoreError();  // eContentType
  Tlv econtent0 = *ec.Next();
  Tlv octets = *ParseSingleTlv(econtent0.value, 0x04);
  return Bytes(octets.value.begin(), octets.value.end());
}

bool HasOther(const SecurityInfos& s, absl::string_view protocol, bool malformed = false) {
  for (const OtherSecurityInfo& o : s.others) {
    if (o.protocol == protocol && o.malformed == malformed) return true;
  }
  return false;
}

TEST(SecurityInfosTest, OpenPaceOldTestCardWithExplicitDomainParameters) {
  nlohmann::json v = LoadVector("openpace-cardaccess-cardsecurity-samples.json");
  absl::StatusOr<SecurityInfos> s = ParseSecurityInfos(HexField(v["ef_cardaccess"]["ef_cardaccess_old_testcard"]));
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->terminal_authentication.size(), 1u);
  EXPECT_EQ(s->terminal_authentication[0].version, 2);
  ASSERT_EQ(s->chip_authentication.size(), 1u);
  EXPECT_EQ(s->chip_authentication[0].protocol, oid::kCaEcdhAes128);
  EXPECT_EQ(s->chip_authentication[0].version, 2);
  EXPECT_FALSE(s->chip_authentication[0].key_id.has_value());
  ASSERT_EQ(s->pace.size(), 1u);
  EXPECT_EQ(s->pace[0].protocol, oid::kPaceEcdhGmAes128);
  EXPECT_EQ(s->pace[0].version, 1);
  EXPECT_FALSE(s->pace[0].parameter_id.has_value());
  ASSERT_EQ(s->pace_domain_parameters.size(), 1u);
  const PaceDomainParameterInfo& d = s->pace_domain_parameters[0];
  EXPECT_EQ(d.protocol, oid::kPaceEcdhGm);
  EXPECT_EQ(d.domain_parameter.algorithm, "0.4.0.127.0.7.1.1.5.2.2.2");
  // Kept as DER (explicit brainpoolP256r1 under a vendor OID): PACE reads it with DomainGroupOf.
  EXPECT_FALSE(d.domain_parameter.standardized_parameter_id.has_value());
  absl::StatusOr<KeyAgreementGroup> g = DomainGroupOf(d.domain_parameter, {.ec_under_other_oids = true});
  ASSERT_TRUE(g.ok()) << g.status();
  ASSERT_TRUE(g->is_ec());
  EXPECT_EQ(ToHex(g->ec().parameters().p), kBrainpoolP256r1P);
  EXPECT_EQ(ToHex(g->order()), kBrainpoolP256r1Order);
  EXPECT_EQ(ToHex(g->ec().parameters().a), "A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5374");
  EXPECT_EQ(d.domain_parameter.parameters.size(), 2u + 1u + 224u);  // 30 81 E0 ...
  ASSERT_EQ(s->chip_authentication_domain_parameters.size(), 1u);
  EXPECT_EQ(s->chip_authentication_domain_parameters[0].protocol, oid::kCaEcdh);
  EXPECT_EQ(s->chip_authentication_domain_parameters[0].domain_parameter.parameters, d.domain_parameter.parameters);
  EXPECT_TRUE(HasOther(*s, oid::kCardInfoLocator));
  EXPECT_EQ(s->others.size(), 1u);
}

TEST(SecurityInfosTest, OpenPaceNewTestCardIgnoresBytesAfterTheSet) {
  nlohmann::json v = LoadVector("openpace-cardaccess-cardsecurity-samples.json");
  Bytes file = HexField(v["ef_cardaccess"]["ef_cardaccess_new_testcard"]);
  ASSERT_GT(file.size(), 3u + 0x82u);  // the file carries junk after the SET
  absl::StatusOr<SecurityInfos> s = ParseSecurityInfos(file);
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->pace.size(), 1u);
  EXPECT_EQ(s->pace[0].protocol, oid::kPaceEcdhGmAes128);
  EXPECT_EQ(s->pace[0].version, 2);
  EXPECT_EQ(s->pace[0].parameter_id, 13);
  EXPECT_EQ(ToHex(s->pace[0].raw), "3012060A04007F0007020204020202010202010D");
  ASSERT_EQ(s->chip_authentication.size(), 1u);
  EXPECT_EQ(s->chip_authentication[0].key_id, 0x41);
  ASSERT_EQ(s->chip_authentication_domain_parameters.size(), 1u);
  EXPECT_EQ(s->chip_authentication_domain_parameters[0].domain_parameter.algorithm,
            oid::kStandardizedDomainParameters);
  EXPECT_EQ(s->chip_authentication_domain_parameters[0].domain_parameter.standardized_parameter_id, 13);
  EXPECT_EQ(s->chip_authentication_domain_parameters[0].key_id, 0x41);
  EXPECT_TRUE(HasOther(*s, oid::kCardInfoLocator));
}

TEST(SecurityInfosTest, OpenPaceDanHasTwoChipAuthenticationKeys) {
  nlohmann::json v = LoadVector("openpace-cardaccess-cardsecurity-samples.json");
  absl::StatusOr<SecurityInfos> s = ParseSecurityInfos(HexField(v["ef_cardaccess"]["ef_cardaccess_dan"]));
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->chip_authentication.size(), 2u);
  EXPECT_EQ(s->chip_authentication[0].key_id, 0x41);
  EXPECT_EQ(s->chip_authentication[1].key_id, 0x45);
  ASSERT_EQ(s->chip_authentication_domain_parameters.size(), 2u);
  EXPECT_EQ(s->chip_authentication_domain_parameters[1].key_id, 0x45);
  ASSERT_EQ(s->pace.size(), 1u);
  EXPECT_EQ(s->pace[0].parameter_id, 13);
  EXPECT_EQ(s->terminal_authentication.size(), 1u);
}

TEST(SecurityInfosTest, OpenPaceSloveniaSkipsProprietaryEntry) {
  nlohmann::json v = LoadVector("openpace-cardaccess-cardsecurity-samples.json");
  absl::StatusOr<SecurityInfos> s = ParseSecurityInfos(HexField(v["ef_cardaccess"]["ef_cardaccess_slowenia"]));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE(s->pace.empty());
  ASSERT_EQ(s->chip_authentication.size(), 1u);
  EXPECT_EQ(s->chip_authentication[0].protocol, oid::kCaEcdh3Des);
  EXPECT_EQ(s->chip_authentication[0].version, 1);
  EXPECT_EQ(s->chip_authentication[0].key_id, 3);
  ASSERT_EQ(s->terminal_authentication.size(), 1u);
  EXPECT_EQ(s->terminal_authentication[0].version, 1);
  EXPECT_EQ(ToHex(s->terminal_authentication[0].ef_cvca), "30070402011A04011A");
  ASSERT_EQ(s->others.size(), 1u);
  EXPECT_TRUE(HasOther(*s, "1.0.24727.3.0.9"));
}

TEST(SecurityInfosTest, OpenPaceCa3HasPaceCamAndPrivilegedTerminalInfo) {
  nlohmann::json v = LoadVector("openpace-cardaccess-cardsecurity-samples.json");
  absl::StatusOr<SecurityInfos> s = ParseSecurityInfos(HexField(v["ef_cardaccess"]["ef_cardaccess_ca3"]));
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->pace.size(), 2u);
  EXPECT_EQ(s->pace[0].protocol, oid::kPaceEcdhGmAes128);
  EXPECT_EQ(s->pace[1].protocol, oid::kPaceEcdhCamAes128);
  EXPECT_EQ(s->pace[1].parameter_id, 13);
  EXPECT_EQ(PaceProtocolFromOid(s->pace[1].protocol),
            (PaceProtocol{PaceMapping::kChipAuthentication, KeyAgreement::kEcdh, KeyAlgorithm::kAes128}));
  ASSERT_EQ(s->chip_authentication.size(), 2u);
  EXPECT_EQ(s->chip_authentication[1].version, 3);
  EXPECT_EQ(s->chip_authentication[1].key_id, 0x4F);
  EXPECT_TRUE(HasOther(*s, oid::kPrivilegedTerminalInfo));
  EXPECT_TRUE(HasOther(*s, oid::kCardInfoLocator));
  EXPECT_TRUE(HasOther(*s, "0.4.0.127.0.7.2.2.11.1.2.3"));
  EXPECT_EQ(s->others.size(), 3u);
}

TEST(SecurityInfosTest, BsiWorkedExampleCardAccessAndCardSecurity) {
  nlohmann::json v = LoadVector("bsi-eac-worked-example-openpace.json");
  struct Case {
    const char* variant;
    const char* pace_oid;
    int64_t parameter_id;
    const char* ca_pk_oid;
  } cases[] = {{"ecdh", oid::kPaceEcdhGmAes128, 13, oid::kPkEcdh}, {"dh", oid::kPaceDhGmAes128, 0, oid::kPkDh}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.variant);
    const nlohmann::json& ex = v[c.variant];
    absl::StatusOr<SecurityInfos> access = ParseSecurityInfos(HexField(ex["ef_cardaccess"]));
    ASSERT_TRUE(access.ok()) << access.status();
    ASSERT_EQ(access->pace.size(), 1u);
    EXPECT_EQ(access->pace[0].protocol, ex["pace"]["protocol"].get<std::string>() == "id-PACE-ECDH-GM-AES-CBC-CMAC-128"
                                            ? oid::kPaceEcdhGmAes128
                                            : oid::kPaceDhGmAes128);
    EXPECT_EQ(access->pace[0].protocol, c.pace_oid);
    EXPECT_EQ(access->pace[0].version, ex["pace"]["version"].get<int>());
    EXPECT_EQ(access->pace[0].parameter_id, ex["pace"]["parameter_id"].get<int>());
    EXPECT_EQ(access->pace[0].parameter_id, c.parameter_id);
    EXPECT_TRUE(HasOther(*access, oid::kPrivilegedTerminalInfo));

    absl::StatusOr<SecurityInfos> security = ParseSecurityInfos(EContent(HexField(ex["ef_cardsecurity"])));
    ASSERT_TRUE(security.ok()) << security.status();
    ASSERT_EQ(security->chip_authentication_public_keys.size(), 1u);
    const ChipAuthenticationPublicKeyInfo& pk = security->chip_authentication_public_keys[0];
    EXPECT_EQ(pk.protocol, c.ca_pk_oid);
    EXPECT_EQ(pk.key_id, 1);
    EXPECT_EQ(pk.public_key.algorithm.algorithm, oid::kStandardizedDomainParameters);
    EXPECT_EQ(pk.public_key.algorithm.standardized_parameter_id, c.parameter_id);
    // The chip's static CA key of the worked example.
    EXPECT_EQ(ToHex(pk.public_key.public_value), ex["chip_authentication"]["picc_static_public"].get<std::string>());
    if (std::string(c.variant) == "dh") {
      EXPECT_EQ(pk.public_key.public_key[0], 0x02);  // DER INTEGER y
    } else {
      EXPECT_EQ(pk.public_key.public_key, pk.public_key.public_value);
    }
    // Restricted Identification entries are not decoded.
    EXPECT_TRUE(HasOther(*security, std::string(oid::kRi) + (c.variant[0] == 'e' ? ".2.3" : ".1.3")));
  }
}

TEST(SecurityInfosTest, OpenPaceDanCardSecurityPublicKey) {
  nlohmann::json v = LoadVector("openpace-cardaccess-cardsecurity-samples.json");
  absl::StatusOr<SecurityInfos> s = ParseSecurityInfos(EContent(HexField(v["ef_cardsecurity_dan"])));
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->chip_authentication_public_keys.size(), 1u);
  const ChipAuthenticationPublicKeyInfo& pk = s->chip_authentication_public_keys[0];
  EXPECT_EQ(pk.key_id, 0x41);
  EXPECT_EQ(pk.public_key.public_value.size(), 65u);
  EXPECT_EQ(ToHex(ByteSpan(pk.public_key.public_value).subspan(0, 9)), "04925DB4E17ADE5820");
  ASSERT_EQ(s->chip_authentication.size(), 1u);
  EXPECT_EQ(s->chip_authentication[0].key_id, 0x41);
}

TEST(SecurityInfosTest, Dg14OfBsi2008SpecimenWithExplicitCurve) {
  Bytes dg14 = ReadVector("lds-samples/jmrtd-bsi2008/Datagroup14.bin");
  absl::StatusOr<SecurityInfos> s = ParseDg14(dg14);
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->chip_authentication_public_keys.size(), 1u);
  const ChipAuthenticationPublicKeyInfo& pk = s->chip_authentication_public_keys[0];
  EXPECT_EQ(pk.protocol, oid::kPkEcdh);
  EXPECT_FALSE(pk.key_id.has_value());
  EXPECT_EQ(pk.public_key.algorithm.algorithm, oid::kEcPublicKey);
  absl::StatusOr<KeyAgreementGroup> g = DomainGroupOf(pk.public_key.algorithm, {});
  ASSERT_TRUE(g.ok()) << g.status();
  ASSERT_TRUE(g->is_ec());
  // brainpoolP224r1
  EXPECT_EQ(ToHex(g->ec().parameters().p), "D7C134AA264366862A18302575D1D787B09F075797DA89F57EC8C0FF");
  EXPECT_EQ(ToHex(g->order()), "D7C134AA264366862A18302575D0FB98D116BC4B6DDEBCA3A5A7939F");
  EXPECT_EQ(pk.public_key.public_value.size(), 57u);
  EXPECT_EQ(ToHex(ByteSpan(pk.public_key.public_value).subspan(0, 4)), "043674AC");
  EXPECT_EQ(pk.public_key.raw.size(), 4u + 275u);
  ASSERT_EQ(s->chip_authentication.size(), 1u);
  EXPECT_EQ(s->chip_authentication[0].protocol, oid::kCaEcdh3Des);
  EXPECT_EQ(s->chip_authentication[0].version, 1);
  ASSERT_EQ(s->terminal_authentication.size(), 1u);
  EXPECT_TRUE(s->others.empty());
  EXPECT_TRUE(s->pace.empty());

  // The same SET parses on its own; DG14 with junk after the SET inside '6E' does not.
  Tlv outer = *ParseSingleTlv(dg14, 0x6E);
  EXPECT_TRUE(ParseSecurityInfos(outer.value).ok());
  Bytes inner(outer.value.begin(), outer.value.end());
  inner.push_back(0x00);
  EXPECT_FALSE(ParseDg14(EncodeTlv(0x6E, inner)).ok());
}

TEST(SecurityInfosTest, ActiveAuthenticationInfo) {
  // SEQUENCE { 2.23.136.1.1.5, INTEGER 1, ecdsa-plain-SHA256 }
  Bytes aa = HexOrDie("3018060667810801010502010106");
  Bytes sig = *asn1::EncodeOidContents(oid::kEcdsaPlainSha256);
  aa.push_back(static_cast<uint8_t>(sig.size()));
  aa.insert(aa.end(), sig.begin(), sig.end());
  aa[1] = static_cast<uint8_t>(aa.size() - 2);
  absl::StatusOr<SecurityInfos> s = ParseSecurityInfos(EncodeTlv(0x31, aa));
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->active_authentication.size(), 1u);
  EXPECT_EQ(s->active_authentication[0].version, 1);
  EXPECT_EQ(s->active_authentication[0].signature_algorithm, oid::kEcdsaPlainSha256);
}

TEST(SecurityInfosTest, MalformedKnownEntryIsKeptAsOtherAndTheRestParses) {
  // A PACEInfo without version, a PACEInfo with a negative version, a non-SEQUENCE element, and a
  // valid PACEInfo.
  Bytes content = Concat({HexOrDie("300C060A04007F00070202040202"), HexOrDie("300F060A04007F0007020204020202 01FF"),
                          HexOrDie("0201 05"), HexOrDie("3012060A04007F0007020204020202010202010D")});
  absl::StatusOr<SecurityInfos> s = ParseSecurityInfos(EncodeTlv(0x31, content));
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->pace.size(), 1u);
  EXPECT_EQ(s->pace[0].parameter_id, 13);
  ASSERT_EQ(s->others.size(), 3u);
  EXPECT_TRUE(HasOther(*s, oid::kPaceEcdhGmAes128, true));
  EXPECT_TRUE(s->others[2].malformed);
  EXPECT_EQ(s->others[2].protocol, "");
}

TEST(SecurityInfosTest, DomainParametersAreDerAndAnOptionalIdEndsTheEntry) {
  const Bytes ecdh_gm = asn1::EncodeOidTlv(oid::kPaceEcdhGm);
  const Bytes pace = asn1::EncodeOidTlv(oid::kPaceEcdhGmAes128);
  // PACEDomainParameterInfo naming 1.2.3 with parameters SEQUENCE { INTEGER 1 }: kept, not parsed.
  const Bytes definite = EncodeTlv(0x30, Concat({ecdh_gm, HexOrDie("3009 06022A03 3003020101")}));
  // The same parameters with an indefinite length: not DER, so the entry is malformed.
  const Bytes indefinite = EncodeTlv(0x30, Concat({ecdh_gm, HexOrDie("300B 06022A03 30800201010000")}));
  // PACEInfo { version 2, an OID where the optional parameterId stands } and
  // PACEInfo { version 2, parameterId 13, INTEGER 1 after it }: malformed.
  const Bytes oid_for_id = EncodeTlv(0x30, Concat({pace, HexOrDie("020102 06022A03")}));
  const Bytes after_id = EncodeTlv(0x30, Concat({pace, HexOrDie("020102 02010D 020101")}));
  absl::StatusOr<SecurityInfos> s =
      ParseSecurityInfos(EncodeTlv(0x31, Concat({definite, indefinite, oid_for_id, after_id})));
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->pace_domain_parameters.size(), 1u);
  const DomainParameters& d = s->pace_domain_parameters[0].domain_parameter;
  EXPECT_EQ(d.algorithm, "1.2.3");
  EXPECT_EQ(ToHex(d.parameters), "3003020101");
  EXPECT_EQ(ToHex(d.raw), "300906022A033003020101");
  EXPECT_FALSE(d.standardized_parameter_id.has_value());
  // Not ECParameters: PACE's reading of a vendor OID's SEQUENCE finds no group.
  EXPECT_EQ(DomainGroupOf(d, {.ec_under_other_oids = true}).status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_FALSE(s->pace_domain_parameters[0].parameter_id.has_value());
  EXPECT_TRUE(s->pace.empty());
  ASSERT_EQ(s->others.size(), 3u);
  EXPECT_TRUE(HasOther(*s, oid::kPaceEcdhGm, true));
  EXPECT_TRUE(s->others[1].malformed && s->others[2].malformed);
  EXPECT_EQ(s->others[1].protocol, oid::kPaceEcdhGmAes128);
}

TEST(SecurityInfosTest, BrokenOuterStructureIsAnError) {
  EXPECT_FALSE(ParseSecurityInfos({}).ok());
  EXPECT_FALSE(ParseSecurityInfos(HexOrDie("3000")).ok());          // SEQUENCE, not SET
  EXPECT_FALSE(ParseSecurityInfos(HexOrDie("3105300306")).ok());    // runs past the end
  EXPECT_FALSE(ParseSecurityInfos(HexOrDie("310430050601")).ok());  // inner element runs past the SET
  EXPECT_TRUE(ParseSecurityInfos(HexOrDie("3100"))->pace.empty());
  EXPECT_FALSE(ParseDg14(HexOrDie("6F023100")).ok());
}

TEST(ProtocolTest, PaceProtocolFromOidCoversAllNineteen) {
  int count = 0;
  for (int m : {1, 2, 3, 4, 5, 6}) {
    for (int c : {1, 2, 3, 4, 5}) {
      std::string o = absl::StrCat(oid::kPace, ".", m, ".", c);
      std::optional<PaceProtocol> p = PaceProtocolFromOid(o);
      const bool valid = m != 5 && c != 5 && !(m == 6 && c == 1);
      ASSERT_EQ(p.has_value(), valid) << o;
      if (!valid) continue;
      ++count;
      EXPECT_EQ(p->agreement, (m == 1 || m == 3) ? KeyAgreement::kDh : KeyAgreement::kEcdh) << o;
      EXPECT_EQ(p->mapping, m <= 2 ? PaceMapping::kGeneric
                                   : (m <= 4 ? PaceMapping::kIntegrated : PaceMapping::kChipAuthentication))
          << o;
      const KeyAlgorithm k[] = {KeyAlgorithm::k3Des, KeyAlgorithm::kAes128, KeyAlgorithm::kAes192,
                                KeyAlgorithm::kAes256};
      EXPECT_EQ(p->cipher, k[c - 1]) << o;
    }
  }
  EXPECT_EQ(count, 19);  // 4 mappings x 4 ciphers, and CAM with AES only
  EXPECT_EQ(PaceProtocolFromOid(oid::kPaceDhIm3Des),
            (PaceProtocol{PaceMapping::kIntegrated, KeyAgreement::kDh, KeyAlgorithm::k3Des}));
  EXPECT_FALSE(PaceProtocolFromOid(oid::kPaceEcdhGm).has_value());
  EXPECT_FALSE(PaceProtocolFromOid("0.4.0.127.0.7.2.2.4.2.2.1").has_value());
  EXPECT_FALSE(PaceProtocolFromOid(oid::kCaEcdhAes128).has_value());
}

TEST(ProtocolTest, CaProtocolFromOid) {
  EXPECT_EQ(CaProtocolFromOid(oid::kCaDh3Des), (CaProtocol{KeyAgreement::kDh, KeyAlgorithm::k3Des}));
  EXPECT_EQ(CaProtocolFromOid(oid::kCaEcdhAes256), (CaProtocol{KeyAgreement::kEcdh, KeyAlgorithm::kAes256}));
  EXPECT_FALSE(CaProtocolFromOid(oid::kCaEcdh).has_value());
  EXPECT_FALSE(CaProtocolFromOid(oid::kPaceEcdhGmAes128).has_value());
  EXPECT_FALSE(CaProtocolFromOid("0.4.0.127.0.7.2.2.3.3.1").has_value());
}

// A SET of `n` PACEInfos (ECDH-GM-AES-128, brainpoolP256r1).
Bytes SetOfPaceInfos(size_t n) {
  const Bytes info = HexOrDie("3012060A04007F0007020204020202010202010D");
  Bytes body;
  for (size_t i = 0; i < n; ++i) body.insert(body.end(), info.begin(), info.end());
  return EncodeTlv(0x31, body);
}

TEST(SecurityInfosTest, CountCap) {
  absl::StatusOr<SecurityInfos> at = ParseSecurityInfos(SetOfPaceInfos(kDefaultMaxSecurityInfos));
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_EQ(at->pace.size(), kDefaultMaxSecurityInfos);
  absl::StatusOr<SecurityInfos> over = ParseSecurityInfos(SetOfPaceInfos(kDefaultMaxSecurityInfos + 1));
  EXPECT_EQ(LimitName(over.status()), "max_security_infos") << over.status();
  EXPECT_TRUE(ParseSecurityInfos(SetOfPaceInfos(3), 3).ok());
  EXPECT_TRUE(IsLimitExceeded(ParseSecurityInfos(SetOfPaceInfos(4), 3).status()));
  EXPECT_TRUE(IsLimitExceeded(ParseDg14(EncodeTlv(0x6E, SetOfPaceInfos(4)), 3).status()));
}

}  // namespace
}  // namespace docval::emrtd
