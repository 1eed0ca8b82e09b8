// Fuzz target: CSCA master lists and trust-store inputs (CMS, certificates, CRLs, PEM).
#include <cstddef>
#include <cstdint>

#include "validator/emrtd/auth/trust_store.h"
#include "validator/emrtd/crypto/x509.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace docval::emrtd;
  ByteSpan input(data, size);
  {
    TrustStore::Builder b;
    (void)b.AddMasterList(input, "fuzz");
    std::shared_ptr<const TrustStore> store = std::move(b).Build();
    for (const x509::Certificate& c : store->certificates()) (void)store->Verify(c, 1780272000);
  }
  {
    TrustStore::Builder b;
    (void)b.AddAny(input, "fuzz");
    (void)std::move(b).Build();
  }
  (void)x509::Certificate::ParseFile(input);
  (void)x509::Crl::ParseFile(input);
  (void)x509::NormalizeName(input);
  return 0;
}
