#include "gateway/ws/ws2_session.h"

#include <algorithm>
#include <utility>
#include <variant>

#include <openssl/rand.h>

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/tracing/trace_context.h"
#include "gateway/dev/dev_result_store.h"
#include "gateway/protocol/secret.h"
#include "gateway/upstream/poster_client.h"
#include "gateway/upstream/v2_verify_call.h"
#include "gateway/upstream/validator_stream.h"
#include "validator/result_json/result_json.h"

namespace docval::gateway {
namespace {

using ws2::Closing;

Closing ClosingForRefusal(v1::V2Refusal refusal) {
  switch (refusal) {
    case v1::V2_REFUSAL_PROTOCOL_ERROR: return Closing::ProtocolError();
    case v1::V2_REFUSAL_FILE_READ_ERROR: return Closing::Of(CloseReason::kFileReadError);
    case v1::V2_REFUSAL_READER_ERROR: return Closing::Of(CloseReason::kEmrtdPassportReaderError);
    default: return Closing::Of(CloseReason::kServerError);
  }
}

// The phone's SSC (a JSON integer) as the core's big-endian block: 8 bytes (3DES) or 16 (AES).
std::string SscBytes(uint64_t ssc, bool aes) {
  std::string out(aes ? 16 : 8, '\0');
  for (size_t i = 0; i < 8; ++i) out[out.size() - 1 - i] = static_cast<char>(ssc >> (8 * i));
  return out;
}

// The inverse; false when the counter does not fit the 64-bit integer CA_HANDBACK carries.
bool SscValue(const std::string& bytes, uint64_t* out) {
  *out = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    const uint8_t b = static_cast<uint8_t>(bytes[i]);
    if (i + 8 < bytes.size()) {
      if (b != 0) return false;
      continue;
    }
    *out = (*out << 8) | b;
  }
  return true;
}

class GrpcChipAuthCall final : public Ws2Upstream::ChipAuthCall {
 public:
  explicit GrpcChipAuthCall(std::shared_ptr<ValidatorStream> stream) : stream_(std::move(stream)) {}
  void SendResponse(std::string response_apdu) override { stream_->SendResponse(std::move(response_apdu)); }
  void Cancel() override { stream_->Cancel(); }

 private:
  std::shared_ptr<ValidatorStream> stream_;
};

// The gRPC calls, their callbacks posted onto the session's strand.
class GrpcWs2Upstream final : public Ws2Upstream {
 public:
  GrpcWs2Upstream(GatewayContext& context, StrandPoster strand) : context_(context), strand_(std::move(strand)) {}

  CancelFn Verify(v1::V2VerifyRequest request, absl::Time deadline, VerifyDone done,
                  const std::string& traceparent) override {
    GatewayContext* context = &context_;
    context_.UpstreamCallStarted();
    std::shared_ptr<V2VerifyCall> call = V2VerifyAsync(
        *context_.v2_verifier(), std::move(request), absl::ToChronoTime(deadline),
        [strand = strand_, done = std::move(done), context](grpc::Status status, v1::V2VerifyResponse response) {
          auto r = std::make_shared<v1::V2VerifyResponse>(std::move(response));
          strand([done, status, r] { done(status, std::move(*r)); });
          context->UpstreamCallEnded();
        },
        traceparent);
    return [call] { call->Cancel(); };
  }

  CancelFn Deliver(v1::DeliveryRequest request, absl::Time deadline, DeliverDone done,
                   const std::string& traceparent) override {
    GatewayContext* context = &context_;
    context_.UpstreamCallStarted();
    std::shared_ptr<DeliveryCall> call = DeliverAsync(
        context_.poster(), std::move(request), absl::ToChronoTime(deadline),
        [strand = strand_, done = std::move(done), context](grpc::Status status, v1::DeliveryReport report) {
          auto r = std::make_shared<v1::DeliveryReport>(std::move(report));
          strand([done, status, r] { done(status, *r); });
          context->UpstreamCallEnded();
        },
        traceparent);
    return [call] { call->Cancel(); };
  }

