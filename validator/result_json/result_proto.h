// Conversion between the core's EmrtdResult (validator/emrtd/result.h) and the contract message
// docval.v1.EmrtdResult (proto/docval/v1/result.proto). Lossless both ways: FromProto(ToProto(r)) == r
// for every r (result_proto_test.cc sets every field). The validator service converts the dialog's
// result to the message; the JSON of docs/protocol.md §2 is written from the message
// (result_json.h), so gateway and poster never need the core's types.
#ifndef DOCVAL_VALIDATOR_RESULT_JSON_RESULT_PROTO_H_
#define DOCVAL_VALIDATOR_RESULT_JSON_RESULT_PROTO_H_

#include "docval/v1/result.pb.h"
#include "validator/emrtd/result.h"

namespace docval {

// Replaces *out.
void ToProto(const emrtd::EmrtdResult& in, v1::EmrtdResult* out);
v1::EmrtdResult ToProto(const emrtd::EmrtdResult& in);
// A CheckResult of CHECK_RESULT_UNSPECIFIED (or a value this build does not know) reads as kUnavailable,
// a Gender of GENDER_UNSPECIFIED (or unknown) as kUnspecified.
emrtd::EmrtdResult FromProto(const v1::EmrtdResult& in);

// One verdict (CA, AA): the same mapping the result uses.
v1::CheckResult ToProto(emrtd::CheckResult r);
emrtd::CheckResult FromProto(v1::CheckResult r);

}  // namespace docval

#endif  // DOCVAL_VALIDATOR_RESULT_JSON_RESULT_PROTO_H_
