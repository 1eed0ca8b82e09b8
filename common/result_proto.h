// Conversion between the core's EmrtdResult (validator/emrtd/result.h) and the contract message
// docval.v1.EmrtdResult (proto/docval/v1/result.proto). Lossless both ways: FromProto(ToProto(r))
// equals r. The validator converts to proto; the gateway and poster convert back to produce the
// JSON of docs/protocol.md §2 (validator/result_json).
#ifndef DOCVAL_COMMON_RESULT_PROTO_H_
#define DOCVAL_COMMON_RESULT_PROTO_H_

#include "docval/v1/result.pb.h"
#include "validator/emrtd/result.h"

namespace docval {

void ToProto(const emrtd::EmrtdResult& in, v1::EmrtdResult* out);
emrtd::EmrtdResult FromProto(const v1::EmrtdResult& in);

}  // namespace docval

#endif  // DOCVAL_COMMON_RESULT_PROTO_H_