  std::shared_ptr<ChipAuthCall> ChipAuthentication(v1::SessionRequest start, absl::Time deadline,
                                                   ChipAuthEvent on_event, ChipAuthEnd on_end,
                                                   const std::string& traceparent) override {
    GatewayContext* context = &context_;
    context_.UpstreamCallStarted();
    std::shared_ptr<ValidatorStream> stream = ValidatorStream::Open(
        context_.validator(), absl::ToChronoTime(deadline), start,
        [strand = strand_, on_event = std::move(on_event)](v1::SessionEvent e) {
          auto event = std::make_shared<v1::SessionEvent>(std::move(e));
          strand([on_event, event] { on_event(std::move(*event)); });
        },
        [strand = strand_, on_end = std::move(on_end), context](grpc::Status status) {
          strand([on_end, status] { on_end(status); });
          context->UpstreamCallEnded();
        },
        traceparent);
    start.Clear();  // the phone's keys
    return std::make_shared<GrpcChipAuthCall>(std::move(stream));
  }

 private:
  GatewayContext& context_;
  StrandPoster strand_;
};

std::string RandomChallenge(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) return "";
  return out;
}

}  // namespace

Ws2Session::Ws2Session(WsLink& link, const GatewayOptions& options, DevResultStore* dev,
                       std::unique_ptr<Ws2Upstream> upstream, ChallengeSource challenge, HeaderList forwarded,
                       absl::string_view traceparent)
    : link_(link),
      options_(options),
      dev_(dev),
      upstream_(std::move(upstream)),
      challenge_source_(std::move(challenge)),
      forwarded_(std::move(forwarded)),
      session_id_(link.session_id()),
      idle_timer_(link.NewTimer()) {
  trace_.Start(traceparent, link.opened_at(), "ws2");
}

Ws2Session::~Ws2Session() { dialog_.WipeFiles(); }

size_t Ws2Session::max_message_bytes(bool text) const {
  return text ? ws2::kMaxTextFrameBytes : ws2::kMaxBinaryFrameBytes;
}

SessionClose Ws2Session::Render(const Closing& closing) {
  SessionClose c;
  c.code = closing.code();
  c.phrase = std::string(closing.name());
  c.notice = ws2::CloseFrame(closing);
  c.outcome = closing.label();
  return c;
}

SessionClose Ws2Session::RenderTraced(const Closing& closing) const {
  SessionClose c = Render(closing);
  trace_.Closing(c.outcome, c.code);
  return c;
}

SessionClose Ws2Session::CloseFor(CloseReason reason) const { return RenderTraced(Closing::Of(reason)); }

void Ws2Session::Close(const Closing& closing) { link_.Close(RenderTraced(closing)); }

void Ws2Session::SendText(std::string frame) {
  trace_.BytesToClient(frame.size());
  link_.SendText(std::move(frame));
}

void Ws2Session::SendBinary(std::string frame) {
  trace_.BytesToClient(frame.size());
  link_.SendBinary(std::move(frame));
}

void Ws2Session::Stop() {
  state_ = State::kStopped;
  idle_timer_->Cancel();
  if (cancel_call_) std::exchange(cancel_call_, nullptr)();
  if (ca_call_) std::exchange(ca_call_, nullptr)->Cancel();
  dialog_.WipeFiles();
  result_.Clear();
  aa_signature_.reset();
  trace_.End(link_.opened_at());
}

void Ws2Session::ExpectPhone() {
  idle_timer_->Start(options_.response_timeout, [this] {
    if (state_ == State::kDialog) Close(Closing::Of(CloseReason::kTimeoutWaitingForResponse));
  });
}

