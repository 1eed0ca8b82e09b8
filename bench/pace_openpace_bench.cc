// PACE against OpenPACE (issue 12, benchmark 3): the terminal's CPU time for one PACE run, our reader
// (RunPace, validator/emrtd/access/pace.h) against OpenPACE's PCD side (libeac), both talking to the
// same chip side (the virtual passport, tools/vchip), in the same process and interleaved (one run of
// each per iteration). The chip's time is measured apart and left out.
//
// Rows:
//   Pace/<curve>         PACE-GM with the CAN on one standardized domain (ICAO 9303-11 §9.5.1)
//       ours_ms, openpace_ms   terminal CPU per PACE run (MSE:Set AT to the verified chip token and
//                              the secure messaging keys, EF.CardAccess parsed in the run)
//       ours_vs_openpace       target <= 1.0 on brainpoolP256r1
//       openpace_retries       DH only: runs OpenPACE lost to its unpadded DH values (see
//                              validator/emrtd/access/pace_openpace_test.cc); not timed
//   ScalarMult/<curve>/<var|base>   the raw operation under both: [k]P for a fresh P (ECDH, the
//                              mapping) and [k]G, with the affine result, Botan 2's blinded
//                              multiplication (what validator/emrtd/crypto/ecc.cc calls) against
//                              OpenSSL's EC_POINT_mul (what OpenPACE calls)
//       botan_us, openssl_us, botan_vs_openssl
//
//   pace_openpace_bench [benchmark flags]
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <botan/ec_group.h>
#include <botan/point_gfp.h>
#include <botan/system_rng.h>
#include <eac/eac.h>
#include <eac/pace.h>
#include <openssl/bn.h>
#include <openssl/buffer.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "bench/sessions.h"
#include "benchmark/benchmark.h"
#include "tools/vchip/chip_profile.h"
#include "tools/vchip/chip_rng.h"
#include "tools/vchip/lds_builder.h"
#include "tools/vchip/virtual_chip.h"
#include "validator/emrtd/access/chip_channel.h"
#include "validator/emrtd/access/pace.h"
#include "validator/emrtd/apdu.h"
#include "validator/emrtd/card_link.h"
#include "validator/emrtd/crypto/asn1_util.h"
#include "validator/emrtd/lds/security_infos.h"
#include "validator/emrtd/tlv.h"

