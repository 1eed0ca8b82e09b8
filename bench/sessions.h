// Whole reading sessions for the benchmarks: the test PKI, the personalised virtual passports
// (tools/testpki, tools/vchip) and one ReadDocument session (validator/emrtd/reader.h) driven by
// RunDialog against a virtual chip, with the thread CPU time spent inside the chip measured apart.
#ifndef DOCVAL_BENCH_SESSIONS_H_
#define DOCVAL_BENCH_SESSIONS_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tools/testpki/test_pki.h"
#include "tools/vchip/chip_profile.h"
#include "tools/vchip/virtual_chip.h"
#include "validator/emrtd/auth/trust_store.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/card_link.h"
#include "validator/emrtd/crypto/random.h"
#include "validator/emrtd/reader.h"

namespace docval::bench {

// The validation time of every session: 2026-06-01T00:00:00Z (the test PKI is valid then).
inline constexpr int64_t kNow = 1780272000;
// The DG2 of the "-large-dg2" profile.
inline constexpr size_t kLargeDg2Bytes = 20 * 1024;

// CPU time of the calling thread, in nanoseconds.
int64_t ThreadCpuNs();

struct Case {
  std::string name;
  vchip::ChipProfile profile;
};

struct World {
  testpki::TestPki pki;  // seed 1
  std::shared_ptr<const emrtd::TrustStore> store;  // both CSCAs and their CRLs
  // In this order: bac-passport (the CPU baseline), bac-passport-no-atr-info, pace-gm-ecdh-ca-aa,
  // pace-im-dh-can-idcard, pace-cam-idcard, pace-gm-ecdh-ca-aa-large-dg2 (20 KB JPEG portrait).
  std::vector<Case> cases;
  const Case& Find(const std::string& name) const;  // the case must exist
};

// Built on first use (a few seconds: RSA key generation), then shared.
const World& GetWorld();

struct Exchange {
  emrtd::Step step;
  emrtd::Bytes command;
  emrtd::Bytes response;
};

struct Session {
  emrtd::DialogOutcome outcome;
  size_t round_trips = 0;
  std::map<emrtd::Step, size_t> per_step;
  std::vector<Exchange> exchanges;  // only when recording
  int64_t chip_cpu_ns = 0;          // thread CPU time inside VirtualChip::Process
  // Per exchange after the first: wall time from the chip's answer to the next command (the
  // reader's own work for that exchange).
  std::vector<int64_t> reader_gap_ns;
};

// The access key, limits and validation time of a session of `c` on a link with `limits`.
emrtd::SessionParams SessionParamsFor(const Case& c, const emrtd::LinkLimits& limits);

// One ReadDocument session of `c` against `chip` (Reset() by the caller) with `store` as the trust,
// and `key_cache` (may be null) as the Document Signer keys kept across sessions, as a server has.
Session RunSession(vchip::VirtualChip& chip, const Case& c, const emrtd::LinkLimits& limits, emrtd::RandomSource& rng,
                   const emrtd::TrustStore* store, bool record, emrtd::VerificationKeyCache* key_cache = nullptr);

// Empty when `outcome` is the verdict the profile expects (PA, CA, AA, a face photo), else why not.
std::string CheckOutcome(const emrtd::DialogOutcome& outcome, const Case& c);

}  // namespace docval::bench

#endif  // DOCVAL_BENCH_SESSIONS_H_
