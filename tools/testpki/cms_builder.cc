#include "tools/testpki/cms_builder.h"

#include <algorithm>

#include <botan/asn1_obj.h>
#include <botan/asn1_time.h>
#include <botan/bigint.h>
#include <botan/der_enc.h>
#include <botan/pkix_types.h>
#include <botan/pubkey.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace docval::testpki {
namespace {

Botan::AlgorithmIdentifier DigestAlgorithm(HashAlgorithm h) {
  return Botan::AlgorithmIdentifier(Botan::OID(std::string(emrtd::HashOid(h))),
                                    Botan::AlgorithmIdentifier::USE_NULL_PARAM);
}

absl::StatusOr<Botan::AlgorithmIdentifier> SignatureAlgorithm(SignatureScheme s, HashAlgorithm h) {
  switch (s) {
    case SignatureScheme::kRsaPkcs1: {
      const char* oid = nullptr;
      switch (h) {
        case HashAlgorithm::kSha1: oid = "1.2.840.113549.1.1.5"; break;
        case HashAlgorithm::kSha224: oid = "1.2.840.113549.1.1.14"; break;
        case HashAlgorithm::kSha256: oid = "1.2.840.113549.1.1.11"; break;
        case HashAlgorithm::kSha384: oid = "1.2.840.113549.1.1.12"; break;
        case HashAlgorithm::kSha512: oid = "1.2.840.113549.1.1.13"; break;
      }
      return Botan::AlgorithmIdentifier(Botan::OID(oid), Botan::AlgorithmIdentifier::USE_NULL_PARAM);
    }
    case SignatureScheme::kEcdsa: {
      const char* oid = nullptr;
      switch (h) {
        case HashAlgorithm::kSha1: oid = "1.2.840.10045.4.1"; break;
        case HashAlgorithm::kSha224: oid = "1.2.840.10045.4.3.1"; break;
        case HashAlgorithm::kSha256: oid = "1.2.840.10045.4.3.2"; break;
        case HashAlgorithm::kSha384: oid = "1.2.840.10045.4.3.3"; break;
        case HashAlgorithm::kSha512: oid = "1.2.840.10045.4.3.4"; break;
      }
      return Botan::AlgorithmIdentifier(Botan::OID(oid), Botan::AlgorithmIdentifier::USE_EMPTY_PARAM);
    }
    case SignatureScheme::kRsaPss: {
      // RSASSA-PSS-params { [0] hashAlgorithm, [1] maskGenAlgorithm MGF1(hash), [2] saltLength }.
      Botan::AlgorithmIdentifier hash_id(Botan::OID(std::string(emrtd::HashOid(h))),
                                         Botan::AlgorithmIdentifier::USE_NULL_PARAM);
      std::vector<uint8_t> hash_der;
      Botan::DER_Encoder(hash_der).encode(hash_id);
      Botan::AlgorithmIdentifier mgf(Botan::OID("1.2.840.113549.1.1.8"), hash_der);
      std::vector<uint8_t> params;
      Botan::DER_Encoder(params)
          .start_cons(Botan::SEQUENCE)
          .start_explicit(0).encode(hash_id).end_explicit()
          .start_explicit(1).encode(mgf).end_explicit()
          .start_explicit(2).encode(emrtd::HashSize(h)).end_explicit()
          .end_cons();
      return Botan::AlgorithmIdentifier(Botan::OID("1.2.840.113549.1.1.10"), params);
    }
  }
  return absl::InvalidArgumentError("unknown signature scheme");
}

std::string Emsa(SignatureScheme s, HashAlgorithm h) {
  std::string hash = emrtd::BotanHashName(h);
  switch (s) {
    case SignatureScheme::kRsaPkcs1: return "EMSA3(" + hash + ")";
    case SignatureScheme::kRsaPss: return absl::StrCat("PSSR(", hash, ",MGF1,", emrtd::HashSize(h), ")");
    case SignatureScheme::kEcdsa: return "EMSA1(" + hash + ")";
  }
  return "";
}

Bytes Attribute(const char* oid, const std::vector<uint8_t>& value_der) {
  std::vector<uint8_t> out;
  Botan::DER_Encoder(out)
      .start_cons(Botan::SEQUENCE)
      .encode(Botan::OID(oid))
      .start_cons(Botan::SET)
      .raw_bytes(value_der)
      .end_cons()
      .end_cons();
  return Bytes(out.begin(), out.end());
}

}  // namespace

