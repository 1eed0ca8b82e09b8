#include "validator/emrtd/crypto/cms.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "validator/emrtd/crypto/x509.h"
#include "validator/emrtd/testing/vectors.h"

namespace docval::emrtd::cms {
namespace {

using testing::ReadVector;

struct Sample {
  const char* path;
  const char* digest_oid;
  const char* signature_oid;
  const char* ds_serial_hex;
};

class SampleSodTest : public ::testing::TestWithParam<Sample> {};

TEST_P(SampleSodTest, ParsesAndVerifiesWithTheEmbeddedDocumentSigner) {
  const Sample& s = GetParam();
  Bytes sod = ReadVector(s.path);
  absl::StatusOr<SignedData> sd = ParseSignedData(sod);
  ASSERT_TRUE(sd.ok()) << sd.status();
  EXPECT_EQ(sd->version, 3);
  EXPECT_EQ(sd->content_type, "2.23.136.1.1.1");
  ASSERT_TRUE(sd->content.has_value());
  ASSERT_EQ(sd->certificates.size(), 1u);
  ASSERT_EQ(sd->signers.size(), 1u);
  const SignerInfo& si = sd->signers[0];
  EXPECT_EQ(si.digest_algorithm.oid, s.digest_oid);
  EXPECT_EQ(si.signature_algorithm.oid, s.signature_oid);
  ASSERT_TRUE(si.signed_attributes.has_value());
  EXPECT_EQ((*si.signed_attributes)[0], 0x31);  // re-tagged [0] -> SET for verification
  EXPECT_EQ(si.content_type, "2.23.136.1.1.1");
  ASSERT_TRUE(si.message_digest.has_value());

  const x509::Certificate* ds = &sd->certificates[0];
  ASSERT_TRUE(si.sid.issuer.has_value());
  EXPECT_EQ(*x509::NormalizeName(*si.sid.issuer), ds->issuer());
  EXPECT_EQ(ToHex(si.sid.serial), s.ds_serial_hex);
  EXPECT_EQ(ToHex(ds->serial()), s.ds_serial_hex);

  absl::Status v = VerifySignerInfo(*sd, si, ds->spki());
  EXPECT_TRUE(v.ok()) << v;

  // A changed content byte breaks the message digest.
  SignedData tampered = *sd;
  (*tampered.content)[tampered.content->size() - 1] ^= 0x01;
  v = VerifySignerInfo(tampered, tampered.signers[0], ds->spki());
  EXPECT_EQ(v.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(v.message()), ::testing::HasSubstr("message digest"));

  // A changed signature byte breaks the signature.
  tampered = *sd;
  tampered.signers[0].signature[tampered.signers[0].signature.size() / 2] ^= 0x10;
  v = VerifySignerInfo(tampered, tampered.signers[0], ds->spki());
  EXPECT_FALSE(v.ok());

  // A changed signed attribute (inside the signed bytes) breaks the signature too.
  tampered = *sd;
  tampered.signers[0].signed_attributes->back() ^= 0x01;
  v = VerifySignerInfo(tampered, tampered.signers[0], ds->spki());
  EXPECT_EQ(v.code(), absl::StatusCode::kPermissionDenied);
}

INSTANTIATE_TEST_SUITE_P(
    LdsSamples, SampleSodTest,
    ::testing::Values(Sample{"lds-samples/jmrtd-bsi2008/EF_SOD.bin", "1.3.14.3.2.26", "1.2.840.10045.4.1", "1267"},
                      Sample{"lds-samples/jmrtd-loes2006/ef011D.bin", "2.16.840.1.101.3.4.2.1",
                             "1.2.840.113549.1.1.11", "16"}));

// The fields of the SignedData inside an EF.SOD ('77' { ContentInfo { OID, [0] { SignedData } } }),
// as spans into `sod`; empty when it is not so shaped.
std::vector<Tlv> SignedDataFields(const Bytes& sod) {
  absl::StatusOr<Tlv> app = ParseTlv(sod);
  if (!app.ok()) return {};
  absl::StatusOr<Tlv> ci = ParseTlv(app->value);
  if (!ci.ok()) return {};
  absl::StatusOr<std::vector<Tlv>> ci_parts = asn1::Children(*ci, "ci");
  if (!ci_parts.ok() || ci_parts->size() != 2) return {};
  absl::StatusOr<std::vector<Tlv>> wrap = asn1::Children((*ci_parts)[1], "wrap");
  if (!wrap.ok() || wrap->size() != 1) return {};
  absl::StatusOr<std::vector<Tlv>> sd = asn1::Children((*wrap)[0], "sd");
  return sd.ok() ? *sd : std::vector<Tlv>{};
}

// Re-encodes the sample SOD the way a streaming encoder does (openssl cms -stream): indefinite
// lengths from the ContentInfo down to the eContent, and the eContent as a constructed OCTET STRING
// of two segments. The signature must still verify: it covers the content, not its encoding.
TEST(Cms, BerIndefiniteLengthsAndSegmentedContent) {
  Bytes sod = ReadVector("lds-samples/jmrtd-loes2006/ef011D.bin");
  absl::StatusOr<SignedData> der = ParseSignedData(sod);
  ASSERT_TRUE(der.ok());

  std::vector<Tlv> sd = SignedDataFields(sod);
  ASSERT_GE(sd.size(), 4u);

  auto indef = [](uint32_t tag, ByteSpan inner) {
    Bytes out;
    AppendTag(tag, out);
    out.push_back(0x80);
    out.insert(out.end(), inner.begin(), inner.end());
    out.push_back(0);
    out.push_back(0);
    return out;
  };
  const Bytes& content = *der->content;
  size_t half = content.size() / 2;
  Bytes segs =
      Concat({EncodeTlv(0x04, ByteSpan(content).subspan(0, half)), EncodeTlv(0x04, ByteSpan(content).subspan(half))});
  Bytes econtent = indef(0xA0, indef(0x24, segs));
  Bytes eci = indef(0x30, Concat({asn1::EncodeOidTlv("2.23.136.1.1.1"), econtent}));
  Bytes sd_inner = Concat({sd[0].raw, sd[1].raw, eci});
  for (size_t i = 3; i < sd.size(); ++i) sd_inner = Concat({sd_inner, sd[i].raw});
  Bytes ber = indef(0x30, Concat({asn1::EncodeOidTlv(kIdSignedData), indef(0xA0, indef(0x30, sd_inner))}));

  absl::StatusOr<SignedData> parsed = ParseSignedData(ber);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed->content, content);
  ASSERT_EQ(parsed->certificates.size(), 1u);
  const x509::Certificate* ds = &parsed->certificates[0];
  EXPECT_TRUE(VerifySignerInfo(*parsed, parsed->signers[0], ds->spki()).ok());
}

TEST(Cms, ACertificateThatDoesNotParseIsLeftOutAndTheOthersKept) {
  Bytes sod = ReadVector("lds-samples/jmrtd-loes2006/ef011D.bin");
  std::vector<Tlv> sd = SignedDataFields(sod);
  ASSERT_GE(sd.size(), 4u);
  ASSERT_EQ(sd[3].tag, asn1::ContextConstructed(0));
  // A SEQUENCE that is no Certificate goes before the real Document Signer certificate.
  const Bytes not_a_certificate = {0x30, 0x03, 0x02, 0x01, 0x00};
  Bytes certs = EncodeTlv(0xA0, Concat({not_a_certificate, sd[3].value}));
  Bytes sd_inner = Concat({sd[0].raw, sd[1].raw, sd[2].raw, certs});
  for (size_t i = 4; i < sd.size(); ++i) sd_inner = Concat({sd_inner, sd[i].raw});
  Bytes der = EncodeTlv(0x30, Concat({asn1::EncodeOidTlv(kIdSignedData), EncodeTlv(0xA0, EncodeTlv(0x30, sd_inner))}));

  absl::StatusOr<SignedData> parsed = ParseSignedData(der);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->certificates.size(), 1u);
  EXPECT_EQ(ToHex(parsed->certificates[0].der()), ToHex(sd[3].value));
  EXPECT_TRUE(VerifySignerInfo(*parsed, parsed->signers[0], parsed->certificates[0].spki()).ok());
}

TEST(Cms, RejectsGarbageAndTruncation) {
  Bytes sod = ReadVector("lds-samples/jmrtd-bsi2008/EF_SOD.bin");
  for (size_t n : {size_t{0}, size_t{1}, size_t{10}, sod.size() / 2, sod.size() - 1}) {
    EXPECT_FALSE(ParseSignedData(ByteSpan(sod).subspan(0, n)).ok()) << n;
  }
  Bytes trailing = sod;
  trailing.push_back(0x00);
  EXPECT_FALSE(ParseSignedData(trailing).ok());
  // Not signedData (id-data).
  Bytes data =
      EncodeTlv(0x30, Concat({asn1::EncodeOidTlv("1.2.840.113549.1.7.1"), EncodeTlv(0xA0, EncodeTlv(0x04, {}))}));
  absl::StatusOr<SignedData> r = ParseSignedData(data);
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), ::testing::HasSubstr("not id-signedData"));
}

}  // namespace
}  // namespace docval::emrtd::cms
