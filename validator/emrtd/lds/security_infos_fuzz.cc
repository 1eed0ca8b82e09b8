// Fuzz target: the SecurityInfos parser (EF.CardAccess, EF.CardSecurity content, DG14).
#include <cstddef>
#include <cstdint>

#include "validator/emrtd/crypto/asn1_util.h"
#include "validator/emrtd/lds/security_infos.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  docval::emrtd::ByteSpan input(data, size);
  absl::StatusOr<docval::emrtd::SecurityInfos> s = docval::emrtd::ParseSecurityInfos(input);
  if (s.ok()) {
    for (const docval::emrtd::PaceInfo& p : s->pace) {
      if (!docval::emrtd::PaceProtocolFromOid(p.protocol).has_value()) __builtin_trap();
      // Every OID we produced encodes back to what was parsed.
      absl::StatusOr<docval::emrtd::Bytes> der = docval::emrtd::asn1::EncodeOidContents(p.protocol);
      if (!der.ok() || *docval::emrtd::asn1::DecodeOidContents(*der) != p.protocol) __builtin_trap();
    }
  }
  (void)docval::emrtd::ParseDg14(input);
  absl::StatusOr<std::string> oid = docval::emrtd::asn1::DecodeOidContents(input);
  if (oid.ok()) {
    absl::StatusOr<docval::emrtd::Bytes> again = docval::emrtd::asn1::EncodeOidContents(*oid);
    if (!again.ok() || *again != docval::emrtd::Bytes(input.begin(), input.end())) __builtin_trap();
  }
  return 0;
}
