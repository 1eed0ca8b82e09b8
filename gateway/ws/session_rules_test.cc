#include "gateway/ws/session_rules.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace docval::gateway {
namespace {

grpc::Status S(grpc::StatusCode code) { return grpc::Status(code, "x"); }

TEST(DecideValidatorEndTest, UnavailableBeforeTheFirstEventIsRetriedOnce) {
  EXPECT_TRUE(DecideValidatorEnd(S(grpc::StatusCode::UNAVAILABLE), false, false).retry);
  ValidatorEnd second = DecideValidatorEnd(S(grpc::StatusCode::UNAVAILABLE), false, true);
  EXPECT_FALSE(second.retry);
  EXPECT_EQ(second.reason, CloseReason::kServerError);
  ValidatorEnd late = DecideValidatorEnd(S(grpc::StatusCode::UNAVAILABLE), true, false);
  EXPECT_FALSE(late.retry);
  EXPECT_EQ(late.reason, CloseReason::kServerError);
}

TEST(DecideValidatorEndTest, ResourceExhaustedBeforeTheFirstEventIsTryAgainLater) {
  ValidatorEnd e = DecideValidatorEnd(S(grpc::StatusCode::RESOURCE_EXHAUSTED), false, false);
  EXPECT_FALSE(e.retry);
  EXPECT_EQ(e.reason, CloseReason::kTryAgainLater);
  // After a retry too: the second replica is full as well.
  EXPECT_EQ(DecideValidatorEnd(S(grpc::StatusCode::RESOURCE_EXHAUSTED), false, true).reason,
            CloseReason::kTryAgainLater);
  // Mid-dialog it is no capacity answer: trying again would not help.
  EXPECT_EQ(DecideValidatorEnd(S(grpc::StatusCode::RESOURCE_EXHAUSTED), true, false).reason, CloseReason::kServerError);
}

TEST(DecideValidatorEndTest, DeadlineIsTheSessionLimitAnythingElseServerError) {
  EXPECT_EQ(DecideValidatorEnd(S(grpc::StatusCode::DEADLINE_EXCEEDED), true, false).reason,
            CloseReason::kMaxSessionTimeExceeded);
  EXPECT_EQ(DecideValidatorEnd(grpc::Status::OK, true, false).reason, CloseReason::kServerError);
  EXPECT_EQ(DecideValidatorEnd(S(grpc::StatusCode::INTERNAL), false, false).reason, CloseReason::kServerError);
}

v1::DeliveryReport Report(bool delivered, v1::DeliveryOutcome outcome) {
  v1::DeliveryReport r;
  r.set_delivered(delivered);
  r.set_outcome(outcome);
  return r;
}

TEST(CloseReasonForDeliveryTest, TheReportDecidesNotTheClock) {
  EXPECT_EQ(CloseReasonForDelivery(grpc::Status::OK, Report(true, v1::DELIVERED)), CloseReason::kSuccess);
  EXPECT_EQ(CloseReasonForDelivery(grpc::Status::OK, Report(false, v1::DEADLINE_REACHED)),
            CloseReason::kMaxSessionTimeExceeded);
  for (v1::DeliveryOutcome o : {v1::REJECTED, v1::RETRIES_EXHAUSTED, v1::SHUTTING_DOWN, v1::NOT_CONFIGURED,
                                v1::CANCELLED, v1::DELIVERY_OUTCOME_UNSPECIFIED}) {
    EXPECT_EQ(CloseReasonForDelivery(grpc::Status::OK, Report(false, o)), CloseReason::kPostToResultServerFailed)
        << v1::DeliveryOutcome_Name(o);
  }
  v1::DeliveryReport none;
  EXPECT_EQ(CloseReasonForDelivery(S(grpc::StatusCode::DEADLINE_EXCEEDED), none), CloseReason::kMaxSessionTimeExceeded);
  EXPECT_EQ(CloseReasonForDelivery(S(grpc::StatusCode::RESOURCE_EXHAUSTED), none),
            CloseReason::kPostToResultServerFailed);
  EXPECT_EQ(CloseReasonForDelivery(S(grpc::StatusCode::UNAVAILABLE), none), CloseReason::kPostToResultServerFailed);
}

TEST(CloseReasonForFailureTest, KnownKindsAndTheRest) {
  EXPECT_EQ(CloseReasonForFailure(v1::ACCESS_CONTROL_FAILED), CloseReason::kAccessControlFailed);
  EXPECT_EQ(CloseReasonForFailure(v1::EMRTD_PASSPORT_READER_ERROR), CloseReason::kEmrtdPassportReaderError);
  EXPECT_EQ(CloseReasonForFailure(v1::FILE_READ_ERROR), CloseReason::kFileReadError);
  EXPECT_EQ(CloseReasonForFailure(v1::INVALID_ACCESS_KEY_VALUES), CloseReason::kInvalidAccessKeyValues);
  EXPECT_EQ(CloseReasonForFailure(static_cast<v1::FailureReason>(999)), CloseReason::kServerError);
}

TEST(BuildTest, SessionStartAndDeliveryCarryTheirFields) {
  ws1::StartMessage m;
  m.access_key.can = "123456";
  m.nfc_adapter_supports_extended_length = true;
  m.max_command_bytes = 1000;
  m.platform = "ios";
  m.enable_diagnostics = true;
  v1::SessionRequest r = BuildSessionStart(m, "s1", true);
  EXPECT_EQ(r.start().session_id(), "s1");
  EXPECT_EQ(r.start().access_key().can(), "123456");
  EXPECT_TRUE(r.start().extended_length());
  EXPECT_EQ(r.start().max_command_bytes(), 1000u);
  EXPECT_EQ(r.start().max_response_bytes(), 0u);
  EXPECT_EQ(r.start().platform(), "ios");
  EXPECT_TRUE(r.start().diagnostics());
  EXPECT_TRUE(r.start().include_files_binary());
  EXPECT_TRUE(r.start().batch_progress());  // ws_session handles SessionEvent.progress_before

  v1::EmrtdResult result;
  result.set_passive_authentication(true);
  v1::DeliveryRequest d = BuildDeliveryRequest("s1", "c1", "v1", result, {{"Authorization", "Bearer x"}});
  EXPECT_EQ(d.client_id(), "c1");
  EXPECT_EQ(d.validation_id(), "v1");
  EXPECT_TRUE(d.result().passive_authentication());
  ASSERT_EQ(d.forwarded_headers_size(), 1);
  EXPECT_EQ(d.forwarded_headers(0).value(), "Bearer x");
  EXPECT_EQ(HexPrefix(std::string("\x00\xA4\x04", 3), 2), "00A4");
}

}  // namespace
}  // namespace docval::gateway
