#include "gateway/ws/ws_session.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/logging.h"
#include "gateway/dev/dev_result_store.h"
#include "gateway/protocol/secret.h"
#include "gateway/upstream/poster_client.h"
#include "gateway/upstream/validator_stream.h"
#include "gateway/ws/session_trace.h"
#include "validator/result_json/result_json.h"

namespace docval::gateway {
namespace {

class Ws1Session final : public WsProtocol {
 public:
  Ws1Session(WsLink& link, GatewayContext& context, ws1::HandshakeQuery query, HeaderList forwarded,
             absl::string_view traceparent)
      : link_(link),
        context_(context),
        options_(context.options()),
        query_(query),
        forwarded_(std::move(forwarded)),
        session_id_(link.session_id()),
        response_timer_(link.NewTimer()) {
    trace_.Start(traceparent, link.opened_at(), "ws1");
  }

  const char* name() const override { return "v1"; }
  size_t max_message_bytes(bool text) const override {
    return text ? ws1::kMaxTextFrameBytes : ws1::kMaxBinaryFrameBytes;
  }
  SessionClose CloseFor(CloseReason reason) const override {
    SessionClose c;
    c.code = CloseCode(reason);
    c.phrase = std::string(CloseReasonName(reason));
    c.notice = ws1::CloseNoticeFrame(reason);
    c.outcome = CloseReasonLabel(reason);
    trace_.Closing(c.outcome, c.code);
    return c;
  }
  int64_t apdus() const override { return apdus_; }

  void OnMessage(bool text, std::string message) override {
    trace_.BytesFromClient(message.size());
    switch (state_) {
      case State::kAwaitStart:
        if (!text) return Close(CloseReason::kInvalidStartMessage);
        return HandleStart(message);
      case State::kRelaying:
        if (text || !awaiting_response_) return Close(CloseReason::kUnexpectedMessage);
        awaiting_response_ = false;
        response_timer_->Cancel();
        trace_.Response(message);
        if (diagnostics_) {
          LogDiagnostic(session_id_, "response",
                        {{"bytes", static_cast<int64_t>(message.size())},
                         {"sw", message.size() >= 2 ? HexPrefix(message.substr(message.size() - 2), 2) : ""},
                         {"ms", absl::ToDoubleMilliseconds(absl::Now() - command_sent_at_)}});
        }
        validator_->SendResponse(std::move(message));
        return;
      case State::kPosting: return Close(CloseReason::kUnexpectedMessage);
      case State::kStopped: return;
    }
  }

  // The dialog is over: stops the response timer, the validator stream and the delivery, drops
  // passport data.
  void Stop() override {
    state_ = State::kStopped;
    response_timer_->Cancel();
    if (validator_ && !validator_done_) validator_->Cancel();
    if (delivery_) delivery_->Cancel();
    result_.Clear();
    start_request_.Clear();
    trace_.End(link_.opened_at());
  }

 private:
  enum class State { kAwaitStart, kRelaying, kPosting, kStopped };

  void Close(CloseReason reason) { link_.Close(CloseFor(reason)); }
  void SendText(std::string frame) {
    trace_.BytesToClient(frame.size());
    link_.SendText(std::move(frame));
  }

  void HandleStart(const std::string& text) {
    link_.StartMessageReceived();
    ws1::StartMessageResult parsed = ws1::ParseStartMessage(text);
    if (!parsed.message) {
      LogInfo("start message refused", {{"session_id", session_id_}, {"detail", parsed.detail}});
      return Close(parsed.reason);
    }
    ws1::StartMessage& m = *parsed.message;
    if (!SecretIn(m.client_id, options_.client_ids)) {
      m.access_key.Wipe();
      return Close(CloseReason::kInvalidClientId);
    }
    if (!link_.ClaimClient(m.client_id)) {
      m.access_key.Wipe();
      return Close(CloseReason::kTryAgainLater);
    }
    client_id_ = m.client_id;
    validation_id_ = m.validation_id;
    if (context_.dev()) context_.dev()->SessionStarted(m.validation_id);  // the results page's timings
    diagnostics_ = m.enable_diagnostics;
    trace_.Started("ws1", m.platform, m.enable_diagnostics);
    start_request_ = BuildSessionStart(m, session_id_, options_.include_binary_files);
    m.access_key.Wipe();
    state_ = State::kRelaying;
    LogInfo("session started", {{"session_id", session_id_},
                                {"protocol", "v1"},
                                {"platform", m.platform},
                                {"extended_length", m.nfc_adapter_supports_extended_length}});
    OpenValidator();
  }

