// Fuzz target: explicit domain parameters and public keys from the chip (DG14, EF.CardAccess,
// EF.CardSecurity): EcGroup::FromDer, DhGroup::FromX942Der / FromPkcs3Der, and point / public value
// validation on the standardized groups. The first byte selects the parser.
#include <cstddef>
#include <cstdint>

#include "validator/emrtd/crypto/dh.h"
#include "validator/emrtd/crypto/ecc.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace docval::emrtd;
  if (size < 1) return 0;
  const ByteSpan in(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {
      absl::StatusOr<EcGroup> g = EcGroup::FromDer(in);
      if (g.ok()) {
        (void)g->DecodePoint(g->generator().Encode());
        (void)g->KeyPairFromPrivate(Bytes{0x02});
      }
      break;
    }
    case 1:
      (void)DhGroup::FromX942Der(in);
      (void)DhGroup::FromPkcs3Der(in);
      break;
    case 2: {
      static const EcGroup* bp256 = new EcGroup(*EcGroup::FromParameterId(13));
      absl::StatusOr<EcPoint> p = bp256->DecodePoint(in);
      if (p.ok()) (void)bp256->SharedSecret(Bytes{0x05}, *p);
      break;
    }
    case 3: {
      static const DhGroup* dh = new DhGroup(*DhGroup::FromParameterId(0));
      (void)dh->ValidatePublic(in);
      (void)dh->WithGenerator(in);
      break;
    }
  }
  return 0;
}
