// A bare two-hop relay over loopback TCP, the least a server split into two processes spends on
// passing a chip dialog between the phone and the process that computes it: a "validator" thread
// writes each command and reads its response, a "gateway" thread passes both on with one blocking
// read and one write per message (TCP_NODELAY; no epoll, no framing, no serialization), a "phone"
// thread answers each command after 1 ms, so that the two server threads sleep between exchanges as
// they do with a real chip. For `server_bench relay-floor` (bench/README.md).
#ifndef DOCVAL_BENCH_RELAY_FLOOR_H_
#define DOCVAL_BENCH_RELAY_FLOOR_H_

#include <vector>

#include "absl/status/statusor.h"
#include "bench/sessions.h"

namespace docval::bench {

// Thread CPU (clock of each thread) per session of the two server threads.
struct BareRelayCpu {
  double gateway_ms_per_session = 0;
  double validator_ms_per_session = 0;
};

// Relays `dialog` (its commands and responses, byte for byte) `sessions` times.
absl::StatusOr<BareRelayCpu> MeasureBareRelay(const std::vector<Exchange>& dialog, int sessions);

}  // namespace docval::bench

#endif  // DOCVAL_BENCH_RELAY_FLOOR_H_
