// Fuzz target: the chip's GENERAL AUTHENTICATE responses as PACE parses and checks them.
//
// Input: one selector byte (the PACE variant: ECDH-GM, DH-GM, ECDH-IM, ECDH-CAM, ECDH-GM-3DES), then
// the chip's responses to MSE:Set AT and the GENERAL AUTHENTICATE commands, each as a 2-byte
// big-endian length and the raw response (data || SW). The whole remainder is also fed to
// ParseDynamicAuthenticationData. Randomness is fixed, so a run is repeatable.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "validator/emrtd/access/pace.h"
#include "validator/emrtd/card_link.h"
#include "validator/emrtd/crypto/random.h"
#include "validator/emrtd/lds/security_infos.h"
#include "validator/emrtd/testing/streamed_chip.h"

namespace docval::emrtd {
namespace {

const PaceParameters& Variant(uint8_t selector) {
  static const auto* variants = [] {
    auto* v = new std::vector<PaceParameters>;
    const struct {
      const char* oid;
      int id;
    } kVariants[] = {{oid::kPaceEcdhGmAes128, 13}, {oid::kPaceDhGmAes128, 0}, {oid::kPaceEcdhImAes128, 13},
                     {oid::kPaceEcdhCamAes128, 13}, {oid::kPaceEcdhGm3Des, 8}};
    for (const auto& k : kVariants) {
      v->push_back(PaceParameters{k.oid, *PaceProtocolFromOid(k.oid), *KeyAgreementGroup::FromParameterId(k.id), k.id});
    }
    return v;
  }();
  return (*variants)[selector % variants->size()];
}

}  // namespace
}  // namespace docval::emrtd

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace docval::emrtd;
  if (size < 1) return 0;
  const PaceParameters& params = Variant(data[0]);
  ByteSpan rest(data + 1, size - 1);
  (void)ParseDynamicAuthenticationData(rest);

  testing::StreamedChip chip(rest);
  FixedRandom rng(0x5A);
  CardLink link({.extended_length = true});
  ChipChannel channel(link);
  PacePassword password{PacePasswordType::kCan, ToSecure(AsSpan(std::string("123456")))};
  Task<absl::StatusOr<PaceResult>> task = RunPace(channel, params, password, rng);
  absl::StatusOr<PaceResult> result = RunDialog(task, link, [&chip](ByteSpan c) { return chip(c); });
  if (!result.ok()) (void)PaceFailureOf(result.status());
  return 0;
}
