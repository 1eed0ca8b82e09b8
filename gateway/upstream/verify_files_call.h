// Asynchronous Validator.VerifyFiles calls from the gateway (POST /v4/validate). The callback runs on
// the gateway's completion thread (completion_thread.h), exactly once.
#ifndef DOCVAL_GATEWAY_UPSTREAM_VERIFY_FILES_CALL_H_
#define DOCVAL_GATEWAY_UPSTREAM_VERIFY_FILES_CALL_H_

#include <chrono>
#include <functional>
#include <string>

#include <grpcpp/grpcpp.h>

#include "docval/v1/validator.grpc.pb.h"

namespace docval::gateway {

using VerifyFilesCallback = std::function<void(grpc::Status, v1::EmrtdResult)>;

// Calls VerifyFiles with `deadline` (the HTTP request's; it bounds the wait for a reachable validator
// too: upstream_call.h). The request (personal data) is dropped before `done` runs.
// `traceparent` (W3C Trace Context; empty: none) goes into the call's metadata.
void VerifyFilesAsync(v1::Validator::StubInterface& stub, v1::VerifyFilesRequest request,
                      std::chrono::system_clock::time_point deadline, VerifyFilesCallback done,
                      const std::string& traceparent = "");

}  // namespace docval::gateway

#endif  // DOCVAL_GATEWAY_UPSTREAM_VERIFY_FILES_CALL_H_