  // Opens the validator stream. The start request is kept until the validator answers, so a
  // session whose validator is unreachable can be retried once on another replica. The stream's
  // deadline is the session's hard end, later than the session timer: the gateway decides
  // MAX_SESSION_TIME_EXCEEDED, never a race with the stream's deadline.
  void OpenValidator() {
    StrandPoster strand = link_.Strand();
    GatewayContext* context = &context_;
    validator_done_ = false;
    context_.UpstreamCallStarted();
    validator_ = ValidatorStream::Open(
        context_.validator(),
        absl::ToChronoTime(link_.opened_at() + options_.session_timeout + options_.close_timeout), start_request_,
        [this, strand](v1::SessionEvent e) {
          auto event = std::make_shared<v1::SessionEvent>(std::move(e));
          strand([this, event] { OnValidatorEvent(std::move(*event)); });
        },
        [this, strand, context](grpc::Status status) {
          strand([this, status] { OnValidatorEnd(status); });
          context->UpstreamCallEnded();
        },
        trace_.Traceparent());
  }

  // One event of the validator: its status frames (progress_before) and its own frame are written
  // as one batch (WsLink::BeginBatch).
  void OnValidatorEvent(v1::SessionEvent e) {
    if (state_ != State::kRelaying) return;
    if (!validator_answered_) {
      validator_answered_ = true;
      start_request_.Clear();  // holds the access key
    }
    link_.BeginBatch();
    for (int step : e.progress_before()) SendStatus(static_cast<v1::Step>(step));
    HandleValidatorEvent(e);
    link_.EndBatch();
  }

  void SendStatus(v1::Step step) {
    if (!v1::Step_IsValid(step)) return Close(CloseReason::kServerError);
    if (diagnostics_) LogDiagnostic(session_id_, "status", {{"status", v1::Step_Name(step)}});
    trace_.Status(v1::Step_Name(step));
    SendText(ws1::StatusFrame(v1::Step_Name(step)));
  }

  void HandleValidatorEvent(v1::SessionEvent& e) {
    if (state_ != State::kRelaying) return;
    switch (e.kind_case()) {
      case v1::SessionEvent::kCommandApdu:
        ++apdus_;
        awaiting_response_ = true;
        trace_.Command(e.command_apdu());
        trace_.BytesToClient(e.command_apdu().size());
        if (diagnostics_) {
          // Header and size only: the data of a protected command is ciphertext anyway.
          LogDiagnostic(
              session_id_, "command",
              {{"header", HexPrefix(e.command_apdu(), 4)}, {"bytes", static_cast<int64_t>(e.command_apdu().size())}});
          command_sent_at_ = absl::Now();
        }
        link_.SendBinary(std::move(*e.mutable_command_apdu()));
        response_timer_->Start(options_.response_timeout, [this] {
          if (awaiting_response_ && state_ == State::kRelaying) Close(CloseReason::kTimeoutWaitingForResponse);
        });
        return;
      case v1::SessionEvent::kProgress: return SendStatus(e.progress());  // a validator without batching
      case v1::SessionEvent::kResult:
        state_ = State::kPosting;
        result_ = std::move(*e.mutable_result());
        return Post();
      case v1::SessionEvent::kFailure:
        LogInfo("dialog failed", {{"session_id", session_id_},
                                  {"reason", v1::FailureReason_Name(e.failure().reason())},
                                  {"detail", e.failure().detail()}});
        return Close(CloseReasonForFailure(e.failure().reason()));
      case v1::SessionEvent::kV2ChipAuthentication:  // v1 never asks for it
      case v1::SessionEvent::KIND_NOT_SET: return Close(CloseReason::kServerError);
    }
  }

