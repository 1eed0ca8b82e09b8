// Fuzz target: DG15 and what Active Authentication does with its key and the chip's signature
// (key decoding, RSA public operation, ISO 9796-2 representative parsing, ECDSA).
#include <cstddef>
#include <cstdint>

#include "validator/emrtd/auth/active_auth.h"
#include "validator/emrtd/crypto/iso9796.h"
#include "validator/emrtd/crypto/signature.h"
#include "validator/emrtd/lds/dg15.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace docval::emrtd;
  ByteSpan input(data, size);
  (void)ParseIso9796Representative(input, std::nullopt);
  absl::StatusOr<Bytes> spki = ParseDg15(input);
  if (!spki.ok()) {
    (void)DescribePublicKey(input);
    return 0;
  }
  static const Bytes kChallenge = {1, 2, 3, 4, 5, 6, 7, 8};
  // The file's own tail as a "signature": exercises the verifiers on garbage.
  ByteSpan sig = input.subspan(size / 2);
  ActiveAuthOutcome o = VerifyActiveAuthentication(*spki, kChallenge, sig, "");
  if (o.status == ActiveAuthOutcome::Status::kVerified) __builtin_trap();
  return 0;
}