void Ws2Session::OnMessage(bool text, std::string message) {
  if (state_ == State::kStopped) return;
  trace_.BytesFromClient(message.size());
  ws2::Event event = text ? dialog_.OnText(message) : dialog_.OnBinary(message);
  if (auto* v = std::get_if<ws2::Violation>(&event)) {
    LogInfo("v2 message refused", {{"session_id", session_id_}, {"detail", v->detail}});
    return Close(v->closing);
  }
  if (auto* s = std::get_if<ws2::StartReceived>(&event)) return OnStart(std::move(s->start));
  if (auto* f = std::get_if<ws2::FileReceived>(&event)) {
    auto file = dialog_.files().find(f->sfi);
    trace_.File(ws2::FileName(f->sfi), file == dialog_.files().end() ? 0 : file->second.size());
    return ExpectPhone();
  }
  if (auto* h = std::get_if<ws2::HandoverReceived>(&event)) return OnHandover(std::move(h->handover));
  if (auto* r = std::get_if<ws2::ApduResponseReceived>(&event)) {
    idle_timer_->Cancel();  // the validator's turn
    trace_.Response(r->raw);
    if (ca_call_) ca_call_->SendResponse(std::move(r->raw));
    return;
  }
  if (auto* m = std::get_if<ws2::MonitoringReceived>(&event)) {
    LogDiagnostic(session_id_, "monitoring", {{"bytes", static_cast<int64_t>(m->message.size())}});
    return ExpectPhone();
  }
  if (auto* f = std::get_if<ws2::FinishReceived>(&event)) return OnFinish(std::move(f->finish));
  Close(Closing::Of(CloseReason::kServerError));
}

void Ws2Session::OnStart(ws2::StartMessage start) {
  link_.StartMessageReceived();
  if (!SecretIn(start.client_id, options_.client_ids)) return Close(Closing::Of(CloseReason::kInvalidClientId));
  if (!link_.ClaimClient(start.client_id)) return Close(Closing::Of(CloseReason::kTryAgainLater));
  client_id_ = std::move(start.client_id);
  extended_length_ = start.nfc_adapter_supports_extended_length;
  validation_id_ = std::move(start.validation_id);
  if (dev_ != nullptr) dev_->SessionStarted(validation_id_);
  challenge_ = challenge_source_(ws2::kAaChallengeBytes);
  if (challenge_.size() != ws2::kAaChallengeBytes) {
    LogError("no random challenge", {{"session_id", session_id_}});
    return Close(Closing::Of(CloseReason::kServerError));
  }
  trace_.Started("ws2", start.platform, start.enable_diagnostics);
  LogInfo("session started", {{"session_id", session_id_},
                              {"protocol", "v2"},
                              {"platform", start.platform},
                              {"extended_length", start.nfc_adapter_supports_extended_length}});
  SendText(ws2::AcceptFrame(challenge_));
  ExpectPhone();
}

void Ws2Session::OnHandover(ws2::CaHandover handover) {
  idle_timer_->Cancel();  // the server's turn
  const ws2::SecureMessagingInfo& sm = handover.secure_messaging;
  const bool aes = sm.algorithm == ws2::SecureMessagingInfo::Algorithm::kAes;
  v1::SessionRequest start;
  v1::SessionStart* s = start.mutable_start();
  s->set_session_id(session_id_);
  s->set_extended_length(extended_length_);
  // The phone's limit for a protected APDU bounds the commands and the answers asked for.
  const uint32_t limit = static_cast<uint32_t>(std::max(handover.max_transceive_length, 64));
  s->set_max_command_bytes(limit);
  s->set_max_response_bytes(limit);
  s->set_batch_progress(true);
  s->set_diagnostics(dialog_.diagnostics());  // the validator's spans (tracing.allow_diagnostics permitting)
  v1::V2ChipAuthStart* ca = s->mutable_v2_chip_authentication();
  ca->set_dg14(dialog_.files().at(14));
  ca->mutable_phone_keys()->set_aes(aes);
  ca->mutable_phone_keys()->set_enc_key(sm.enc_key);
  ca->mutable_phone_keys()->set_mac_key(sm.mac_key);
  ca->mutable_phone_keys()->set_ssc(SscBytes(sm.ssc, aes));
  handover.secure_messaging.Wipe();
  LogInfo("v2 chip authentication started", {{"session_id", session_id_}});
  trace_.Status("CA_HANDOVER");
  ca_call_ = upstream_->ChipAuthentication(
      std::move(start), link_.opened_at() + options_.session_timeout + options_.close_timeout,
      [this](v1::SessionEvent e) { OnChipAuthEvent(std::move(e)); },
      [this](grpc::Status status) { OnChipAuthEnd(status); }, trace_.Traceparent());
}

