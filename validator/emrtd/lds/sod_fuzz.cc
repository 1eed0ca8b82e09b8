// Fuzz target: EF.SOD — the CMS SignedData reader (BER, indefinite lengths), the LDS security object,
// the embedded certificates and Passive Authentication over them (signature code included).
#include <cstddef>
#include <cstdint>

#include "validator/emrtd/auth/passive_auth.h"
#include "validator/emrtd/crypto/cms.h"
#include "validator/emrtd/crypto/x509.h"
#include "validator/emrtd/lds/sod.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace docval::emrtd;
  ByteSpan input(data, size);
  (void)cms::ParseSignedData(input);
  absl::StatusOr<Sod> sod = ParseSod(input);
  (void)ParseLdsSecurityObject(input);
  if (!sod.ok()) return 0;
  for (const Bytes& der : sod->signed_data.crls) (void)x509::Crl::FromDer(der);
  std::map<int, Bytes> groups;
  for (const auto& [dg, hash] : sod->lds.data_group_hashes) groups[dg] = hash;  // wrong on purpose
  PassiveAuthResult r = VerifyPassiveAuthentication(*sod, groups, nullptr, 1780272000);
  if (r.passive_authentication) __builtin_trap();  // no trust store: never valid
  return 0;
}