namespace docval::bench {
namespace {

using emrtd::Bytes;
using emrtd::ByteSpan;

constexpr char kCan[] = "500540";

struct Curve {
  const char* label;
  const char* oid;  // id-PACE-*-GM-*
  int parameter_id;
};
const Curve kCurves[] = {
    {"brainpoolP256r1", "0.4.0.127.0.7.2.2.4.2.2", 13},  // ECDH-GM AES-128
    {"P-256", "0.4.0.127.0.7.2.2.4.2.2", 12},
    {"brainpoolP384r1", "0.4.0.127.0.7.2.2.4.2.4", 16},  // ECDH-GM AES-256
    {"P-384", "0.4.0.127.0.7.2.2.4.2.4", 15},
    {"DH-2048-224", "0.4.0.127.0.7.2.2.4.1.2", 1},  // DH-GM AES-128, RFC 5114 group 2
};

// The chip: the virtual passport with this PACEInfo, the CAN and an EF.COM.
std::unique_ptr<vchip::VirtualChip> MakeChip(const Curve& c) {
  vchip::ChipProfile p;
  p.secrets = {"T22000129", "640812", "101031", kCan};
  p.pace.push_back({c.oid, c.parameter_id});
  vchip::ChipFile com;
  com.name = "EF.COM";
  com.fid = 0x011E;
  com.sfi = 0x1E;
  com.content = vchip::BuildCom({1, 2});
  p.files.push_back(com);
  absl::StatusOr<std::unique_ptr<vchip::VirtualChip>> chip = vchip::VirtualChip::Create(p, vchip::NewSeededRandom(77));
  DOCVAL_CHECK_OK(chip.status());
  return *std::move(chip);
}

// The chip's answer to `command`, its thread CPU time added to `chip_ns`.
Bytes Ask(vchip::VirtualChip& chip, ByteSpan command, int64_t& chip_ns) {
  const int64_t t0 = ThreadCpuNs();
  std::optional<Bytes> r = chip.Process(command);
  chip_ns += ThreadCpuNs() - t0;
  DOCVAL_CHECK(r.has_value());
  return *r;
}

// Our terminal: EF.CardAccess parsed and resolved, RunPace over a CardLink.
bool OursOnce(vchip::VirtualChip& chip, const Bytes& card_access, emrtd::RandomSource& rng, int64_t& chip_ns) {
  absl::StatusOr<emrtd::SecurityInfos> infos = emrtd::ParseSecurityInfos(card_access);
  DOCVAL_CHECK_OK(infos.status());
  absl::StatusOr<emrtd::PaceParameters> params =
      emrtd::ResolvePaceInfo(infos->pace.at(0), infos->pace_domain_parameters);
  DOCVAL_CHECK_OK(params.status());
  emrtd::PacePassword password{emrtd::PacePasswordType::kCan, emrtd::ToSecure(emrtd::AsSpan(std::string(kCan)))};
  emrtd::CardLink link({.extended_length = true});
  emrtd::ChipChannel channel(link);
  emrtd::Task<absl::StatusOr<emrtd::PaceResult>> task = emrtd::RunPace(channel, *params, password, rng);
  absl::StatusOr<emrtd::PaceResult> result =
      emrtd::RunDialog(task, link, [&](ByteSpan cmd) -> absl::StatusOr<Bytes> { return Ask(chip, cmd, chip_ns); });
  return result.ok();
}

struct BufFree {
  void operator()(BUF_MEM* b) const { BUF_MEM_free(b); }
};
using Buf = std::unique_ptr<BUF_MEM, BufFree>;

Buf ToBuf(ByteSpan b) {
  Buf m(BUF_MEM_new());
  BUF_MEM_grow(m.get(), b.size());
  if (!b.empty()) std::memcpy(m->data, b.data(), b.size());
  m->length = b.size();
  return m;
}
Bytes FromBuf(const BUF_MEM* m) {
  if (m == nullptr) return {};
  return Bytes(reinterpret_cast<const uint8_t*>(m->data), reinterpret_cast<const uint8_t*>(m->data) + m->length);
}

// GENERAL AUTHENTICATE with one data object (or none) and the chip's answer object `tag`; empty when
// the chip refused.
Bytes GeneralAuthenticate(vchip::VirtualChip& chip, bool last, std::optional<std::pair<uint8_t, Bytes>> object,
                          uint8_t answer_tag, int64_t& chip_ns) {
  std::vector<std::pair<uint8_t, Bytes>> objects;
  if (object) objects.push_back(*object);
  emrtd::CommandApdu c{.cla = static_cast<uint8_t>(last ? 0x00 : 0x10), .ins = 0x86, .p1 = 0, .p2 = 0,
                       .data = emrtd::EncodeDynamicAuthenticationData(objects), .ne = 65536};
  const Bytes raw = Ask(chip, c.Encode(), chip_ns);
  if (raw.size() < 2 || raw[raw.size() - 2] != 0x90 || raw.back() != 0x00) return {};
  absl::StatusOr<emrtd::DynamicAuthenticationData> d =
      emrtd::ParseDynamicAuthenticationData(ByteSpan(raw.data(), raw.size() - 2));
  if (!d.ok()) return {};
  const Bytes* v = d->Find(answer_tag);
  return v == nullptr ? Bytes{} : *v;
}

// OpenPACE's terminal (PCD) side, as its own tools drive it; false when a step failed.
bool OpenPaceOnce(vchip::VirtualChip& chip, const Curve& curve, const Bytes& card_access, int64_t& chip_ns) {
  EAC_CTX* ctx = EAC_CTX_new();
  PACE_SEC* sec = PACE_SEC_new(kCan, std::strlen(kCan), PACE_CAN);
  bool ok = ctx != nullptr && sec != nullptr &&
            EAC_CTX_init_ef_cardaccess(card_access.data(), card_access.size(), ctx) == 1;
  if (ok) {
    absl::StatusOr<Bytes> oid = emrtd::asn1::EncodeOidContents(curve.oid);
    DOCVAL_CHECK_OK(oid.status());
    emrtd::CommandApdu mse{
        .cla = 0x00,
        .ins = 0x22,
        .p1 = 0xC1,
        .p2 = 0xA4,
        .data = emrtd::Concat({emrtd::EncodeTlv(0x80, *oid), emrtd::EncodeTlv(0x83, Bytes{0x02}),
                               emrtd::EncodeTlv(0x84, Bytes{static_cast<uint8_t>(curve.parameter_id)})})};
    const Bytes r = Ask(chip, mse.Encode(), chip_ns);
    ok = r.size() == 2 && r[0] == 0x90;
  }
  if (ok) {
    Buf z = ToBuf(GeneralAuthenticate(chip, false, std::nullopt, 0x80, chip_ns));
    ok = z->length > 0 && PACE_STEP2_dec_nonce(ctx, sec, z.get()) == 1;
  }
  if (ok) {
    Buf mapping(PACE_STEP3A_generate_mapping_data(ctx));
    ok = mapping != nullptr;
    if (ok) {
      Buf chip_mapping =
          ToBuf(GeneralAuthenticate(chip, false, std::make_pair(uint8_t{0x81}, FromBuf(mapping.get())), 0x82, chip_ns));
      ok = chip_mapping->length > 0 && PACE_STEP3A_map_generator(ctx, chip_mapping.get()) == 1;
    }
  }
  Buf chip_ephemeral;
  if (ok) {
    Buf ephemeral(PACE_STEP3B_generate_ephemeral_key(ctx));
    ok = ephemeral != nullptr;
    if (ok) {
      chip_ephemeral = ToBuf(
          GeneralAuthenticate(chip, false, std::make_pair(uint8_t{0x83}, FromBuf(ephemeral.get())), 0x84, chip_ns));
      ok = chip_ephemeral->length > 0 && PACE_STEP3B_compute_shared_secret(ctx, chip_ephemeral.get()) == 1 &&
           PACE_STEP3C_derive_keys(ctx) == 1;
    }
  }
  if (ok) {
    Buf token(PACE_STEP3D_compute_authentication_token(ctx, chip_ephemeral.get()));
    ok = token != nullptr;
    if (ok) {
      Buf chip_token =
          ToBuf(GeneralAuthenticate(chip, true, std::make_pair(uint8_t{0x85}, FromBuf(token.get())), 0x86, chip_ns));
      ok = chip_token->length > 0 && PACE_STEP3D_verify_authentication_token(ctx, chip_token.get()) == 1 &&
           EAC_CTX_set_encryption_ctx(ctx, EAC_ID_PACE) == 1;
    }
  }
  PACE_SEC_clear_free(sec);
  EAC_CTX_clear_free(ctx);
  return ok;
}

void BM_Pace(benchmark::State& state, const Curve* curve) {
  std::unique_ptr<vchip::VirtualChip> chip = MakeChip(*curve);
  const Bytes card_access = vchip::BuildCardAccess({vchip::PaceInfo(curve->oid, curve->parameter_id)});
  std::unique_ptr<emrtd::RandomSource> rng = emrtd::NewSystemRandom();
  int64_t ours_ns = 0, openpace_ns = 0, runs = 0, retries = 0;
  for (auto _ : state) {
    chip->Reset();
    int64_t chip_ns = 0;
    int64_t t0 = ThreadCpuNs();
    if (!OursOnce(*chip, card_access, *rng, chip_ns)) {
      state.SkipWithError("our PACE failed");
      return;
    }
    ours_ns += ThreadCpuNs() - t0 - chip_ns;
    for (int attempt = 0;; ++attempt) {
      chip->Reset();
      chip_ns = 0;
      t0 = ThreadCpuNs();
      if (OpenPaceOnce(*chip, *curve, card_access, chip_ns)) {
        openpace_ns += ThreadCpuNs() - t0 - chip_ns;
        break;
      }
      ++retries;
      if (attempt == 8 || curve->parameter_id > 2) {  // only DH has a known reason to fail
        state.SkipWithError("OpenPACE failed");
        return;
      }
    }
    ++runs;
  }
  if (runs == 0) return;
  const double n = static_cast<double>(runs);
  state.counters["ours_ms"] = static_cast<double>(ours_ns) / n / 1e6;
  state.counters["openpace_ms"] = static_cast<double>(openpace_ns) / n / 1e6;
  state.counters["ours_vs_openpace"] = static_cast<double>(ours_ns) / static_cast<double>(openpace_ns);
  if (retries > 0) state.counters["openpace_retries"] = static_cast<double>(retries);
}

// ---- Raw scalar multiplication ----------------------------------------------------------------------

struct EcCurve {
  const char* label;
  const char* botan;
  int nid;
};
const EcCurve kEcCurves[] = {
    {"brainpoolP256r1", "brainpool256r1", NID_brainpoolP256r1},
    {"P-256", "secp256r1", NID_X9_62_prime256v1},
    {"brainpoolP384r1", "brainpool384r1", NID_brainpoolP384r1},
    {"P-384", "secp384r1", NID_secp384r1},
};

void BM_ScalarMult(benchmark::State& state, const EcCurve* curve, bool variable_point) {
  constexpr int kPerIteration = 16;
  Botan::System_RNG rng;
  const Botan::EC_Group group(curve->botan);
  std::vector<Botan::BigInt> ws;
  EC_GROUP* ossl_group = EC_GROUP_new_by_curve_name(curve->nid);
  BN_CTX* bn = BN_CTX_new();
  EC_POINT* ossl_p = EC_POINT_new(ossl_group);
  EC_POINT* ossl_r = EC_POINT_new(ossl_group);
  BIGNUM* k = BN_new();
  BIGNUM* x = BN_new();
  BIGNUM* y = BN_new();
  int64_t botan_ns = 0, openssl_ns = 0, runs = 0;
  for (auto _ : state) {
    // A fresh point P (both libraries), then [k]P or [k]G with fresh scalars.
    const Botan::PointGFp p = group.get_base_point() * group.random_scalar(rng);
    const std::vector<uint8_t> encoded = p.encode(Botan::PointGFp::UNCOMPRESSED);
    DOCVAL_CHECK(EC_POINT_oct2point(ossl_group, ossl_p, encoded.data(), encoded.size(), bn) == 1);
    int64_t t0 = ThreadCpuNs();
    for (int i = 0; i < kPerIteration; ++i) {
      const Botan::BigInt scalar = group.random_scalar(rng);
      const Botan::PointGFp r = variable_point ? group.blinded_var_point_multiply(p, scalar, rng, ws)
                                               : group.blinded_base_point_multiply(scalar, rng, ws);
      benchmark::DoNotOptimize(r.get_affine_x());
    }
    botan_ns += ThreadCpuNs() - t0;
    t0 = ThreadCpuNs();
    for (int i = 0; i < kPerIteration; ++i) {
      DOCVAL_CHECK(BN_rand_range(k, EC_GROUP_get0_order(ossl_group)) == 1);
      const int done = variable_point ? EC_POINT_mul(ossl_group, ossl_r, nullptr, ossl_p, k, bn)
                                      : EC_POINT_mul(ossl_group, ossl_r, k, nullptr, nullptr, bn);
      DOCVAL_CHECK(done == 1 && EC_POINT_get_affine_coordinates(ossl_group, ossl_r, x, y, bn) == 1);
    }
    openssl_ns += ThreadCpuNs() - t0;
    runs += kPerIteration;
  }
  BN_free(y);
  BN_free(x);
  BN_free(k);
  EC_POINT_free(ossl_r);
  EC_POINT_free(ossl_p);
  BN_CTX_free(bn);
  EC_GROUP_free(ossl_group);
  if (runs == 0) return;
  state.counters["botan_us"] = static_cast<double>(botan_ns) / static_cast<double>(runs) / 1e3;
  state.counters["openssl_us"] = static_cast<double>(openssl_ns) / static_cast<double>(runs) / 1e3;
  state.counters["botan_vs_openssl"] = static_cast<double>(botan_ns) / static_cast<double>(openssl_ns);
}

}  // namespace
}  // namespace docval::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  EAC_init();
  for (const docval::bench::Curve& c : docval::bench::kCurves) {
    benchmark::RegisterBenchmark(absl::StrCat("Pace/", c.label).c_str(), docval::bench::BM_Pace, &c)
        ->Unit(benchmark::kMillisecond);
  }
  for (const docval::bench::EcCurve& c : docval::bench::kEcCurves) {
    for (bool var : {true, false}) {
      benchmark::RegisterBenchmark(absl::StrCat("ScalarMult/", c.label, var ? "/var" : "/base").c_str(),
                                   docval::bench::BM_ScalarMult, &c, var)
          ->Unit(benchmark::kMicrosecond);
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  EAC_cleanup();
  return 0;
}