void Ws2Session::OnChipAuthEvent(v1::SessionEvent e) {
  if (state_ != State::kDialog || dialog_.phase() != ws2::Dialog::Phase::kChipAuthentication) return;
  ca_answered_ = true;
  switch (e.kind_case()) {
    case v1::SessionEvent::kCommandApdu:
      if (!dialog_.CommandSent()) return Close(Closing::Of(CloseReason::kServerError));
      ++apdus_;
      trace_.Command(e.command_apdu());
      SendBinary(ws2::ApduFrameBytes(e.command_apdu()));
      return ExpectPhone();
    case v1::SessionEvent::kV2ChipAuthentication: {
      v1::V2ChipAuthOutcome* o = e.mutable_v2_chip_authentication();
      LogInfo(
          "v2 chip authentication ended",
          {{"session_id", session_id_}, {"check", v1::CheckResult_Name(o->check_result())}, {"detail", o->detail()}});
      Handback(o->check_result(), o->has_keys() ? &o->keys() : nullptr, o->has_dg1() ? &o->dg1() : nullptr);
      o->Clear();  // keys and DG1
      return;
    }
    case v1::SessionEvent::kFailure:
      LogInfo("v2 chip authentication failed", {{"session_id", session_id_},
                                                {"reason", v1::FailureReason_Name(e.failure().reason())},
                                                {"detail", e.failure().detail()}});
      return Close(Closing::Of(CloseReasonForFailure(e.failure().reason())));
    default: return Close(Closing::Of(CloseReason::kServerError));
  }
}

void Ws2Session::OnChipAuthEnd(const grpc::Status& status) {
  ca_call_.reset();
  if (state_ != State::kDialog || dialog_.phase() != ws2::Dialog::Phase::kChipAuthentication) return;
  // The stream ended without an outcome. No second attempt: the chip's state has moved.
  ValidatorEnd end = DecideValidatorEnd(status, ca_answered_, /*retried=*/true);
  LogWarning("v2 chip authentication ended without an outcome", {{"session_id", session_id_},
                                                                 {"grpc_code", static_cast<int>(status.error_code())},
                                                                 {"grpc_message", status.error_message()}});
  Close(Closing::Of(end.reason));
}

void Ws2Session::Handback(v1::CheckResult check, const v1::SecureMessagingState* keys, const std::string* dg1) {
  ws2::SecureMessagingInfo sm;
  if (keys != nullptr) {
    sm.algorithm =
        keys->aes() ? ws2::SecureMessagingInfo::Algorithm::kAes : ws2::SecureMessagingInfo::Algorithm::kDesede;
    sm.enc_key = keys->enc_key();
    sm.mac_key = keys->mac_key();
    if (!SscValue(keys->ssc(), &sm.ssc)) {
      sm.Wipe();
      LogError("v2 chip authentication: an SSC over 64 bits", {{"session_id", session_id_}});
      return Close(Closing::Of(CloseReason::kServerError));
    }
  }
  ca_result_ = check == v1::CHECK_RESULT_UNSPECIFIED ? v1::UNAVAILABLE : check;
  const ws2::CaCheckResult result = ca_result_ == v1::SUCCESS  ? ws2::CaCheckResult::kSuccess
                                    : ca_result_ == v1::FAILED ? ws2::CaCheckResult::kFailed
                                                               : ws2::CaCheckResult::kUnavailable;
  if (dg1 != nullptr) SendBinary(ws2::FileFrameBytes(1, *dg1));  // before CA_HANDBACK (§3.3)
  SendText(ws2::CaHandbackFrame(result, keys != nullptr ? &sm : nullptr));
  trace_.Status("CA_HANDBACK");
  sm.Wipe();
  dialog_.HandbackSent(dg1 != nullptr ? std::optional<std::string>(*dg1) : std::nullopt);
  ExpectPhone();
}

void Ws2Session::OnFinish(ws2::FinishMessage finish) {
  idle_timer_->Cancel();
  trace_.Status("FINISH");
  send_result_ = finish.send_result;
  aa_signature_ = std::move(finish.aa_signature);
  state_ = State::kVerifying;
  Verify();
}