  void OnValidatorEnd(const grpc::Status& status) {
    validator_done_ = true;
    if (state_ != State::kRelaying) {
      start_request_.Clear();
      return;
    }
    ValidatorEnd end = DecideValidatorEnd(status, validator_answered_, validator_retried_);
    if (end.retry) {
      LogWarning("validator unreachable before the first APDU; retrying once",
                 {{"session_id", session_id_}, {"grpc_message", status.error_message()}});
      validator_retried_ = true;
      return OpenValidator();
    }
    start_request_.Clear();
    LogWarning("validator stream ended without an outcome", {{"session_id", session_id_},
                                                             {"grpc_code", static_cast<int>(status.error_code())},
                                                             {"grpc_message", status.error_message()}});
    Close(end.reason);
  }

  // The poster's deadline is the session limit itself: it answers DEADLINE_REACHED just before it.
  void Post() {
    StrandPoster strand = link_.Strand();
    GatewayContext* context = &context_;
    context_.UpstreamCallStarted();
    delivery_ = DeliverAsync(
        context_.poster(), BuildDeliveryRequest(session_id_, client_id_, validation_id_, result_, forwarded_),
        absl::ToChronoTime(link_.opened_at() + options_.session_timeout),
        [this, strand, context](grpc::Status status, v1::DeliveryReport report) {
          auto r = std::make_shared<v1::DeliveryReport>(std::move(report));
          strand([this, status, r] { OnPosted(status, *r); });
          context->UpstreamCallEnded();
        },
        trace_.Traceparent());
  }

  void OnPosted(const grpc::Status& status, const v1::DeliveryReport& report) {
    delivery_.reset();
    if (state_ != State::kPosting) return;
    CloseReason reason = CloseReasonForDelivery(status, report);
    if (reason != CloseReason::kSuccess) {
      LogUndelivered(session_id_, status, report);
      return Close(reason);
    }
    if (query_.return_result) SendText(ResultFrameV1(result_));
    Close(CloseReason::kSuccess);
  }

  WsLink& link_;
  GatewayContext& context_;
  const GatewayOptions& options_;
  ws1::HandshakeQuery query_;
  HeaderList forwarded_;
  const std::string session_id_;
  std::unique_ptr<LinkTimer> response_timer_;
  State state_ = State::kAwaitStart;
  bool awaiting_response_ = false;
  bool validator_done_ = false;
  bool validator_answered_ = false;
  bool validator_retried_ = false;
  bool diagnostics_ = false;
  absl::Time command_sent_at_;
  v1::SessionRequest start_request_;
  std::shared_ptr<ValidatorStream> validator_;
  std::shared_ptr<DeliveryCall> delivery_;
  std::string client_id_;
  std::string validation_id_;
  v1::EmrtdResult result_;
  int64_t apdus_ = 0;
  mutable SessionTrace trace_;  // mutable: CloseFor() renders the close, the trace records it
};

}  // namespace

ProtocolFactory Ws1Protocol(GatewayContext& context, const Request& req, HeaderList forwarded) {
  ws1::HandshakeQuery query = ws1::ParseHandshakeQuery(absl::string_view(req.target().data(), req.target().size()));
  const auto header = req["traceparent"];
  std::string traceparent(header.data(), header.size());
  return [&context, query, forwarded = std::move(forwarded),
          traceparent = std::move(traceparent)](WsLink& link) mutable -> std::unique_ptr<WsProtocol> {
    return std::make_unique<Ws1Session>(link, context, query, std::move(forwarded), traceparent);
  };
}

}  // namespace docval::gateway
