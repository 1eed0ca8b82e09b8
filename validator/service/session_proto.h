// The chip dialog's values in the terms of the validator's gRPC contract (proto/docval/v1/validator.proto):
// progress steps, failure reasons and the secure-messaging state WebSocket API v2 hands over. The
// result itself converts in validator/result_json/result_proto.h.
#ifndef DOCVAL_VALIDATOR_SERVICE_SESSION_PROTO_H_
#define DOCVAL_VALIDATOR_SERVICE_SESSION_PROTO_H_

#include "docval/v1/validator.pb.h"
#include "validator/emrtd/access/secure_messaging.h"
#include "validator/emrtd/card_link.h"
#include "validator/emrtd/result.h"

namespace docval::validator {

v1::Step ToProtoStep(emrtd::Step s);
v1::FailureReason ToProtoReason(emrtd::FailureReason r);
// The keys and send sequence counter, both ways; the secrets stay in secure memory on our side.
emrtd::SessionKeys FromProto(const v1::SecureMessagingState& s);
void KeysToProto(const emrtd::SessionKeys& k, v1::SecureMessagingState* s);

}  // namespace docval::validator

#endif  // DOCVAL_VALIDATOR_SERVICE_SESSION_PROTO_H_