void Ws2Session::Verify() {
  v1::V2VerifyRequest request;
  request.set_session_id(session_id_);
  for (const auto& [sfi, bytes] : dialog_.files()) {
    if (sfi == ws2::kSfiSod) {
      request.set_sod(bytes);
    } else if (sfi == ws2::kSfiCom) {
      request.set_com(bytes);
    } else {
      (*request.mutable_data_groups())[static_cast<uint32_t>(sfi)] = bytes;
    }
  }
  request.set_aa_challenge(challenge_);
  if (aa_signature_) request.set_aa_signature(*aa_signature_);
  request.set_chip_authentication_result(ca_result_);
  request.set_include_files_binary(options_.include_binary_files);
  cancel_call_ = upstream_->Verify(
      std::move(request), link_.opened_at() + options_.session_timeout,
      [this](grpc::Status status, v1::V2VerifyResponse response) { OnVerified(status, std::move(response)); },
      trace_.Traceparent());
}

void Ws2Session::OnVerified(const grpc::Status& status, v1::V2VerifyResponse response) {
  cancel_call_ = nullptr;
  if (state_ != State::kVerifying) return;
  if (!status.ok()) {
    // As a v1 validator stream that ends before its first event (session_rules.h): UNAVAILABLE is
    // tried once more (another replica), RESOURCE_EXHAUSTED is TRY_AGAIN_LATER.
    ValidatorEnd end = DecideValidatorEnd(status, /*answered=*/false, verify_retried_);
    if (end.retry) {
      LogWarning("validator unreachable for the v2 verdict; retrying once",
                 {{"session_id", session_id_}, {"grpc_message", status.error_message()}});
      verify_retried_ = true;
      return Verify();
    }
    LogWarning("v2 verdict failed", {{"session_id", session_id_},
                                     {"grpc_code", static_cast<int>(status.error_code())},
                                     {"grpc_message", status.error_message()}});
    return Close(Closing::Of(end.reason));
  }
  if (response.refusal() != v1::V2_REFUSAL_NONE) {
    LogInfo("v2 files refused", {{"session_id", session_id_},
                                 {"refusal", v1::V2Refusal_Name(response.refusal())},
                                 {"detail", response.detail()}});
    return Close(ClosingForRefusal(response.refusal()));
  }
  dialog_.WipeFiles();  // the result holds what is still needed
  aa_signature_.reset();
  result_ = std::move(*response.mutable_result());
  state_ = State::kPosting;
  cancel_call_ = upstream_->Deliver(
      BuildDeliveryRequest(session_id_, client_id_, validation_id_, result_, forwarded_),
      link_.opened_at() + options_.session_timeout,
      [this](grpc::Status status, v1::DeliveryReport report) { OnPosted(status, report); }, trace_.Traceparent());
}

void Ws2Session::OnPosted(const grpc::Status& status, const v1::DeliveryReport& report) {
  cancel_call_ = nullptr;
  if (state_ != State::kPosting) return;
  CloseReason reason = CloseReasonForDelivery(status, report);
  if (reason != CloseReason::kSuccess) {
    LogUndelivered(session_id_, status, report);
    return Close(Closing::Of(reason));
  }
  if (send_result_) {
    // Text that is not UTF-8 was already replaced by ResultToJson; `replace` only guards the dump.
    SendText(ws2::ResultFrame(
        ResultToJson(result_, JsonCase::kCamel).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
  }
  Close(Closing::Of(CloseReason::kSuccess));
}

ProtocolFactory Ws2Protocol(GatewayContext& context, const Request& req, HeaderList forwarded) {
  const auto header = req[tracing::kTraceparentHeader];
  return [&context, forwarded = std::move(forwarded),
          traceparent = std::string(header.data(), header.size())](WsLink& link) -> std::unique_ptr<WsProtocol> {
    return std::make_unique<Ws2Session>(link, context.options(), context.dev(),
                                        std::make_unique<GrpcWs2Upstream>(context, link.Strand()), RandomChallenge,
                                        forwarded, traceparent);
  };
}

}  // namespace docval::gateway