absl::StatusOr<Bytes> BuildSignedData(const std::string& econtent_type, ByteSpan econtent, const CmsSigner& signer,
                                      Botan::RandomNumberGenerator& rng,
                                      const std::vector<Botan::X509_Certificate>& extra_certs) {
  if (signer.key == nullptr || signer.cert == nullptr) return absl::InvalidArgumentError("CMS: no signer");
  try {
    absl::StatusOr<Botan::AlgorithmIdentifier> sig_alg = SignatureAlgorithm(signer.scheme, signer.hash);
    if (!sig_alg.ok()) return sig_alg.status();

    // Signed attributes, DER-sorted.
    std::vector<uint8_t> ct_der, md_der, time_der;
    Botan::DER_Encoder(ct_der).encode(
        Botan::OID(signer.content_type_attribute.empty() ? econtent_type : signer.content_type_attribute));
    Bytes digest = emrtd::Hash(signer.hash, econtent);
    Botan::DER_Encoder(md_der).encode(std::vector<uint8_t>(digest.begin(), digest.end()), Botan::OCTET_STRING);
    Botan::DER_Encoder(time_der).encode(Botan::X509_Time(signer.signing_time));
    std::vector<Bytes> attrs = {Attribute("1.2.840.113549.1.9.3", ct_der), Attribute("1.2.840.113549.1.9.4", md_der),
                                Attribute("1.2.840.113549.1.9.5", time_der)};
    std::sort(attrs.begin(), attrs.end());
    std::vector<uint8_t> attrs_content;
    for (const Bytes& a : attrs) attrs_content.insert(attrs_content.end(), a.begin(), a.end());
    std::vector<uint8_t> attrs_set;
    Botan::DER_Encoder(attrs_set).add_object(Botan::SET, Botan::CONSTRUCTED, attrs_content.data(),
                                             attrs_content.size());

    Botan::PK_Signer pk_signer(*signer.key, rng, Emsa(signer.scheme, signer.hash),
                               signer.scheme == SignatureScheme::kEcdsa ? Botan::DER_SEQUENCE : Botan::IEEE_1363);
    std::vector<uint8_t> signature = pk_signer.sign_message(attrs_set, rng);

    const std::vector<uint8_t>& serial = signer.cert->serial_number();
    std::vector<uint8_t> signer_info;
    Botan::DER_Encoder(signer_info)
        .start_cons(Botan::SEQUENCE)
        .encode(size_t{1})
        .start_cons(Botan::SEQUENCE)
        .encode(signer.cert->issuer_dn())
        .encode(Botan::BigInt::decode(serial))
        .end_cons()
        .encode(DigestAlgorithm(signer.hash))
        .add_object(Botan::ASN1_Tag(0), Botan::ASN1_Tag(Botan::CONTEXT_SPECIFIC | Botan::CONSTRUCTED),
                    attrs_content.data(), attrs_content.size())
        .encode(*sig_alg)
        .encode(signature, Botan::OCTET_STRING)
        .end_cons();

    std::vector<uint8_t> certs;
    std::vector<uint8_t> c0 = signer.cert->BER_encode();
    certs.insert(certs.end(), c0.begin(), c0.end());
    for (const auto& c : extra_certs) {
      std::vector<uint8_t> ce = c.BER_encode();
      certs.insert(certs.end(), ce.begin(), ce.end());
    }

    std::vector<uint8_t> out;
    Botan::DER_Encoder(out)
        .start_cons(Botan::SEQUENCE)
        .encode(Botan::OID("1.2.840.113549.1.7.2"))
        .start_explicit(0)
        .start_cons(Botan::SEQUENCE)
        .encode(size_t{3})
        .start_cons(Botan::SET)
        .encode(DigestAlgorithm(signer.hash))
        .end_cons()
        .start_cons(Botan::SEQUENCE)
        .encode(Botan::OID(econtent_type))
        .start_explicit(0)
        .encode(std::vector<uint8_t>(econtent.begin(), econtent.end()), Botan::OCTET_STRING)
        .end_explicit()
        .end_cons()
        .add_object(Botan::ASN1_Tag(0), Botan::ASN1_Tag(Botan::CONTEXT_SPECIFIC | Botan::CONSTRUCTED), certs.data(),
                    certs.size())
        .start_cons(Botan::SET)
        .raw_bytes(signer_info)
        .end_cons()
        .end_cons()
        .end_explicit()
        .end_cons();
    return Bytes(out.begin(), out.end());
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("CMS: ", e.what()));
  }
}

Bytes BuildLdsSecurityObject(HashAlgorithm hash, const std::map<int, Bytes>& data_groups) {
  std::vector<uint8_t> out;
  Botan::DER_Encoder enc(out);
  enc.start_cons(Botan::SEQUENCE)
      .encode(size_t{0})
      .encode(DigestAlgorithm(hash))
      .start_cons(Botan::SEQUENCE);
  for (const auto& [n, content] : data_groups) {
    Bytes h = emrtd::Hash(hash, content);
    enc.start_cons(Botan::SEQUENCE)
        .encode(static_cast<size_t>(n))
        .encode(std::vector<uint8_t>(h.begin(), h.end()), Botan::OCTET_STRING)
        .end_cons();
  }
  enc.end_cons().end_cons();
  return Bytes(out.begin(), out.end());
}

absl::StatusOr<Bytes> BuildSod(const std::map<int, Bytes>& data_groups, const CmsSigner& signer,
                               Botan::RandomNumberGenerator& rng, const std::string& econtent_type,
                               ByteSpan econtent) {
  Bytes lds =
      econtent.empty() ? BuildLdsSecurityObject(signer.hash, data_groups) : Bytes(econtent.begin(), econtent.end());
  absl::StatusOr<Bytes> cms = BuildSignedData(econtent_type, lds, signer, rng);
  if (!cms.ok()) return cms.status();
  std::vector<uint8_t> out;
  Botan::DER_Encoder(out).add_object(Botan::ASN1_Tag(0x17),
                                     Botan::ASN1_Tag(Botan::APPLICATION | Botan::CONSTRUCTED), cms->data(),
                                     cms->size());
  return Bytes(out.begin(), out.end());
}

absl::StatusOr<Bytes> BuildMasterList(const std::vector<Botan::X509_Certificate>& cscas, const CmsSigner& signer,
                                      Botan::RandomNumberGenerator& rng) {
  std::vector<uint8_t> ml;
  Botan::DER_Encoder enc(ml);
  enc.start_cons(Botan::SEQUENCE).encode(size_t{0}).start_cons(Botan::SET);
  for (const auto& c : cscas) enc.encode(c);
  enc.end_cons().end_cons();
  return BuildSignedData(kOidCscaMasterList, ml, signer, rng);
}

absl::StatusOr<Bytes> BuildCardSecurity(ByteSpan security_infos, const CmsSigner& signer,
                                        Botan::RandomNumberGenerator& rng) {
  return BuildSignedData(kOidBsiSecurityObject, security_infos, signer, rng);
}

}  // namespace docval::testpki
