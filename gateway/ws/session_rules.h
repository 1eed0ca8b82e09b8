// The decisions of a v1 session that involve the upstream messages (docs/protocol.md §1.5, §1.6), as
// pure functions: what the validator is asked, what the poster is asked, and which close reason
// follows from how a validator stream or a delivery ended. The Beast adapter (ws_session.cc) applies
// them; ws/session_rules_test.cc holds every decision.
#ifndef DOCVAL_GATEWAY_WS_SESSION_RULES_H_
#define DOCVAL_GATEWAY_WS_SESSION_RULES_H_

#include <string>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "docval/v1/poster.pb.h"
#include "docval/v1/validator.pb.h"
#include "gateway/protocol/close_reason.h"
#include "gateway/protocol/v1.h"

namespace docval::gateway {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// The validator's failure kinds as close reasons; an unknown kind is SERVER_ERROR.
CloseReason CloseReasonForFailure(v1::FailureReason reason);

// How a validator stream that ended while the session was relaying (no result, no failure event)
// ends the session.
struct ValidatorEnd {
  bool retry = false;  // open the stream once more (another replica); `reason` is then unused
  CloseReason reason = CloseReason::kServerError;
};
// `answered`: the validator sent an event on this session; `retried`: the stream was already
// reopened once. UNAVAILABLE before any event: retry once. RESOURCE_EXHAUSTED before any event (the
// validator is over its session cap, nothing was done): TRY_AGAIN_LATER. DEADLINE_EXCEEDED:
// MAX_SESSION_TIME_EXCEEDED (a backstop: the gateway's own timer fires first). Otherwise SERVER_ERROR.
ValidatorEnd DecideValidatorEnd(const grpc::Status& status, bool answered, bool retried);

// The close reason once the poster answered: success when delivered; MAX_SESSION_TIME_EXCEEDED when
// the report says the session's deadline stopped it (DEADLINE_REACHED) or the call's deadline passed;
// POST_TO_RESULT_SERVER_FAILED otherwise (rejected, retries exhausted, poster overloaded or draining).
CloseReason CloseReasonForDelivery(const grpc::Status& status, const v1::DeliveryReport& report);

// The first message of the validator stream. Copies the access key: the caller wipes `start`'s.
v1::SessionRequest BuildSessionStart(const ws1::StartMessage& start, const std::string& session_id,
                                     bool include_binary_files);

// The poster call for a result.
v1::DeliveryRequest BuildDeliveryRequest(const std::string& session_id, const std::string& client_id,
                                         const std::string& validation_id, const v1::EmrtdResult& result,
                                         const HeaderList& forwarded);

// The first `n` bytes in upper-case hex (diagnostics: APDU headers, status words).
std::string HexPrefix(const std::string& bytes, size_t n);

}  // namespace docval::gateway

#endif  // DOCVAL_GATEWAY_WS_SESSION_RULES_H_
