// The first message of a validator session (docval.v1.SessionRequest.start) for a benchmark case:
// the benchmarks that drive the gRPC Validator service open their sessions with it.
#ifndef DOCVAL_BENCH_SERVICE_START_H_
#define DOCVAL_BENCH_SERVICE_START_H_

#include <string>

#include "docval/v1/validator.pb.h"
#include "validator/emrtd/reader.h"

namespace docval::bench {

// The access key of `p`, extended length on, under `session_id`.
v1::SessionRequest StartRequestFor(const emrtd::SessionParams& p, const std::string& session_id);

}  // namespace docval::bench

#endif  // DOCVAL_BENCH_SERVICE_START_H_
