// Every result the chip dialog produces for the standard virtual passports, written as JSON by
// validator/result_json, is valid against docs/result.schema.json and keeps the documented key order
// (snake_case for v1 and the Result Server, with and without files_binary).
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "tools/testpki/passport_factory.h"
#include "tools/testpki/test_pki.h"
#include "tools/verify/schema_test_util.h"
#include "tools/vchip/chip_rng.h"
#include "tools/vchip/virtual_chip.h"
#include "validator/emrtd/auth/trust_store.h"
#include "validator/emrtd/reader.h"
#include "validator/result_json/result_json.h"
#include "validator/result_json/result_proto.h"

namespace docval::tools {
namespace {

using testing_util::ExpectSchemaOrder;
using testing_util::LoadSchema;
using testing_util::Ordered;
using testing_util::SchemaErrors;

TEST(ReaderResultSchema, EveryStandardProfile) {
  absl::StatusOr<testpki::TestPki> pki = testpki::GenerateTestPki(1);
  ASSERT_TRUE(pki.ok()) << pki.status();
  emrtd::TrustStore::Builder b;
  for (const auto* c : {&pki->csca_rsa, &pki->csca_ecdsa}) {
    std::string pem = testpki::CertPem(*c->cert);
    ASSERT_TRUE(b.AddAny(emrtd::AsSpan(pem), "csca").ok());
  }
  std::string crl = testpki::CrlPem(*pki->crl_rsa);
  ASSERT_TRUE(b.AddAny(emrtd::AsSpan(crl), "crl").ok());
  std::shared_ptr<const emrtd::TrustStore> store = std::move(b).Build();
  Ordered schema = LoadSchema();
  int results = 0;
  for (const testpki::PassportSpec& spec : testpki::StandardPassportSpecs()) {
    SCOPED_TRACE(spec.name);
    absl::StatusOr<vchip::ChipProfile> profile = testpki::Personalize(spec, *pki);
    ASSERT_TRUE(profile.ok()) << profile.status();
    for (bool files_binary : {false, true}) {
      std::unique_ptr<vchip::VirtualChip> chip = *vchip::VirtualChip::Create(*profile, vchip::NewSeededRandom(7));
      emrtd::SessionParams params;
      const vchip::ClientAccessKey& k = profile->client_access_key;
      params.access_key.can = emrtd::SecureBytes(k.can.begin(), k.can.end());
      params.access_key.document_number = emrtd::SecureBytes(k.document_number.begin(), k.document_number.end());
      params.access_key.date_of_birth = emrtd::SecureBytes(k.date_of_birth.begin(), k.date_of_birth.end());
      params.access_key.date_of_expiry = emrtd::SecureBytes(k.date_of_expiry.begin(), k.date_of_expiry.end());
      params.limits.extended_length = true;
      params.include_files_binary = files_binary;
      params.now_unix_seconds = 1780272000;
      emrtd::ReaderConfig config;
      config.trust_store = store.get();
      std::unique_ptr<emrtd::RandomSource> rng = emrtd::NewSystemRandom();
      emrtd::CardLink link(params.limits);
      emrtd::Task<emrtd::DialogOutcome> task = emrtd::ReadDocument(link, params, config, *rng);
      emrtd::DialogOutcome outcome =
          emrtd::RunDialog(task, link, [&](emrtd::ByteSpan cmd) -> absl::StatusOr<emrtd::Bytes> {
            std::optional<emrtd::Bytes> r = chip->Process(cmd);
            if (!r) return absl::DeadlineExceededError("silent chip");
            return *r;
          });
      const emrtd::EmrtdResult* r = std::get_if<emrtd::EmrtdResult>(&outcome);
      if (r == nullptr) continue;  // the profiles that end in a close reason have no result
      ++results;
      Ordered j = ResultToJson(ToProto(*r), JsonCase::kSnake);
      EXPECT_EQ(SchemaErrors(j), "") << j.dump(1).substr(0, 2000);
      ExpectSchemaOrder(j, schema, schema, "$");
      EXPECT_EQ(j.contains("files_binary"), files_binary);
    }
  }
  EXPECT_GE(results, 2 * 11);  // every profile but the access-control and card-removed faults
}

}  // namespace
}  // namespace docval::tools
